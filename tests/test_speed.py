"""Issue #14: the keys that draw from a long record read only what they draw, off the event loop.

`p`, `u` and the post-mortem editor's live refresh read the record digest (`Store.record_digest`)
on the reader thread, never the whole timeline; the documents drafted from it are the ones the
whole record gives. Resolving reads the recorded signals on the reader thread too. No timing is
asserted here: `python -m benchmarks` measures; these tests check what is read, where, and what
the user then sees.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from textual.widgets import Markdown
from tui_support import NOW, Clock, console, declare_checkout_incident, run, toasts, wait_until, war_room

from ir_console.model import ContainmentState, EventKind, EventSource, Incident, Section, Status
from ir_console.render.markdown import draft_sections, postmortem_markdown
from ir_console.render.status import draft_status_update
from ir_console.store import Store
from ir_console.tui.screens.documents import StatusUpdateScreen
from ir_console.tui.screens.forms import StatusChoice
from ir_console.tui.screens.postmortem import PostMortemScreen
from ir_console.tui.widgets.recorded import RecordedSignals


@pytest.fixture
def incident(store: Store, clock: Clock) -> Incident:
    """Twelve alerts (one retracted), notes by several people (two writing first in the same
    millisecond), key moments, an action then a containment step that stands, a later retracted
    decision, and recorded signals."""
    declared = declare_checkout_incident(store, clock)
    start = NOW - timedelta(minutes=17)
    for n in range(12):
        alert = store.add_event(
            declared.id, f"alert {n}", kind=EventKind.ALERT, author="pager", occurred_at=start + timedelta(seconds=n)
        )
        if n == 3:
            store.retract_event(alert.id, reason="duplicate")
    same = start + timedelta(minutes=1)
    store.add_event(declared.id, "zoe was first", occurred_at=same, author="zoe")
    store.add_event(declared.id, "amy at the same moment", occurred_at=same, author="amy")
    store.add_event(declared.id, "zoe again", occurred_at=same + timedelta(seconds=5), author="zoe")
    store.add_event(declared.id, "key: rollback started", occurred_at=same + timedelta(minutes=1), key_moment=True)
    store.add_event(declared.id, "restarted pods", kind=EventKind.ACTION, author="lee", occurred_at=same)
    action = store.add_containment(declared.id, "Roll back v2.41.0", author="lee")
    store.set_containment_state(action.id, ContainmentState.DONE, detail="back on v2.40.3", author="lee")
    decision = store.add_event(declared.id, "freeze deploys", kind=EventKind.DECISION, author="kim")
    store.retract_event(decision.id, reason="not decided")
    for n in range(3):
        store.add_event(declared.id, f"CPU {90 + n}%", kind=EventKind.SIGNAL, source=EventSource.SIGNAL)
    return declared


def test_the_digest_drafts_what_the_whole_record_drafts(store: Store, incident: Incident) -> None:
    record, digest = store.record(incident.id), store.record_digest(incident.id)
    assert len(digest.events) < len(record.events)  # the notes, signals and most alerts are not read
    assert digest.alert_count == 11
    assert postmortem_markdown(digest) == postmortem_markdown(record)
    assert draft_sections(digest) == draft_sections(record)
    assert "  - and 1 more" in draft_sections(digest)[Section.DETECTION]
    assert draft_status_update(digest, NOW) == draft_status_update(record, NOW)
    assert draft_status_update(digest, NOW).current_action == "Roll back v2.41.0: done — back on v2.40.3"


class ReadWatch:
    """Counts the whole-timeline reads (`Store.record`, `Store.events`) and the recorded-signal
    reads made on the event loop's thread."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.whole: list[str] = []
        self.on_loop: list[str] = []
        for name in ("record", "events", "events_of_kinds", "record_digest"):
            original = getattr(Store, name, None)
            if original is not None:
                monkeypatch.setattr(Store, name, self.wrap(name, original))

    def wrap(self, name, original):
        def read(store, *args, **kwargs):
            if name in ("record", "events"):
                self.whole.append(name)
            if threading.current_thread() is threading.main_thread():
                self.on_loop.append(name)
            return original(store, *args, **kwargs)

        return read


async def test_p_and_u_open_from_the_digest_read_off_the_event_loop(
    store: Store, clock: Clock, incident: Incident, monkeypatch: pytest.MonkeyPatch
) -> None:
    watch = ReadWatch(monkeypatch)
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        await pilot.press("p")
        await wait_until(pilot, lambda: isinstance(app.screen, PostMortemScreen), "the post-mortem editor")
        source = app.screen.query_one("#generated-timeline", Markdown).source
        assert "key: rollback started" in source and "alert" not in source
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is war_room(app), "the war room")
        await pilot.press("u")
        await wait_until(pilot, lambda: isinstance(app.screen, StatusUpdateScreen), "the composer")
        assert app.screen.query_one("#current_action").value == "Roll back v2.41.0: done — back on v2.40.3"
    assert watch.whole == [] and watch.on_loop == []


async def test_the_editor_follows_changes_without_reading_the_whole_record(
    store: Store, db_path, clock: Clock, incident: Incident, monkeypatch: pytest.MonkeyPatch
) -> None:
    watch = ReadWatch(monkeypatch)
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        await pilot.press("p")
        await wait_until(pilot, lambda: isinstance(app.screen, PostMortemScreen), "the post-mortem editor")
        editor = app.screen
        with Store.open(db_path, clock=clock) as other:  # another console marks a key moment
            other.add_event(incident.id, "key: pods healthy again", key_moment=True, author="dana")
        await wait_until(
            pilot,
            lambda: "key: pods healthy again" in editor.query_one("#generated-timeline", Markdown).source,
            "the new key moment in the editor",
        )
        assert "dana" in editor.query_one("#generated-responders", Markdown).source
    assert watch.whole == [] and watch.on_loop == []


async def test_resolving_draws_the_review_and_reads_the_recorded_signals_off_the_loop(
    store: Store, clock: Clock, incident: Incident, monkeypatch: pytest.MonkeyPatch
) -> None:
    watch = ReadWatch(monkeypatch)
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        room = war_room(app)
        await room._set_status(room.incident, StatusChoice(Status.RESOLVED, None))  # as the confirmation does
        recorded = room.query_one(RecordedSignals)
        await wait_until(pilot, lambda: "CPU 92%" in recorded.plain, "the recorded signals")
        assert recorded.plain.splitlines()[-1] == "  CPU 92%"
        assert not any("Cannot read" in toast for toast in toasts(app))
    assert "events_of_kinds" not in watch.on_loop
