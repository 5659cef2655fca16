"""Nothing typed into a dialog is lost to Escape or to a failed save (#12, "Keys and focus")."""

from __future__ import annotations

from textual.widgets import Input, TextArea
from tui_support import console, count, one, run, settle, timeline, toasts, wait_until, war_room

from ir_console.model import to_iso
from ir_console.store import Store, WriteFailed
from ir_console.tui.dialogs.event import EventScreen
from ir_console.tui.dialogs.event_detail import EventDetailScreen
from ir_console.tui.dialogs.hypothesis import HypothesisScreen
from ir_console.tui.dialogs.new_incident import NewIncidentScreen
from ir_console.tui.dialogs.roles import RolesScreen


def field(app, name: str) -> str:
    widget = app.screen.query_one(f"#{name}")
    return widget.text if isinstance(widget, TextArea) else widget.value


async def test_escape_keeps_a_half_written_hypothesis_and_saving_forgets_it(store, db_path, clock, incident) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        await settle(pilot)
        await pilot.press("h")
        await wait_until(pilot, lambda: isinstance(app.screen, HypothesisScreen), "the hypothesis dialog")
        await settle(pilot)
        await pilot.press(*"v2.41.0 leaks DB connections")
        assert field(app, "statement") == "v2.41.0 leaks DB connections"
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is war_room(app), "closed")
        assert any("What you typed is kept" in toast for toast in toasts(app))
        assert count(db_path, "hypotheses") == 0

        await pilot.press("h")
        await wait_until(pilot, lambda: field(app, "statement") == "v2.41.0 leaks DB connections", "the draft back")
        assert any("What you typed here before is back" in toast for toast in toasts(app))
        await pilot.press(*" on card retries", "ctrl+s")
        await wait_until(pilot, lambda: count(db_path, "hypotheses") == 1, "the hypothesis saved")
        assert one(db_path, "SELECT statement FROM hypotheses")["statement"] == (
            "v2.41.0 leaks DB connections on card retries"
        )

        await pilot.press("h")  # saved: the next hypothesis starts empty
        await wait_until(pilot, lambda: isinstance(app.screen, HypothesisScreen), "the dialog again")
        await settle(pilot)
        assert field(app, "statement") == ""
        await pilot.press("escape")  # nothing typed: nothing kept
        await wait_until(pilot, lambda: app.screen is war_room(app), "closed")
        await pilot.press("h")
        await wait_until(pilot, lambda: isinstance(app.screen, HypothesisScreen), "the dialog again")
        await settle(pilot)
        assert field(app, "statement") == ""


async def test_a_correction_that_fails_to_save_comes_back_when_the_event_is_opened_again(
    store, db_path, clock, incident, monkeypatch
) -> None:
    event = store.add_event(incident.id, "Pool exhausted on payments", author="sam")
    real_edit = Store.edit_event

    def disk_full(self, *args, **kwargs):
        raise WriteFailed("database or disk is full")

    monkeypatch.setattr(Store, "edit_event", disk_full)
    app = console(store, clock)
    async with run(app) as pilot:
        await settle(pilot)

        async def open_editor() -> None:
            timeline(app).show_event(event.id)
            timeline(app).focus()
            await pilot.press("enter")
            await wait_until(pilot, lambda: isinstance(app.screen, EventDetailScreen), "the event")
            await pilot.press("e")
            await wait_until(pilot, lambda: isinstance(app.screen, EventScreen), "the editor")
            await settle(pilot)

        await open_editor()
        app.screen.query_one("#text", TextArea).text = "Pool exhausted on payments-svc (max=20)"
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: any("Not saved" in t or "disk is full" in t for t in toasts(app)), "refusal")
        assert any("What you typed is kept" in toast for toast in toasts(app))
        assert one(db_path, "SELECT text FROM events WHERE id = ?", event.id)["text"] == "Pool exhausted on payments"

        monkeypatch.setattr(Store, "edit_event", real_edit)  # the disk has room again
        await open_editor()
        assert field(app, "text") == "Pool exhausted on payments-svc (max=20)"
        await pilot.press("ctrl+s")
        await wait_until(
            pilot,
            lambda: (
                one(db_path, "SELECT text FROM events WHERE id = ?", event.id)["text"]
                == "Pool exhausted on payments-svc (max=20)"
            ),
            "the correction saved",
        )
        restored = sum("is back" in toast for toast in toasts(app))
        await open_editor()  # saved: the editor shows the record, nothing kept
        assert field(app, "text") == "Pool exhausted on payments-svc (max=20)"
        assert sum("is back" in toast for toast in toasts(app)) == restored


async def test_drafts_belong_to_their_dialog_and_incident(store, db_path, clock, incident) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await wait_until(pilot, lambda: isinstance(app.screen, RolesScreen), "the roles dialog")
        await settle(pilot)
        app.screen.query_one("#commander", Input).value = "dana"
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is war_room(app), "closed")

        await pilot.press("n")  # another dialog: its own fields, none of the roles'
        await wait_until(pilot, lambda: isinstance(app.screen, NewIncidentScreen), "the triage form")
        await settle(pilot)
        await pilot.press(*"Search is slow")
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is war_room(app), "closed")

        await pilot.press("r")
        await wait_until(pilot, lambda: isinstance(app.screen, RolesScreen), "the roles dialog")
        await wait_until(pilot, lambda: field(app, "commander") == "dana", "the roles draft")
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is war_room(app), "closed")
        await pilot.press("n")
        await wait_until(pilot, lambda: isinstance(app.screen, NewIncidentScreen), "the triage form")
        await wait_until(pilot, lambda: field(app, "title") == "Search is slow", "the triage draft")
        assert count(db_path, "incidents") == 1


async def test_a_status_update_left_with_escape_comes_back_with_its_fields_and_hand_edits(
    store, db_path, clock, incident
) -> None:
    from ir_console.tui.dialogs.status_update import StatusUpdateScreen

    app = console(store, clock)
    async with run(app) as pilot:
        await settle(pilot)
        await pilot.press("u")
        await wait_until(pilot, lambda: isinstance(app.screen, StatusUpdateScreen), "the composer")
        await settle(pilot)
        app.screen.query_one("#impact", Input).value = "Card payments fail for 30% of users"
        await settle(pilot)
        preview = app.screen.query_one("#preview", TextArea)
        assert "Card payments fail for 30% of users" in preview.text
        preview.text = preview.text + "\nWe will post again on the status page."
        await settle(pilot)
        edited = preview.text
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is war_room(app), "closed")
        assert count(db_path, "status_updates") == 0

        await pilot.press("u")
        await wait_until(pilot, lambda: isinstance(app.screen, StatusUpdateScreen), "the composer again")
        await wait_until(pilot, lambda: field(app, "preview") == edited, "the hand-edited text back")
        await settle(pilot)
        assert field(app, "impact") == "Card payments fail for 30% of users"
        assert field(app, "preview") == edited
        assert str(app.screen.query_one("#redraft-note").content) == ""
        # A field changed now still redrafts its own line and keeps the hand edit.
        app.screen.query_one("#eta", Input).value = "04:30 UTC"
        await settle(pilot)
        assert "04:30 UTC" in field(app, "preview") and "We will post again on the status page." in field(
            app, "preview"
        )


# -- drafts outlive the console (tui/drafts.py keeps them in drafts.json) ------------------------


def drafts_file() -> dict:
    import json

    from ir_console.locations import drafts_path

    path = drafts_path()
    return json.loads(path.read_text()) if path.exists() else {}


def kept_texts() -> str:
    """Everything the drafts file holds, as one string to look for typed text in."""
    return str(drafts_file())


async def test_a_half_written_hypothesis_is_back_in_the_next_console_after_the_last_one_ended(
    store, db_path, clock, incident
) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        await settle(pilot)
        await pilot.press("h")
        await wait_until(pilot, lambda: isinstance(app.screen, HypothesisScreen), "the hypothesis dialog")
        await settle(pilot)
        await pilot.press(*"replica lag on orders-db")
        # Kept while the dialog is still open: a console killed now loses nothing.
        await wait_until(pilot, lambda: "replica lag on orders-db" in kept_texts(), "the draft in the file")
        await pilot.press(*" after failover")
        # ... and the console ends with the dialog open, within the moment after the last key.
    app.drafts.flush()  # as Python waits for the writer thread at exit
    assert "replica lag on orders-db after failover" in kept_texts()

    again = console(store, clock)
    async with run(again) as pilot:
        await settle(pilot)
        await pilot.press("h")
        await wait_until(
            pilot, lambda: field(again, "statement") == "replica lag on orders-db after failover", "the draft back"
        )
        assert any("What you typed here before is back" in toast for toast in toasts(again))
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: count(db_path, "hypotheses") == 1, "the hypothesis saved")
        await wait_until(pilot, lambda: "replica lag" not in kept_texts(), "the draft forgotten")


async def test_text_typed_into_the_entry_line_and_never_entered_is_back_in_the_next_console(
    store, db_path, clock, incident
) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        await settle(pilot)
        await pilot.press("t", *"rolled back pod-3, errors still at 4")
        await wait_until(pilot, lambda: "rolled back pod-3" in kept_texts(), "the line in the file")
        await pilot.press("%")
    app.drafts.flush()
    assert "errors still at 4%" in kept_texts()

    typed_at = clock()
    clock.advance(minutes=20)  # the console comes back later
    again = console(store, clock)
    async with run(again) as pilot:
        await settle(pilot)
        line = war_room(again).query_one("#entry", Input)
        assert line.value == "rolled back pod-3, errors still at 4%"
        assert any(
            "Unsent text back in the entry line" in toast and "never entered: Enter logs it at that time" in toast
            for toast in toasts(again)
        )
        line.focus()
        await pilot.press("enter")
        logged = "rolled back pod-3, errors still at 4%"
        await wait_until(pilot, lambda: count(db_path, "events", "text = ?", logged) == 1, "logged")
        # At the moment it was typed, not the moment the console came back.
        assert one(db_path, "SELECT occurred_at FROM events WHERE text = ?", logged)["occurred_at"] == to_iso(typed_at)
        await wait_until(pilot, lambda: "rolled back pod-3" not in kept_texts(), "the line forgotten")
        assert line.value == ""
