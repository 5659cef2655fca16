"""A hypothesis back-filled from an outage carries the time it was formed or settled, not the time
it was typed in (found replaying a 2019 outage: "H1 confirmed" was dated the day of the replay)."""

from __future__ import annotations

from datetime import timedelta

from textual.widgets import Input, Label, RadioSet
from tui_support import NOW, console, query, run, settle, wait_until, war_room

from ir_console.model import HypothesisResult
from ir_console.tui.dialogs.hypothesis import HypothesisScreen


def hypothesis_events(db_path) -> list[dict]:
    return query(db_path, "SELECT text, occurred_at, key_moment FROM events WHERE kind = 'hypothesis' ORDER BY id")


def test_the_store_dates_a_hypothesis_and_its_result_when_asked(store, incident, db_path) -> None:
    formed, settled = NOW - timedelta(minutes=9), NOW - timedelta(minutes=4)
    created = store.add_hypothesis(incident.id, "Pool leak", at=formed)
    store.set_hypothesis_result(created.id, HypothesisResult.CONFIRMED, at=settled)
    events = hypothesis_events(db_path)
    assert [(e["text"], e["occurred_at"]) for e in events] == [
        ("Hypothesis H1: Pool leak", "2026-11-27T03:05:30.000Z"),
        ("Hypothesis H1 confirmed: Pool leak", "2026-11-27T03:10:30.000Z"),
    ]


async def test_the_dialog_takes_when_it_was_settled_and_asks_again_for_another_day(
    store, clock, incident, db_path
) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        await settle(pilot)
        await pilot.press("h")
        await wait_until(pilot, lambda: isinstance(app.screen, HypothesisScreen), "the hypothesis dialog")
        dialog = app.screen
        dialog.query_one("#statement").text = "Pool leak"
        dialog.query_one("#confirmed").value = True
        dialog.query_one("#at", Input).value = "-6m"
        await settle(pilot)
        assert dialog.query_one(RadioSet).pressed_button.id == "confirmed"
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: len(hypothesis_events(db_path)) == 2, "the hypothesis and its result")
        assert [e["occurred_at"] for e in hypothesis_events(db_path)] == ["2026-11-27T03:08:30.000Z"] * 2

        # A day ago: shown in full, saved on the second ctrl+s only.
        await pilot.press("h")
        await wait_until(pilot, lambda: isinstance(app.screen, HypothesisScreen), "the dialog again")
        dialog = app.screen
        dialog.query_one("#statement").text = "DNS"
        dialog.query_one("#at", Input).value = "2026-11-26 03:00Z"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is dialog and len(hypothesis_events(db_path)) == 2
        assert "2026-11-26 03:00:00 UTC is before the incident began: ctrl+s again" in str(
            dialog.query_one("#form-error", Label).content
        )
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: len(hypothesis_events(db_path)) == 3, "saved on the second ctrl+s")
        assert hypothesis_events(db_path)[-1]["occurred_at"] == "2026-11-26T03:00:00.000Z"
        await wait_until(pilot, lambda: app.screen is war_room(app), "closed")

        # A time in the future is refused in one line, nothing saved.
        await pilot.press("h")
        await wait_until(pilot, lambda: isinstance(app.screen, HypothesisScreen), "the dialog again")
        dialog = app.screen
        dialog.query_one("#statement").text = "Later"
        dialog.query_one("#at", Input).value = "2026-11-28 03:00Z"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is dialog and str(dialog.query_one("#form-error", Label).content).startswith("When: ")
        assert len(hypothesis_events(db_path)) == 3
