"""The audit trail in words (SPEC §13): each event kind and detail in Danish and English for the page;
the CSV and the API keep the machine names."""
from __future__ import annotations

from flask import g

from uth.i18n import current_language
from uth.taxonomy.services import labels

# What happened, per event kind (`action` of an entry).
EVENTS: dict[str, tuple[str, str]] = {
    "auth.login": ("Logget ind", "Signed in"),
    "auth.logout": ("Logget ud", "Signed out"),
    "user.created": ("Bruger oprettet", "User created"),
    "user.activated": ("Bruger aktiveret", "User activated"),
    "user.deactivated": ("Bruger deaktiveret", "User deactivated"),
    "grant.created": ("Rolle givet", "Role given"),
    "grant.revoked": ("Rolle fjernet", "Role removed"),
    "token.created": ("API-nøgle oprettet", "API token created"),
    "token.revoked": ("API-nøgle tilbagekaldt", "API token revoked"),
    "orgs.imported": ("Organisationer indlæst", "Organisations imported"),
    "routing_rule.created": ("Routingregel oprettet", "Routing rule created"),
    "routing_rule.enabled": ("Routingregel aktiveret", "Routing rule enabled"),
    "routing_rule.disabled": ("Routingregel deaktiveret", "Routing rule disabled"),
    "routing_rule.moved": ("Routingregel flyttet", "Routing rule moved"),
    "case.created": ("Sag oprettet (indberetning modtaget)", "Case created (report received)"),
    "case.imported": ("Sag indlæst fra andet system", "Case imported from another system"),
    "case.viewed": ("Sag åbnet", "Case opened"),
    "case.personal_data_viewed": ("Patientens oplysninger åbnet", "Patient's data opened"),
    "case.routed": ("Sag routet til en organisation", "Case routed to an organisation"),
    "case.anonymised": ("Sag anonymiseret", "Case anonymised"),
    "case.reporter_message": ("Besked fra indberetter", "Message from the reporter"),
    "case.acknowledge": ("Kvitteret for modtagelse", "Acknowledged"),
    "case.assign": ("Sagsbehandler tildelt", "Handler assigned"),
    "case.transfer": ("Overført til anden organisation", "Transferred to another organisation"),
    "case.classify": ("Klassificeret", "Classified"),
    "case.request_statement": ("Udtalelse anmodet", "Statement requested"),
    "case.respond": ("Udtalelse afgivet", "Statement given"),
    "case.withdraw_statement": ("Anmodning om udtalelse trukket tilbage", "Statement request withdrawn"),
    "case.remind_statement": ("Påmindelse om udtalelse sendt", "Statement reminder sent"),
    "case.comment": ("Intern note", "Internal note"),
    "case.edit": ("Tekst rettet", "Text corrected"),
    "case.reject": ("Afvist", "Rejected"),
    "case.close": ("Afsluttet", "Closed"),
    "case.reopen": ("Genåbnet", "Reopened"),
    "case.message_reporter": ("Besked til indberetter", "Message to the reporter"),
    "deadline.overdue": ("Frist overskredet", "Deadline overdue"),
    "analysis.created": ("Analyse startet", "Analysis started"),
    "analysis.case_linked": ("Sag tilføjet til analyse", "Case added to an analysis"),
    "analysis.status": ("Analysens status ændret", "Analysis status changed"),
    "analysis.entry_removed": ("Punkt fjernet fra analyse", "Entry removed from an analysis"),
    "analysis.action_status": ("Tiltagets status ændret", "Action item status changed"),
    "analysis.action_overdue": ("Tiltag overskredet", "Action item overdue"),
    "analysis.team.added": ("Teammedlem tilføjet", "Team member added"),
    "analysis.timeline.added": ("Tidslinjepunkt tilføjet", "Timeline entry added"),
    "analysis.causal_statements.added": ("Årsagsudsagn tilføjet", "Causal statement added"),
    "analysis.contributing_factors.added": ("Medvirkende faktor tilføjet", "Contributing factor added"),
    "analysis.action_items.added": ("Tiltag tilføjet", "Action item added"),
    "learning.created": ("Læringsopsamling oprettet", "Learning summary created"),
    "learning.updated": ("Læringsopsamling rettet", "Learning summary edited"),
    "learning.published": ("Læringsopsamling offentliggjort", "Learning summary published"),
    "learning.retracted": ("Læringsopsamling trukket tilbage", "Learning summary retracted"),
    "learning.digest": ("Læringsnyhedsbrev sendt", "Learning digest sent"),
    "batch.saved": ("Samlerapportering gemt", "Batch report saved"),
    "batch.locked": ("Samlerapportering låst", "Batch report locked"),
    "export.audit_csv": ("Revisionsspor eksporteret (CSV)", "Audit trail exported (CSV)"),
    "export.national": ("Eksport til national database", "National export"),
}

# What each detail is, per key.
DETAILS: dict[str, tuple[str, str]] = {
    "reference": ("sag", "case"),
    "shown": ("viste", "shown"),
    "public": ("fra patient/pårørende", "from a patient or relative"),
    "handling_org": ("håndteres af", "handled by"),
    "anonymous": ("anonym", "anonymous"),
    "assignee": ("sagsbehandler", "handler"),
    "acknowledged": ("kvitteret samtidig", "acknowledged with it"),
    "from_org": ("fra", "from"),
    "to_org": ("til", "to"),
    "comment_given": ("med kommentar", "with a comment"),
    "event_type": ("hændelsestype", "event type"),
    "severity": ("alvorlighed", "severity"),
    "severity_from": ("tidligere alvorlighed", "previous severity"),
    "reason": ("begrundelse", "reason"),
    "duplicate_of": ("dublet af", "duplicate of"),
    "org": ("organisation", "organisation"),
    "statement_id": ("udtalelse nr.", "statement no."),
    "fields": ("felter", "fields"),
    "accepted_findings": ("fund godkendt som ikke personlige", "findings accepted as not personal"),
    "message_id": ("besked nr.", "message no."),
    "previous": ("tidligere status", "previous status"),
    "deadline": ("frist", "deadline"),
    "due_on": ("forfaldt", "due on"),
    "rule": ("regel nr.", "rule no."),
    "name": ("navn", "name"),
    "catch_all": ("fanger alle øvrige", "catches all others"),
    "direction": ("retning", "direction"),
    "email": ("e-mail", "e-mail"),
    "role": ("rolle", "role"),
    "scope": ("omfang", "scope"),
    "prefix": ("nøglen begynder med", "token starts with"),
    "sessions_ended": ("sessioner afsluttet", "sessions ended"),
    "method": ("metode", "method"),
    "entry_id": ("punkt nr.", "entry no."),
    "part": ("del", "part"),
    "from": ("fra", "from"),
    "to": ("til", "to"),
    "analysis_id": ("analyse nr.", "analysis no."),
    "summary_id": ("opsamling nr.", "summary no."),
    "cases": ("sager", "cases"),
    "visibility": ("synlighed", "visibility"),
    "since": ("siden", "since"),
    "messages": ("beskeder", "messages"),
    "month": ("måned", "month"),
    "cells": ("celler", "cells"),
    "count": ("antal", "count"),
    "filters": ("filtre", "filters"),
    "format": ("format", "format"),
    "outbox_purged": ("e-mails slettet", "e-mails deleted"),
    "history_redacted": ("historik renset", "history cleaned"),
    "messages_redacted": ("beskeder renset", "messages cleaned"),
    "findings": ("fund", "findings"),
    "file": ("fil", "file"),
    "deadlines_missed": ("overskredne frister", "deadlines missed"),
    "up_to": ("til og med", "up to"),
}

# Details whose value is a taxonomy code: shown with the term's label.
TAXONOMY_VALUES = {"event_type": "event_types", "severity": "severities", "severity_from": "severities",
                   "reason": "reject_reasons"}

# Words for the values that are codes.
VALUES: dict[str, tuple[str, str]] = {
    "reporter": ("indberetter", "reporter"),
    "patient": ("patient", "patient"),
    "anonymisation_findings": ("anonymiseringsfund", "anonymisation findings"),
    "up": ("op", "up"),
    "down": ("ned", "down"),
    "acknowledge_by": ("kvittering", "receipt"),
    "close_by": ("afslutning", "closure"),
    "respond_by": ("udtalelse", "statement"),
    "cluster": ("klyngen", "the cluster"),
    "national": ("hele landet", "national"),
    "title": ("overskrift", "title"),
    "description": ("beskrivelse", "description"),
    "consequence": ("konsekvens", "consequence"),
    "prevention": ("forebyggelse", "prevention"),
    "summary": ("resumé", "summary"),
    "learning_points": ("læringspunkter", "learning points"),
    "recommendations": ("anbefalinger", "recommendations"),
    "draft": ("kladde", "draft"),
    "in_review": ("til review", "in review"),
    "approved": ("godkendt", "approved"),
    "planned": ("planlagt", "planned"),
    "in_progress": ("i gang", "in progress"),
    "done": ("gennemført", "done"),
    "cancelled": ("annulleret", "cancelled"),
    "kaa": ("kerneårsagsanalyse", "core cause analysis (KÅA)"),
    "rca2": ("RCA²", "RCA²"),
    "event_analysis": ("hændelsesanalyse", "event analysis"),
    "aggregated": ("aggregeret analyse", "aggregated analysis"),
    "risk_manager": ("risikomanager", "risk manager"),
    "central_risk_manager": ("central risikomanager", "central risk manager"),
    "forum_member": ("medlem af patientsikkerhedsforum", "patient-safety forum member"),
    "admin": ("administrator", "administrator"),
}


def _pick(pair: tuple[str, str]) -> str:
    return pair[1] if current_language() == "en" else pair[0]


def event_label(action: str) -> str:
    """An event kind in words; an unknown one (an older kind) as it is stored."""
    return _pick(EVENTS[action]) if action in EVENTS else action


def detail_label(key: str) -> str:
    """A detail's name in words."""
    return _pick(DETAILS[key]) if key in DETAILS else key.replace("_", " ")


def _term(kind: str, code: str) -> str:
    """A taxonomy term's label in the current language (the labels read once per request)."""
    cache = g.setdefault("audit_term_labels", {})
    if kind not in cache:
        cache[kind] = labels(kind, current_language())
    return cache[kind].get(code, code)


def value_text(value, key: str | None = None) -> str:
    """A detail's value as a person reads it: yes/no, lists joined, codes in words, nothing as a dash."""
    if key in TAXONOMY_VALUES and TAXONOMY_VALUES[key] and isinstance(value, str):
        return _term(TAXONOMY_VALUES[key], value)
    if value is None:
        return "–"
    if isinstance(value, bool):
        return _pick(("ja", "yes") if value else ("nej", "no"))
    if isinstance(value, (list, tuple)):
        return ", ".join(value_text(v) for v in value) if value else "–"
    if isinstance(value, dict):
        return "; ".join(f"{detail_label(str(k))}: {value_text(v)}" for k, v in value.items()) or "–"
    if isinstance(value, str) and value in VALUES:
        return _pick(VALUES[value])
    return str(value)


def detail_items(detail: dict | None, *, skip: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """(label, value) pairs of an entry's detail for the page."""
    return [(detail_label(k), value_text(v, k)) for k, v in (detail or {}).items() if k not in skip]


def event_choices() -> list[tuple[str, str]]:
    """(machine name, words) of every event kind, by words, for the trail's filter."""
    return sorted(((code, event_label(code)) for code in EVENTS), key=lambda pair: pair[1].lower())
