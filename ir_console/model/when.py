"""The one syntax for a time a person types, wherever they type it (entry line, dialogs, CLI).

    now                          this moment
    -5m  -2h  -1d  -90s          that long ago
    14:32  14:32:05              local time of day: its most recent occurrence not after now
    14:32Z                       the same in UTC
    2026-11-29T23:58[:SS][Z|+01:00]   a full ISO 8601 date-time (no zone: local)
    2026-11-29 23:58             the same, with a space
    2026-11-29                   local midnight at the start of that day

Every result is an aware UTC datetime (millisecond precision) between EARLIEST and LATEST: a
date outside that range is a typing mistake, and refusing it keeps date arithmetic from
overflowing anywhere else.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from ir_console.model.clock import as_utc

EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
# A back-dated time this far in the past, or before the incident began, is shown with its full
# date and confirmed before it is stored.
CONFIRM_OLDER_THAN = timedelta(hours=12)

SYNTAX = "now, -5m, -2h, -1d, 14:32 (local), 14:32Z (UTC), 2026-11-29 23:58 or 2026-11-29T23:58Z"

RELATIVE = re.compile(r"^-(\d{1,9})([smhd])$")
CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?([zZ]?)$")
DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def to_local(moment: datetime, local_tz: tzinfo | None = None) -> datetime:
    """`moment` on the local clock, with the offset in force at that moment (not today's)."""
    return moment.astimezone(local_tz) if local_tz is not None else moment.astimezone()


def local_wall_time(naive: datetime, local_tz: tzinfo | None = None) -> datetime:
    """`naive` read as a local wall-clock time, with the offset in force on its own date: 15:42 on
    a July day in Berlin is 13:42Z (summer time) even when typed in November (winter time)."""
    if local_tz is not None:
        return naive.replace(tzinfo=local_tz)
    try:
        return naive.astimezone()  # the system's rules for that date
    except (OverflowError, OSError, ValueError):  # beyond what the platform's clock knows: out of range anyway
        return naive.replace(tzinfo=UTC)


def parse_when(text: str, now: datetime, local_tz: tzinfo | None = None) -> datetime:
    """Read a time in the syntax above. Raises ValueError with a one-line reason."""
    cleaned = text.strip()
    if not cleaned:
        raise ValueError(f"no time given: use {SYNTAX}")
    if cleaned.lower() == "now":
        return as_utc(now)
    relative = RELATIVE.match(cleaned)
    if relative:
        return _ago(int(relative.group(1)), relative.group(2), now, cleaned)
    clock = CLOCK.match(cleaned)
    if clock:
        return _time_of_day(clock, now, local_tz, cleaned)
    return _date_time(cleaned, now, local_tz)


def _ago(amount: int, unit: str, now: datetime, text: str) -> datetime:
    try:
        moment = now - timedelta(**{UNITS[unit]: amount})
    except OverflowError:
        moment = EARLIEST - timedelta(days=1)
    return in_range(moment, text)


def _time_of_day(clock: re.Match[str], now: datetime, local_tz: tzinfo | None, text: str) -> datetime:
    hour, minute, second = int(clock.group(1)), int(clock.group(2)), int(clock.group(3) or 0)
    if hour > 23 or minute > 59 or second > 59:
        raise ValueError(f"no such time of day: {text!r}")
    of_day = time(hour, minute, second)
    if clock.group(4):
        day = now.astimezone(UTC).date()
        moment = datetime.combine(day, of_day, tzinfo=UTC)
        if moment > now:  # 23:58Z typed at 00:05Z means yesterday's
            moment = datetime.combine(day - timedelta(days=1), of_day, tzinfo=UTC)
        return in_range(moment, text)
    day = to_local(now, local_tz).date()
    moment = local_wall_time(datetime.combine(day, of_day), local_tz)
    if moment > now:  # 23:58 typed at 00:05 means yesterday's
        moment = local_wall_time(datetime.combine(day - timedelta(days=1), of_day), local_tz)
    return in_range(moment, text)


def _date_time(text: str, now: datetime, local_tz: tzinfo | None) -> datetime:
    iso = text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text
    try:
        if DATE_ONLY.match(iso):
            moment = datetime.combine(date.fromisoformat(iso), time(0))
        else:
            moment = datetime.fromisoformat(iso.replace(" ", "T", 1))
    except ValueError:
        raise ValueError(f"cannot read the time {text!r}: use {SYNTAX}") from None
    if moment.tzinfo is None:
        moment = local_wall_time(moment, local_tz)
    return in_range(moment, text)


def in_range(moment: datetime, text: str = "") -> datetime:
    """`moment` in UTC, or ValueError when it is outside EARLIEST..LATEST."""
    try:
        utc = as_utc(moment)
    except OverflowError:
        utc = None
    if utc is None or not EARLIEST <= utc < LATEST:
        shown = f" {text!r}" if text else ""
        raise ValueError(f"the time{shown} is out of range: use a date from {EARLIEST.year} to {LATEST.year - 1}")
    return utc


def is_date_only(text: str) -> bool:
    return bool(DATE_ONLY.match(text.strip()))


def parse_since(text: str, now: datetime, local_tz: tzinfo | None = None) -> datetime:
    """The start of a window: a time, or a date meaning the start of that (local) day."""
    return parse_when(text, now, local_tz)


def parse_until(text: str, now: datetime, local_tz: tzinfo | None = None) -> datetime:
    """The end of a window (exclusive): a time, or a date meaning the end of that (local) day,
    so `--until 2026-01-31` takes in the whole 31st."""
    moment = parse_when(text, now, local_tz)
    if is_date_only(text):
        day = moment.astimezone(local_tz) if local_tz else moment.astimezone()
        moment = in_range(local_wall_time(datetime.combine(day.date() + timedelta(days=1), time(0)), local_tz), text)
    return moment


def not_in_future(
    moment: datetime, now: datetime, what: str = "the time", skew: timedelta = timedelta(minutes=1)
) -> datetime:
    """Things that happened cannot happen later than now (a minute's skew allowed)."""
    if moment > now + skew:
        raise ValueError(f"{what} {format_when(moment)} is in the future")
    return moment


def needs_confirmation(moment: datetime, now: datetime, began: datetime | None) -> bool:
    """A typed time that lands before the incident began, or more than 12 hours ago, is shown
    with its full date and confirmed: a time never lands on another day unseen."""
    return (began is not None and moment < began) or now - moment > CONFIRM_OLDER_THAN


def format_when(moment: datetime, local_tz: tzinfo | None = None) -> str:
    """`2026-11-29 23:58:00 local (23:58:00Z)`, the date of the UTC side added when it differs."""
    zone = local_tz or moment.astimezone().tzinfo or UTC
    local = moment.astimezone(zone)
    utc = moment.astimezone(UTC)
    utc_text = f"{utc:%H:%M:%S}Z" if utc.date() == local.date() else f"{utc:%Y-%m-%d %H:%M:%S}Z"
    if local.utcoffset() == timedelta(0):
        return f"{local:%Y-%m-%d %H:%M:%S} UTC"
    return f"{local:%Y-%m-%d %H:%M:%S} local ({utc_text})"
