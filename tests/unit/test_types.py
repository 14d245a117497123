"""UTCDateTime: what SQLite is given for a time."""
from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy.dialects import postgresql, sqlite

from uth.types import UTCDateTime

COPENHAGEN_WINTER = timezone(timedelta(hours=1))


def _bind(dialect):
    return UTCDateTime().dialect_impl(dialect).bind_processor(dialect)


def test_sqlite_is_given_utc_text_and_the_same_time_is_formatted_once():
    bind = _bind(sqlite.dialect())
    now = datetime(2026, 12, 4, 13, 5, 7, 123456, tzinfo=COPENHAGEN_WINTER)
    text = bind(now)
    assert text == "2026-12-04 12:05:07.123456"
    assert bind(now) is text  # the same object again: the text kept, not formatted anew
    assert _bind(sqlite.dialect())(now) is text  # by another column's too
    # An equal time in another zone, a later time and nothing are each bound as they are.
    assert bind(datetime(2026, 12, 4, 12, 5, 7, 123456, tzinfo=UTC)) == "2026-12-04 12:05:07.123456"
    assert bind(now + timedelta(microseconds=1)) == "2026-12-04 12:05:07.123457"
    assert bind(None) is None
    assert bind(now) == "2026-12-04 12:05:07.123456"


def test_postgresql_is_given_the_time_itself():
    bind = _bind(postgresql.dialect())
    now = datetime(2026, 12, 4, 13, 0, tzinfo=COPENHAGEN_WINTER)
    assert bind(now) == datetime(2026, 12, 4, 12, 0)  # naive UTC, for the driver to send
