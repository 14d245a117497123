"""Users, organisations, grants, sign-in sessions and API tokens (SPEC §2, §14)."""
from __future__ import annotations

from flask import Flask

from uth import hooks


def init_app(app: Flask) -> None:
    """`uth sweep-deadlines` deletes the rows of sign-in sessions long over."""
    from uth.auth.services import forget_old_sessions

    hooks.add(app, hooks.SWEEPERS, forget_old_sessions)
