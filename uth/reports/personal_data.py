"""Views of a case's personal data, audited (SPEC §13); opening the patient's data needs a purpose
(Sundhedsloven § 198, stk. 3). One set of rules for the case page and the API."""
from __future__ import annotations

from datetime import datetime

from uth.audit.services import record
from uth.auth.models import User
from uth.errors import Invalid
from uth.i18n import lazy_gettext as _l
from uth.reports.models import Case
from uth.reports.visibility import can_see_patient

OTHER = "andet"
# Why personal data is opened: a code from this list, or "andet" with a few words.
PURPOSES = {
    "sagsbehandling": _l("Sagsbehandling"),
    "analyse": _l("Analyse af hændelsen"),
    "opfoelgning": _l("Opfølgning med patient eller pårørende"),
    OTHER: _l("Andet"),
}
DETAIL_MAX = 400


def purpose_text(code: str | None, detail: str | None = None) -> str:
    """The purpose as the audit trail records it: the listed purpose's name, or "Andet: <detail>".
    Text that is not a listed code (an API client's own words) counts as the detail of "Andet".
    422 without a purpose, or "andet" without a detail."""
    code, detail = (code or "").strip(), (detail or "").strip()[:DETAIL_MAX]
    if code not in PURPOSES and code:
        code, detail = OTHER, code[:DETAIL_MAX]
    if not code or (code == OTHER and not detail):
        raise Invalid({"purpose": [str(_l("Angiv hvorfor du åbner personoplysningerne"))]})
    return f"{PURPOSES[code]}: {detail}" if code == OTHER else str(PURPOSES[code])


def holds_personal_data(case: Case) -> bool:
    """Patient or reporter identity still on the case (closing deletes them)."""
    return any((case.patient_cpr, case.patient_name, case.reporter_name, case.reporter_email, case.reporter_phone))


def shows_patient(actor: User, case: Case, purpose: str | None) -> bool:
    """The patient's name and CPR are shown: a purpose was given, the actor may see them, and there are some."""
    return bool(purpose) and can_see_patient(actor, case) and bool(case.patient_cpr or case.patient_name)


def record_view(actor: User, case: Case, *, now: datetime, purpose: str | None, shown: list[str]) -> None:
    """Audit one view of a case (SPEC §13): opening the patient's data with its purpose
    (`case.personal_data_viewed`), any other view of a case still holding personal data as
    `case.viewed` with which identities it showed. Flushes nothing, commits nothing."""
    if shows_patient(actor, case, purpose):
        record(actor, "case.personal_data_viewed", now=now, case=case, detail={"reference": case.reference},
               purpose=purpose)
    elif holds_personal_data(case):
        record(actor, "case.viewed", now=now, case=case, detail={"reference": case.reference, "shown": shown})
