"""UTH with the audit hash chain switched off, for bench/submit_bench.py only (issue 13: what the chain
costs submission). Not a product setting: the entries are inserted as the chain inserts them, one at
a time at commit, but without their hash and without taking the chain head, so `uth audit-verify`
rejects a database written this way."""
from uth.audit import services
from uth.audit.chain import CONTENT
from uth.audit.models import AuditEntry
from wsgi import app


def _append_unchained(session, entries) -> None:
    connection, table = session.connection(), AuditEntry.__table__
    for entry in entries:
        values = {name: getattr(entry, name) for name in CONTENT}
        values["detail"] = values["detail"] or {}
        connection.execute(_INSERT, values)


_INSERT = AuditEntry.__table__.insert()  # built once, as the chain's own insert is


services.append = _append_unchained  # what services._chain_at_commit calls at each commit

__all__ = ["app"]
