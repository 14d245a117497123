"""Verify the audit hash chain and export its head (SPEC §21)."""
from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import func, select

from uth.audit.chain import CONTENT, Verdict, walk
from uth.audit.models import AuditChainHead, AuditEntry
from uth.audit.services import record
from uth.deadlines.rules import local_date, local_midnight
from uth.extensions import db
from uth.notifications.services import enqueue

HEAD_MAILED = "audit.head_mailed"
_COLUMNS = [getattr(AuditEntry, name) for name in ("id", "hash", *CONTENT)]


def verify_chain(expected_head: str | None = None) -> Verdict:
    """Recompute every entry's hash in id order, straight from the table (no trigger is trusted);
    then check the stored head (entries removed from, or forged onto, the end) and, if given, a head
    exported earlier. The head is read in the same statement as the entries: one snapshot."""
    head_last = select(AuditChainHead.last_id).where(AuditChainHead.id == 1).scalar_subquery()
    head_hash = select(AuditChainHead.hash).where(AuditChainHead.id == 1).scalar_subquery()
    query = select(*_COLUMNS, head_last.label("head_last_id"), head_hash.label("head_hash")).order_by(AuditEntry.id)
    seen: dict = {}

    result = db.session.execute(query.execution_options(yield_per=5000))

    def rows():
        for row in result.mappings():
            seen.update(head_last_id=row["head_last_id"], head_hash=row["head_hash"])
            yield row

    try:
        verdict = walk(rows())
    finally:
        result.close()  # a server-side cursor on PostgreSQL, left open when the walk stops early
    if verdict.bad_id is not None:
        return verdict
    if seen.get("head_hash") is not None and (seen["head_last_id"], seen["head_hash"]) != (verdict.last_id, verdict.head):
        stored = seen["head_last_id"]
        if stored is not None and (verdict.last_id is None or stored > verdict.last_id):
            verdict.bad_id, verdict.problem = stored, (f"is missing: the chain head names it ({seen['head_hash']}), "
                                                       f"but the chain ends at entry {verdict.last_id}")
        else:
            verdict.bad_id = _first_after(stored)
            verdict.problem = (f"comes after the chain head (entry {stored}): it was added past the application")
    elif expected_head and not _in_chain(expected_head):
        verdict.problem = f"the exported head {expected_head} is no entry's hash: the chain was rewritten"
    return verdict


def _first_after(last_id: int | None) -> int | None:
    query = select(func.min(AuditEntry.id))
    return db.session.scalar(query.where(AuditEntry.id > last_id) if last_id is not None else query)


def _in_chain(hash_: str) -> bool:
    return db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.hash == hash_)) > 0


def audit_head_mail(now: datetime) -> int:
    """A sweeper: the chain head to UTH_AUDIT_HEAD_TO, at most once per Danish day (1 when mailed)."""
    to = current_app.config.get("UTH_AUDIT_HEAD_TO")
    if not to:
        return 0
    since = local_midnight(local_date(now))
    mailed = select(AuditEntry.id).where(AuditEntry.case_id.is_(None), AuditEntry.action == HEAD_MAILED, AuditEntry.at >= since)
    if db.session.scalar(mailed.limit(1)):  # an entry about no case: found in the action's index
        return 0
    head = db.session.get(AuditChainHead, 1)
    hash_, last_id, count = (head.hash, head.last_id, head.entries) if head else ("0" * 64, None, 0)
    day = local_date(now).strftime("%d-%m-%Y")
    enqueue("audit_head", to, f"UTH revisionsspor: kædens hoved {day}",
            f"Revisionssporets hash-kæde (SPEC §21) pr. {day}:\n\n{hash_}\n\n"
            f"Seneste post: {last_id if last_id is not None else '–'}. Gem denne værdi uden for UTH; "
            f"`uth audit-verify --head {hash_}` viser senere, om sporet siden er skrevet om.\n\n"
            f"The audit trail's hash chain head on {day}: keep it outside UTH.\n", now=now)
    record("system", HEAD_MAILED, now=now, detail={"hash": hash_, "last_id": last_id, "entries": count})
    return 1


audit_head_mail.unit = "audit heads mailed"
