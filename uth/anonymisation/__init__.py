"""Anonymisation: the scanner, findings before close, deletion at close, purging the storage files,
the national export (SPEC §8)."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Purge the storage files after every commit that removed text."""
    from uth.anonymisation.services import init_app as init_purge

    init_purge(app)
