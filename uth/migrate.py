"""Runs alembic from inside the app (uth init, tests)."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from uth.extensions import db

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"


def alembic_config(url: str | None = None) -> Config:
    """An alembic Config pointing at migrations/ and the app's database."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", (url or str(db.engine.url.render_as_string(hide_password=False))).replace("%", "%%"))
    return cfg


def upgrade_head() -> None:
    """Migrate the app's database to the newest revision, in one transaction."""
    with db.engine.begin() as connection:
        cfg = alembic_config()
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")
