"""Due dates for cases and statement requests (SPEC §6), as pure functions.

- acknowledge_by = received + UTH_ACK_WORKING_DAYS (default 3) working days; no statutory
  deadline exists for the receipt, so this is a configurable service level.
- close_by = received + UTH_CLOSE_DAYS (default 90) calendar days. 90 days: bekendtgørelse om
  rapportering af utilsigtede hændelser, as summarised by STPS.
- respond_by = requested + UTH_RESPONSE_WORKING_DAYS (default 10) working days.

All dates are local dates in Europe/Copenhagen; a deadline is overdue once its day has ended.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from uth.clock import LOCAL_TZ
from uth.deadlines.calendar import DEFAULT_EXTRA_CLOSED, add_working_days, parse_extra_closed

__all__ = [
    "LOCAL_TZ",
    "DeadlineSettings",
    "acknowledge_by",
    "age_in_days",
    "close_by",
    "days_until",
    "is_overdue",
    "local_date",
    "respond_by",
]

_DEFAULT_ACK_WORKING_DAYS = 3
_DEFAULT_CLOSE_DAYS = 90
_DEFAULT_RESPONSE_WORKING_DAYS = 10


def _non_negative_int(value: Any, name: str) -> int:
    """Coerce a config value ("3" or 3) to a non-negative int, naming the setting if bad."""
    if isinstance(value, bool):
        raise ValueError(f"{name} must be a whole number of days, got {value!r}")
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    else:
        raise ValueError(f"{name} must be a whole number of days, got {value!r}")
    if number < 0:
        raise ValueError(f"{name} must not be negative, got {value!r}")
    return number


@dataclass(frozen=True)
class DeadlineSettings:
    """The configurable deadline lengths, validated once so the rules stay simple."""

    ack_working_days: int = _DEFAULT_ACK_WORKING_DAYS
    close_days: int = _DEFAULT_CLOSE_DAYS
    response_working_days: int = _DEFAULT_RESPONSE_WORKING_DAYS
    extra_closed: tuple[str, ...] = DEFAULT_EXTRA_CLOSED

    def __post_init__(self) -> None:
        """Reject impossible values and normalise extra_closed to a sorted tuple."""
        for name in ("ack_working_days", "close_days", "response_working_days"):
            _non_negative_int(getattr(self, name), name)
        try:
            extra = parse_extra_closed(self.extra_closed)
        except ValueError as exc:
            raise ValueError(f"extra_closed: {exc}") from None
        object.__setattr__(self, "extra_closed", extra)

    @classmethod
    def from_mapping(cls, config: Mapping[str, Any]) -> DeadlineSettings:
        """Build settings from app config / environment-style keys, with SPEC defaults."""

        def get_int(key: str, default: int) -> int:
            """Read one integer key, treating a missing or None value as the default."""
            value = config.get(key)
            return default if value is None else _non_negative_int(value, key)

        key = "UTH_EXTRA_CLOSED_DAYS"
        raw_extra: str | Iterable[str] | None = config.get(key)
        if raw_extra is None:
            extra = DEFAULT_EXTRA_CLOSED
        else:
            try:
                extra = parse_extra_closed(raw_extra)
            except ValueError as exc:
                raise ValueError(f"{key}: {exc}") from None
        return cls(
            ack_working_days=get_int("UTH_ACK_WORKING_DAYS", _DEFAULT_ACK_WORKING_DAYS),
            close_days=get_int("UTH_CLOSE_DAYS", _DEFAULT_CLOSE_DAYS),
            response_working_days=get_int(
                "UTH_RESPONSE_WORKING_DAYS", _DEFAULT_RESPONSE_WORKING_DAYS
            ),
            extra_closed=extra,
        )


_DEFAULT_SETTINGS = DeadlineSettings()


FILTER_YEARS = (1900, 9998)  # a date filter outside these years is refused (the bounds would overflow)


def filter_date_in_range(day: date) -> bool:
    """Whether a date-range filter's day lies in FILTER_YEARS."""
    return FILTER_YEARS[0] <= day.year <= FILTER_YEARS[1]


def local_midnight(day: date) -> datetime:
    """The start of a Copenhagen calendar day, in UTC: the bound of a date-range filter."""
    return datetime.combine(day, time(0), LOCAL_TZ).astimezone(timezone.utc)


def local_date(dt: datetime) -> date:
    """Return the Copenhagen calendar date of an instant (naive datetimes are taken as UTC)."""
    if dt.tzinfo is None or dt.tzinfo.utcoffset(dt) is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(LOCAL_TZ).date()


def acknowledge_by(
    received_at: datetime, settings: DeadlineSettings = _DEFAULT_SETTINGS
) -> date:
    """Last local date for sending the reporter a receipt."""
    return add_working_days(
        local_date(received_at), settings.ack_working_days, settings.extra_closed
    )


def close_by(received_at: datetime, settings: DeadlineSettings = _DEFAULT_SETTINGS) -> date:
    """Last local date for finishing, anonymising and sending on a case (calendar days)."""
    return local_date(received_at) + timedelta(days=settings.close_days)


def respond_by(
    requested_at: datetime, settings: DeadlineSettings = _DEFAULT_SETTINGS
) -> date:
    """Last local date for answering a statement request."""
    return add_working_days(
        local_date(requested_at), settings.response_working_days, settings.extra_closed
    )


def is_overdue(due_on: date, now: datetime) -> bool:
    """Tell whether a deadline has passed: only once its local day has fully ended."""
    return local_date(now) > due_on


def days_until(due_on: date, now: datetime) -> int:
    """Whole local days left until a deadline: 0 on the day, negative once overdue."""
    return (due_on - local_date(now)).days


def age_in_days(received_at: datetime, now: datetime) -> int:
    """Case age in local calendar days (0 on the day it was received)."""
    return (local_date(now) - local_date(received_at)).days
