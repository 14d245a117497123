"""Root-cause analyses of serious cases: kerneårsagsanalyse and RCA² (SPEC §9)."""
from __future__ import annotations

from flask import Flask

from uth import hooks


def init_app(app: Flask) -> None:
    """`uth sweep-deadlines` reports overdue action items."""
    from uth.rca.sweep import sweep_action_items

    hooks.add(app, hooks.SWEEPERS, sweep_action_items)
