"""Status updates that are right without retyping: each draft starts from the last one sent, the
header counts down to the time the update promised, the final update says what resolved it, a
Slack format, and hand edits survive a change of field."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from textual.widgets import Input, TextArea
from tui_support import NOW, console, header, run, settle, wait_until

from ir_console.model import ContainmentState, EventKind, Status
from ir_console.render import deadlines
from ir_console.render.status import draft_status_update, status_update
from ir_console.tui.dialogs.status_update import StatusUpdateScreen, redraft_lines


def test_the_next_draft_starts_from_the_last_update_sent(store, clock, incident) -> None:
    store.clock = clock
    store.add_event(incident.id, "Rolled back to v2.40.3", kind=EventKind.ACTION)
    store.record_status_update(
        incident.id,
        "sent",
        status="Investigating",
        impact="EU card payments fail",
        current_action="Rolling back payments-svc",
        eta="04:00 UTC",
        next_update="03:45 UTC",
    )
    clock.advance(minutes=10)
    store.set_status(incident.id, Status.IDENTIFIED)
    again = draft_status_update(store.record(incident.id), clock())
    # The commander's words stand; the status and the next update are refreshed.
    assert (again.impact, again.current_action, again.eta) == (
        "EU card payments fail",
        "Rolling back payments-svc",
        "04:00 UTC",
    )
    assert (again.status, again.next_update) == ("Identified", "03:54 UTC")

    # Something done since the last update replaces the current action; nothing else moves.
    clock.advance(minutes=1)
    store.add_event(incident.id, "Scaled payments-svc to 12 pods", kind=EventKind.ACTION)
    later = draft_status_update(store.record(incident.id), clock())
    assert later.current_action == "Scaled payments-svc to 12 pods"
    assert (later.impact, later.eta) == ("EU card payments fail", "04:00 UTC")


def test_bookkeeping_is_never_the_current_action(store, clock, incident) -> None:
    store.clock = clock
    rollback, *_, block = store.containment(incident.id)
    store.set_containment_state(rollback.id, ContainmentState.DONE, detail="back to v2.40.3")
    store.set_containment_state(block.id, ContainmentState.NOT_APPLICABLE)
    assert draft_status_update(store.record(incident.id), clock()).current_action == (
        "Rollback deployment: done — back to v2.40.3"
    )


def test_the_final_update_says_what_resolved_it_and_needs_no_eta(store, clock, incident) -> None:
    store.clock = clock
    store.add_event(incident.id, "Rolled back to v2.40.3", kind=EventKind.ACTION)
    store.record_status_update(incident.id, "sent", eta="04:00 UTC")
    store.set_status(incident.id, Status.RESOLVED)
    final = draft_status_update(store.record(incident.id), clock())
    assert final.status == "Resolved"
    assert final.current_action == "Resolved: Rolled back to v2.40.3"
    assert final.eta == "None: resolved at 03:14 UTC"
    assert final.next_update == "None: this is the final update"


def test_slack_gets_single_star_bold_and_no_heading(store, clock, incident) -> None:
    text = status_update(draft_status_update(store.record(incident.id), NOW), "slack")
    first, *rest = text.splitlines()
    assert first == "*Status update: Checkout API returning 500s*"
    assert [line.split(":*")[0] for line in rest] == ["*Status", "*Impact", "*Current action", "*ETA", "*Next update"]
    assert "**" not in text and "#" not in text


def test_the_time_an_update_promised() -> None:
    sent = datetime(2026, 11, 30, 23, 55, tzinfo=UTC)
    assert deadlines.promised_next_update("00:10 UTC", sent) == sent + timedelta(minutes=15)  # tomorrow's
    assert deadlines.promised_next_update("2026-12-01 09:00 UTC", sent) == datetime(2026, 12, 1, 9, tzinfo=UTC)
    assert deadlines.promised_next_update("in 20m", sent) == sent + timedelta(minutes=20)
    assert deadlines.promised_next_update("+1h", sent) == sent + timedelta(hours=1)
    assert deadlines.promised_next_update("None: this is the final update", sent) is None
    assert deadlines.promised_next_update("when we know more", sent) is None


def test_a_field_changed_after_the_text_was_edited_keeps_the_edits() -> None:
    old = "## Status Update: X\n**Status:** Investigating\n**ETA:** Unknown"
    new = "## Status Update: X\n**Status:** Investigating\n**ETA:** 04:00 UTC"
    edited = "## Status Update: X\n**Status:** Investigating\nWe are on it.\n**ETA:** Unknown"
    assert redraft_lines(edited, old, new) == (
        "## Status Update: X\n**Status:** Investigating\nWe are on it.\n**ETA:** 04:00 UTC",
        [],
    )
    rewritten = "## Status Update: X\nAll hands on it, ETA soon."
    assert redraft_lines(rewritten, old, new) == (rewritten, ["**ETA:** 04:00 UTC"])


async def test_in_the_composer_hand_edits_survive_and_the_header_counts_to_the_promise(store, clock, incident) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        await settle(pilot)
        await pilot.press("u")
        await wait_until(pilot, lambda: isinstance(app.screen, StatusUpdateScreen), "the composer")
        composer = app.screen
        preview = composer.query_one("#preview", TextArea)
        preview.text = preview.text + "\nDBA paged."
        composer.query_one("#eta", Input).value = "04:00 UTC"
        composer.query_one("#next_update", Input).value = "in 10m"
        await settle(pilot)
        assert preview.text.endswith("**ETA:** 04:00 UTC\n**Next update:** in 10m\nDBA paged.")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: not isinstance(app.screen, StatusUpdateScreen), "the composer closed")
        await wait_until(
            pilot, lambda: header(app, "next-update") == "next update in 10m 00s", "the countdown to the promised time"
        )


async def test_the_bell_rings_once_when_an_update_becomes_overdue(store, clock, incident, monkeypatch) -> None:
    from ir_console.config import Config

    for bell in (True, False):
        clock.now = NOW
        app = console(store, clock, config=Config(update_bell=bell))
        rings = []
        monkeypatch.setattr(app, "bell", lambda: rings.append(clock()))
        async with run(app) as pilot:
            await settle(pilot)
            assert header(app, "next-update") == "next update in 12m 00s"
            clock.advance(minutes=13)  # overdue now
            await wait_until(pilot, lambda: header(app, "next-update").startswith("update OVERDUE"), "overdue")
            clock.advance(minutes=5)  # still overdue: no second ring
            await wait_until(pilot, lambda: header(app, "next-update") == "update OVERDUE 6m 00s", "later")
        assert len(rings) == (1 if bell else 0), bell


def test_the_bell_can_be_muted_in_the_configuration(tmp_path) -> None:
    from ir_console.config import load_config

    path = tmp_path / "config.toml"
    path.write_text("[updates]\nbell = false\n")
    assert load_config(path).update_bell is False
    path.write_text('[updates]\nbell = "loud"\n')
    config = load_config(path)
    assert config.update_bell is True and any("bell: must be true or false" in p for p in config.problems)
