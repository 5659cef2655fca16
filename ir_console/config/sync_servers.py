"""Whether a configuration file names sync servers, without the whole reader (reading.py).

`ir-console log` (command_line.publish_change) asks this after every entry: only a file that does
goes on to `load_config`, which checks the servers and says whether sync is on. A missing,
unreadable, non-UTF-8 or invalid file, and one without `servers` in its [sync] table, get the
defaults from `load_config`, and with them sync is off. tomllib (with typing, ~4.5 ms) is loaded
only for a file in which `servers` could be written.
"""

from __future__ import annotations

from pathlib import Path


def names_sync_servers(path: Path) -> bool:
    """True when the file at `path` gives [sync] `servers` (valid or not: `load_config` decides);
    False when sync is off whatever `load_config` would say of the rest of the file."""
    try:
        raw = path.read_bytes()
    except OSError:
        return False
    # A TOML key is written as it is (bare or quoted) or, in a "quoted key", with \u or \U escapes:
    # a file without the word and without such an escape names no servers, and is not parsed.
    if b"servers" not in raw and b"\\u" not in raw and b"\\U" not in raw:
        return False
    import tomllib

    try:
        document = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError):
        return False
    sync = document.get("sync")
    return isinstance(sync, dict) and bool(sync.get("servers"))
