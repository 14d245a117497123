"""Danish working-day calendar: holidays over many years, extra closed days, stepping."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from uth.deadlines.calendar import (
    DEFAULT_EXTRA_CLOSED,
    add_working_days,
    closed_days,
    is_working_day,
    parse_extra_closed,
)


def gregorian_easter(year: int) -> date:
    """Independent oracle (Anonymous Gregorian / Meeus–Jones–Butcher), not used by the code."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month, day = divmod(h + l_ - 7 * m + 114, 31)
    return date(year, month, day + 1)


@pytest.mark.parametrize(
    "year, easter",
    [
        (2024, date(2024, 3, 31)),
        (2025, date(2025, 4, 20)),
        (2026, date(2026, 4, 5)),
        (2038, date(2038, 4, 25)),
        (2100, date(2100, 3, 28)),
    ],
)
def test_known_easter_dates(year: int, easter: date) -> None:
    days = closed_days(year)
    assert days[easter] == "Påskedag"
    assert gregorian_easter(year) == easter  # the oracle itself is right


@pytest.mark.parametrize("year", range(1990, 2201))
def test_easter_holidays_every_year_1990_to_2200(year: int) -> None:
    easter = gregorian_easter(year)
    days = closed_days(year, extra_closed=())
    expected = {
        date(year, 1, 1): "Nytårsdag",
        easter - timedelta(days=3): "Skærtorsdag",
        easter - timedelta(days=2): "Langfredag",
        easter: "Påskedag",
        easter + timedelta(days=1): "Anden påskedag",
        easter + timedelta(days=39): "Kristi himmelfartsdag",
        easter + timedelta(days=49): "Pinsedag",
        easter + timedelta(days=50): "Anden pinsedag",
        date(year, 12, 25): "Juledag",
        date(year, 12, 26): "Anden juledag",
    }
    if year <= 2023:
        expected[easter + timedelta(days=26)] = "Store bededag"
    assert days == expected


def test_years_after_2100_are_not_silently_empty() -> None:
    # holidays.Denmark stops at 2100 by default and returns an empty calendar after that.
    days = closed_days(2150, extra_closed=())
    assert len(days) == 10
    assert not is_working_day(date(2200, 12, 25))  # a Thursday
    assert not is_working_day(date(2200, 4, 7))  # 2. påskedag, Monday


def test_easter_weekdays_closed_2026() -> None:
    assert not is_working_day(date(2026, 4, 2))  # skærtorsdag
    assert not is_working_day(date(2026, 4, 3))  # langfredag
    assert not is_working_day(date(2026, 4, 6))  # 2. påskedag
    assert is_working_day(date(2026, 4, 1))
    assert is_working_day(date(2026, 4, 7))


def test_kristi_himmelfart_and_pinse() -> None:
    assert not is_working_day(date(2026, 5, 14))  # Easter 2026-04-05 + 39
    assert is_working_day(date(2026, 5, 15))  # the Friday after is not a public holiday
    assert not is_working_day(date(2026, 5, 25))  # 2. pinsedag


def test_store_bededag_until_2023_only() -> None:
    assert closed_days(2023)[date(2023, 5, 5)] == "Store bededag"
    assert not is_working_day(date(2023, 5, 5))
    assert date(2024, 4, 26) not in closed_days(2024)
    assert is_working_day(date(2024, 4, 26))
    assert is_working_day(date(2025, 5, 16))


def test_default_extra_closed_days_and_names() -> None:
    assert DEFAULT_EXTRA_CLOSED == ("06-05", "12-24", "12-31")
    days = closed_days(2026)
    assert days[date(2026, 6, 5)] == "Grundlovsdag"
    assert days[date(2026, 12, 24)] == "Juleaftensdag"
    assert days[date(2026, 12, 31)] == "Nytårsaftensdag"
    assert not is_working_day(date(2026, 6, 5))  # a Friday
    assert not is_working_day(date(2026, 12, 24))
    assert not is_working_day(date(2026, 12, 31))


def test_empty_extra_closed_makes_5_june_a_working_day() -> None:
    assert is_working_day(date(2026, 6, 5), extra_closed=())
    assert is_working_day(date(2026, 6, 5), extra_closed="")
    assert date(2026, 6, 5) not in closed_days(2026, extra_closed=())
    assert add_working_days(date(2026, 6, 4), 1, extra_closed=()) == date(2026, 6, 5)
    assert add_working_days(date(2026, 6, 4), 1) == date(2026, 6, 8)


def test_custom_extra_closed_day() -> None:
    extra = "05-01,12-24"
    assert not is_working_day(date(2026, 5, 1), extra_closed=extra)
    assert closed_days(2026, extra)[date(2026, 5, 1)] == "Arbejdernes kampdag"
    assert is_working_day(date(2026, 12, 31), extra_closed=extra)
    assert closed_days(2026, ["11-02"])[date(2026, 11, 2)] == "Lukkedag"


def test_extra_day_on_public_holiday_keeps_holiday_name() -> None:
    assert closed_days(2026, ["12-25"])[date(2026, 12, 25)] == "Juledag"


def test_leap_day_extra_closed_only_in_leap_years() -> None:
    assert not is_working_day(date(2028, 2, 29), extra_closed=["02-29"])
    assert date(2027, 3, 1) not in closed_days(2027, ["02-29"])
    assert len(closed_days(2027, ["02-29"])) == 10


def test_parse_extra_closed() -> None:
    assert parse_extra_closed("06-05,12-24,12-31") == ("06-05", "12-24", "12-31")
    assert parse_extra_closed(" 12-31 , 06-05,, 12-24 ,") == ("06-05", "12-24", "12-31")
    assert parse_extra_closed(["12-24", "12-24"]) == ("12-24",)
    assert parse_extra_closed("") == ()
    assert parse_extra_closed(()) == ()


@pytest.mark.parametrize(
    "bad, named",
    [
        ("06-05,13-01", "13-01"),
        ("6-5", "6-5"),
        ("06/05", "06/05"),
        ("02-30", "02-30"),
        ("2026-06-05", "2026-06-05"),
        (["06-05", ""], "''"),
        (["06-05", 605], "605"),
    ],
)
def test_bad_extra_closed_raises_naming_entry(bad: object, named: str) -> None:
    with pytest.raises(ValueError, match=named):
        parse_extra_closed(bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        is_working_day(date(2026, 1, 5), extra_closed=bad)  # type: ignore[arg-type]


def test_parse_rejects_non_iterable() -> None:
    with pytest.raises(ValueError):
        parse_extra_closed(5)  # type: ignore[arg-type]


def test_weekends_are_not_working_days() -> None:
    assert not is_working_day(date(2026, 3, 7))  # Saturday
    assert not is_working_day(date(2026, 3, 8))  # Sunday
    assert is_working_day(date(2026, 3, 9))  # Monday


def test_add_working_days_basics() -> None:
    friday, saturday = date(2026, 3, 6), date(2026, 3, 7)
    assert add_working_days(friday, 1) == date(2026, 3, 9)  # Monday
    assert add_working_days(saturday, 3) == date(2026, 3, 11)  # Wednesday
    assert add_working_days(date(2026, 3, 9), 5) == date(2026, 3, 16)


def test_add_zero_working_days_is_start_even_when_closed() -> None:
    assert add_working_days(date(2026, 3, 7), 0) == date(2026, 3, 7)
    assert add_working_days(date(2026, 12, 25), 0) == date(2026, 12, 25)


def test_add_working_days_over_christmas_and_year_end() -> None:
    assert add_working_days(date(2026, 12, 23), 1) == date(2026, 12, 28)
    # 28, 29, 30 Dec, then 31 Dec and 1 Jan closed, 2-3 Jan weekend → Monday 4 Jan.
    assert add_working_days(date(2026, 12, 23), 4) == date(2027, 1, 4)
    assert add_working_days(date(2026, 12, 23), 4, extra_closed=()) == date(2026, 12, 30)


def test_add_working_days_over_easter() -> None:
    # Wednesday before Easter 2026: Thu-Mon closed, so the next working day is Tuesday 7 April.
    assert add_working_days(date(2026, 4, 1), 1) == date(2026, 4, 7)
    assert add_working_days(date(2025, 4, 16), 3) == date(2025, 4, 24)


def test_add_working_days_matches_counting() -> None:
    start = date(2023, 12, 1)
    for n in range(0, 60):
        end = add_working_days(start, n)
        counted = sum(
            is_working_day(start + timedelta(days=i)) for i in range(1, (end - start).days + 1)
        )
        assert counted == n
        assert n == 0 or is_working_day(end)


def test_add_working_days_rejects_negative_and_non_int() -> None:
    with pytest.raises(ValueError):
        add_working_days(date(2026, 1, 5), -1)
    with pytest.raises(TypeError):
        add_working_days(date(2026, 1, 5), 1.5)  # type: ignore[arg-type]


def test_closed_days_returns_a_copy() -> None:
    days = closed_days(2026)
    days[date(2026, 3, 10)] = "Fake"
    assert is_working_day(date(2026, 3, 10))
    assert date(2026, 3, 10) not in closed_days(2026)
