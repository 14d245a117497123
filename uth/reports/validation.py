"""Parses and checks a report (SPEC §3) from the API, the web forms and the history import alike."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import or_, select

from uth.auth.models import Organisation, User
from uth.clock import parse_datetime
from uth.errors import Invalid
from uth.extensions import db
from uth.reports.severity import ACTUAL, POSSIBLE, needs_possible, severity
from uth.taxonomy.services import codes

CPR_RE = re.compile(r"^(\d{2})(\d{2})(\d{2})-?(\d{4})$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
ATC_RE = re.compile(r"^[A-Z](\d{2}([A-Z]([A-Z](\d{2})?)?)?)?$")
PRECISIONS = ("known", "estimated", "unknown")
NCC_MERP = tuple("ABCDEFGHI")
TEXT_MAX = 20_000


@dataclass
class NewReport:
    """A checked report, ready for submit_report."""

    occurred_at: datetime
    occurred_at_precision: str
    title: str
    description: str
    actual_consequence: str
    possible_consequence: str | None
    severity: str
    event_org: Organisation | None = None
    reporting_org: Organisation | None = None
    transition_type: str | None = None
    transition_from: Organisation | None = None
    transition_to: Organisation | None = None
    involved: list[tuple[Organisation, str]] = field(default_factory=list)
    event_type: str | None = None
    consequence: str | None = None
    prevention: str | None = None
    patient_cpr: str | None = None
    patient_name: str | None = None
    reporter_name: str | None = None
    reporter_email: str | None = None
    reporter_phone: str | None = None
    reporter_profession: str | None = None
    reporter_anonymous: bool = False
    medication: dict | None = None
    device: dict | None = None
    ncc_merp: str | None = None
    sac: int | None = None
    received_at: datetime | None = None


def valid_cpr(value: str) -> str | None:
    """The CPR number as DDMMYY-SSSS when its first six digits are a real date, else None."""
    m = CPR_RE.match(value.strip())
    if not m:
        return None
    day, month, yy = int(m.group(1)), int(m.group(2)), int(m.group(3))
    for century in (1900, 2000):
        try:
            date(century + yy, month, day)
            return f"{m.group(1)}{m.group(2)}{m.group(3)}-{m.group(4)}"
        except ValueError:
            continue
    return None


def _text(data: dict, key: str, errors: dict, *, required=False, min_len=0, max_len=TEXT_MAX, label="") -> str | None:
    value = data.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors.setdefault(key, []).append(f"{label or 'Feltet'} skal udfyldes")
        return None
    if not isinstance(value, str):
        errors.setdefault(key, []).append("Skal være tekst")
        return None
    value = value.strip()
    if len(value) < min_len:
        errors.setdefault(key, []).append(f"Skal være mindst {min_len} tegn (nu {len(value)})")
    elif len(value) > max_len:
        errors.setdefault(key, []).append(f"Må højst være {max_len} tegn (nu {len(value)})")
    return value


def _orgs_named_in(data: dict, reporter: User | None) -> dict[str, Organisation]:
    """Every organisation the report names, by code, in one query (and the reporter's own, so
    `reporter.primary_org` needs none)."""
    transition = data.get("transition") if isinstance(data.get("transition"), dict) else {}
    involved = data.get("involved_orgs") if isinstance(data.get("involved_orgs"), list) else []
    named = [data.get("event_org"), data.get("reporting_org"), transition.get("from_org"), transition.get("to_org")]
    named += [item.get("org") for item in involved if isinstance(item, dict)]
    wanted = Organisation.code.in_({code for code in named if isinstance(code, str) and code})
    if reporter is not None and reporter.primary_org_id is not None:
        wanted = or_(wanted, Organisation.id == reporter.primary_org_id)
    return {org.code: org for org in db.session.scalars(select(Organisation).where(wanted))}


def _org(code: Any, key: str, errors: dict, orgs: dict[str, Organisation]) -> Organisation | None:
    if code in (None, ""):
        return None
    org = orgs.get(code) if isinstance(code, str) else None
    if org is None:
        errors.setdefault(key, []).append(f"Ukendt organisation: {code}")
    return org


def _obj(data: dict, key: str, errors: dict) -> dict:
    value = data.get(key)
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        errors.setdefault(key, []).append("Skal være et objekt")
        return {}
    return value


def _small_object(value: dict, keys: tuple[str, ...], prefix: str, errors: dict) -> dict | None:
    out = {}
    for k in keys:
        v = value.get(k)
        if v in (None, ""):
            continue
        if not isinstance(v, str) or len(v) > 200:
            errors.setdefault(f"{prefix}_{k}", []).append("Skal være tekst på højst 200 tegn")
            continue
        out[k] = v.strip()
    return out or None


def parse_report(data: Any, *, public: bool, reporter: User | None, now: datetime, allow_received_at: bool = False) -> NewReport:
    """Check every field of SPEC §3; raises Invalid with all field errors at once."""
    if not isinstance(data, dict):
        raise Invalid({"body": ["Forventede et JSON-objekt"]})
    errors: dict[str, list[str]] = {}

    received_at = now
    if allow_received_at and data.get("received_at") not in (None, ""):
        received_at = parse_datetime(data.get("received_at"))
        if received_at is None:
            errors["received_at"] = ["Ugyldig dato og tid (ISO 8601)"]
            received_at = now
        elif received_at > now:
            errors["received_at"] = ["Modtagelsestidspunktet må ikke ligge i fremtiden"]

    occurred_at = parse_datetime(data.get("occurred_at"))
    if data.get("occurred_at") in (None, ""):
        errors["occurred_at"] = ["Tidspunkt for hændelsen skal udfyldes"]
    elif occurred_at is None:
        errors["occurred_at"] = ["Ugyldig dato og tid (ISO 8601, fx 2026-11-20T14:30)"]
    elif occurred_at > received_at + timedelta(minutes=5):
        errors["occurred_at"] = ["Tidspunktet må ikke ligge i fremtiden" if received_at == now
                                 else "Hændelsen kan ikke være sket efter, at rapporten blev modtaget"]
    precision = data.get("occurred_at_precision") or "known"
    if precision not in PRECISIONS:
        errors["occurred_at_precision"] = [f"Skal være en af: {', '.join(PRECISIONS)}"]

    title = _text(data, "title", errors, required=True, max_len=200, label="Overskrift")
    description = _text(data, "description", errors, required=True, min_len=20, label="Beskrivelse")
    consequence = _text(data, "consequence", errors)
    prevention = _text(data, "prevention", errors)

    actual = data.get("actual_consequence")
    possible = data.get("possible_consequence") or None
    if actual in (None, ""):
        errors["actual_consequence"] = ["Faktisk konsekvens skal udfyldes"]
    elif actual not in ACTUAL:
        errors["actual_consequence"] = [f"Skal være en af: {', '.join(ACTUAL)}"]
    if actual in ACTUAL and needs_possible(actual):
        if possible is None:
            errors["possible_consequence"] = ["Mulig konsekvens skal udfyldes når den faktiske er ingen eller lettere"]
        elif possible not in POSSIBLE:
            errors["possible_consequence"] = [f"Skal være en af: {', '.join(POSSIBLE)}"]
        elif actual == "minor" and possible == "none":
            errors["possible_consequence"] = ["Den mulige konsekvens kan ikke være mindre end den faktiske"]
    elif possible is not None and possible not in POSSIBLE:
        errors["possible_consequence"] = [f"Skal være en af: {', '.join(POSSIBLE)}"]
    if actual in ACTUAL and not needs_possible(actual):
        possible = None

    orgs = _orgs_named_in(data, reporter)
    event_org = _org(data.get("event_org"), "event_org", errors, orgs)
    reporting_org = None
    if not public:
        reporting_org = _org(data.get("reporting_org"), "reporting_org", errors, orgs)
        if data.get("reporting_org") in (None, "") and reporter is not None:
            reporting_org = reporter.primary_org
        if event_org is None and reporting_org is None and "event_org" not in errors and "reporting_org" not in errors:
            errors["event_org"] = ["Angiv hvor hændelsen skete"]
    elif event_org is None and "event_org" not in errors:
        errors["event_org"] = ["Angiv hvor hændelsen skete"]

    transition = _obj(data, "transition", errors)
    t_type = transition.get("type") or None
    t_from = _org(transition.get("from_org"), "transition_from_org", errors, orgs)
    t_to = _org(transition.get("to_org"), "transition_to_org", errors, orgs)
    if t_type is not None and t_type not in codes("transition_types"):
        errors["transition_type"] = [f"Ukendt overgangstype: {t_type}"]
    if t_type is None and (t_from or t_to):
        errors["transition_type"] = ["Angiv typen af overgang"]

    involved: list[tuple[Organisation, str]] = []
    raw_involved = data.get("involved_orgs") or []
    if not isinstance(raw_involved, list):
        errors["involved_orgs"] = ["Skal være en liste af {org, role}"]
        raw_involved = []
    roles = codes("involved_roles")
    for i, item in enumerate(raw_involved):
        if not isinstance(item, dict):
            errors.setdefault("involved_orgs", []).append(f"Nr. {i + 1}: skal være {{org, role}}")
            continue
        org = _org(item.get("org"), "involved_orgs", errors, orgs)
        role = item.get("role") or "involved"
        if role not in roles:
            errors.setdefault("involved_orgs", []).append(f"Nr. {i + 1}: ukendt rolle {role}")
        elif org is not None:
            involved.append((org, role))

    event_type = data.get("event_type") or None
    if event_type is not None and event_type not in codes("event_types"):
        errors["event_type"] = [f"Ukendt hændelsestype: {event_type}"]

    patient = _obj(data, "patient", errors)
    cpr = None
    if patient.get("cpr") not in (None, ""):
        cpr = valid_cpr(str(patient["cpr"]))
        if cpr is None:
            errors["patient_cpr"] = ["CPR-nummer skal have formen DDMMÅÅ-XXXX med en gyldig dato"]
    patient_name = _text(patient, "name", errors, max_len=200)

    rep = _obj(data, "reporter", errors)
    rep_email = _text(rep, "email", errors, max_len=254)
    if rep_email and not EMAIL_RE.match(rep_email):
        errors["reporter_email"] = ["Ugyldig e-mailadresse"]
    rep_phone = _text(rep, "phone", errors, max_len=40)
    if rep_phone and not re.fullmatch(r"[+\d][\d\s\-]{5,}", rep_phone):
        errors["reporter_phone"] = ["Ugyldigt telefonnummer"]
    anonymous = rep.get("anonymous", False)
    if isinstance(anonymous, str):
        anonymous = anonymous.lower() in ("1", "true", "on", "yes", "ja")

    medication = _small_object(_obj(data, "medication", errors), ("name", "substance", "atc", "route", "strength"), "medication", errors)
    if medication and medication.get("atc") and not ATC_RE.match(medication["atc"].upper()):
        errors["medication_atc"] = ["Ugyldig ATC-kode (fx N02BE01)"]
    device = _small_object(_obj(data, "device", errors), ("type", "name", "model"), "device", errors)

    ncc = data.get("ncc_merp") or None
    if ncc is not None and ncc not in NCC_MERP:
        errors["ncc_merp"] = ["Skal være en af A–I"]
    sac = data.get("sac")
    if sac in ("", None):
        sac = None
    else:
        try:
            sac = int(sac)
            if sac not in (1, 2, 3):
                raise ValueError
        except (TypeError, ValueError):
            errors["sac"] = ["Skal være 1, 2 eller 3"]
            sac = None

    for key in ("reporter_name", "reporter_profession"):
        _text(rep, key.split("_", 1)[1], errors, max_len=200)

    if errors:
        raise Invalid(errors)
    return NewReport(
        occurred_at=occurred_at, occurred_at_precision=precision, title=title, description=description,
        actual_consequence=actual, possible_consequence=possible, severity=severity(actual, possible),
        event_org=event_org, reporting_org=reporting_org, transition_type=t_type, transition_from=t_from,
        transition_to=t_to, involved=involved, event_type=event_type, consequence=consequence,
        prevention=prevention, patient_cpr=cpr, patient_name=patient_name,
        reporter_name=(rep.get("name") or "").strip() or None, reporter_email=rep_email, reporter_phone=rep_phone,
        reporter_profession=(rep.get("profession") or "").strip() or None, reporter_anonymous=bool(anonymous),
        medication=medication, device=device, ncc_merp=ncc, sac=sac, received_at=received_at,
    )
