"""The case state machine of SPEC §5 [contract]: which action may run in which state, and where it leads."""
from __future__ import annotations

from uth.errors import InvalidTransition
from uth.i18n import message
from uth.reports.models import CASE_STATUSES, OPEN_STATUSES, CaseStatus

# Short names of the states (members of CaseStatus, the one list of them).
NEW, ACKNOWLEDGED, IN_PROGRESS = CaseStatus.NEW, CaseStatus.ACKNOWLEDGED, CaseStatus.IN_PROGRESS
AWAITING, CLOSED, REJECTED = CaseStatus.AWAITING_STATEMENT, CaseStatus.CLOSED, CaseStatus.REJECTED
OPEN = frozenset(OPEN_STATUSES)
STATES = CASE_STATUSES

# action -> states it may start from (SPEC §5 table).
ALLOWED_FROM: dict[str, frozenset[str]] = {
    "acknowledge": frozenset({NEW}),
    "assign": frozenset({NEW, ACKNOWLEDGED, IN_PROGRESS}),
    "transfer": OPEN,
    "classify": OPEN,
    "request_statement": frozenset({IN_PROGRESS}),
    "respond": frozenset({AWAITING}),
    "remind_statement": frozenset({AWAITING}),
    "withdraw_statement": frozenset({AWAITING}),
    "comment": STATES,
    "edit": OPEN,
    "reject": OPEN,
    "close": frozenset({IN_PROGRESS}),
    "reopen": frozenset({CLOSED, REJECTED}),
    "message_reporter": OPEN,
}
ACTIONS = tuple(ALLOWED_FROM)

# Actions only the handling organisation's risk managers may take; `respond` and `comment` are open
# to involved organisations too.
HANDLER_ACTIONS = frozenset(ACTIONS) - {"respond", "comment"}

_TARGET = {
    "acknowledge": ACKNOWLEDGED,
    "assign": IN_PROGRESS,
    "request_statement": AWAITING,
    "reject": REJECTED,
    "close": CLOSED,
    "reopen": IN_PROGRESS,
}


def allowed_actions(status: str) -> set[str]:
    """The actions the state allows (the case page offers no others)."""
    return {action for action, states in ALLOWED_FROM.items() if status in states}


def is_allowed(status: str, action: str) -> bool:
    """True when `action` may run in `status`."""
    return status in ALLOWED_FROM.get(action, ())


def check(status: str, action: str) -> None:
    """Raise InvalidTransition (409) unless the action may run in this state."""
    if action not in ALLOWED_FROM:
        raise ValueError(f"unknown action {action!r}")
    if not is_allowed(status, action):
        raise InvalidTransition(message("Handlingen '%(action)s' er ikke mulig når sagen har status '%(status)s'", action=action, status=status))


def next_status(status: str, action: str, *, all_answered: bool = True) -> str:
    """The state after the action; `respond` and `withdraw_statement` return to in_progress once no
    statement is awaited any more (`all_answered`)."""
    check(status, action)
    if action in ("respond", "withdraw_statement"):
        return IN_PROGRESS if all_answered else AWAITING
    return _TARGET.get(action, status)
