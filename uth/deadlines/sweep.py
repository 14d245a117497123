"""The sweep behind `uth sweep-deadlines` (SPEC §6): every feature with deadlines registers a
sweeper (`hooks.SWEEPERS`: the case and statement deadlines, analyses' action items, ...)."""
from __future__ import annotations

from datetime import datetime

from uth import hooks


def run_sweepers(now: datetime) -> dict[str, int]:
    """Run every registered sweeper in registration order; {sweeper name: things recorded}."""
    return {getattr(s, "__name__", repr(s)): s(now) for s in hooks.get(hooks.SWEEPERS)}
