"""Parses and checks a report (SPEC §3) from the API, the web forms, FHIR and the history import alike:
one parser per section of the report, each on the shared field rules of `uth.fields`; the
classification rules (consequences, event type, NCC MERP, SAC) are shared with the `classify` action."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from uth import fields
from uth.auth.models import Organisation, User
from uth.clock import parse_datetime
from uth.errors import Invalid
from uth.extensions import db
from uth.fields import Errors, add, choice, obj, text
from uth.i18n import Message, message
from uth.reports.places import Places, shown_label
from uth.reports.severity import ACTUAL, POSSIBLE, needs_possible, severity
from uth.routing.services import organisations
from uth.taxonomy.services import codes

CPR_RE = re.compile(r"^(\d{2})(\d{2})(\d{2})-?(\d{4})$", re.ASCII)  # ASCII: no full-width or Arabic digits
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE_RE = re.compile(r"[+\d][\d\s\-]{5,}")
ATC_RE = re.compile(r"^[A-Z](\d{2}([A-Z]([A-Z](\d{2})?)?)?)?$")
PRECISIONS = ("known", "estimated", "unknown")
NCC_MERP = tuple("ABCDEFGHI")
SAC = (1, 2, 3)
TEXT_MAX = fields.TEXT_MAX

# The body of a report (SPEC §3) and of its nested objects: with `strict` (the API) any other field is
# refused by name, a nested one by its flattened name (`patient_age`).
MEDICATION_FIELDS = ("name", "substance", "atc", "route", "strength")
DEVICE_FIELDS = ("type", "name", "model")
NESTED_FIELDS = {
    "transition": ("type", "from_org", "to_org"),
    "patient": ("cpr", "name"),
    "reporter": ("name", "email", "phone", "profession", "anonymous"),
    "medication": MEDICATION_FIELDS,
    "device": DEVICE_FIELDS,
}
INVOLVED_FIELDS = ("org", "role")
CLASSIFICATION_FIELDS = ("event_type", "actual_consequence", "possible_consequence", "ncc_merp", "sac")
REPORT_FIELDS = ("occurred_at", "occurred_at_precision", "event_org", "reporting_org", "involved_orgs", "title",
                 "description", "consequence", "prevention", *CLASSIFICATION_FIELDS, *NESTED_FIELDS)


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


EARLIEST_YEAR = 1900  # an event or a receipt before this is a typing error


def _year(value: Any) -> int:
    """The year a date text names, EARLIEST_YEAR when it names none."""
    try:
        return datetime.fromisoformat(value.strip().replace("Z", "+00:00")).year if isinstance(value, str) else EARLIEST_YEAR
    except ValueError:
        return EARLIEST_YEAR


def _datetime(value: Any) -> tuple[datetime | None, Message | None]:
    """A date and time a person or a client gave, or the message in plain words why not."""
    if fields.blank(value):
        return None, message("Dato og tid skal udfyldes")
    parsed = parse_datetime(value)
    if parsed is not None and parsed.year >= EARLIEST_YEAR:
        return parsed, None
    if parsed is not None or _year(value) < EARLIEST_YEAR:
        return None, message("Dato og tid må ikke ligge før år %(year)s", year=EARLIEST_YEAR)
    if isinstance(value, str) and re.match(r"^\s*\d{5,}-", value):
        return None, message("Dato og tid skal have et årstal med 4 cifre, fx 2026")
    return None, message("Dato og tid skal være en gyldig dato med klokkeslæt, fx 20-11-2026 kl. 14:30")


def _orgs_named_in(data: dict, reporter: User | None) -> dict[str, Organisation]:
    """Every organisation the report names, by code, with at most one query (and the reporter's
    own, so `reporter.primary_org` needs none): routing keeps them per process."""
    transition = data.get("transition") if isinstance(data.get("transition"), dict) else {}
    involved = data.get("involved_orgs") if isinstance(data.get("involved_orgs"), list) else []
    named = [data.get("event_org"), data.get("reporting_org"), transition.get("from_org"), transition.get("to_org")]
    named += [item.get("org") for item in involved if isinstance(item, dict)]
    ids = [reporter.primary_org_id] if reporter is not None and reporter.primary_org_id is not None else []
    return {org.code: org for org in organisations({code for code in named if isinstance(code, str) and code}, ids)}


def _org(value: Any, key: str, errors: dict, orgs: dict[str, Organisation], places: Places,
         public: bool) -> Organisation | None:
    """The organisation a code, a name or a picked place names; an error that lists the candidates
    when the name fits several or none."""
    if fields.blank(value):
        return None
    org = orgs.get(value) if isinstance(value, str) else None
    if org is not None:
        return org
    if not isinstance(value, str):
        errors.setdefault(key, []).append(message("Ukendt organisation: %(name)s", name=str(value)))
        return None
    found = places.find(value)
    if len(found) == 1:
        return found[0]
    candidates, several = places.candidates(value)
    named = "; ".join(shown_label(o, public=public) for o in candidates)
    if several:
        errors.setdefault(key, []).append(message(
            "Flere steder hedder %(name)s: %(candidates)s. Vælg et af dem fra listen", name=value, candidates=named))
    elif candidates:
        errors.setdefault(key, []).append(message(
            "Ukendt sted: %(name)s. Mente du: %(candidates)s?", name=value, candidates=named))
    else:
        errors.setdefault(key, []).append(message("Ukendt sted: %(name)s. Skriv navnet, eller vælg fra listen", name=value))
    return None



# --- the classification rules: a new report and the `classify` action share them ------------------

def event_type_field(data: dict, errors: Errors, *, default: str | None = None) -> str | None:
    """A taxonomy event type, or None when left out (`default` stands in for a field left out)."""
    value = data.get("event_type", default)
    if fields.blank(value):
        return None
    if not isinstance(value, str) or value not in codes("event_types"):
        add(errors, "event_type", message("Ukendt hændelsestype: %(code)s", code=str(value)))
        return None
    return value


def consequences(data: dict, errors: Errors, *, defaults: tuple[str | None, str | None] = (None, None)
                 ) -> tuple[str | None, str | None]:
    """(actual, possible) consequence (SPEC §3): the possible one is asked only when the actual one is
    none or minor, and is never less than it. `defaults` stand in for fields left out (classify)."""
    one_of = "Skal være en af: %(choices)s"
    actual = data.get("actual_consequence", defaults[0])
    possible = data.get("possible_consequence", defaults[1])
    possible = None if fields.blank(possible) else possible
    if fields.blank(actual):
        add(errors, "actual_consequence", message("Vælg, hvad hændelsen betød for patienten"))
        actual = None
    elif not isinstance(actual, str) or actual not in ACTUAL:
        add(errors, "actual_consequence", message(one_of, choices=", ".join(ACTUAL)))
        actual = None
    bad_possible = possible is not None and (not isinstance(possible, str) or possible not in POSSIBLE)
    if actual is not None and needs_possible(actual):
        if possible is None:
            add(errors, "possible_consequence", message(
                "Vælg, hvad hændelsen kunne have ført til (skal besvares, når patienten ikke kom alvorligt til skade)"))
        elif bad_possible:
            add(errors, "possible_consequence", message(one_of, choices=", ".join(POSSIBLE)))
        elif actual == "minor" and possible == "none":
            add(errors, "possible_consequence", message("Den mulige konsekvens kan ikke være mindre end den faktiske"))
    elif bad_possible:
        add(errors, "possible_consequence", message(one_of, choices=", ".join(POSSIBLE)))
    if actual is not None and not needs_possible(actual):
        possible = None
    return actual, possible


def scales(data: dict, errors: Errors, *, defaults: tuple[str | None, int | None] = (None, None)
           ) -> tuple[str | None, int | None]:
    """The optional extra scales (SPEC §3): NCC MERP A–I and SAC 1–3 (a whole number, also as text)."""
    ncc = data.get("ncc_merp", defaults[0])
    if fields.blank(ncc):
        ncc = None
    elif not isinstance(ncc, str) or ncc not in NCC_MERP:
        add(errors, "ncc_merp", message("Skal være en af A–I"))
        ncc = None
    raw = data.get("sac", defaults[1])
    sac = None
    if not fields.blank(raw):
        sac = fields.whole_number(raw, minimum=min(SAC), maximum=max(SAC))
        if sac is None:
            add(errors, "sac", message("Skal være 1, 2 eller 3"))
    return ncc, sac


# --- the sections of a report ----------------------------------------------------------------------

def _times(data: dict, errors: Errors, now: datetime, allow_received_at: bool) -> tuple[datetime, datetime | None, str | None]:
    """(received_at, occurred_at, precision): not in the future, not after the report was received."""
    received_at = now
    if allow_received_at and not fields.blank(data.get("received_at")):
        received_at, problem = _datetime(data.get("received_at"))
        if received_at is None:
            errors["received_at"] = [problem]
            received_at = now
        elif received_at > now:
            errors["received_at"] = [message("Modtagelsestidspunktet må ikke ligge i fremtiden")]
    occurred_at, problem = _datetime(data.get("occurred_at"))
    if problem is not None:
        errors["occurred_at"] = [problem]
    elif occurred_at > received_at + timedelta(minutes=5):
        errors["occurred_at"] = [message("Dato og tid må ikke ligge i fremtiden") if received_at == now
                                 else message("Hændelsen kan ikke være sket efter, at rapporten blev modtaget")]
    precision = choice(data, "occurred_at_precision", PRECISIONS, errors, default="known")
    return received_at, occurred_at, precision


def _narrative(data: dict, errors: Errors) -> dict[str, str | None]:
    """Title, description, consequence and prevention: the free text of SPEC §3."""
    return {
        "title": text(data, "title", errors, required=message("Skriv en overskrift"), max_len=200),
        "description": text(data, "description", errors, required=message("Beskriv, hvad der skete"), min_len=20),
        "consequence": text(data, "consequence", errors),
        "prevention": text(data, "prevention", errors),
    }


def _places(data: dict, errors: Errors, *, public: bool, reporter: User | None,
            known: KnownPlaces | None) -> dict[str, Any]:
    """Where it happened, who reports, the transition and the involved organisations."""
    orgs, places = (known.by_code, known.places) if known is not None else (_orgs_named_in(data, reporter), Places())
    event_org = _org(data.get("event_org"), "event_org", errors, orgs, places, public)
    reporting_org = None
    if not public:
        reporting_org = _org(data.get("reporting_org"), "reporting_org", errors, orgs, places, public)
        if fields.blank(data.get("reporting_org")) and reporter is not None:
            reporting_org = reporter.primary_org
        if event_org is None and reporting_org is None and "event_org" not in errors and "reporting_org" not in errors:
            errors["event_org"] = [message("Angiv, hvor hændelsen skete")]
    elif event_org is None and "event_org" not in errors:
        errors["event_org"] = [message("Angiv, hvor hændelsen skete")]

    transition = obj(data, "transition", errors)
    raw_type = transition.get("type")
    t_type = choice(transition, "type", codes("transition_types"), errors, error_key="transition_type",
                    problem=message("Ukendt overgangstype: %(code)s", code=str(raw_type)))
    t_from = _org(transition.get("from_org"), "transition_from_org", errors, orgs, places, public)
    t_to = _org(transition.get("to_org"), "transition_to_org", errors, orgs, places, public)
    if fields.blank(raw_type) and (t_from or t_to):
        errors["transition_type"] = [message("Angiv typen af overgang")]

    involved: list[tuple[Organisation, str]] = []
    raw_involved = data.get("involved_orgs") or []
    if not isinstance(raw_involved, list):
        errors["involved_orgs"] = [message("Skal være en liste af {org, role}")]
        raw_involved = []
    roles = codes("involved_roles")
    for i, item in enumerate(raw_involved):
        if not isinstance(item, dict):
            add(errors, "involved_orgs", message("Nr. %(n)s: skal være {org, role}", n=i + 1))
            continue
        org = _org(item.get("org"), "involved_orgs", errors, orgs, places, public)
        role = item.get("role") or "involved"
        if not isinstance(role, str) or role not in roles:
            add(errors, "involved_orgs", message("Nr. %(n)s: ukendt rolle %(role)s", n=i + 1, role=str(role)))
        elif org is not None:
            involved.append((org, role))
    return {"event_org": event_org, "reporting_org": reporting_org, "transition_type": t_type,
            "transition_from": t_from, "transition_to": t_to, "involved": involved}


def _patient(data: dict, errors: Errors) -> dict[str, str | None]:
    """The patient's CPR number (with a real date) and name: personal data, deleted at anonymisation."""
    patient = obj(data, "patient", errors)
    cpr, raw = None, patient.get("cpr")
    if raw not in (None, ""):
        cpr = valid_cpr(str(raw)) if isinstance(raw, (str, int)) and not isinstance(raw, bool) else None
        if cpr is None:
            errors["patient_cpr"] = [message("CPR-nummer skal have formen DDMMÅÅ-XXXX med en gyldig dato")]
    return {"patient_cpr": cpr, "patient_name": text(patient, "name", errors, max_len=200, error_key="patient_name")}


def _reporter(data: dict, errors: Errors) -> dict[str, Any]:
    """The reporter's contact details and whether they report anonymously."""
    rep = obj(data, "reporter", errors)
    email = text(rep, "email", errors, max_len=254, error_key="reporter_email")
    if email and not EMAIL_RE.match(email):
        errors["reporter_email"] = [message("E-mailadressen skal have formen navn@eksempel.dk")]
    phone = text(rep, "phone", errors, max_len=40, error_key="reporter_phone")
    if phone and not PHONE_RE.fullmatch(phone):
        errors["reporter_phone"] = [message("Telefonnummeret må kun have cifre, mellemrum, bindestreg og +")]
    anonymous = rep.get("anonymous", False)
    if isinstance(anonymous, str):
        anonymous = anonymous.lower() in ("1", "true", "on", "yes", "ja")
    elif anonymous is not None and anonymous not in (True, False, 0, 1):
        add(errors, "reporter_anonymous", message("Skal være sand eller falsk"))
    return {"reporter_name": text(rep, "name", errors, max_len=200, error_key="reporter_name"),
            "reporter_email": email, "reporter_phone": phone,
            "reporter_profession": text(rep, "profession", errors, max_len=200, error_key="reporter_profession"),
            "reporter_anonymous": bool(anonymous)}


def _small_object(data: dict, key: str, keys: tuple[str, ...], errors: Errors) -> dict | None:
    value = obj(data, key, errors)
    out = {}
    for k in keys:
        v = value.get(k)
        if v in (None, ""):
            continue
        if not isinstance(v, str) or len(v) > 200:
            add(errors, f"{key}_{k}", message("Skal være tekst på højst 200 tegn"))
            continue
        out[k] = v.strip()
    return out or None


def _detail(data: dict, errors: Errors) -> dict[str, dict | None]:
    """The optional medication (with a checked ATC code) and device detail."""
    medication = _small_object(data, "medication", MEDICATION_FIELDS, errors)
    if medication and medication.get("atc") and not ATC_RE.match(medication["atc"].upper()):
        errors["medication_atc"] = [message("Ugyldig ATC-kode (fx N02BE01)")]
    return {"medication": medication, "device": _small_object(data, "device", DEVICE_FIELDS, errors)}


def unknown_report_fields(data: dict, errors: Errors, *, extra: tuple[str, ...] = ()) -> None:
    """Each field of the body, and of its nested objects, that SPEC §3 does not define, by name."""
    fields.unknown_fields(data, (*REPORT_FIELDS, *extra), errors)
    for key, allowed in NESTED_FIELDS.items():
        if isinstance(data.get(key), dict):
            fields.unknown_fields(data[key], allowed, errors, prefix=f"{key}_")
    for item in data.get("involved_orgs") if isinstance(data.get("involved_orgs"), list) else []:
        if isinstance(item, dict):
            fields.unknown_fields(item, INVOLVED_FIELDS, errors, prefix="involved_orgs_")


@dataclass
class KnownPlaces:
    """Every organisation by code, read once, for checking many reports in a row (an import)."""

    by_code: dict[str, Organisation] = field(default_factory=lambda: {
        org.code: org for org in db.session.scalars(select(Organisation))})
    places: Places = field(default_factory=Places)


def parse_report(data: Any, *, public: bool, reporter: User | None, now: datetime, allow_received_at: bool = False,
                 strict: bool = False, known: KnownPlaces | None = None) -> NewReport:
    """Check every field of SPEC §3; raises Invalid with all field errors at once. `strict` (the API)
    also refuses a field SPEC §3 does not define, naming it (SPEC §23). `known`: the organisations
    read once for many reports (else those the report names are read for it)."""
    if not isinstance(data, dict):
        raise Invalid({"body": [message("Forventede et JSON-objekt")]})
    errors: Errors = {}
    if strict:
        unknown_report_fields(data, errors, extra=("received_at",) if allow_received_at else ())
    received_at, occurred_at, precision = _times(data, errors, now, allow_received_at)
    narrative = _narrative(data, errors)
    actual, possible = consequences(data, errors)
    places = _places(data, errors, public=public, reporter=reporter, known=known)
    event_type = event_type_field(data, errors)
    patient = _patient(data, errors)
    contact = _reporter(data, errors)
    detail = _detail(data, errors)
    ncc, sac = scales(data, errors)
    fields.raise_if(errors)
    return NewReport(
        occurred_at=occurred_at, occurred_at_precision=precision, actual_consequence=actual,
        possible_consequence=possible, severity=severity(actual, possible), event_type=event_type,
        ncc_merp=ncc, sac=sac, received_at=received_at, **narrative, **places, **patient, **contact, **detail,
    )
