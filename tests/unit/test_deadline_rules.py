"""Deadline rules (SPEC §6): local Copenhagen dates, working days, overdue at end of day."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from uth.deadlines.rules import (
    DeadlineSettings,
    acknowledge_by,
    age_in_days,
    close_by,
    days_until,
    is_overdue,
    local_date,
    respond_by,
)

UTC = timezone.utc
CPH = ZoneInfo("Europe/Copenhagen")


def utc(*args: int) -> datetime:
    """Shorthand for an aware UTC datetime."""
    return datetime(*args, tzinfo=UTC)


# --- local_date -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "instant, expected",
    [
        # Winter (CET, UTC+1).
        (utc(2026, 1, 15, 22, 59, 59), date(2026, 1, 15)),
        (utc(2026, 1, 15, 23, 0), date(2026, 1, 16)),
        # Summer (CEST, UTC+2): late evening UTC is already tomorrow in Copenhagen.
        (utc(2026, 3, 31, 21, 59, 59), date(2026, 3, 31)),
        (utc(2026, 3, 31, 22, 30), date(2026, 4, 1)),
        # Spring-forward day, 29 March 2026 (02:00 → 03:00 local).
        (utc(2026, 3, 28, 22, 59), date(2026, 3, 28)),
        (utc(2026, 3, 28, 23, 0), date(2026, 3, 29)),
        (utc(2026, 3, 29, 21, 59), date(2026, 3, 29)),
        (utc(2026, 3, 29, 22, 0), date(2026, 3, 30)),
        # Fall-back day, 25 October 2026 (03:00 → 02:00 local).
        (utc(2026, 10, 24, 21, 59), date(2026, 10, 24)),
        (utc(2026, 10, 24, 22, 0), date(2026, 10, 25)),
        (utc(2026, 10, 25, 22, 59), date(2026, 10, 25)),
        (utc(2026, 10, 25, 23, 0), date(2026, 10, 26)),
    ],
)
def test_local_date_uses_copenhagen_time(instant: datetime, expected: date) -> None:
    assert local_date(instant) == expected


def test_local_date_naive_is_utc() -> None:
    assert local_date(datetime(2026, 3, 31, 22, 30)) == date(2026, 4, 1)
    assert local_date(datetime(2026, 1, 15, 22, 30)) == date(2026, 1, 15)


def test_local_date_accepts_other_timezones() -> None:
    assert local_date(datetime(2026, 4, 1, 0, 30, tzinfo=CPH)) == date(2026, 4, 1)
    new_york = ZoneInfo("America/New_York")
    assert local_date(datetime(2026, 1, 15, 18, 30, tzinfo=new_york)) == date(2026, 1, 16)


# --- acknowledge_by ---------------------------------------------------------------------


def test_acknowledge_by_three_working_days() -> None:
    assert acknowledge_by(utc(2026, 3, 9, 8, 0)) == date(2026, 3, 12)  # Mon → Thu
    assert acknowledge_by(utc(2026, 3, 13, 8, 0)) == date(2026, 3, 18)  # Fri → Wed


def test_acknowledge_by_received_late_evening_utc_across_easter() -> None:
    # 31 March 22:30 UTC is 1 April 00:30 in Copenhagen; Easter 2026 closes 2-6 April.
    assert acknowledge_by(utc(2026, 3, 31, 22, 30)) == date(2026, 4, 9)
    # An hour earlier it is still 31 March locally: 1, 7, 8 April.
    assert acknowledge_by(utc(2026, 3, 31, 21, 30)) == date(2026, 4, 8)


def test_acknowledge_by_across_christmas() -> None:
    # Tue 22 Dec 2026: 23 Dec, (24-27 closed), 28, 29.
    assert acknowledge_by(utc(2026, 12, 22, 12, 0)) == date(2026, 12, 29)
    # Without the extra closed days 24 December counts.
    assert acknowledge_by(utc(2026, 12, 22, 12, 0), DeadlineSettings(extra_closed=())) == date(
        2026, 12, 28
    )


def test_acknowledge_by_across_store_bededag_only_in_2023() -> None:
    assert acknowledge_by(utc(2023, 5, 3, 10, 0)) == date(2023, 5, 9)  # Fri 5 May closed
    assert acknowledge_by(utc(2024, 4, 24, 10, 0)) == date(2024, 4, 29)  # Fri 26 Apr working


def test_acknowledge_by_configurable() -> None:
    settings = DeadlineSettings(ack_working_days=0)
    assert acknowledge_by(utc(2026, 3, 7, 10, 0), settings) == date(2026, 3, 7)
    settings = DeadlineSettings(ack_working_days=5)
    assert acknowledge_by(utc(2026, 3, 9, 10, 0), settings) == date(2026, 3, 16)


# --- close_by ---------------------------------------------------------------------------


def test_close_by_is_90_calendar_days() -> None:
    assert close_by(utc(2026, 1, 1, 12, 0)) == date(2026, 4, 1)


def test_close_by_across_year_end() -> None:
    assert close_by(utc(2026, 11, 15, 10, 0)) == date(2027, 2, 13)
    # New Year's Eve 23:30 UTC is already 1 January 2027 locally.
    assert close_by(utc(2026, 12, 31, 23, 30)) == date(2027, 4, 1)


def test_close_by_ignores_holidays_and_weekends() -> None:
    # 90 days after 27 Jan 2026 is Mon 27 Apr; a holiday result is not moved either.
    assert close_by(utc(2026, 1, 27, 9, 0)) == date(2026, 4, 27)
    assert close_by(utc(2026, 1, 3, 9, 0)) == date(2026, 4, 3)  # langfredag, kept


def test_close_by_configurable() -> None:
    assert close_by(utc(2026, 1, 1, 12, 0), DeadlineSettings(close_days=30)) == date(2026, 1, 31)


# --- respond_by -------------------------------------------------------------------------


def test_respond_by_ten_working_days() -> None:
    assert respond_by(utc(2026, 3, 2, 9, 0)) == date(2026, 3, 16)


def test_respond_by_across_christmas_and_new_year() -> None:
    # Fri 18 Dec 2026: 21, 22, 23, 28, 29, 30, 4, 5, 6, 7 January.
    assert respond_by(utc(2026, 12, 18, 9, 0)) == date(2027, 1, 7)


def test_respond_by_with_custom_extra_closed() -> None:
    settings = DeadlineSettings(response_working_days=1, extra_closed=("03-03",))
    assert respond_by(utc(2026, 3, 2, 9, 0), settings) == date(2026, 3, 4)


# --- overdue / days_until / age ---------------------------------------------------------


def test_overdue_exactly_at_end_of_local_day_summer() -> None:
    due = date(2026, 4, 9)
    last_minute = datetime(2026, 4, 9, 23, 59, 59, tzinfo=CPH)  # 21:59:59 UTC
    midnight = datetime(2026, 4, 10, 0, 0, tzinfo=CPH)  # 22:00 UTC
    assert not is_overdue(due, last_minute)
    assert not is_overdue(due, utc(2026, 4, 9, 21, 59, 59))
    assert is_overdue(due, midnight)
    assert is_overdue(due, utc(2026, 4, 9, 22, 0))
    assert days_until(due, last_minute) == 0
    assert days_until(due, midnight) == -1


def test_overdue_exactly_at_end_of_local_day_winter() -> None:
    due = date(2026, 12, 29)
    assert not is_overdue(due, utc(2026, 12, 29, 22, 59))  # 23:59 local
    assert is_overdue(due, utc(2026, 12, 29, 23, 0))  # 00:00 local next day


def test_not_overdue_before_due_date() -> None:
    assert not is_overdue(date(2026, 4, 9), utc(2026, 4, 1, 8, 0))


def test_days_until() -> None:
    due = date(2026, 4, 9)
    assert days_until(due, utc(2026, 4, 1, 8, 0)) == 8
    assert days_until(due, utc(2026, 4, 9, 8, 0)) == 0
    assert days_until(due, utc(2026, 4, 12, 8, 0)) == -3
    # Late evening UTC on 8 April is already 9 April locally.
    assert days_until(due, utc(2026, 4, 8, 22, 30)) == 0


def test_days_until_close_by_is_90_on_receipt() -> None:
    received = utc(2026, 3, 31, 22, 30)
    assert days_until(close_by(received), received) == 90


def test_age_in_days_local_calendar_days() -> None:
    received = utc(2026, 3, 31, 22, 30)  # 1 April locally
    assert age_in_days(received, utc(2026, 4, 1, 21, 59)) == 0  # 23:59 local
    assert age_in_days(received, utc(2026, 4, 1, 22, 0)) == 1  # 00:00 local, 2 April
    assert age_in_days(received, utc(2026, 4, 11, 10, 0)) == 10


def test_age_in_days_across_dst_change() -> None:
    received = utc(2026, 3, 28, 12, 0)  # 28 March 13:00 CET
    assert age_in_days(received, utc(2026, 3, 29, 22, 0)) == 2  # 30 March 00:00 CEST
    assert age_in_days(received, utc(2026, 3, 29, 21, 59)) == 1


# --- settings ---------------------------------------------------------------------------


def test_settings_defaults() -> None:
    settings = DeadlineSettings()
    assert settings.ack_working_days == 3
    assert settings.close_days == 90
    assert settings.response_working_days == 10
    assert settings.extra_closed == ("06-05", "12-24", "12-31")
    assert DeadlineSettings.from_mapping({}) == settings


def test_settings_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        DeadlineSettings().close_days = 1  # type: ignore[misc]


def test_settings_from_mapping_reads_all_keys() -> None:
    settings = DeadlineSettings.from_mapping(
        {
            "UTH_ACK_WORKING_DAYS": "5",
            "UTH_CLOSE_DAYS": 60,
            "UTH_RESPONSE_WORKING_DAYS": " 7 ",
            "UTH_EXTRA_CLOSED_DAYS": "12-31,12-24",
            "UNRELATED": "x",
        }
    )
    assert settings == DeadlineSettings(5, 60, 7, ("12-24", "12-31"))


def test_settings_from_mapping_extra_closed_as_sequence_or_empty() -> None:
    assert DeadlineSettings.from_mapping(
        {"UTH_EXTRA_CLOSED_DAYS": ["06-05"]}
    ).extra_closed == ("06-05",)
    assert DeadlineSettings.from_mapping({"UTH_EXTRA_CLOSED_DAYS": ""}).extra_closed == ()
    assert DeadlineSettings.from_mapping({"UTH_EXTRA_CLOSED_DAYS": None}).extra_closed == (
        "06-05",
        "12-24",
        "12-31",
    )


def test_settings_normalise_extra_closed() -> None:
    assert DeadlineSettings(extra_closed=["12-24", "06-05"]).extra_closed == (  # type: ignore[arg-type]
        "06-05",
        "12-24",
    )


@pytest.mark.parametrize(
    "key, value",
    [
        ("UTH_ACK_WORKING_DAYS", "three"),
        ("UTH_ACK_WORKING_DAYS", -1),
        ("UTH_ACK_WORKING_DAYS", "-1"),
        ("UTH_CLOSE_DAYS", "90.5"),
        ("UTH_CLOSE_DAYS", 90.0),
        ("UTH_CLOSE_DAYS", True),
        ("UTH_RESPONSE_WORKING_DAYS", ""),
        ("UTH_EXTRA_CLOSED_DAYS", "06-05,13-40"),
        ("UTH_EXTRA_CLOSED_DAYS", 5),
    ],
)
def test_settings_from_mapping_bad_value_names_key(key: str, value: object) -> None:
    with pytest.raises(ValueError, match=key):
        DeadlineSettings.from_mapping({key: value})


def test_settings_direct_construction_validates() -> None:
    with pytest.raises(ValueError, match="close_days"):
        DeadlineSettings(close_days=-5)
    with pytest.raises(ValueError, match="extra_closed"):
        DeadlineSettings(extra_closed=("99-99",))


@pytest.mark.parametrize("env, named", [
    ({"UTH_EXTRA_CLOSED_DAYS": "12-24,31-12"}, "'31-12'"),  # the Danish day-month habit
    ({"UTH_RESPONSE_WORKING_DAYS": -3}, "UTH_RESPONSE_WORKING_DAYS"),
])
def test_the_app_refuses_to_start_with_a_bad_deadline_setting(tmp_path, env, named):
    """Rather than answer 500 to every report: the start fails and names the setting."""
    from uth import SettingsError, create_app

    with pytest.raises(SettingsError) as failure:
        create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite3", **env})
    assert named in str(failure.value)
    if named == "'31-12'":
        assert "MM-DD" in str(failure.value)
