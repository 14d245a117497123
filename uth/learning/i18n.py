"""English texts of the learning pages (keyed by the Danish text) and labels of learning codes."""
from __future__ import annotations

from uth.i18n import current_language

CODE_LABELS = {
    "draft": ("Kladde", "Draft"), "published": ("Offentliggjort", "Published"), "retracted": ("Trukket tilbage", "Retracted"),
    "title": ("Overskrift", "Title"), "summary": ("Opsummering", "Summary"),
    "learning_points": ("Læringspunkter", "Learning points"), "recommendations": ("Anbefalinger", "Recommendations"),
    "name": ("navn", "name"), "cpr": ("CPR-nummer", "CPR number"), "phone": ("telefonnummer", "phone number"),
    "email": ("e-mail", "e-mail"),
}


def code_label(code: str) -> str:
    """A status, field or finding kind of the learning feature in the current language."""
    da, en = CODE_LABELS.get(code, (code, code))
    return en if current_language() == "en" else da


LEARNING_EN = {
    "Læring": "Learning",
    "Statistik": "Statistics",
    "Samlerapportering": "Batch reporting",
    "Læring på tværs af sektorer": "Learning across sectors",
    "Offentliggjorte læringsopsummeringer for din klynge og hele landet.": "Published learning summaries for your cluster and the whole country.",
    "Nyt siden sidst": "New since last time",
    "Søg i læring": "Search learning",
    "Alle": "All",
    "Sektorpar": "Sector pair",
    "Kladder og tilbagetrukne i dit område": "Drafts and retracted summaries in your area",
    "Offentliggjort læring": "Published learning",
    "Landsdækkende": "National",
    "Klynge": "Cluster",
    "Ingen læringsopsummeringer matcher.": "No learning summaries match.",
    "Ny læring siden": "New learning since",
    "Siden": "Since",
    "Vis": "Show",
    "Ingen nye læringsopsummeringer.": "No new learning summaries.",
    "Offentliggjort": "Published",
    "Opsummeringen kan ikke offentliggøres: der er fundet mulige personoplysninger.": "The summary cannot be published: possible personal data was found.",
    "Ret teksten, eller markér fund som ikke personoplysninger.": "Edit the text, or mark findings as not personal data.",
    "ikke personoplysning": "not personal data",
    "Offentliggør alligevel med de markerede fund": "Publish with the marked findings accepted",
    "Opsummering": "Summary",
    "Læringspunkter": "Learning points",
    "Anbefalinger": "Recommendations",
    "Synlighed": "Visibility",
    "Klyngens patientsikkerhedsforum": "The cluster's patient-safety forum",
    "Gem kladde": "Save draft",
    "Offentliggør": "Publish",
    "Træk tilbage": "Retract",
    "Kilder": "Sources",
    "Skriv læring": "Write learning",
    "Kategori": "Category",
    "Antal": "Count",
    "I alt": "Total",
    "Hent som CSV": "Download as CSV",
    "Antal hændelser i dit område, inklusive samlerapportering. Celler under %(n)s vises som \"< %(n)s\", så ingen enkeltsag kan genkendes.":
        "Events in your area, batch reporting included. Cells under %(n)s show as \"< %(n)s\" so that no single case can be recognised.",
    "Hændelser pr. måned": "Events per month",
    "Ingen data i perioden.": "No data in the period.",
    "Efter hændelsestype": "By event type",
    "Efter sektorovergang": "By sector transition",
    "Efter sektorpar": "By sector pair",
    "Efter alvorlighed": "By severity",
    "Ikke angivet": "Not given",
    "Antal fald og medicin ikke givet pr. enhed og måned, uden beskrivelse. Tallene indgår i statistikken, ikke i sagskøen.":
        "Falls and medicine not given per unit and month, without narrative. The counts feed the statistics, not the case queue.",
    "Tallene er gemt.": "The counts have been saved.",
    "Måned": "Month",
    "Enhed": "Unit",
    "Låst": "Locked",
    "Gem tal": "Save counts",
    "Lås måneden": "Lock the month",
    "Samlet læring fra flere afsluttede sager (sagsnumre)": "Aggregated learning from several closed cases (references)",
    "Opret kladde": "Create draft",
    "Lås %(month)s for %(org)s": "Lock %(month)s for %(org)s",
}
