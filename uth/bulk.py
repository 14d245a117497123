"""Many rows in one go, with their new ids in the rows' order (a history import, the audit chain's
append at commit): what SQLAlchemy's flush would do a row at a time.

SQLAlchemy's own multi-row INSERT (insertmanyvalues) is slow here on both databases: SQLite
cannot sort RETURNING rows, so it inserts row by row; on PostgreSQL psycopg re-parses each page's
SQL with its tens of thousands of placeholders (most of an import's time). Its executemany of one
INSERT builds each row's parameters through the compiled statement (on SQLite a tenth of an
import). So: the driver's executemany of one prepared INSERT (sqlite3's C loop; psycopg pipelines
it), the column types' own bind processing, and ids the database hands out in order."""
from __future__ import annotations

from functools import lru_cache

from sqlalchemy import Dialect, Table, bindparam, insert, text
from sqlalchemy.orm import Session


def insert_rows(session: Session, table: Table, rows: list[dict]) -> None:
    """Insert the rows (all with the same keys) in the session's transaction."""
    if not rows:
        return
    connection = session.connection()
    sql, order, processors = _prepared(table, tuple(rows[0]), connection.dialect)
    if processors:
        rows = [{**row, **{key: process(row[key]) for key, process in processors}} for row in rows]
    if order is not None:  # SQLite's qmark: the values in the statement's order
        rows = [tuple(row[key] for key in order) for row in rows]
    connection.exec_driver_sql(sql, rows)


@lru_cache(maxsize=64)
def _prepared(table: Table, keys: tuple[str, ...], dialect: Dialect):
    """The INSERT of these columns as the driver takes it, the order of its positional values
    (None: named), and the columns' bind processors (a datetime as SQLite's text, JSON…)."""
    compiled = insert(table).values({key: bindparam(key) for key in keys}).compile(dialect=dialect)
    processors = [(key, table.c[key].type.dialect_impl(dialect).bind_processor(dialect)) for key in keys]
    return (str(compiled), tuple(compiled.positiontup) if compiled.positional else None,
            tuple((key, process) for key, process in processors if process is not None))


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
    last = session.execute(text("SELECT last_insert_rowid()")).scalar_one()
    return list(range(last - len(rows) + 1, last + 1))
