"""Learning: summaries, patient-safety forums, statistics, batch counts and the digest (SPEC §10, §11)."""
from __future__ import annotations

from flask import Flask

from uth import hooks


def init_app(app: Flask) -> None:
    """Make published learning searchable beside cases."""
    from uth.learning.search import SOURCE

    hooks.add(app, hooks.SEARCH_SOURCES, SOURCE)
