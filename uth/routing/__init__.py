"""Which organisation handles a case (SPEC §4): admin rules, then the walk up the tree."""
from __future__ import annotations

from flask import Flask

from uth import hooks


def init_app(app: Flask) -> None:
    """Check the cached routing values again after each flush and in each transaction; the routing
    generation is read with the request's actor."""
    from uth.routing.services import generation_read, register_events

    register_events()
    hooks.add(app, hooks.ACTOR_READ, generation_read)
