"""Which organisation handles a case (SPEC §4): admin rules, then the walk up the tree."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Check the cached routing values again after each flush and in each transaction."""
    from uth.routing.services import register_events

    register_events()
