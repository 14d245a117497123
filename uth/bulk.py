"""Many rows in one go, with their new ids in the rows' order (a history import, the audit chain's
append at commit): what SQLAlchemy's flush would do a row at a time.

SQLAlchemy's own multi-row INSERT (insertmanyvalues) is slow here on both databases: SQLite
cannot sort RETURNING rows, so it inserts row by row; on PostgreSQL psycopg re-parses each page's
SQL with its tens of thousands of placeholders (most of an import's time). Its executemany of one
INSERT builds each row's parameters through the compiled statement (on SQLite a tenth of an
import). So: the driver's executemany of one prepared INSERT (sqlite3's C loop; psycopg pipelines
it) on the connection's own cursor (`driver_execute`), the column types' own bind processing, and
ids the database hands out in order."""
from __future__ import annotations

from functools import lru_cache

from sqlalchemy import (
    Connection,
    Dialect,
    Executable,
    Table,
    bindparam,
    insert,
    text,
)
from sqlalchemy.exc import DBAPIError, NoResultFound
from sqlalchemy.orm import Session


def as_loaded(model, values: dict):
    """An instance of the mapped class holding these values as loading a row puts them (the
    instance's dict, `ClassManager.new_instance`), without the change event that setting each
    attribute fires: for an object whose row Core inserts (a new case, an audit entry), which the
    unit of work never flushes. Still transient; an attribute the values leave out reads None."""
    obj = model._sa_class_manager.new_instance()
    obj.__dict__.update(values)
    return obj


def driver_execute(connection: Connection, sql: str, params, *, many: bool = False):
    """Run the driver's SQL on the connection's own DB-API cursor, in its transaction, and return
    the cursor: what `Connection.exec_driver_sql` does without its execution context, result object
    and events (~60 µs of Python a statement, for the few statements a submission runs while it
    holds the database's write lock). A driver error is raised as SQLAlchemy raises it
    (`DBAPIError.instance`: an IntegrityError stays one). Statement listeners do not see these."""
    cursor = connection.connection.dbapi_connection.cursor()
    dbapi = connection.dialect.loaded_dbapi
    try:
        if many:
            cursor.executemany(sql, params)
        else:
            cursor.execute(sql, params)
    except dbapi.Error as err:
        cursor.close()
        raise DBAPIError.instance(sql, params, err, dbapi.Error, dialect=connection.dialect, ismulti=many) from err
    return cursor


def insert_rows(session: Session, table: Table, rows: list[dict]) -> None:
    """Insert the rows (all with the same keys) in the session's transaction."""
    if not rows:
        return
    connection = session.connection()
    prepared = _prepared(table, tuple(rows[0]), connection.dialect)
    driver_execute(connection, prepared[0], [_driver_values(row, *prepared[1:]) for row in rows], many=True).close()


def insert_returning_id(session: Session, table: Table, row: dict) -> int:
    """Insert one row; its new id (INSERT … RETURNING id, as the driver takes it)."""
    connection = session.connection()
    prepared = _prepared(table, tuple(row), connection.dialect, returning=True)
    return _one(driver_execute(connection, prepared[0], _driver_values(row, *prepared[1:])))[0]


def _one(cursor) -> tuple:
    """The one row a statement answers (its cursor closed)."""
    try:
        row = cursor.fetchone()
    finally:
        cursor.close()
    if row is None:
        raise NoResultFound("the statement returned no row")
    return tuple(row)


def _driver_values(row: dict, plan: tuple, named: bool, defaults: tuple):
    if defaults:  # what the rows leave out, as the column's own default gives it (a callable: for each row)
        row = {**row, **{key: default.arg(None) if default.is_callable else default.arg for key, default in defaults}}
    if named:
        return {key: row[key] if process is None else process(row[key]) for key, process in plan}
    return tuple(row[key] if process is None else process(row[key]) for key, process in plan)


@lru_cache(maxsize=64)
def _prepared(table: Table, keys: tuple[str, ...], dialect: Dialect, returning: bool = False):
    """The INSERT of these columns and of those with a default in Python the keys leave out, as the
    driver takes it; its values' plan, each key with its column's bind processor (a datetime as
    SQLite's text, JSON…; None: the value as it is), in the statement's order where its values are
    positional (SQLite's qmark); whether they are named; and those defaults."""
    defaults = tuple((column.key, column.default) for column in table.columns if column.key not in keys
                     and column.default is not None and (column.default.is_scalar or column.default.is_callable))
    keys = keys + tuple(key for key, _ in defaults)
    statement = insert(table).values({key: bindparam(key) for key in keys})
    compiled = (statement.returning(table.c.id) if returning else statement).compile(dialect=dialect)
    order = tuple(compiled.positiontup) if compiled.positional else keys
    plan = tuple((key, table.c[key].type.dialect_impl(dialect).bind_processor(dialect)) for key in order)
    return str(compiled), plan, not compiled.positional, defaults


def run_compiled(connection: Connection, statement: Executable, params: dict | None = None) -> tuple | None:
    """A Core statement run as the driver's SQL (`driver_execute`), compiled once per dialect: for
    the few statements a submission runs while it holds the database's write lock; the first row
    it answers, as a tuple (None: none). Only for parameters that need no type processing
    (numbers, text); the statement's own literals are bound as compiled. The values come as the
    driver gives them (on SQLite a time is text, a flag 0 or 1)."""
    rows = compiled_rows(connection, statement, params, first=True)
    return rows[0] if rows else None


def compiled_rows(connection: Connection, statement: Executable, params: dict | None = None, *,
                  first: bool = False) -> list[tuple]:
    """`run_compiled`, every row (or, `first`, at most the first)."""
    sql, order, defaults = _compiled(statement, connection.dialect)
    values = {**defaults, **params} if params else defaults
    cursor = driver_execute(connection, sql, values if order is None else tuple(values[key] for key in order))
    try:
        if not cursor.description:
            return []
        return [tuple(row) for row in ([cursor.fetchone()] if first else cursor.fetchall()) if row is not None]
    finally:
        cursor.close()


@lru_cache(maxsize=64)
def _compiled(statement: Executable, dialect: Dialect):
    compiled = statement.compile(dialect=dialect)
    return str(compiled), tuple(compiled.positiontup) if compiled.positional else None, compiled.params


def insert_returning_ids(session: Session, table: Table, rows: list[dict]) -> list[int]:
    """Insert the rows; their new ids, ascending in the rows' order.

    PostgreSQL: the ids are taken from the column's sequence first, ascending (`nextval` over a
    series), then inserted with the rows. SQLite: one executemany, whose rows take consecutive
    rowids (each max + 1 under the database's one write lock, held from the first row to the
    commit), the last one being last_insert_rowid()."""
    if not rows:
        return []
    if session.get_bind().dialect.name == "postgresql":
        ids = sorted(session.execute(text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"),
                                     {"table": table.name, "n": len(rows)}).scalars())
        insert_rows(session, table, [{**row, "id": row_id} for row, row_id in zip(rows, ids)])
        return ids
    insert_rows(session, table, rows)
    last = _one(driver_execute(session.connection(), "SELECT last_insert_rowid()", ()))[0]
    return list(range(last - len(rows) + 1, last + 1))
