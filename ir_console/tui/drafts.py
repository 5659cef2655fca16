"""What was typed and not saved, kept until it is: nothing typed is lost to Escape, nor to the
terminal dying.

A dialog's fields are kept here by incident, dialog and subject (the event, hypothesis or action
it edits) as they are typed, and when it closes unsaved; opening the same dialog again puts them
back. A dialog saved keeps them until the war room has written what it returned, so a write that
fails ("Not saved") loses nothing either. The entry line's unsent text is kept by incident too,
with the moment it was typed: given back, Enter logs it at that moment (and an `@-5m` in it
counts from there), as a line given back after a failed save is.

Kept in memory and, when the console is given a file (`drafts.json` in the user state folder,
readable by the owner only), in that file as well, per database, written by a thread of its own:
a console killed with a dialog half-filled, or a line half-typed, finds them again when it starts
on the same database. Best
effort, like the remembered theme: a file that cannot be read or written costs the drafts'
memory between runs, never the console.
"""

from __future__ import annotations

import json
import os
import tempfile
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from ir_console.locations import private_dir
from ir_console.model.clock import parse_iso, to_iso

# How long after the last key what is typed is kept (a dialog's fields, the entry line's text).
KEEP_AS_TYPED_DELAY = 0.5

DraftKey = tuple[int | None, str, Any]
Fields = dict[str, Any]


@dataclass
class Drafts:
    # Where drafts outlive the console (None: memory only), and the database they belong to there.
    file: Path | None = None
    database: str = ""
    # The incident the war room shows: drafts belong to it.
    incident_id: int | None = None
    _kept: dict[DraftKey, Fields] = field(default_factory=dict)
    # The entry line's unsent text by incident, with the moment it was last typed into.
    _lines: dict[int, tuple[str, datetime]] = field(default_factory=dict)
    # The draft of the dialog saved last, until the write it asked for is done.
    _pending: DraftKey | None = None
    # The thread writing the file, and its latest write.
    _writer: ThreadPoolExecutor | None = field(default=None, init=False, repr=False)
    _written: Future[None] | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self._load()

    def key(self, dialog: str, subject: Any = None) -> DraftKey:
        return (self.incident_id, dialog, subject)

    def get(self, key: DraftKey) -> Fields | None:
        return self._kept.get(key)

    def keep(self, key: DraftKey, fields: Fields) -> None:
        if self._kept.get(key) != fields:
            self._kept[key] = dict(fields)
            self._save()

    def discard(self, key: DraftKey) -> None:
        if self._kept.pop(key, None) is not None:
            self._save()

    def hold_until_written(self, key: DraftKey, fields: Fields) -> None:
        self.keep(key, fields)
        self._pending = key

    def take_pending(self) -> DraftKey | None:
        """The draft of the dialog whose result is being written now (taken once)."""
        key, self._pending = self._pending, None
        return key

    # -- the entry line's unsent text --------------------------------------------------------------

    def line(self, incident_id: int) -> tuple[str, datetime] | None:
        """The unsent text and when it was typed, if any."""
        return self._lines.get(incident_id)

    def keep_line(self, incident_id: int, text: str, typed_at: datetime) -> None:
        kept = self._lines.get(incident_id)
        if (kept[0] if kept else "") == text:
            return
        if text:
            self._lines[incident_id] = (text, typed_at)
        else:
            self._lines.pop(incident_id, None)
        self._save()

    # -- the file --------------------------------------------------------------------------------

    def _load(self) -> None:
        if self.file is None:
            return
        try:
            document = json.loads(self.file.read_text(encoding="utf-8"))
            mine = document.get(self.database, {}) if isinstance(document, dict) else {}
            for incident_id, dialog, subject, fields in mine.get("dialogs", []):
                if isinstance(dialog, str) and isinstance(fields, dict):
                    self._kept[(incident_id, dialog, subject)] = fields
            for incident_id, (text, typed_at) in mine.get("lines", {}).items():
                if isinstance(text, str) and text:
                    self._lines[int(incident_id)] = (text, parse_iso(typed_at))
        except (OSError, ValueError, TypeError, AttributeError, RecursionError):
            return  # none, or damaged: the drafts start empty

    def _save(self) -> None:
        """Hand this database's drafts, as they are now, to the writer thread: the file is written
        off the event loop (a slow home folder never holds a key), in the order kept."""
        if self.file is None:
            return
        mine = {
            "dialogs": [[*key, dict(fields)] for key, fields in self._kept.items()],
            "lines": {str(incident_id): [text, to_iso(at)] for incident_id, (text, at) in self._lines.items()},
        }
        if self._writer is None:
            self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="drafts")
        self._written = self._writer.submit(self._write, self.file, mine)

    def flush(self) -> None:
        """Wait until what was kept is in the file. (Python waits for the writer thread at exit.)"""
        if self._written is not None:
            self._written.result()

    def _write(self, file: Path, mine: dict[str, Any]) -> None:
        try:
            document = json.loads(file.read_text(encoding="utf-8"))
            if not isinstance(document, dict):
                document = {}
        except (OSError, ValueError, RecursionError):
            document = {}
        if mine["dialogs"] or mine["lines"]:
            document[self.database] = mine
        else:
            document.pop(self.database, None)
        temp = None
        try:
            private_dir(file.parent)
            fd, temp = tempfile.mkstemp(dir=file.parent, prefix=".drafts.")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(document, handle)
            os.replace(temp, file)
        except (OSError, TypeError, ValueError):
            if temp is not None:
                Path(temp).unlink(missing_ok=True)  # kept in memory all the same
