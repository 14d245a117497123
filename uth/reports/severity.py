"""Severity category from actual × possible consequence (SPEC §3; DPSD case form 2020/21)."""
from __future__ import annotations

ACTUAL = ("none", "minor", "serious", "fatal")
POSSIBLE = ("none", "minor", "serious_or_fatal")
SERIOUS_SEVERITIES = ("serious_consequence", "fatal_consequence", "serious_risk")

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
