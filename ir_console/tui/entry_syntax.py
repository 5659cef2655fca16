"""What the timeline entry line understands, as a pure function (no Textual, easy to test).

    /alert Pager fired for checkout       kind prefix: /note /alert /action /decision /evidence
    ! Rolled back to v41                  `!` marks a key moment
    @14:32 First 500s in the logs         back-date to 14:32 local time today (`@14:32Z` for UTC)
    @-5m Disk alarm                       back-date by minutes (`m`) or hours (`h`)

Prefixes combine in any order: `/action ! @-2m Rolled back`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone, tzinfo

from ir_console.model import ENTRY_KINDS, EventKind

RELATIVE = re.compile(r"^@-(\d+)([mh])$")
CLOCK = re.compile(r"^@(\d{1,2}):(\d{2})(?::(\d{2}))?([zZ]?)$")


@dataclass
class Entry:
    text: str
    kind: EventKind = EventKind.NOTE
    key_moment: bool = False
    occurred_at: datetime | None = None


def parse_entry(line: str, now: datetime, local_tz: tzinfo | None = None) -> Entry:
    """Split the prefixes off an entry line. Raises ValueError for a prefix it cannot read."""
    entry = Entry(text="")
    words = line.strip().split(" ")
    while words and words[0][:1] in ("/", "!", "@") and words[0]:
        token = words.pop(0)
        if token == "!":
            entry.key_moment = True
        elif token.startswith("/"):
            entry.kind = parse_kind(token[1:])
        else:
            entry.occurred_at = parse_when(token, now, local_tz)
    entry.text = " ".join(words).strip()
    return entry


def parse_kind(name: str) -> EventKind:
    for kind in ENTRY_KINDS:
        if kind.value == name.lower():
            return kind
    choices = " ".join(f"/{k.value}" for k in ENTRY_KINDS)
    raise ValueError(f"unknown kind /{name}: use {choices}")


def parse_when(token: str, now: datetime, local_tz: tzinfo | None) -> datetime:
    relative = RELATIVE.match(token)
    if relative:
        amount, unit = int(relative.group(1)), relative.group(2)
        return now - (timedelta(minutes=amount) if unit == "m" else timedelta(hours=amount))
    clock = CLOCK.match(token)
    if not clock:
        raise ValueError(f"cannot read the time {token!r}: use @14:32, @14:32Z or @-5m")
    hour, minute, second, utc = int(clock.group(1)), int(clock.group(2)), int(clock.group(3) or 0), clock.group(4)
    if hour > 23 or minute > 59 or second > 59:
        raise ValueError(f"no such time of day {token!r}")
    zone = timezone.utc if utc else (local_tz or now.astimezone().tzinfo)
    today = now.astimezone(zone).date()
    moment = datetime.combine(today, time(hour, minute, second), tzinfo=zone)
    if moment > now:  # 23:50 typed at 00:10 means yesterday
        moment -= timedelta(days=1)
    return moment.astimezone(timezone.utc)
