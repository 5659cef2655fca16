"""Drafts outlive the console: what was typed and not saved is in `drafts.json` (the user state
folder), per database, and a console started again on the same database finds it."""

from __future__ import annotations

import json
import stat
from datetime import UTC, datetime
from pathlib import Path

from ir_console.tui.drafts import Drafts

TYPED = datetime(2026, 11, 30, 3, 14, 15, 926000, tzinfo=UTC)


def test_dialog_drafts_and_lines_are_read_back_by_the_next_console_on_the_same_database(tmp_path: Path) -> None:
    file = tmp_path / "state" / "drafts.json"
    first = Drafts(file, "/srv/a.db", incident_id=7)
    first.keep(first.key("EventScreen", 42), {"text": "half a correction", "key": True})
    first.keep(first.key("RolesScreen"), {"commander": "sam"})
    first.keep_line(7, "rolled back pod-3, errors still", TYPED)
    first.flush()  # written by a thread of its own

    again = Drafts(file, "/srv/a.db", incident_id=7)
    assert again.get(again.key("EventScreen", 42)) == {"text": "half a correction", "key": True}
    assert again.get(again.key("RolesScreen")) == {"commander": "sam"}
    assert again.line(7) == ("rolled back pod-3, errors still", TYPED)  # with when it was typed
    assert Drafts(file, "/srv/b.db", incident_id=7).get(again.key("RolesScreen")) is None  # another database's
    assert stat.S_IMODE(file.stat().st_mode) == 0o600  # incident text: the owner's only


def test_a_saved_or_cleared_draft_is_gone_from_the_file_too(tmp_path: Path) -> None:
    file = tmp_path / "drafts.json"
    drafts = Drafts(file, "db", incident_id=1)
    key = drafts.key("HypothesisScreen", None)
    drafts.keep(key, {"statement": "replica lag"})
    drafts.keep_line(1, "typing", TYPED)
    drafts.discard(key)
    drafts.keep_line(1, "", TYPED)
    drafts.flush()
    assert json.loads(file.read_text()) == {}
    assert Drafts(file, "db", incident_id=1).get(key) is None


def test_a_damaged_or_unwritable_file_costs_only_the_memory_between_runs(tmp_path: Path) -> None:
    damaged = tmp_path / "drafts.json"
    damaged.write_text('{"db": {"dialogs": [[1, 2]], "lines": {"x": 3}}')
    drafts = Drafts(damaged, "db", incident_id=1)  # read as empty, no error
    assert drafts.line(1) is None
    blocked = tmp_path / "a-file" / "drafts.json"
    (tmp_path / "a-file").write_text("not a folder")
    memory_only = Drafts(blocked, "db", incident_id=1)
    memory_only.keep(memory_only.key("RolesScreen"), {"commander": "kim"})
    assert memory_only.get(memory_only.key("RolesScreen")) == {"commander": "kim"}
