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
from uth.i18n import Message, message
from uth.reports.places import Places, place_label
from uth.reports.severity import ACTUAL, POSSIBLE, needs_possible, severity
from uth.taxonomy.services import codes

CPR_RE = re.compile(r"^(\d{2})(\d{2})(\d{2})-?(\d{4})$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
ATC_RE = re.compile(r"^[A-Z](\d{2}([A-Z]([A-Z](\d{2})?)?)?)?$")
PRECISIONS = ("known", "estimated", "unknown")
NCC_MERP = tuple("ABCDEFGHI")
SAC = (1, 2, 3)
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


def _text(data: dict, key: str, errors: dict, *, required: bool | Message = False, min_len=0, max_len=TEXT_MAX,
          label: str = "", error_key: str | None = None) -> str | None:
    """A stripped text; `required` is True ("<label> skal udfyldes") or the message to give when it is missing."""
    key_out = error_key or key
    value = data.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required is True:
            errors.setdefault(key_out, []).append(
                message("%(label)s skal udfyldes", label=label) if label else message("Feltet skal udfyldes"))
        elif required:
            errors.setdefault(key_out, []).append(required)
        return None
    if not isinstance(value, str):
        errors.setdefault(key_out, []).append(message("Skal være tekst"))
        return None
    value = value.strip()
    if len(value) < min_len:
        errors.setdefault(key_out, []).append(message("Skal være mindst %(min)s tegn (nu %(now)s)", min=min_len, now=len(value)))
    elif len(value) > max_len:
        errors.setdefault(key_out, []).append(message("Må højst være %(max)s tegn (nu %(now)s)", max=max_len, now=len(value)))
    return value


def _datetime(value: Any) -> tuple[datetime | None, Message | None]:
    """A date and time a person or a client gave, or the message in plain words why not."""
    if value in (None, ""):
        return None, message("Dato og tid skal udfyldes")
    parsed = parse_datetime(value)
    if parsed is not None:
        return parsed, None
    if isinstance(value, str) and re.match(r"^\s*\d{5,}-", value):
        return None, message("Dato og tid skal have et årstal med 4 cifre, fx 2026")
    return None, message("Dato og tid skal være en gyldig dato med klokkeslæt, fx 20-11-2026 kl. 14:30")


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


def _org(value: Any, key: str, errors: dict, orgs: dict[str, Organisation], places: Places,
         public: bool) -> Organisation | None:
    """The organisation a code, a name or a picked place names; an error that lists the candidates
    when the name fits several or none."""
    if value in (None, ""):
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

    def named(candidates: list[Organisation]) -> str:
        candidates = sorted(candidates, key=place_label)
        return "; ".join(place_label(o) if public else f"{place_label(o)} ({o.code})" for o in candidates)

    if found:
        errors.setdefault(key, []).append(message(
            "Flere steder hedder %(name)s: %(candidates)s. Vælg et af dem fra listen", name=value, candidates=named(found)))
    elif suggestions := places.suggest(value):
        errors.setdefault(key, []).append(message(
            "Ukendt sted: %(name)s. Mente du: %(candidates)s?", name=value, candidates=named(suggestions)))
    else:
        errors.setdefault(key, []).append(message("Ukendt sted: %(name)s. Skriv navnet, eller vælg fra listen", name=value))
    return None


def _obj(data: dict, key: str, errors: dict) -> dict:
    value = data.get(key)
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        errors.setdefault(key, []).append(message("Skal være et objekt"))
        return {}
    return value


def _small_object(value: dict, keys: tuple[str, ...], prefix: str, errors: dict) -> dict | None:
    out = {}
    for k in keys:
        v = value.get(k)
        if v in (None, ""):
            continue
        if not isinstance(v, str) or len(v) > 200:
            errors.setdefault(f"{prefix}_{k}", []).append(message("Skal være tekst på højst 200 tegn"))
            continue
        out[k] = v.strip()
    return out or None


def parse_report(data: Any, *, public: bool, reporter: User | None, now: datetime, allow_received_at: bool = False) -> NewReport:
    """Check every field of SPEC §3; raises Invalid with all field errors at once."""
    if not isinstance(data, dict):
        raise Invalid({"body": [message("Forventede et JSON-objekt")]})
    errors: dict[str, list[str]] = {}

    received_at = now
    if allow_received_at and data.get("received_at") not in (None, ""):
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
    precision = data.get("occurred_at_precision") or "known"
    if precision not in PRECISIONS:
        errors["occurred_at_precision"] = [message("Skal være en af: %(choices)s", choices=", ".join(PRECISIONS))]

    title = _text(data, "title", errors, required=message("Skriv en overskrift"), max_len=200)
    description = _text(data, "description", errors, required=message("Beskriv, hvad der skete"), min_len=20)
    consequence = _text(data, "consequence", errors)
    prevention = _text(data, "prevention", errors)

    actual = data.get("actual_consequence")
    possible = data.get("possible_consequence") or None
    one_of = "Skal være en af: %(choices)s"
    if actual in (None, ""):
        errors["actual_consequence"] = [message("Vælg, hvad hændelsen betød for patienten")]
    elif actual not in ACTUAL:
        errors["actual_consequence"] = [message(one_of, choices=", ".join(ACTUAL))]
    if actual in ACTUAL and needs_possible(actual):
        if possible is None:
            errors["possible_consequence"] = [message(
                "Vælg, hvad hændelsen kunne have ført til (skal besvares, når patienten ikke kom alvorligt til skade)")]
        elif possible not in POSSIBLE:
            errors["possible_consequence"] = [message(one_of, choices=", ".join(POSSIBLE))]
        elif actual == "minor" and possible == "none":
            errors["possible_consequence"] = [message("Den mulige konsekvens kan ikke være mindre end den faktiske")]
    elif possible is not None and possible not in POSSIBLE:
        errors["possible_consequence"] = [message(one_of, choices=", ".join(POSSIBLE))]
    if actual in ACTUAL and not needs_possible(actual):
        possible = None

    orgs, places = _orgs_named_in(data, reporter), Places()
    event_org = _org(data.get("event_org"), "event_org", errors, orgs, places, public)
    reporting_org = None
    if not public:
        reporting_org = _org(data.get("reporting_org"), "reporting_org", errors, orgs, places, public)
        if data.get("reporting_org") in (None, "") and reporter is not None:
            reporting_org = reporter.primary_org
        if event_org is None and reporting_org is None and "event_org" not in errors and "reporting_org" not in errors:
            errors["event_org"] = [message("Angiv, hvor hændelsen skete")]
    elif event_org is None and "event_org" not in errors:
        errors["event_org"] = [message("Angiv, hvor hændelsen skete")]

    transition = _obj(data, "transition", errors)
    t_type = transition.get("type") or None
    t_from = _org(transition.get("from_org"), "transition_from_org", errors, orgs, places, public)
    t_to = _org(transition.get("to_org"), "transition_to_org", errors, orgs, places, public)
    if t_type is not None and t_type not in codes("transition_types"):
        errors["transition_type"] = [message("Ukendt overgangstype: %(code)s", code=t_type)]
    if t_type is None and (t_from or t_to):
        errors["transition_type"] = [message("Angiv typen af overgang")]

    involved: list[tuple[Organisation, str]] = []
    raw_involved = data.get("involved_orgs") or []
    if not isinstance(raw_involved, list):
        errors["involved_orgs"] = [message("Skal være en liste af {org, role}")]
        raw_involved = []
    roles = codes("involved_roles")
    for i, item in enumerate(raw_involved):
        if not isinstance(item, dict):
            errors.setdefault("involved_orgs", []).append(message("Nr. %(n)s: skal være {org, role}", n=i + 1))
            continue
        org = _org(item.get("org"), "involved_orgs", errors, orgs, places, public)
        role = item.get("role") or "involved"
        if role not in roles:
            errors.setdefault("involved_orgs", []).append(message("Nr. %(n)s: ukendt rolle %(role)s", n=i + 1, role=role))
        elif org is not None:
            involved.append((org, role))

    event_type = data.get("event_type") or None
    if event_type is not None and event_type not in codes("event_types"):
        errors["event_type"] = [message("Ukendt hændelsestype: %(code)s", code=event_type)]

    patient = _obj(data, "patient", errors)
    cpr = None
    if patient.get("cpr") not in (None, ""):
        cpr = valid_cpr(str(patient["cpr"]))
        if cpr is None:
            errors["patient_cpr"] = [message("CPR-nummer skal have formen DDMMÅÅ-XXXX med en gyldig dato")]
    patient_name = _text(patient, "name", errors, max_len=200, error_key="patient_name")

    rep = _obj(data, "reporter", errors)
    rep_email = _text(rep, "email", errors, max_len=254, error_key="reporter_email")
    if rep_email and not EMAIL_RE.match(rep_email):
        errors["reporter_email"] = [message("E-mailadressen skal have formen navn@eksempel.dk")]
    rep_phone = _text(rep, "phone", errors, max_len=40, error_key="reporter_phone")
    if rep_phone and not re.fullmatch(r"[+\d][\d\s\-]{5,}", rep_phone):
        errors["reporter_phone"] = [message("Telefonnummeret må kun have cifre, mellemrum, bindestreg og +")]
    anonymous = rep.get("anonymous", False)
    if isinstance(anonymous, str):
        anonymous = anonymous.lower() in ("1", "true", "on", "yes", "ja")

    medication = _small_object(_obj(data, "medication", errors), ("name", "substance", "atc", "route", "strength"), "medication", errors)
    if medication and medication.get("atc") and not ATC_RE.match(medication["atc"].upper()):
        errors["medication_atc"] = [message("Ugyldig ATC-kode (fx N02BE01)")]
    device = _small_object(_obj(data, "device", errors), ("type", "name", "model"), "device", errors)

    ncc = data.get("ncc_merp") or None
    if ncc is not None and ncc not in NCC_MERP:
        errors["ncc_merp"] = [message("Skal være en af A–I")]
    sac = data.get("sac")
    if sac in ("", None):
        sac = None
    else:
        try:
            sac = int(sac)
            if sac not in (1, 2, 3):
                raise ValueError
        except (TypeError, ValueError):
            errors["sac"] = [message("Skal være 1, 2 eller 3")]
            sac = None

    for key in ("reporter_name", "reporter_profession"):
        _text(rep, key.split("_", 1)[1], errors, max_len=200, error_key=key)

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
