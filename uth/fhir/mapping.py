"""The one mapping between a case and an R5 AdverseEvent (SPEC §22 [contract]), used both ways; pure.

Out: `adverse_event(facts)` turns the values of a case into the resource. In: `read_adverse_event(obj)`
turns a posted resource into the report fields of SPEC §3, remembering which element each came from,
so the report validation's field errors can be named as FHIR elements (`outcome_issues`). An element
UTH does not take in is refused by name, never silently dropped (SPEC §23); `status` and `subject`
are checked as R5 requires and then ignored, as the table says."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable

from uth.clock import LOCAL_TZ
from uth.reports.models import CaseStatus
from uth.reports.severity import ACTUAL

SYSTEM_REFERENCE = "urn:uth:reference"
SYSTEM_EVENT_TYPE = "urn:uth:event-type"
SYSTEM_FUNCTION = "urn:uth:participant-function"
SYSTEM_ORG = "urn:uth:org"
SYSTEM_SEVERITY = "urn:uth:severity"
SYSTEM_FACTOR = "urn:uth:contributing-factor"
EXT_ACTUAL = "urn:uth:actual-consequence"
EXT_POSSIBLE = "urn:uth:possible-consequence"
FUNCTIONS = {"event": "event_org", "reporting": "reporting_org"}
EXTENSIONS = {EXT_ACTUAL: "actual_consequence", EXT_POSSIBLE: "possible_consequence"}
R5_STATUSES = ("in-progress", "completed", "entered-in-error", "unknown")  # required binding
R5_ACTUALITIES = ("actual", "potential")  # required binding
ANONYMISED = "Anonymiseret"

# Where a report field's error points when the field was not given at all.
DEFAULT_EXPRESSIONS = {
    "title": "AdverseEvent.code.text",
    "event_type": "AdverseEvent.code.coding",
    "description": "AdverseEvent.note[0].text",
    "occurred_at": "AdverseEvent.occurrenceDateTime",
    "event_org": "AdverseEvent.participant",
    "reporting_org": "AdverseEvent.participant",
    "actual_consequence": f"AdverseEvent.extension('{EXT_ACTUAL}')",
    "possible_consequence": f"AdverseEvent.extension('{EXT_POSSIBLE}')",
}
_TAKEN = {"resourceType", "code", "occurrenceDateTime", "participant", "extension", "note", "actuality"}
_IGNORED = {"id", "meta", "status", "subject"}  # a create's id and meta are the server's; see the docstring
_OUT_ONLY = {"identifier", "recordedDate", "seriousness", "contributingFactor"}


def N_(text: str) -> str:
    """Marks a message for the catalog; it is translated where it is shown (the API answer)."""
    return text


@dataclass(frozen=True)
class EventFacts:
    """The values of a case that the AdverseEvent carries (SPEC §22), read by the caller."""

    reference: str
    status: str
    received_at: datetime
    occurred_at: datetime
    title: str
    description: str
    actual_consequence: str
    possible_consequence: str | None
    severity: str
    event_type: str | None = None
    event_type_label: str | None = None
    severity_label: str | None = None
    event_org: str | None = None
    reporting_org: str | None = None
    contributing_factors: tuple[tuple[str, str], ...] = ()  # (code, label) of approved analyses


def _instant(value: datetime) -> str:
    """An R5 dateTime in Copenhagen time with its offset (the same instant as stored)."""
    return value.astimezone(LOCAL_TZ).isoformat()


def _coding(system: str, code: str, display: str | None = None) -> dict:
    return {"system": system, "code": code, **({"display": display} if display else {})}


def _participant(function: str, org: str) -> dict:
    return {"function": {"coding": [_coding(SYSTEM_FUNCTION, function)]},
            "actor": {"identifier": {"system": SYSTEM_ORG, "value": org}}}


def r5_status(case_status: str) -> str:
    """`completed` for closed cases, `in-progress` for open ones; a rejected report was not a case to learn from."""
    if case_status == CaseStatus.CLOSED:
        return "completed"
    return "entered-in-error" if case_status == CaseStatus.REJECTED else "in-progress"


def adverse_event(facts: EventFacts) -> dict:
    """The R5 AdverseEvent of a case: never an identifier of the patient or the reporter."""
    code: dict = {"text": facts.title}
    if facts.event_type:
        code["coding"] = [_coding(SYSTEM_EVENT_TYPE, facts.event_type, facts.event_type_label)]
    participants = [_participant(function, org) for function, org in
                    (("event", facts.event_org), ("reporting", facts.reporting_org)) if org]
    extensions = [{"url": EXT_ACTUAL, "valueCode": facts.actual_consequence}]
    if facts.possible_consequence:
        extensions.append({"url": EXT_POSSIBLE, "valueCode": facts.possible_consequence})
    resource = {
        "resourceType": "AdverseEvent",
        "id": facts.reference,
        "extension": extensions,
        "identifier": [{"system": SYSTEM_REFERENCE, "value": facts.reference}],
        "status": r5_status(facts.status),
        "actuality": "potential" if facts.actual_consequence == "none" else "actual",
        "code": code,
        "subject": {"display": ANONYMISED},
        "occurrenceDateTime": _instant(facts.occurred_at),
        "recordedDate": _instant(facts.received_at),
        "participant": participants,
        "seriousness": {"coding": [_coding(SYSTEM_SEVERITY, facts.severity, facts.severity_label)]},
        "contributingFactor": [{"itemCodeableConcept": {"coding": [_coding(SYSTEM_FACTOR, c, label)], "text": label}}
                               for c, label in facts.contributing_factors],
        "note": [{"text": facts.description}],
    }
    return {k: v for k, v in resource.items() if v != []}


@dataclass
class Issue:
    """One problem of a posted resource, at the element `expression` names (FHIRPath)."""

    expression: str
    message: str
    values: dict = field(default_factory=dict)
    code: str = "invalid"  # R5 issue-type

    def as_json(self, translate: Callable[..., str] | None = None) -> dict:
        text = translate(self.message, **self.values) if translate else (self.message % self.values if self.values else self.message)
        return {"severity": "error", "code": self.code, "diagnostics": text, "expression": [self.expression]}


@dataclass
class Inbound:
    """A posted AdverseEvent read as a report (SPEC §3 field names), for the report validation."""

    report: dict = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)  # report field -> the element it came from
    issues: list[Issue] = field(default_factory=list)
    refused: set[str] = field(default_factory=set)  # report fields whose element was refused already

    def refuse(self, expression: str, message: str, code: str = "invalid", report_field: str | None = None, **values):
        self.issues.append(Issue(expression, message, values, code))
        if report_field:
            self.refused.add(report_field)

    def take(self, report_field: str, value: Any, expression: str) -> None:
        if report_field in self.report:
            self.refuse(expression, N_("Angivet mere end én gang (også ved %(first)s)"), "business-rule",
                        first=self.sources[report_field])
            return
        self.report[report_field] = value
        self.sources[report_field] = expression


def _object(value: Any, path: str, inbound: Inbound, allowed: set[str], report_field: str | None = None) -> dict | None:
    """An object with only the keys UTH reads (or ignores as labels); anything else is refused by name.
    `report_field` is the field that cannot be read when the object is missing or not an object."""
    if value is None:
        inbound.refuse(path, N_("%(element)s skal udfyldes"), "required", report_field, element=path)
        return None
    if not isinstance(value, dict):
        inbound.refuse(path, N_("Skal være et JSON-objekt"), "structure", report_field)
        return None
    for key in sorted(value.keys() - allowed):
        inbound.refuse(f"{path}.{key}", N_("UTH tager ikke imod %(element)s"), "not-supported", element=f"{path}.{key}")
    return value


def _list(value: Any, path: str, inbound: Inbound) -> list:
    if not isinstance(value, list):
        inbound.refuse(path, N_("Skal være en liste"), "structure")
        return []
    return value


def _string(value: Any, path: str, inbound: Inbound, report_field: str | None = None) -> str | None:
    if not isinstance(value, str):
        inbound.refuse(path, N_("Skal være tekst"), "structure", report_field)
        return None
    return value


def read_adverse_event(resource: Any) -> Inbound:
    """The report a posted R5 AdverseEvent holds, the element of each field, and the problems found."""
    inbound = Inbound()
    if not isinstance(resource, dict) or resource.get("resourceType") != "AdverseEvent":
        found = resource.get("resourceType") if isinstance(resource, dict) else None
        inbound.refuse("AdverseEvent.resourceType", N_("Forventede en FHIR-ressource af typen AdverseEvent, fik %(found)s"),
                       "structure", found=found if isinstance(found, str) else type(resource).__name__)
        return inbound
    for key in sorted(resource.keys() - _TAKEN - _IGNORED):
        message = (N_("%(element)s sættes af UTH og tages ikke imod") if key in _OUT_ONLY
                   else N_("UTH tager ikke imod %(element)s"))
        inbound.refuse(f"AdverseEvent.{key}", message, "not-supported", element=f"AdverseEvent.{key}")
    _read_required(resource, inbound)
    _read_code(resource.get("code"), inbound)
    if "occurrenceDateTime" in resource:
        value = _string(resource["occurrenceDateTime"], "AdverseEvent.occurrenceDateTime", inbound, "occurred_at")
        if value is not None:
            inbound.take("occurred_at", value, "AdverseEvent.occurrenceDateTime")
    for i, item in enumerate(_list(resource.get("participant", []), "AdverseEvent.participant", inbound)):
        _read_participant(item, f"AdverseEvent.participant[{i}]", inbound)
    for i, item in enumerate(_list(resource.get("extension", []), "AdverseEvent.extension", inbound)):
        _read_extension(item, f"AdverseEvent.extension[{i}]", inbound)
    notes = _list(resource.get("note", []), "AdverseEvent.note", inbound)
    if notes:
        note = _object(notes[0], "AdverseEvent.note[0]", inbound, {"text"}, "description")
        if note is not None and "text" in note:
            text = _string(note["text"], "AdverseEvent.note[0].text", inbound, "description")
            if text is not None:
                inbound.take("description", text, "AdverseEvent.note[0].text")
    for i in range(1, len(notes)):
        inbound.refuse(f"AdverseEvent.note[{i}]", N_("UTH tager kun én note imod: beskrivelsen af hændelsen"), "not-supported")
    _check_actuality(resource, inbound)
    return inbound


def _read_required(resource: dict, inbound: Inbound) -> None:
    """`status`, `actuality` and `subject` are required by R5; UTH sets status itself and never reads the subject."""
    for key, allowed in (("status", R5_STATUSES), ("actuality", R5_ACTUALITIES)):
        value = resource.get(key)
        if value is None:
            inbound.refuse(f"AdverseEvent.{key}", N_("%(element)s skal udfyldes (påkrævet i FHIR R5)"), "required",
                           element=f"AdverseEvent.{key}")
        elif value not in allowed:
            inbound.refuse(f"AdverseEvent.{key}", N_("Skal være en af: %(codes)s"), "code-invalid", codes=", ".join(allowed))
    subject = resource.get("subject")
    if not isinstance(subject, dict) or not subject:
        inbound.refuse("AdverseEvent.subject", N_("%(element)s skal udfyldes (påkrævet i FHIR R5)"), "required",
                       element="AdverseEvent.subject")


def _read_code(value: Any, inbound: Inbound) -> None:
    if value is None:
        return
    code = _object(value, "AdverseEvent.code", inbound, {"text", "coding"}, "title")
    if code is None:
        return
    if "text" in code:
        text = _string(code["text"], "AdverseEvent.code.text", inbound, "title")
        if text is not None:
            inbound.take("title", text, "AdverseEvent.code.text")
    for i, item in enumerate(_list(code.get("coding", []), "AdverseEvent.code.coding", inbound)):
        path = f"AdverseEvent.code.coding[{i}]"
        coding = _object(item, path, inbound, {"system", "code", "display"}, "event_type")
        if coding is None:
            continue
        if coding.get("system") != SYSTEM_EVENT_TYPE:
            inbound.refuse(f"{path}.system", N_("UTH kender kun hændelsestyper med system %(system)s"), "code-invalid",
                           "event_type", system=SYSTEM_EVENT_TYPE)
            continue
        event_type = _string(coding.get("code"), f"{path}.code", inbound, "event_type")
        if event_type is not None:
            inbound.take("event_type", event_type, f"{path}.code")


def _read_participant(item: Any, path: str, inbound: Inbound) -> None:
    """`function` event or reporting, `actor` an organisation by its UTH code."""
    participant = _object(item, path, inbound, {"function", "actor"})
    if participant is None:
        return
    function = _object(participant.get("function"), f"{path}.function", inbound, {"coding", "text"})
    codings = _list(function.get("coding", []), f"{path}.function.coding", inbound) if function else []
    role = next((c.get("code") for c in codings if isinstance(c, dict) and c.get("system") == SYSTEM_FUNCTION), None)
    if function is not None and role not in FUNCTIONS:
        inbound.refuse(f"{path}.function", N_("Skal have en kode fra %(system)s: event eller reporting"), "code-invalid",
                       system=SYSTEM_FUNCTION)
    report_field = FUNCTIONS.get(role)
    actor = _object(participant.get("actor"), f"{path}.actor", inbound, {"identifier", "display"}, report_field)
    if actor is None:
        return
    identifier = _object(actor.get("identifier"), f"{path}.actor.identifier", inbound, {"system", "value"}, report_field)
    if identifier is None:
        return
    if identifier.get("system") != SYSTEM_ORG:
        inbound.refuse(f"{path}.actor.identifier.system", N_("Angiv organisationen med dens UTH-kode (system %(system)s)"),
                       "code-invalid", report_field, system=SYSTEM_ORG)
        return
    org = _string(identifier.get("value"), f"{path}.actor.identifier.value", inbound, report_field)
    if org is not None and report_field:
        inbound.take(report_field, org, f"{path}.actor.identifier.value")


def _read_extension(item: Any, path: str, inbound: Inbound) -> None:
    extension = _object(item, path, inbound, {"url", "valueCode"})
    if extension is None:
        return
    report_field = EXTENSIONS.get(extension.get("url"))
    if report_field is None:
        inbound.refuse(f"{path}.url", N_("UTH tager ikke imod udvidelsen %(url)s"), "not-supported", url=extension.get("url"))
        return
    value = _string(extension.get("valueCode"), f"{path}.valueCode", inbound, report_field)
    if value is not None:
        inbound.take(report_field, value, f"{path}.valueCode")


def _check_actuality(resource: dict, inbound: Inbound) -> None:
    """`potential` exactly when nothing happened to the patient (actual consequence `none`)."""
    actual = inbound.report.get("actual_consequence")
    actuality = resource.get("actuality")
    if actual not in ACTUAL or actuality not in R5_ACTUALITIES:
        return
    expected = "potential" if actual == "none" else "actual"
    if actuality != expected:
        inbound.refuse("AdverseEvent.actuality", N_("Skal være %(expected)s, når den faktiske konsekvens er %(actual)s"),
                       "business-rule", expected=expected, actual=actual)


def outcome_issues(errors: dict[str, list[str]], inbound: Inbound) -> list[Issue]:
    """The report validation's field errors as issues at the elements the fields came from (one per
    message); a field whose element was refused already is not named twice."""
    issues = []
    for report_field, messages in errors.items():
        if report_field in inbound.refused:
            continue
        expression = inbound.sources.get(report_field) or DEFAULT_EXPRESSIONS.get(report_field)
        code = "required" if report_field not in inbound.report else "value"
        for message in messages:
            if expression is None:  # a field of §3 the table does not carry: say which
                issues.append(Issue("AdverseEvent", "%(field)s: %(message)s", {"field": report_field, "message": message}, code))
            else:
                issues.append(Issue(expression, message, {}, code))
    return issues


def operation_outcome(issues: list[Issue], translate: Callable[..., str] | None = None) -> dict:
    """An R5 OperationOutcome with one issue per problem."""
    return {"resourceType": "OperationOutcome", "issue": [issue.as_json(translate) for issue in issues]}
