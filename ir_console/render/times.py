"""Times shown back to the user: a time that is not today carries its date.

`model.when` reads what a person types and `format_when` writes a moment in full; these are the
shorter forms for panes and hints, all in the same terms (local time, the UTC side when asked).
"""

from __future__ import annotations

from datetime import date, datetime, tzinfo

from ir_console.model.when import format_when, to_local

# By hand, not strftime's %b: the month names must not follow the process's locale.
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def short_date(day: date) -> str:
    """`Nov 29`: a date in a column where the year is the incident's own."""
    return f"{MONTHS[day.month - 1]} {day.day:02d}"


def day_label(day: date, today: date) -> str:
    """What a row of `day` shows of its date: nothing today, `Nov 29` this year, `Oct 21 2018`
    in another year."""
    if day == today:
        return ""
    return short_date(day) + (f" {day.year}" if day.year != today.year else "")


def day_note(moment: datetime, now: datetime, local_tz: tzinfo | None = None) -> str:
    """`today`, `yesterday`, `3 days ago`, `tomorrow`, `in 2 days`: local days, not 24-hour spans."""
    days = (to_local(now, local_tz).date() - to_local(moment, local_tz).date()).days
    if days == 0:
        return "today"
    if days == 1:
        return "yesterday"
    if days == -1:
        return "tomorrow"
    return f"{days} days ago" if days > 0 else f"in {-days} days"


def when_with_day(moment: datetime, now: datetime, local_tz: tzinfo | None = None) -> str:
    """`2026-11-29 23:58:00 UTC (yesterday)`: the full moment, and which day that is from here."""
    return f"{format_when(moment, local_tz)} ({day_note(moment, now, local_tz)})"


def clock_time(moment: datetime, now: datetime, local_tz: tzinfo | None = None, *, seconds: bool = False) -> str:
    """Local time of day, `Nov 29 23:58` when it is not today."""
    local = to_local(moment, local_tz)
    shown = f"{local:%H:%M:%S}" if seconds else f"{local:%H:%M}"
    if local.date() != to_local(now, local_tz).date():
        return f"{short_date(local.date())} {shown}"
    return shown
