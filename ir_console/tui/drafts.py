"""What was typed into a dialog and not saved, kept until it is: nothing typed is lost to Escape.

A dialog closed with Escape after something in it was changed keeps its fields here, by incident,
dialog and subject (the event, hypothesis or action it edits); opening the same dialog again puts
them back. A dialog saved keeps them too until the war room has written what it returned, so a
write that fails ("Not saved") loses nothing either. Kept in memory, for this console's life.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

DraftKey = tuple[int | None, str, Any]
Fields = dict[str, Any]


@dataclass
class Drafts:
    # The incident the war room shows: drafts belong to it.
    incident_id: int | None = None
    _kept: dict[DraftKey, Fields] = field(default_factory=dict)
    # The draft of the dialog saved last, until the write it asked for is done.
    _pending: DraftKey | None = None

    def key(self, dialog: str, subject: Any = None) -> DraftKey:
        return (self.incident_id, dialog, subject)

    def get(self, key: DraftKey) -> Fields | None:
        return self._kept.get(key)

    def keep(self, key: DraftKey, fields: Fields) -> None:
        self._kept[key] = dict(fields)

    def discard(self, key: DraftKey) -> None:
        self._kept.pop(key, None)

    def hold_until_written(self, key: DraftKey, fields: Fields) -> None:
        self.keep(key, fields)
        self._pending = key

    def take_pending(self) -> DraftKey | None:
        """The draft of the dialog whose result is being written now (taken once)."""
        key, self._pending = self._pending, None
        return key
