"""The audit trail in words (SPEC §13): each event kind and detail as a Danish message id (English in the catalog);
the CSV and the API keep the machine names."""
from __future__ import annotations

from uth.i18n import N_, code_label, gettext
from uth.taxonomy.services import label

# What happened, per event kind (`action` of an entry).
EVENTS: dict[str, str] = {
    "auth.login": N_("Logget ind"),
    "auth.logout": N_("Logget ud"),
    "user.created": N_("Bruger oprettet"),
    "user.activated": N_("Bruger aktiveret"),
    "user.deactivated": N_("Bruger deaktiveret"),
    "grant.created": N_("Rolle givet"),
    "grant.revoked": N_("Rolle fjernet"),
    "token.created": N_("API-nøgle oprettet"),
    "token.revoked": N_("API-nøgle tilbagekaldt"),
    "orgs.imported": N_("Organisationer indlæst"),
    "routing_rule.created": N_("Routingregel oprettet"),
    "routing_rule.enabled": N_("Routingregel aktiveret"),
    "routing_rule.disabled": N_("Routingregel deaktiveret"),
    "routing_rule.moved": N_("Routingregel flyttet"),
    "case.created": N_("Sag oprettet (indberetning modtaget)"),
    "case.imported": N_("Sag indlæst fra andet system"),
    "case.viewed": N_("Sag åbnet"),
    "case.personal_data_viewed": N_("Patientens oplysninger åbnet"),
    "case.routed": N_("Sag routet til en organisation"),
    "case.anonymised": N_("Sag anonymiseret"),
    "case.reporter_message": N_("Besked fra indberetter"),
    "case.acknowledge": N_("Kvitteret for modtagelse"),
    "case.assign": N_("Sagsbehandler tildelt"),
    "case.transfer": N_("Overført til anden organisation"),
    "case.classify": N_("Klassificeret"),
    "case.request_statement": N_("Udtalelse anmodet"),
    "case.respond": N_("Udtalelse afgivet"),
    "case.withdraw_statement": N_("Anmodning om udtalelse trukket tilbage"),
    "case.remind_statement": N_("Påmindelse om udtalelse sendt"),
    "case.comment": N_("Intern note"),
    "case.edit": N_("Tekst rettet"),
    "case.reject": N_("Afvist"),
    "case.close": N_("Afsluttet"),
    "case.reopen": N_("Genåbnet"),
    "case.message_reporter": N_("Besked til indberetter"),
    "deadline.overdue": N_("Frist overskredet"),
    "analysis.created": N_("Analyse startet"),
    "analysis.case_linked": N_("Sag tilføjet til analyse"),
    "analysis.status": N_("Analysens status ændret"),
    "analysis.entry_removed": N_("Punkt fjernet fra analyse"),
    "analysis.action_status": N_("Tiltagets status ændret"),
    "analysis.action_overdue": N_("Tiltag overskredet"),
    "analysis.team.added": N_("Teammedlem tilføjet"),
    "analysis.timeline.added": N_("Tidslinjepunkt tilføjet"),
    "analysis.causal_statements.added": N_("Årsagsudsagn tilføjet"),
    "analysis.contributing_factors.added": N_("Medvirkende faktor tilføjet"),
    "analysis.action_items.added": N_("Tiltag tilføjet"),
    "learning.created": N_("Læringsopsamling oprettet"),
    "learning.updated": N_("Læringsopsamling rettet"),
    "learning.published": N_("Læringsopsamling offentliggjort"),
    "learning.retracted": N_("Læringsopsamling trukket tilbage"),
    "learning.digest": N_("Læringsnyhedsbrev sendt"),
    "batch.saved": N_("Samlerapportering gemt"),
    "batch.locked": N_("Samlerapportering låst"),
    "export.audit_csv": N_("Revisionsspor eksporteret (CSV)"),
    "export.national": N_("Eksport til national database"),
}

# What each detail is, per key.
DETAILS: dict[str, str] = {
    "reference": N_("sag"),
    "shown": N_("viste"),
    "public": N_("fra patient/pårørende"),
    "handling_org": N_("håndteres af"),
    "anonymous": N_("anonym"),
    "assignee": N_("sagsbehandler"),
    "acknowledged": N_("kvitteret samtidig"),
    "from_org": N_("fra"),
    "to_org": N_("til"),
    "comment_given": N_("med kommentar"),
    "event_type": N_("hændelsestype"),
    "severity": N_("alvorlighed"),
    "severity_from": N_("tidligere alvorlighed"),
    "reason": N_("begrundelse"),
    "hash": N_("kædens hash"),
    "last_id": N_("sidste post nr."),
    "entries": N_("poster i alt"),
    "duplicate_of": N_("dublet af"),
    "org": N_("organisation"),
    "statement_id": N_("udtalelse nr."),
    "fields": N_("felter"),
    "accepted_findings": N_("fund godkendt som ikke personlige"),
    "message_id": N_("besked nr."),
    "previous": N_("tidligere status"),
    "deadline": N_("frist"),
    "due_on": N_("forfaldt"),
    "rule": N_("regel nr."),
    "name": N_("navn"),
    "catch_all": N_("fanger alle øvrige"),
    "direction": N_("retning"),
    "email": N_("e-mail"),
    "role": N_("rolle"),
    "scope": N_("omfang"),
    "prefix": N_("nøglen begynder med"),
    "sessions_ended": N_("sessioner afsluttet"),
    "method": N_("metode"),
    "entry_id": N_("punkt nr."),
    "part": N_("del"),
    "from": N_("fra"),
    "to": N_("til"),
    "analysis_id": N_("analyse nr."),
    "summary_id": N_("opsamling nr."),
    "cases": N_("sager"),
    "visibility": N_("synlighed"),
    "since": N_("siden"),
    "messages": N_("beskeder"),
    "month": N_("måned"),
    "cells": N_("celler"),
    "count": N_("antal"),
    "filters": N_("filtre"),
    "format": N_("format"),
    "outbox_purged": N_("e-mails slettet"),
    "history_redacted": N_("historik renset"),
    "messages_redacted": N_("beskeder renset"),
    "findings": N_("fund"),
    "file": N_("fil"),
    "deadlines_missed": N_("overskredne frister"),
    "up_to": N_("til og med"),
}

# Details whose value is a taxonomy code: shown with the term's label.
TAXONOMY_VALUES = {"event_type": "event_types", "severity": "severities", "severity_from": "severities",
                   "reason": "reject_reasons"}

# Words for the values that are codes.
VALUES: dict[str, str] = {
    "reporter": N_("indberetter"),
    "patient": N_("patient"),
    "anonymisation_findings": N_("anonymiseringsfund"),
    "close_check": N_("tjek før afslutning"),
    "up": N_("op"),
    "down": N_("ned"),
    "acknowledge_by": N_("kvittering"),
    "close_by": N_("afslutning"),
    "respond_by": N_("udtalelse"),
    "cluster": N_("klyngen"),
    "national": N_("hele landet"),
    "title": N_("overskrift"),
    "description": N_("beskrivelse"),
    "consequence": N_("konsekvens"),
    "prevention": N_("forebyggelse"),
    "conclusion": N_("konklusion"),
    "feedback": N_("tilbagemelding"),
    "patient_cpr": N_("patientens CPR-nummer"),
    "patient_name": N_("patientens navn"),
    "reporter_name": N_("indberetterens navn"),
    "reporter_email": N_("indberetterens e-mail"),
    "reporter_phone": N_("indberetterens telefon"),
    "reporter_profession": N_("indberetterens profession"),
    "summary": N_("resumé"),
    "learning_points": N_("læringspunkter"),
    "recommendations": N_("anbefalinger"),
    "draft": N_("kladde"),
    "in_review": N_("til review"),
    "approved": N_("godkendt"),
    "planned": N_("planlagt"),
    "in_progress": N_("i gang"),
    "done": N_("gennemført"),
    "cancelled": N_("annulleret"),
    "kaa": N_("kerneårsagsanalyse"),
    "rca2": N_("RCA²"),
    "event_analysis": N_("hændelsesanalyse"),
    "aggregated": N_("aggregeret analyse"),
    "risk_manager": N_("risikomanager"),
    "central_risk_manager": N_("central risikomanager"),
    "forum_member": N_("medlem af patientsikkerhedsforum"),
    "admin": N_("administrator"),
}


def event_label(action: str) -> str:
    """An event kind in words; an unknown one (an older kind) as it is stored."""
    return code_label(EVENTS, action)


def detail_label(key: str) -> str:
    """A detail's name in words."""
    return gettext(DETAILS[key]) if key in DETAILS else key.replace("_", " ")


FIELD_LABELS = {"title": N_("Overskrift"), "description": N_("Beskrivelse"), "consequence": N_("Konsekvens for patienten"),
                "prevention": N_("Forslag til forebyggelse"), "conclusion": N_("Konklusion"), "learning": N_("Læring"),
                "feedback": N_("Tilbagemelding til indberetter")}


def field_label(field: str) -> str:
    """A case's text field in words, as the edit and findings pages and the audit trail name it
    ("statement:12:answer" → "Svar i udtalelse 12", "message:3" → "Besked 3 i dialogen med indberetter")."""
    if field.startswith("message:"):
        return gettext("Besked %(id)s i dialogen med indberetter", id=field.split(":", 1)[1])
    if field.startswith("statement:") and field.count(":") == 2:
        _, sid, part = field.split(":")
        return gettext("Svar i udtalelse %(id)s", id=sid) if part == "answer" else gettext("Spørgsmål i udtalelse %(id)s", id=sid)
    return code_label(FIELD_LABELS, field)


def value_text(value, key: str | None = None) -> str:
    """A detail's value as a person reads it: yes/no, lists joined, codes in words, nothing as a dash."""
    if key in TAXONOMY_VALUES and TAXONOMY_VALUES[key] and isinstance(value, str):
        return label(TAXONOMY_VALUES[key], value)
    if value is None:
        return "–"
    if isinstance(value, bool):
        return gettext("ja") if value else gettext("nej")
    if isinstance(value, (list, tuple)):
        return ", ".join(value_text(v) for v in value) if value else "–"
    if isinstance(value, dict):
        return "; ".join(f"{detail_label(str(k))}: {value_text(v)}" for k, v in value.items()) or "–"
    if isinstance(value, str) and value in VALUES:
        return gettext(VALUES[value])
    if isinstance(value, str) and value.startswith(("statement:", "message:")):  # an edited text field
        words = field_label(value)
        return words[:1].lower() + words[1:]
    return str(value)


def detail_items(detail: dict | None, *, skip: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """(label, value) pairs of an entry's detail for the page."""
    return [(detail_label(k), value_text(v, k)) for k, v in (detail or {}).items() if k not in skip]


def event_choices() -> list[tuple[str, str]]:
    """(machine name, words) of every event kind, by words, for the trail's filter."""
    return sorted(((code, event_label(code)) for code in EVENTS), key=lambda pair: pair[1].lower())
