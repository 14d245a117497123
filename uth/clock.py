"""Time in one place: the app's clock (services take `now` as an argument) and parsing what people type."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

from uth.errors import Invalid

# Deadlines, dates shown and times typed without a zone are Danish time (SPEC §6).
LOCAL_TZ = ZoneInfo("Europe/Copenhagen")


def utcnow() -> datetime:
    """Aware UTC now; a test may pin it with the UTH_FIXED_NOW setting (an aware datetime)."""
    if has_app_context():
        fixed = current_app.config.get("UTH_FIXED_NOW")
        if fixed is not None:
            return fixed
    return datetime.now(timezone.utc)


def parse_datetime(value: Any) -> datetime | None:
    """ISO 8601 to aware UTC; a time without zone is Copenhagen local time (what people type).
    None for anything that is not a date and time."""
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, str) and value.strip():
        text = value.strip().replace("Z", "+00:00")
        try:
            dt = datetime.fromisoformat(text)
        except ValueError:
            return None
    else:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=LOCAL_TZ)
    try:
        return dt.astimezone(timezone.utc)
    except OverflowError:  # year 1 or 9999 a few hours from the edge of what datetime holds
        return None


def parse_now(value: str | None) -> datetime:
    """A command's `--now` as aware UTC (without a zone: Copenhagen time), or the app's clock when absent."""
    if value is None:
        return utcnow()
    parsed = parse_datetime(value)
    if parsed is None:
        raise Invalid({"--now": [f"not an ISO 8601 date and time: {value!r}"]})
    return parsed
