"""The audit chain checked and kept outside the system (SPEC §21): `uth audit-verify`, `uth audit-head`,
the head hash mailed daily by the sweep. The audit package writes the chain; this one reads it."""
from __future__ import annotations

from flask import Flask

from uth import hooks


def init_app(app: Flask) -> None:
    """`uth sweep-deadlines` mails the chain head to UTH_AUDIT_HEAD_TO once a (Danish) day."""
    from uth.integrity.services import audit_head_mail

    hooks.add(app, hooks.SWEEPERS, audit_head_mail)
