"""The SPEC §5 state machine: every action in every state, allowed or refused with 409."""
import pytest

from uth.errors import InvalidTransition
from uth.handling.workflow import ACTIONS, STATES, allowed_actions, check, next_status

OPEN = ["new", "acknowledged", "in_progress", "awaiting_statement"]
ALL = OPEN + ["closed", "rejected"]

# Written out from the SPEC §5 table (and §19), independently of the module's own table.
EXPECTED = {
    "acknowledge": ["new"],
    "assign": ["new", "acknowledged", "in_progress"],
    "transfer": OPEN,
    "classify": OPEN,
    "request_statement": ["in_progress"],
    "respond": ["awaiting_statement"],
    "comment": ALL,
    "edit": OPEN,
    "reject": OPEN,
    "close": ["in_progress"],
    "reopen": ["closed", "rejected"],
    "message_reporter": OPEN,  # SPEC §19
    "remind_statement": ["awaiting_statement"],  # issue 12: no dead end while a statement is awaited
    "withdraw_statement": ["awaiting_statement"],
}
TARGET = {
    "acknowledge": "acknowledged", "assign": "in_progress", "request_statement": "awaiting_statement",
    "respond": "in_progress", "withdraw_statement": "in_progress", "reject": "rejected", "close": "closed", "reopen": "in_progress",
}
CASES = [(action, state) for action in EXPECTED for state in ALL]


def test_the_module_knows_exactly_the_contract_actions_and_states():
    assert set(ACTIONS) == set(EXPECTED)
    assert set(STATES) == set(ALL)


@pytest.mark.parametrize("action,state", CASES)
def test_every_action_in_every_state(action, state):
    if state in EXPECTED[action]:
        check(state, action)
        assert action in allowed_actions(state)
        assert next_status(state, action) == TARGET.get(action, state)
    else:
        with pytest.raises(InvalidTransition) as err:
            check(state, action)
        assert err.value.status == 409
        assert action not in allowed_actions(state)
        with pytest.raises(InvalidTransition):
            next_status(state, action)


def test_respond_stays_awaiting_while_other_statements_are_open():
    assert next_status("awaiting_statement", "respond", all_answered=False) == "awaiting_statement"
    assert next_status("awaiting_statement", "respond", all_answered=True) == "in_progress"


def test_closed_and_rejected_cases_only_take_comments_and_reopen():
    assert allowed_actions("closed") == allowed_actions("rejected") == {"comment", "reopen"}


def test_unknown_action_is_a_programming_error_not_a_transition():
    with pytest.raises(ValueError):
        check("new", "archive")
