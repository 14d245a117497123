"""Status rules of an analysis (SPEC §9, §14): draft -> in_review -> approved, pure and DB-free."""
from __future__ import annotations

import enum
from dataclasses import dataclass

from uth.i18n import message


class AnalysisStatus(enum.StrEnum):
    """Status of an analysis (SPEC §9); members equal their strings (the database and JSON hold those)."""

    DRAFT = "draft"
    IN_REVIEW = "in_review"
    APPROVED = "approved"


class ActionStatus(enum.StrEnum):
    """Follow-up status of an action plan item (SPEC §9)."""

    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"


DRAFT, IN_REVIEW, APPROVED = AnalysisStatus
STATUSES = tuple(AnalysisStatus)
ACTION_STATUSES = tuple(ActionStatus)
OPEN_ACTION_STATUSES = (ActionStatus.PLANNED, ActionStatus.IN_PROGRESS)

# Allowed moves: a reviewer may send an analysis back to draft; approval is final.
TRANSITIONS = {DRAFT: {IN_REVIEW}, IN_REVIEW: {DRAFT, APPROVED}, APPROVED: set()}


@dataclass(frozen=True)
class Contents:
    """What an analysis holds, as far as the status rules care."""

    timeline: int
    causal_statements: int
    action_items_complete: int  # action items with both a responsible person and a due date


def can_move(current: str, target: str) -> bool:
    """True when the status may change from `current` to `target`."""
    return target in TRANSITIONS.get(current, set())


def missing_for(target: str, contents: Contents) -> dict[str, list[str]]:
    """What the analysis lacks before it may take `target` status, as field -> Danish messages."""
    missing: dict[str, list[str]] = {}
    if target == IN_REVIEW and not (contents.timeline or contents.causal_statements):
        missing["timeline"] = [message("Tilføj mindst ét punkt til tidslinjen eller en årsagssammenhæng før review")]
    if target == APPROVED:
        if not contents.causal_statements:
            missing["causal_statements"] = [message("Godkendelse kræver mindst én årsagssammenhæng")]
        if not contents.action_items_complete:
            missing["action_items"] = [message("Godkendelse kræver mindst ét tiltag med ansvarlig og tidsfrist")]
    return missing


def is_editable(status: str) -> bool:
    """An approved analysis is read-only (except the status of its action items)."""
    return status != APPROVED
