"""What the console remembers between runs, in `state.json` (locations.state_path): the theme.

Best effort by design: a missing, unreadable or damaged file means the defaults, and a file that
cannot be written costs only the memory of the choice, never the console.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from ir_console.locations import private_dir, state_path


def load_preferences(path: Path | None = None) -> dict:
    path = path or state_path()
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return {}
    return document if isinstance(document, dict) else {}


def save_preference(name: str, value: object, path: Path | None = None) -> bool:
    """Remember `name` = `value`; False when it could not be written."""
    path = path or state_path()
    document = {**load_preferences(path), name: value}
    try:
        private_dir(path.parent)
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".state.")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(document, handle)
        os.replace(temp, path)
    except OSError:
        return False
    return True
