"""Severity category from actual × possible consequence (SPEC §3; DPSD case form 2020/21)."""
from __future__ import annotations

ACTUAL = ("none", "minor", "serious", "fatal")
POSSIBLE = ("none", "minor", "serious_or_fatal")
SERIOUS_SEVERITIES = ("serious_consequence", "fatal_consequence", "serious_risk")
# Least to most serious (SPEC §21): classifying a case lower in this order needs a reason.
SEVERITY_ORDER = ("no_consequence", "minor_consequence", "serious_risk", "serious_consequence", "fatal_consequence")

_MATRIX = {
    ("none", "none"): "no_consequence",
    ("none", "minor"): "no_consequence",
    ("none", "serious_or_fatal"): "serious_risk",
    ("minor", "minor"): "minor_consequence",
    ("minor", "serious_or_fatal"): "serious_risk",
}


def severity(actual: str, possible: str | None) -> str:
    """The combined category; ValueError for a combination the matrix leaves empty."""
    if actual == "serious":
        return "serious_consequence"
    if actual == "fatal":
        return "fatal_consequence"
    try:
        return _MATRIX[(actual, possible)]
    except KeyError:
        raise ValueError(f"no severity for actual={actual!r}, possible={possible!r}") from None


def needs_possible(actual: str) -> bool:
    """The possible consequence is asked only when the actual one is none or minor."""
    return actual in ("none", "minor")


def is_downgrade(before: str | None, after: str) -> bool:
    """Whether `after` is a less serious category than `before` (SPEC §21: such a change needs a reason)."""
    if before not in SEVERITY_ORDER:
        return False
    return SEVERITY_ORDER.index(after) < SEVERITY_ORDER.index(before)


def downgrade_ranks(current: str | None) -> dict | None:
    """What the classify form needs to ask for a reason only when the chosen consequences lower the
    severity: the current rank and the rank of every "actual|possible" choice; None when nothing is lower."""
    if current not in SEVERITY_ORDER or SEVERITY_ORDER.index(current) == 0:
        return None
    ranks = {}
    for actual in ACTUAL:
        for possible in (POSSIBLE if needs_possible(actual) else ("",)):
            try:
                ranks[f"{actual}|{possible}"] = SEVERITY_ORDER.index(severity(actual, possible or None))
            except ValueError:
                continue
    return {"current": SEVERITY_ORDER.index(current), "ranks": ranks}
