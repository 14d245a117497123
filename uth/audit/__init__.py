"""The append-only audit trail (SPEC §13), hash-chained as it is written (SPEC §21)."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Chain the audit entries of every transaction as it commits."""
    from uth.audit.services import register_chain

    register_chain()
