"""Danish working-day calendar: public holidays plus configurable extra closed days.

Pure functions over plain values (no Flask, no database). Public holidays come from the
``holidays`` package, which computes Easter rather than reading a table; its Danish rules
already drop store bededag from 2024 (Act no. 214 of 6 March 2023).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from functools import lru_cache
from types import MappingProxyType

from holidays.countries.denmark import Denmark as _HolidaysDenmark

__all__ = [
    "DEFAULT_EXTRA_CLOSED",
    "EXTRA_CLOSED_NAMES",
    "add_working_days",
    "closed_days",
    "is_working_day",
    "parse_extra_closed",
]

# Closed days on top of the public holidays: Grundlovsdag, juleaftensdag, nytårsaftensdag.
DEFAULT_EXTRA_CLOSED: tuple[str, ...] = ("06-05", "12-24", "12-31")

# Danish names for the usual extra closed days; any other configured day is a "Lukkedag".
EXTRA_CLOSED_NAMES: Mapping[str, str] = MappingProxyType(
    {
        "05-01": "Arbejdernes kampdag",
        "06-05": "Grundlovsdag",
        "12-24": "Juleaftensdag",
        "12-31": "Nytårsaftensdag",
    }
)
_GENERIC_CLOSED_NAME = "Lukkedag"


class _Denmark(_HolidaysDenmark):
    """Danish holidays without the package's default 2100 cut-off (it returns nothing after)."""

    # holidays.HolidayBase.end_year defaults to 2100 and silently yields an empty calendar
    # for later years; the Danish rules themselves are year-independent.
    end_year = 9999


@lru_cache(maxsize=None)
def _public_holidays(year: int) -> Mapping[date, str]:
    """Return the statutory public holidays of one year, computed once and cached."""
    if not 1 <= year <= 9998:
        raise ValueError(f"year out of range: {year}")
    table = _Denmark(years=year, categories=("public",), language="da")
    result = {day: str(name) for day, name in table.items() if day.year == year}
    # Guard against the calendar silently "running out": every year has these two.
    if date(year, 1, 1) not in result or date(year, 12, 25) not in result:
        raise RuntimeError(f"no Danish public-holiday data for {year}")
    return MappingProxyType(result)


def _parse_entry(entry: str) -> str:
    """Validate one "MM-DD" entry and return it normalised, so bad config fails loudly."""
    text = str(entry).strip()
    parts = text.split("-")
    if len(parts) != 2 or not all(p.isdigit() and len(p) == 2 for p in parts):
        raise ValueError(f"extra closed day {entry!r} is not in MM-DD form")
    month, day = int(parts[0]), int(parts[1])
    try:
        date(2000, month, day)  # leap year, so 02-29 is accepted
    except ValueError:
        raise ValueError(f"extra closed day {entry!r} is not a valid month and day") from None
    return f"{month:02d}-{day:02d}"


@lru_cache(maxsize=256)
def _parse_cached(value: str | tuple[str, ...]) -> tuple[str, ...]:
    """Parse hashable config once; the calendar functions call this on every lookup."""
    items = value.split(",") if isinstance(value, str) else value
    parsed: list[str] = []
    for item in items:
        if isinstance(value, str) and not item.strip():
            continue  # tolerate "06-05, 12-24," and the empty string
        entry = _parse_entry(item)
        if entry not in parsed:
            parsed.append(entry)
    return tuple(sorted(parsed))


def parse_extra_closed(value: str | Iterable[str]) -> tuple[str, ...]:
    """Turn "06-05,12-24" or a sequence of "MM-DD" strings into a sorted, validated tuple."""
    if isinstance(value, str):
        return _parse_cached(value)
    try:
        items = tuple(value)
    except TypeError:
        raise ValueError(f"extra closed days must be a string or sequence, got {value!r}") from None
    for item in items:
        if not isinstance(item, str):
            raise ValueError(f"extra closed day {item!r} is not a string")
    return _parse_cached(items)


@lru_cache(maxsize=1024)
def _closed(year: int, extra: tuple[str, ...]) -> Mapping[date, str]:
    """Build the read-only closed-day table for one year and extra-day setting, cached."""
    result = dict(_public_holidays(year))
    for entry in extra:
        month, day = int(entry[:2]), int(entry[3:])
        try:
            when = date(year, month, day)
        except ValueError:
            continue  # 02-29 in a non-leap year
        result.setdefault(when, EXTRA_CLOSED_NAMES.get(entry, _GENERIC_CLOSED_NAME))
    return MappingProxyType(dict(sorted(result.items())))


def closed_days(
    year: int, extra_closed: str | Iterable[str] = DEFAULT_EXTRA_CLOSED
) -> dict[date, str]:
    """List every day of a year that is closed regardless of weekday, with its Danish name."""
    return dict(_closed(year, parse_extra_closed(extra_closed)))


def is_working_day(d: date, extra_closed: str | Iterable[str] = DEFAULT_EXTRA_CLOSED) -> bool:
    """Tell whether a date counts towards working-day deadlines (Mon–Fri, not closed)."""
    return d.weekday() < 5 and d not in _closed(d.year, parse_extra_closed(extra_closed))


def add_working_days(
    start: date, n: int, extra_closed: str | Iterable[str] = DEFAULT_EXTRA_CLOSED
) -> date:
    """Return the date n working days after start (start itself not counted)."""
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"n must be an int, got {n!r}")
    if n < 0:
        raise ValueError(f"n must not be negative, got {n}")
    extra = parse_extra_closed(extra_closed)
    current = start
    remaining = n
    while remaining > 0:
        current += timedelta(days=1)
        if current.weekday() < 5 and current not in _closed(current.year, extra):
            remaining -= 1
    return current
