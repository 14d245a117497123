"""Working a case: the state machine, one verb per action, the offers of the case page, the mails,
the deadline sweep (SPEC §5–§7)."""
from __future__ import annotations

from flask import Flask

from uth import hooks


def init_app(app: Flask) -> None:
    """`uth sweep-deadlines` records and announces overdue case and statement deadlines."""
    from uth.handling.sweep import case_deadlines

    hooks.add(app, hooks.SWEEPERS, case_deadlines)
