"""Status rules of an analysis, without a database (SPEC §9, §14)."""
import pytest

from uth.rca.workflow import APPROVED, DRAFT, IN_REVIEW, Contents, can_move, is_editable, missing_for


@pytest.mark.parametrize("current, target, allowed", [
    (DRAFT, IN_REVIEW, True), (IN_REVIEW, APPROVED, True), (IN_REVIEW, DRAFT, True),
    (DRAFT, APPROVED, False), (APPROVED, DRAFT, False), (APPROVED, IN_REVIEW, False), (DRAFT, DRAFT, False),
])
def test_transitions(current, target, allowed):
    assert can_move(current, target) is allowed


def test_review_needs_a_timeline_entry_or_causal_statement():
    assert "timeline" in missing_for(IN_REVIEW, Contents(0, 0, 0))
    assert missing_for(IN_REVIEW, Contents(1, 0, 0)) == {}
    assert missing_for(IN_REVIEW, Contents(0, 1, 0)) == {}


def test_approval_needs_a_causal_statement_and_a_complete_action_item():
    assert set(missing_for(APPROVED, Contents(3, 0, 0))) == {"causal_statements", "action_items"}
    assert set(missing_for(APPROVED, Contents(3, 1, 0))) == {"action_items"}
    assert missing_for(APPROVED, Contents(0, 1, 1)) == {}


def test_only_approved_is_read_only():
    assert is_editable(DRAFT) and is_editable(IN_REVIEW) and not is_editable(APPROVED)
