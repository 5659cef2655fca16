"""The one time syntax (model.when) and the entry line's use of it (tui.entry_syntax, pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from ir_console.model.when import (
    format_when,
    needs_confirmation,
    not_in_future,
    parse_since,
    parse_until,
    parse_when,
)
from ir_console.render.times import clock_time, day_note, when_with_day
from ir_console.tui.entry_syntax import parse_entry

UTC = UTC
BERLIN = timezone(timedelta(hours=1))  # a fixed +01:00 "local" zone, so local and UTC differ
NOW = datetime(2026, 11, 30, 0, 5, tzinfo=UTC)  # 01:05 in BERLIN


@pytest.mark.parametrize(
    "text, expected",
    [
        ("now", NOW),
        ("NOW", NOW),
        ("-5m", NOW - timedelta(minutes=5)),
        ("-2h", NOW - timedelta(hours=2)),
        ("-1d", NOW - timedelta(days=1)),
        ("-90s", NOW - timedelta(seconds=90)),
        ("00:02Z", datetime(2026, 11, 30, 0, 2, tzinfo=UTC)),
        ("01:02", datetime(2026, 11, 30, 0, 2, tzinfo=UTC)),  # local, BERLIN
        ("01:02:09", datetime(2026, 11, 30, 0, 2, 9, tzinfo=UTC)),
        ("2026-11-29T23:58Z", datetime(2026, 11, 29, 23, 58, tzinfo=UTC)),
        ("2026-11-29T23:58:30+00:00", datetime(2026, 11, 29, 23, 58, 30, tzinfo=UTC)),
        ("2026-11-29T23:58", datetime(2026, 11, 29, 22, 58, tzinfo=UTC)),  # no zone: local
        ("2026-11-29 23:58", datetime(2026, 11, 29, 22, 58, tzinfo=UTC)),
        ("2026-11-29 23:58Z", datetime(2026, 11, 29, 23, 58, tzinfo=UTC)),
        ("2026-11-29", datetime(2026, 11, 28, 23, 0, tzinfo=UTC)),  # a bare date: local midnight
        ("  -5m  ", NOW - timedelta(minutes=5)),
    ],
)
def test_every_form(text: str, expected: datetime) -> None:
    assert parse_when(text, NOW, BERLIN) == expected


def test_a_time_of_day_after_now_is_the_previous_day() -> None:
    # 23:58 typed at 00:05 is yesterday's 23:58, never tomorrow's.
    assert parse_when("23:58Z", NOW, BERLIN) == datetime(2026, 11, 29, 23, 58, tzinfo=UTC)
    assert parse_when("23:58", NOW, UTC) == datetime(2026, 11, 29, 23, 58, tzinfo=UTC)
    # In BERLIN it is 01:05: 23:58 local is 22:58 UTC on the 29th.
    assert parse_when("23:58", NOW, BERLIN) == datetime(2026, 11, 29, 22, 58, tzinfo=UTC)
    # A time of day not after now stays today.
    assert parse_when("00:05Z", NOW, BERLIN) == NOW


@pytest.mark.parametrize(
    "text",
    [
        "9999-12-31",
        "9999-12-31T23:59Z",
        "0001-01-01",
        "0001-01-01T00:00Z",
        "-9999999999m",
        "-999999999d",
        "1969-12-31T23:59Z",
        "2100-01-01T00:00Z",
    ],
)
def test_out_of_range_is_refused_in_one_line(text: str) -> None:
    with pytest.raises(ValueError) as refused:
        parse_when(text, NOW, BERLIN)
    message = str(refused.value)
    assert "\n" not in message
    assert "out of range" in message or "cannot read" in message


def test_the_range_is_named_when_a_date_is_out_of_it() -> None:
    with pytest.raises(ValueError, match="out of range: use a date from 1970 to 2099"):
        parse_when("9999-12-31", NOW)
    with pytest.raises(ValueError, match="out of range"):
        parse_when("0001-01-01", NOW)


@pytest.mark.parametrize(
    "text, reason",
    [
        ("", "no time given"),
        ("yesterday", "cannot read the time 'yesterday'"),
        ("25:00", "no such time of day"),
        ("12:60", "no such time of day"),
        ("-5w", "cannot read the time"),
        ("2026-13-45", "cannot read the time"),
        ("[/]", "cannot read the time '[/]'"),
    ],
)
def test_what_cannot_be_read_is_refused_in_one_line(text: str, reason: str) -> None:
    with pytest.raises(ValueError) as refused:
        parse_when(text, NOW, BERLIN)
    assert reason in str(refused.value) and "\n" not in str(refused.value)


def test_a_window_of_bare_dates_is_local_and_until_takes_in_the_whole_day() -> None:
    assert parse_since("2026-11-29", NOW, BERLIN) == datetime(2026, 11, 28, 23, 0, tzinfo=UTC)
    assert parse_until("2026-11-29", NOW, BERLIN) == datetime(2026, 11, 29, 23, 0, tzinfo=UTC)
    assert parse_until("2026-11-29", NOW, UTC) == datetime(2026, 11, 30, 0, 0, tzinfo=UTC)
    # A time as --until is that moment, not the end of its day.
    assert parse_until("2026-11-29T10:00Z", NOW, BERLIN) == datetime(2026, 11, 29, 10, 0, tzinfo=UTC)


def test_the_future_is_refused_with_the_time_in_full() -> None:
    later = NOW + timedelta(hours=2)
    with pytest.raises(ValueError, match="2026-11-30 02:05:00 UTC is in the future"):
        not_in_future(later, NOW)
    assert not_in_future(NOW + timedelta(seconds=30), NOW)  # a clock a little ahead is not the future


def test_confirmation_before_the_incident_began_or_over_12_hours_ago() -> None:
    began = NOW - timedelta(minutes=3)
    assert needs_confirmation(NOW - timedelta(minutes=7), NOW, began)
    assert not needs_confirmation(NOW - timedelta(minutes=2), NOW, began)
    assert needs_confirmation(NOW - timedelta(hours=13), NOW, None)
    assert not needs_confirmation(NOW - timedelta(hours=11), NOW, None)


def test_times_shown_back_carry_their_date() -> None:
    yesterday = datetime(2026, 11, 29, 23, 58, tzinfo=UTC)
    assert format_when(yesterday, UTC) == "2026-11-29 23:58:00 UTC"
    assert format_when(yesterday, BERLIN) == "2026-11-30 00:58:00 local (2026-11-29 23:58:00Z)"
    assert when_with_day(yesterday, NOW, UTC) == "2026-11-29 23:58:00 UTC (yesterday)"
    assert day_note(NOW, NOW, UTC) == "today"
    assert day_note(NOW - timedelta(days=3), NOW, UTC) == "3 days ago"
    assert clock_time(yesterday, NOW, UTC) == "Nov 29 23:58"
    assert clock_time(NOW, NOW, UTC) == "00:05"


# -- the entry line ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line, occurred, text",
    [
        ("@23:58 First 500s", datetime(2026, 11, 29, 23, 58, tzinfo=UTC), "First 500s"),
        ("@2026-11-29T23:58Z Pager fired", datetime(2026, 11, 29, 23, 58, tzinfo=UTC), "Pager fired"),
        ("@2026-11-29 23:58 Pager fired", datetime(2026, 11, 29, 23, 58, tzinfo=UTC), "Pager fired"),
        ("@2026-11-29 23:58:30Z Pager fired", datetime(2026, 11, 29, 23, 58, 30, tzinfo=UTC), "Pager fired"),
        ("@2026-11-29 Deploy day", datetime(2026, 11, 29, tzinfo=UTC), "Deploy day"),  # no time word: midnight
        ("@2026-11-29 2 pods down", datetime(2026, 11, 29, tzinfo=UTC), "2 pods down"),
        ("@now Now", NOW, "Now"),
        ("@-1d A day ago", NOW - timedelta(days=1), "A day ago"),
        ("/action ! @-90s Rolled back", NOW - timedelta(seconds=90), "Rolled back"),
    ],
)
def test_the_entry_line_reads_the_one_syntax(line: str, occurred: datetime, text: str) -> None:
    entry = parse_entry(line, NOW, UTC)
    assert (entry.occurred_at, entry.text) == (occurred, text)


def test_the_entry_line_refuses_the_future_in_one_line() -> None:
    with pytest.raises(ValueError, match="is in the future"):
        parse_entry("@2026-11-30T09:00Z Tomorrow's deploy", NOW, UTC)


def test_the_next_status_update_carries_its_date_when_it_is_due_tomorrow() -> None:
    from ir_console.render.status import next_update_time

    late = datetime(2026, 11, 29, 22, 0, tzinfo=UTC)
    assert next_update_time(late + timedelta(minutes=15), late) == "22:15 UTC"
    assert next_update_time(late + timedelta(hours=4), late) == "2026-11-30 02:00 UTC"


@pytest.fixture
def berlin(monkeypatch):
    """The machine's local zone is Berlin: winter time (UTC+1) today, summer time (UTC+2) in July."""
    import time

    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


NOVEMBER = datetime(2026, 11, 30, 11, 30, tzinfo=UTC)


def test_a_local_time_on_a_summer_day_typed_in_winter_uses_that_days_offset(berlin) -> None:
    # Replaying the 2019-07-02 outage in November: 15:42 Berlin time that day was 13:42Z.
    assert parse_when("2019-07-02 15:42", NOVEMBER) == datetime(2019, 7, 2, 13, 42, tzinfo=UTC)
    assert parse_when("2019-07-02T15:42:00", NOVEMBER) == datetime(2019, 7, 2, 13, 42, tzinfo=UTC)
    assert parse_when("2019-07-02 13:42Z", NOVEMBER) == datetime(2019, 7, 2, 13, 42, tzinfo=UTC)
    # The same wall time in winter keeps the winter offset.
    assert parse_when("2026-11-29 15:42", NOVEMBER) == datetime(2026, 11, 29, 14, 42, tzinfo=UTC)
    # What the milestones dialog shows for 13:42Z is what it reads back: nothing moves by an hour.
    shown = datetime(2019, 7, 2, 13, 42, tzinfo=UTC).astimezone()
    assert parse_when(f"{shown:%Y-%m-%d %H:%M:%S}", NOVEMBER) == datetime(2019, 7, 2, 13, 42, tzinfo=UTC)
    assert format_when(parse_when("2019-07-02 15:42", NOVEMBER)) == "2019-07-02 15:42:00 local (13:42:00Z)"


def test_dates_and_times_of_day_across_the_change_of_clocks(berlin) -> None:
    summer_evening = datetime(2026, 7, 15, 20, 0, tzinfo=UTC)  # 22:00 in Berlin
    assert parse_when("21:30", summer_evening) == datetime(2026, 7, 15, 19, 30, tzinfo=UTC)
    assert parse_since("2026-07-15", NOVEMBER) == datetime(2026, 7, 14, 22, 0, tzinfo=UTC)  # local midnight
    assert parse_until("2026-07-15", NOVEMBER) == datetime(2026, 7, 15, 22, 0, tzinfo=UTC)
    # The night the clocks go back (2026-10-25): the day after still starts at local midnight.
    assert parse_until("2026-10-25", NOVEMBER) == datetime(2026, 10, 25, 23, 0, tzinfo=UTC)


def test_a_summer_moment_is_shown_with_summer_time_in_winter(berlin) -> None:
    moment = datetime(2019, 7, 2, 13, 42, tzinfo=UTC)
    assert clock_time(moment, NOVEMBER) == "Jul 02 15:42"
    assert clock_time(datetime(2026, 11, 30, 10, 0, tzinfo=UTC), NOVEMBER) == "11:00"
    assert day_note(datetime(2026, 7, 1, 22, 30, tzinfo=UTC), datetime(2026, 7, 2, 8, 0, tzinfo=UTC)) == "today"
