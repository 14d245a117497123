"""A case's open deadlines and the nearest one (SPEC §6): what the queue sorts by and the case shows."""
from __future__ import annotations

from datetime import date

from uth.reports.models import OPEN_STATUSES, Case, CaseStatus


def open_deadlines(case: Case) -> list[tuple[str, date]]:
    """(name, due date) of the deadlines still running."""
    if case.status not in OPEN_STATUSES:
        return []
    out = []
    if case.status == CaseStatus.NEW:
        out.append(("acknowledge_by", case.acknowledge_by))
    out.append(("close_by", case.close_by))
    for st in case.statements:
        if st.is_open:
            out.append((f"respond_by:{st.id}", st.respond_by))
    return out


def next_deadline(case: Case) -> tuple[str, date] | None:
    """The nearest open deadline, which the queue sorts by."""
    deadlines = open_deadlines(case)
    return min(deadlines, key=lambda d: d[1]) if deadlines else None
