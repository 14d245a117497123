"""Overdue action items of analyses (SPEC §9): each is reported once to the risk managers.

A sweeper of `uth sweep-deadlines` (`rca.init_app` registers it). Safe on several machines at once: an item is
claimed by a conditional UPDATE (`overdue_notified_at IS NULL`), so only one sweep wins it.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from uth.audit.services import record
from uth.auth.models import Role, User
from uth.deadlines.rules import local_date
from uth.extensions import db
from uth.notifications.services import absolute_url, central_risk_managers_above, dk_date, enqueue, risk_managers_of
from uth.rca.models import ActionItem, Analysis
from uth.rca.workflow import OPEN_ACTION_STATUSES


def _claim(item: ActionItem, now: datetime) -> bool:
    """Mark the item reported; False when another sweep already did."""
    result = db.session.execute(
        update(ActionItem).where(ActionItem.id == item.id, ActionItem.overdue_notified_at.is_(None))
        .values(overdue_notified_at=now).execution_options(synchronize_session=False))
    return result.rowcount == 1


def recipients(analysis: Analysis) -> list[User]:
    """The handling organisation's risk managers; else the central ones above; else the creator."""
    users = risk_managers_of(analysis.handling_org_id, Role.RISK_MANAGER)
    if not users:
        first = analysis.cases[0] if analysis.cases else None
        users = central_risk_managers_above(analysis.handling_org or (first.effective_org if first else None))
    if not users and analysis.created_by is not None:
        users = [analysis.created_by]
    return users


def _notify(item: ActionItem, now: datetime) -> int:
    """Queue one Danish e-mail per recipient about an overdue action item."""
    analysis = item.analysis
    references = ", ".join(c.reference for c in analysis.cases)
    url = absolute_url(f"/analyses/{analysis.id}")
    users = recipients(analysis)
    for user in users:
        enqueue(
            "action_overdue", user.email, f"Tiltag overskredet i analyse af {references}",
            f"Hej {user.name}\n\nTiltaget \"{item.text}\" i analysen \"{analysis.title}\" ({references}) "
            f"havde frist {dk_date(item.due_on)} og er ikke gennemført.\n"
            f"Ansvarlig: {item.responsible or 'ikke angivet'}\n\nSe analysen: {url}\n",
            now=now, case=analysis.cases[0] if analysis.cases else None)
    return len(users)


def sweep_action_items(now: datetime) -> int:
    """Report each open action item past the end of its due day once; returns how many."""
    items = db.session.scalars(
        select(ActionItem).where(ActionItem.status.in_(OPEN_ACTION_STATUSES), ActionItem.due_on < local_date(now),
                                 ActionItem.overdue_notified_at.is_(None))
        .options(selectinload(ActionItem.analysis).selectinload(Analysis.cases)).order_by(ActionItem.id)
    ).all()
    count = 0
    for item in items:
        if not _claim(item, now):
            continue
        _notify(item, now)
        record("system", "analysis.action_overdue", now=now, case=item.analysis.cases[0], obj=item,
               detail={"analysis_id": item.analysis_id, "due_on": item.due_on.isoformat()})
        count += 1
    return count
