"""Admin-defined routing rules, tried in priority order before the tree walk (SPEC §4)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from uth.auth.models import Organisation
from uth.extensions import db
from uth.types import UTCDateTime


class RoutingRule(db.Model):
    """Conditions (all optional, all must hold) → the organisation that handles the case."""

    __tablename__ = "routing_rules"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    priority: Mapped[int] = mapped_column(Integer, default=100)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    event_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    sector: Mapped[str | None] = mapped_column(String(32))
    event_type_prefix: Mapped[str | None] = mapped_column(String(80))
    reporter_kind: Mapped[str | None] = mapped_column(String(8))
    target_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    event_org: Mapped[Organisation | None] = relationship(foreign_keys=[event_org_id])
    target_org: Mapped[Organisation] = relationship(foreign_keys=[target_org_id])


class RoutingGeneration(db.Model):
    """One row naming the state of what routing reads: organisations, rules, grants and users (active,
    address). Database triggers give it a new random number at every change, whoever writes (the
    admin pages, the CLI, an import, SQL by hand), so every worker and app server sees a change at its
    next request and reads its cached values again (`uth.routing.services.routing_values`). Random,
    not counted: a change rolled back must not leave a number the next change would give again."""

    __tablename__ = "routing_generation"
    id: Mapped[int] = mapped_column(primary_key=True)  # always 1
    generation: Mapped[int] = mapped_column(BigInteger, default=0)


# (table, operations) whose changes bump the generation; users only when what routing and its mail read changes.
WATCHED = (("organisations", "INSERT OR UPDATE OR DELETE"), ("routing_rules", "INSERT OR UPDATE OR DELETE"),
           ("grants", "INSERT OR UPDATE OR DELETE"), ("users", "INSERT OR DELETE OR UPDATE OF active, email, name, language"))
_PG_BUMP = (
    "CREATE OR REPLACE FUNCTION routing_generation_bump() RETURNS trigger AS $$ BEGIN "
    "INSERT INTO routing_generation (id, generation) VALUES (1, floor(random() * 9007199254740991)::bigint) "
    "ON CONFLICT (id) DO UPDATE SET generation = excluded.generation; RETURN NULL; END $$ LANGUAGE plpgsql"
)
_SQLITE_BUMP = "INSERT OR REPLACE INTO routing_generation (id, generation) VALUES (1, random());"


def generation_ddl(dialect: str) -> list[str]:
    """Statements creating the triggers that give the routing generation a new number, for this dialect."""
    if dialect == "postgresql":
        return [_PG_BUMP] + [f"CREATE TRIGGER routing_generation_{table} AFTER {ops} ON {table} "
                             "FOR EACH STATEMENT EXECUTE FUNCTION routing_generation_bump()" for table, ops in WATCHED]
    if dialect == "sqlite":  # one trigger per operation, for each row
        return [f"CREATE TRIGGER routing_generation_{table}_{op.split()[0].lower()} AFTER {op} ON {table} "
                f"BEGIN {_SQLITE_BUMP} END" for table, ops in WATCHED for op in ops.split(" OR ")]
    return []


def drop_generation_ddl(dialect: str) -> list[str]:
    """Statements removing those triggers (downgrade)."""
    if dialect == "postgresql":
        return [f"DROP TRIGGER IF EXISTS routing_generation_{table} ON {table}" for table, _ in WATCHED] + [
            "DROP FUNCTION IF EXISTS routing_generation_bump()"]
    return [f"DROP TRIGGER IF EXISTS routing_generation_{table}_{op.split()[0].lower()}"
            for table, ops in WATCHED for op in ops.split(" OR ")]


def _create_generation(target, connection, **kw) -> None:
    """With create_all (tests): the row and the triggers, once every watched table exists."""
    if RoutingGeneration.__table__.name not in {t.name for t in kw.get("tables", target.sorted_tables)}:
        return
    connection.execute(RoutingGeneration.__table__.insert().values(id=1, generation=0))
    for statement in generation_ddl(connection.dialect.name):
        connection.exec_driver_sql(statement)


event.listen(db.metadata, "after_create", _create_generation)
