"""UTC timestamps with millisecond precision, stored as sortable ISO 8601 text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone


def utc_now() -> datetime:
    return truncate_to_ms(datetime.now(UTC))


def truncate_to_ms(moment: datetime) -> datetime:
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def to_iso(moment: datetime) -> str:
    """`2026-11-27T03:04:05.678Z`: fixed width, so text order is time order."""
    moment = as_utc(moment)
    # The year by hand: strftime's %Y does not zero-pad years before 1000 on glibc.
    return f"{moment.year:04d}" + moment.strftime("-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def as_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("timestamp has no time zone")
    return truncate_to_ms(moment.astimezone(UTC))


def parse_iso(text: str, *, default_tz: timezone = UTC) -> datetime:
    """Parse ISO 8601 (`Z` or an offset; naive times are taken as `default_tz`)."""
    cleaned = text.strip()
    if not cleaned:
        raise ValueError("empty timestamp")
    if cleaned.endswith(("Z", "z")):
        cleaned = cleaned[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(cleaned)
    except ValueError:
        raise ValueError(f"not an ISO 8601 timestamp: {text!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=default_tz)
    return as_utc(moment)


def from_iso(text: str | None) -> datetime | None:
    return parse_iso(text) if text else None


def format_duration(span: timedelta, *, precise: bool = False) -> str:
    """`1h 05m`, `12m 03s`, `45s`: short enough for a header. `precise`: a span of days keeps its
    minutes (`1d 00h 09m`), as a post-mortem's metrics must."""
    seconds = int(span.total_seconds())
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    days, seconds = divmod(seconds, 86400)
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    if days:
        return f"{sign}{days}d {hours:02d}h" + (f" {minutes:02d}m" if precise else "")
    if hours:
        return f"{sign}{hours}h {minutes:02d}m"
    if minutes:
        return f"{sign}{minutes}m {seconds:02d}s"
    return f"{sign}{seconds}s"
