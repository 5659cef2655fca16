"""What the timeline entry line understands, as a pure function (no Textual, easy to test).

    /alert Pager fired for checkout       kind prefix: /note /alert /action /decision /evidence
    ! Rolled back to v41                  `!` marks a key moment
    @14:32 First 500s in the logs         back-date: any time `model.when` reads (`@14:32Z`,
    @-5m Disk alarm                       `@-2h`, `@now`, `@2026-11-29T23:58Z`, and a date and a
    @2026-11-29 23:58 Pager fired         time as two words)

Prefixes combine in any order: `/action ! @-2m Rolled back`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, tzinfo

from ir_console.model import ENTRY_KINDS, EventKind
from ir_console.model.when import is_date_only, not_in_future, parse_when

# The time word that may follow `@2026-11-29`: `23:58`, `23:58:05`, `23:58Z`, `23:58+01:00`.
TIME_WORD = re.compile(r"^\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:[zZ]|[+-]\d{2}:?\d{2})?$")


@dataclass
class Entry:
    text: str
    kind: EventKind = EventKind.NOTE
    key_moment: bool = False
    occurred_at: datetime | None = None


def parse_entry(line: str, now: datetime, local_tz: tzinfo | None = None) -> Entry:
    """Split the prefixes off an entry line. Raises ValueError (one line) for a prefix it cannot
    read or a time in the future."""
    entry = Entry(text="")
    words = line.strip().split(" ")
    while words and words[0][:1] in ("/", "!", "@") and words[0]:
        token = words.pop(0)
        if token == "!":
            entry.key_moment = True
        elif token.startswith("/"):
            entry.kind = parse_kind(token[1:])
        else:
            when = token[1:]
            if is_date_only(when) and words and TIME_WORD.match(words[0]):
                when = f"{when} {words.pop(0)}"  # `@2026-11-29 23:58`: the date and its time
            entry.occurred_at = not_in_future(parse_when(when, now, local_tz), now)
    entry.text = " ".join(words).strip()
    return entry


def parse_kind(name: str) -> EventKind:
    for kind in ENTRY_KINDS:
        if kind.value == name.lower():
            return kind
    choices = " ".join(f"/{k.value}" for k in ENTRY_KINDS)
    raise ValueError(f"unknown kind /{name}: use {choices}")
