"""Row UUIDs that sort in the order they were made (UUID version 7, RFC 9562).

Exports, imports and sync order the entries of one instant by UUID, as the last tie-break that is
the same on every machine. With random (version 4) UUIDs, a resolve's "Status → Resolved" and
"Phase → Post-Mortem", written in the same millisecond, could swap on a machine that received
them. Version 7 UUIDs begin with the millisecond they were made and, within this process, never
go backwards, so the tie-break keeps the order of writing.

Written here rather than taken from the `uuid6` package: that one imports importlib.metadata
when imported, a cost every `ir-console log` (one process per alert) would pay.
"""

from __future__ import annotations

import os
import threading
import time
import uuid

_lock = threading.Lock()
_last: tuple[int, int] = (0, 0)  # the millisecond and the counter of the UUID made last
COUNTER_LIMIT = 1 << 12
VERSION_7 = 7 << 76
VARIANT_RFC = 0b10 << 62


def random_bits() -> int:
    """62 random bits from the system's source, as `secrets.randbits(62)` takes them (os.urandom),
    without importing `secrets` (hmac, hashlib, random, base64): a cost for every `log`."""
    return int.from_bytes(os.urandom(8)) >> 2


def time_ordered_uuid() -> str:
    """A version 7 UUID: 48 bits of Unix milliseconds, a 12-bit counter, 62 random bits. Each one
    made in this process is greater than the one before: within a millisecond the counter moves
    on (past 4,096 in one millisecond, or when the clock steps back, the millisecond does)."""
    global _last
    with _lock:
        millisecond, counter = time.time_ns() // 1_000_000, 0
        if millisecond <= _last[0]:
            millisecond, counter = _last[0], _last[1] + 1
            if counter == COUNTER_LIMIT:
                millisecond, counter = millisecond + 1, 0
        _last = millisecond, counter
    value = (millisecond & 0xFFFF_FFFF_FFFF) << 80 | VERSION_7 | counter << 64 | VARIANT_RFC | random_bits()
    return str(uuid.UUID(int=value))  # Python 3.11's UUID(version=) knows only versions 1 to 5
