"""Pure rules: the severity matrix (SPEC §3) and routing choice (SPEC §4)."""
import pytest

from uth.reports.severity import severity
from uth.routing.rules import CaseFacts, Rule, choose_handling_org, is_cross_sector


@pytest.mark.parametrize("actual,possible,expected", [
    ("none", "none", "no_consequence"),
    ("none", "minor", "no_consequence"),
    ("none", "serious_or_fatal", "serious_risk"),
    ("minor", "minor", "minor_consequence"),
    ("minor", "serious_or_fatal", "serious_risk"),
    ("serious", None, "serious_consequence"),
    ("serious", "minor", "serious_consequence"),
    ("fatal", None, "fatal_consequence"),
])
def test_severity_matrix(actual, possible, expected):
    assert severity(actual, possible) == expected


@pytest.mark.parametrize("actual,possible", [("minor", "none"), ("none", None), ("bogus", "none")])
def test_severity_matrix_empty_cells_are_refused(actual, possible):
    with pytest.raises(ValueError):
        severity(actual, possible)


FACTS = CaseFacts(ancestry=[30, 20, 10], sector="kommune", event_type="medicinering.administration", reporter_kind="staff")


def test_tree_walk_takes_the_nearest_org_with_a_risk_manager():
    assert choose_handling_org(FACTS, [], {10, 20}) == (20, None)
    assert choose_handling_org(FACTS, [], {30, 10}) == (30, None)


def test_no_risk_manager_anywhere_leaves_the_case_unrouted():
    assert choose_handling_org(FACTS, [], set()) == (None, None)


def test_rules_come_before_the_tree_in_priority_order():
    rules = [Rule(1, 20, target_org_id=99, sector="kommune"), Rule(2, 10, target_org_id=98, event_type_prefix="medicinering")]
    assert choose_handling_org(FACTS, rules, {30}) == (98, 2)


def test_a_rule_needs_all_its_conditions():
    rules = [Rule(1, 10, target_org_id=99, sector="kommune", reporter_kind="public"),
             Rule(2, 20, target_org_id=98, event_org_id=20, event_type_prefix="fald")]
    assert choose_handling_org(FACTS, rules, {30}) == (30, None)


def test_rule_on_an_org_subtree_matches_units_below_it():
    assert choose_handling_org(FACTS, [Rule(5, 1, target_org_id=77, event_org_id=10)], set()) == (77, 5)


def test_rule_on_event_type_prefix_needs_an_event_type():
    facts = CaseFacts([30], "kommune", None, "staff")
    assert choose_handling_org(facts, [Rule(5, 1, target_org_id=77, event_type_prefix="medicinering")], set()) == (None, None)


def test_cross_sector_counts_distinct_sectors():
    assert is_cross_sector(["hospital", "kommune"])
    assert not is_cross_sector(["hospital", "hospital", None])


def test_a_catch_all_rule_is_tried_after_the_tree_walk():
    catch_all = Rule(9, 1, target_org_id=77)  # first by priority, but without conditions
    assert choose_handling_org(FACTS, [catch_all], {30}) == (30, None)
    assert choose_handling_org(FACTS, [catch_all], set()) == (77, 9)


def test_an_event_type_prefix_is_a_code_in_the_hierarchy_not_a_string_prefix():
    facts = CaseFacts([30], "kommune", "medicinering.administration.ikke_givet", "staff")
    assert choose_handling_org(facts, [Rule(5, 1, target_org_id=77, event_type_prefix="medicin")], set()) == (None, None)
    assert choose_handling_org(facts, [Rule(5, 1, target_org_id=77, event_type_prefix="medicinering")], set()) == (77, 5)
