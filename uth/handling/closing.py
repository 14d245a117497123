"""What stands between a case and its close (SPEC §5 close, §8), found all at once and said in words:
the state (a case not under way, each open statement request), the classification, the texts the
close needs, and every finding of personal data with the text around it."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from uth import fields
from uth.anonymisation.scanner import Finding
from uth.anonymisation.services import KIND_WORDS, case_texts, field_in, own_data, scan_case
from uth.handling import workflow
from uth.i18n import N_, lazy_gettext, message
from uth.reports.models import Case

CLOSE_TEXTS = ("conclusion", "learning", "feedback")
DEFAULT_FEEDBACK = "Tak for din indberetning. Sagen er nu gennemgået og afsluttet af risikomanageren."
CONTEXT = 40  # characters of text shown on each side of a finding

@dataclass
class Found:
    """A finding that blocks the close, with the text around it and whether it may be accepted."""

    finding: Finding
    before: str
    after: str
    own: bool  # the case's own personal data: deleted at close, so it must be edited, never accepted

    def as_dict(self) -> dict:
        f = self.finding
        return {"id": f.id, "field": f.field, "kind": f.kind, "text": f.text}


@dataclass
class CloseCheck:
    """Everything that blocks closing the case with these texts; empty when it may close."""

    statements: list = field(default_factory=list)  # open statement requests
    state: str | None = None  # the case's status when it is not in_progress (and no statement explains it)
    errors: dict[str, list[str]] = field(default_factory=dict)
    found: list[Found] = field(default_factory=list)
    texts: dict[str, str | None] = field(default_factory=dict)

    @property
    def blocked(self) -> bool:
        return bool(self.statements or self.state or self.errors or self.found)

    @property
    def state_blocked(self) -> bool:
        return bool(self.statements or self.state)

    def blockers(self) -> list[dict]:
        """Each reason in Danish words, the shape the API answers with."""
        out: list[dict] = []
        for st in self.statements:
            out.append({"kind": "statement", "statement_id": st.id, "org": st.org.code, "respond_by": st.respond_by.isoformat(),
                        "message": f"Udtalelsen fra {st.org.name} mangler (svar senest {st.respond_by.strftime('%d-%m-%Y')}): "
                                   "rykkes, trækkes tilbage eller afventes"})
        if self.state:
            out.append({"kind": "state", "status": self.state, "message": STATE_WORDS.get(self.state, self.state)})
        for name, messages in self.errors.items():
            out += [{"kind": "field", "field": name, "message": m} for m in messages]
        for item in self.found:
            f = item.finding
            out.append({"kind": "finding", "field": f.field, "finding_id": f.id, "text": f.text, "own": item.own,
                        "context": f"{item.before}{f.text}{item.after}",
                        "message": f"{KIND_WORDS.get(f.kind, f.kind)} {field_in(f.field)}: »{item.before}{f.text}{item.after}«"})
        return out


STATE_WORDS = {
    workflow.NEW: N_("Sagen er ikke under behandling endnu: tildel en sagsbehandler"),
    workflow.ACKNOWLEDGED: N_("Sagen er ikke under behandling endnu: tildel en sagsbehandler"),
    workflow.AWAITING: N_("Sagen afventer en udtalelse"),
    workflow.CLOSED: N_("Sagen er allerede afsluttet"),
    workflow.REJECTED: N_("Sagen er afvist"),
}


def around(text: str, start: int, end: int, width: int = CONTEXT) -> tuple[str, str]:
    """Up to `width` characters either side of a span, cut at a space, with "…" where text was left out."""
    left, right = text[max(0, start - width):start], text[end:end + width]
    if start > width and " " in left:
        left = "…" + left[left.index(" ") + 1:]
    if end + width < len(text) and " " in right:
        right = right[:right.rindex(" ")] + "…"
    return left, right


def close_texts(payload: Mapping, errors: dict) -> dict[str, str | None]:
    """The conclusion and learning the close requires, and the feedback (the default text when left empty)."""
    return {
        "conclusion": fields.text(payload, "conclusion", errors, required=True, label=lazy_gettext("Konklusionen")),
        "learning": fields.text(payload, "learning", errors, required=True, label=lazy_gettext("Læringen")),
        "feedback": fields.text(payload, "feedback", errors, max_len=5000) or DEFAULT_FEEDBACK,
    }


def check_close(case: Case, payload: Mapping, overrides: Mapping[str, str | None] | None = None) -> CloseCheck:
    """Every blocker of closing `case` with `payload` ({conclusion, learning, feedback?, not_personal?});
    `overrides` are texts about to replace the case's (an edit made on the close page)."""
    check = CloseCheck()
    if case.status in (workflow.CLOSED, workflow.REJECTED):
        check.state = case.status
        return check
    check.statements = [st for st in case.statements if st.is_open]
    if case.status != workflow.IN_PROGRESS and not (case.status == workflow.AWAITING and check.statements):
        check.state = case.status
    errors: dict[str, list[str]] = {}
    texts = close_texts(payload, errors)
    if not case.event_type:
        errors["event_type"] = [message("Klassificér hændelsestypen før sagen afsluttes")]
    if not case.severity:
        errors["severity"] = [message("Sagen mangler alvorlighed")]
    not_personal = payload.get("not_personal") or []
    if not isinstance(not_personal, list) or not all(isinstance(i, str) for i in not_personal):
        errors["not_personal"] = [message("Skal være en liste af fund-id'er")]
        not_personal = []
    all_texts = {**(overrides or {}), **{k: v for k, v in texts.items() if v is not None}}
    findings = scan_case(case, all_texts)
    own = {f.id for f in own_data(case, findings)}
    refused = [f for f in findings if f.id in own and f.id in not_personal]
    if refused:
        errors["not_personal"] = [
            f"{f.id} ({f.text}) er sagens egne personoplysninger og slettes ved afslutningen; "
            "ret teksten i stedet for at markere fundet som ikke-personoplysning" for f in refused]
    source = case_texts(case, all_texts)
    for f in findings:
        if f.id in not_personal and f.id not in own:
            continue
        before, after = around(source.get(f.field) or "", f.start, f.end)
        check.found.append(Found(f, before, after, f.id in own))
    check.errors, check.texts = errors, texts
    return check

