"""The monthly digest for forum members: new learning summaries, titles and links only, no case data."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from uth.audit.services import record
from uth.audit.models import AuditEntry
from uth.auth.models import Grant, Role, User
from uth.deadlines.rules import FILTER_YEARS, filter_date_in_range, local_date, local_midnight
from uth.errors import Invalid
from uth.extensions import db
from uth.i18n import message
from uth.learning.models import LearningSummary
from uth.learning.services import summaries_since
from uth.notifications.services import absolute_url, enqueue


def previous_month_start(now: datetime) -> datetime:
    """Local midnight of the first day of the month before `now`'s (Danish) month."""
    today = local_date(now)
    first = today.replace(year=today.year - 1, month=12, day=1) if today.month == 1 else today.replace(month=today.month - 1, day=1)
    return local_midnight(first)


def parse_since(raw: str | None, now: datetime) -> datetime:
    """A YYYY-MM-DD date as local midnight; the first day of the previous month when not given."""
    if not raw:
        return previous_month_start(now)
    try:
        day = datetime.strptime(raw.strip(), "%Y-%m-%d").date()
    except ValueError:
        raise Invalid({"since": [message("Angiv dato som ÅÅÅÅ-MM-DD")]}) from None
    if not filter_date_in_range(day):
        raise Invalid({"since": [message("Året skal være fra %(first)s til %(last)s", first=FILTER_YEARS[0], last=FILTER_YEARS[1])]})
    return local_midnight(day)


def last_digest_at() -> datetime | None:
    """When the digest was last sent (its audit entry), or None before the first one."""
    sent = select(func.max(AuditEntry.at)).where(AuditEntry.case_id.is_(None), AuditEntry.action == "learning.digest")
    return db.session.scalar(sent)  # an entry about no case: found in the action's index


def digest_since(raw: str | None, now: datetime) -> datetime:
    """The start of the next digest: `raw` when given, else where the last digest ended (so a summary
    falls between no two runs, however far apart), else the first day of the previous month."""
    if raw:
        return parse_since(raw, now)
    return last_digest_at() or previous_month_start(now)


def summary_url(summary: LearningSummary) -> str:
    """Absolute link to a summary page for e-mails."""
    return absolute_url(f"/learning/{summary.id}")


def forum_members() -> list[User]:
    """Active users with an active forum_member grant."""
    return list(db.session.scalars(
        select(User).join(Grant, Grant.user_id == User.id)
        .where(Grant.role == Role.FORUM_MEMBER.value, Grant.active.is_(True), User.active.is_(True))
        .distinct().order_by(User.id)))


def digest_body(user: User, summaries: list[LearningSummary], since: datetime) -> str:
    """Plain-text digest: one line per summary with its link."""
    lines = [f"Hej {user.name}", "",
             f"Der er offentliggjort {len(summaries)} nye læringsopsummeringer siden {local_date(since):%d-%m-%Y}:", ""]
    lines += [f"- {s.title}\n  {summary_url(s)}" for s in summaries]
    return "\n".join(lines + ["", "Med venlig hilsen", "UTH"]) + "\n"


def send_digest(since: datetime, *, now: datetime) -> int:
    """Queue one e-mail per forum member who has new summaries since `since`; returns how many."""
    queued = 0
    for user in forum_members():
        summaries = summaries_since(user, since)
        if not summaries:
            continue
        enqueue("learning_digest", user.email, f"Ny læring fra patientsikkerhedsforum ({len(summaries)})",
                digest_body(user, summaries, since), now=now)
        queued += 1
    record("system", "learning.digest", now=now, detail={"since": since.isoformat(), "messages": queued})
    return queued
