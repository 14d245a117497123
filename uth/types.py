"""Column types shared by all models."""
from datetime import datetime, timezone

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator

_LAST_BOUND: tuple = (None, None)  # (datetime, its SQLite text): UTCDateTime.bind_processor


class UTCDateTime(TypeDecorator):
    """Stores naive UTC, returns aware UTC, so SQLite and PostgreSQL behave alike."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is not None:
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        return value

    def bind_processor(self, dialect):
        """On SQLite a time is bound as text, formatted in Python: the text of the last time bound
        (to any column of this type: they share the format) is kept, for the same object bound
        again (a submission binds its one `now` to the case, its history, its audit entry and its
        messages). Other drivers take the object."""
        process = super().bind_processor(dialect)
        if process is None or dialect.name != "sqlite":
            return process

        def bind(value):
            global _LAST_BOUND
            seen, text = _LAST_BOUND
            if value is seen and value is not None:  # the same (immutable) datetime: the same text
                return text
            text = process(value)
            _LAST_BOUND = (value, text)
            return text
        return bind

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc)
