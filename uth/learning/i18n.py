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


MONTHS = (("januar", "January"), ("februar", "February"), ("marts", "March"), ("april", "April"), ("maj", "May"),
          ("juni", "June"), ("juli", "July"), ("august", "August"), ("september", "September"),
          ("oktober", "October"), ("november", "November"), ("december", "December"))


def month_label(key: str, short: bool = False) -> str:
    """A statistics month key ("2026-08") as people say it: "august 2026" (short: "aug"); English "August 2026"."""
    year, _sep, month = key.partition("-")
    if not (year.isdigit() and month.isdigit() and 1 <= int(month) <= 12):
        return key
    da, en = MONTHS[int(month) - 1]
    name = en if current_language() == "en" else da
    return name[:3] if short else f"{name} {year}"
