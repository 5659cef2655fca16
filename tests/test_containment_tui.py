"""The containment checklist and its dialog, and held signal notices, driven through Pilot.

Each test checks what the screen shows and what the SQLite file holds (read with a connection
of our own)."""

from __future__ import annotations

from datetime import timedelta

from test_signals_tui import SAMPLE_INTERVAL, ScriptedSampler, signal_events, signals_config, start
from test_tui import rendered
from textual.widgets import Input, RadioSet, Static
from tui_support import NOW, NOW_ISO, console, count, one, paste_text, prompts, query, run, settle, wait_until, war_room

from ir_console.model import ContainmentState, Status
from ir_console.model.clock import to_iso
from ir_console.render.markdown import postmortem_markdown
from ir_console.render.status import draft_status_update
from ir_console.store import Store
from ir_console.tui.dialogs.containment import ContainmentDialog
from ir_console.tui.dialogs.help import HelpScreen
from ir_console.tui.widgets.containment_list import ContainmentList


def rollback_row(db_path) -> dict:
    return one(db_path, "SELECT * FROM containment WHERE action = 'Rollback deployment'")


def checklist(app) -> ContainmentList:
    return war_room(app).query_one("#containment", ContainmentList)


async def test_each_key_sets_its_state_and_n_a_never_passes_through_done(store, db_path, clock, incident) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        await pilot.press("x")
        for number, (key, state, mark) in enumerate(
            [
                ("0", "not_applicable", "[-]"),
                ("2", "in_progress", "[~]"),
                ("3", "done", "[x]"),
                ("1", "pending", "[ ]"),
                ("minus", "not_applicable", "[-]"),
            ],
            start=1,
        ):
            await pilot.press(key)
            await wait_until(
                pilot,
                lambda s=state, n=number: (
                    rollback_row(db_path)["state"] == s and count(db_path, "events", "kind = 'containment'") == n
                ),
                f"{key}: {state}",
            )
            await wait_until(pilot, lambda m=mark: prompts(checklist(app))[0].startswith(f"{m} Rollback"), "shown")
        events = query(
            db_path, "SELECT text, key_moment, state_from, state_to FROM events WHERE kind = 'containment' ORDER BY id"
        )
        assert [(e["text"], e["key_moment"]) for e in events] == [
            ("Rollback deployment: pending → not applicable", 0),
            ("Rollback deployment: not applicable → in progress", 0),
            ("Rollback deployment: in progress → done", 1),
            ("Rollback deployment: done → pending", 0),
            ("Rollback deployment: pending → not applicable", 0),
        ]
        # Only the real "done" is a key moment; n/a never wrote one.
        assert count(db_path, "events", "key_moment = 1 AND text LIKE '%→ done%'") == 1


async def test_z_undoes_the_latest_change(store, db_path, clock, incident) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        await pilot.press("x", "2")
        await wait_until(pilot, lambda: rollback_row(db_path)["state"] == "in_progress", "in progress")
        clock.advance(minutes=3)
        await pilot.press("3")
        await wait_until(pilot, lambda: rollback_row(db_path)["state"] == "done", "done")
        await pilot.press("z")
        await wait_until(pilot, lambda: rollback_row(db_path)["state"] == "in_progress", "undone")
        row = rollback_row(db_path)
        assert (row["changed_by"], row["changed_at"]) == ("tester", NOW_ISO)  # the previous change's
        done = one(db_path, "SELECT * FROM events WHERE text = 'Rollback deployment: in progress → done'")
        assert (done["retraction_reason"], done["retracted_by"]) == ("undone", "tester")
        await wait_until(pilot, lambda: prompts(checklist(app))[0].startswith("[~] Rollback deployment"), "pane")
        assert "→ done" not in postmortem_markdown(store.record(incident.id))


async def test_the_dialog_sets_state_detail_owner_and_a_back_dated_time(store, db_path, clock, incident) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        await pilot.press("x", "enter")
        dialog = app.screen
        assert isinstance(dialog, ContainmentDialog)
        assert app.focused is dialog.query_one("#detail", Input)
        await paste_text(pilot, "payments-svc back to v2.40.3")
        await pilot.press("tab")
        await paste_text(pilot, "sam")
        dialog.query_one(RadioSet).focus()
        await pilot.press("right", "right", "enter")  # in progress, done
        dialog.query_one("#at", Input).focus()
        await paste_text(pilot, "-6m")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: rollback_row(db_path)["state"] == "done", "done from the dialog")
        row = rollback_row(db_path)
        at = to_iso(NOW - timedelta(minutes=6))
        assert (row["detail"], row["owner"], row["changed_at"]) == ("payments-svc back to v2.40.3", "sam", at)
        event = one(db_path, "SELECT * FROM events WHERE kind = 'containment'")
        assert (event["occurred_at"], event["key_moment"], event["state_to"]) == (at, 1, "done")
        await wait_until(
            pilot,
            lambda: (
                prompts(checklist(app))[0]
                == "[x] Rollback deployment  done by tester 03:08 — payments-svc back to v2.40.3 (owner: sam)"
            ),
            "one line with the detail and owner",
        )

        record = store.record(incident.id)
        assert (
            draft_status_update(record, NOW).current_action
            == "Rollback deployment: done — payments-svc back to v2.40.3"
        )
        assert "| Rollback deployment | done | payments-svc back to v2.40.3 | sam | 2026-11-27 03:08 UTC |" in (
            postmortem_markdown(record)
        )

        # A time before the incident began is shown in full and saved only on a second ctrl+s.
        await pilot.press("enter")
        dialog = app.screen
        dialog.query_one("#at", Input).focus()
        await paste_text(pilot, "-1h")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is dialog and "before the incident began" in str(dialog.query_one("#form-error").render())
        assert rollback_row(db_path)["changed_at"] == at
        await pilot.press("ctrl+s")
        await wait_until(
            pilot,
            lambda: rollback_row(db_path)["changed_at"] == to_iso(NOW - timedelta(hours=1)),
            "the latest change re-dated",
        )


async def test_the_dialog_corrects_a_resolved_incident_but_the_keys_do_not(store, db_path, clock, incident) -> None:
    store.set_containment_state(store.containment(incident.id)[0].id, ContainmentState.DONE)
    store.set_status(incident.id, Status.RESOLVED)
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        await pilot.press("escape")  # nothing open: the triage form is up
        war_room(app).switch_to(store.incident(incident.id))
        await pilot.pause()
        await pilot.press("x")
        assert app.focused is checklist(app)
        await pilot.press("z", "2", "space")
        await settle(pilot)
        assert rollback_row(db_path)["state"] == "done"
        assert count(db_path, "events", "kind = 'containment'") == 1
        await pilot.press("enter")
        assert isinstance(app.screen, ContainmentDialog)
        await paste_text(pilot, "rolled back at the load balancer")
        await pilot.press("ctrl+s")
        await wait_until(
            pilot, lambda: rollback_row(db_path)["detail"] == "rolled back at the load balancer", "the correction saved"
        )


async def test_help_lists_the_containment_keys(store, clock, incident) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        text = "\n".join(rendered(static.content) for static in app.screen.query(Static))
        assert "1 2 3 0 (containment)" in text and "z / ctrl+z (containment)" in text


async def test_a_held_recovery_is_written_after_resolve_and_after_a_restart(store, db_path, clock, incident) -> None:
    # CPU critical, then back below at once: the recovery is held by the 300 s rate limit.
    sampler = ScriptedSampler(lambda n: 95.0 if n == 0 else 10.0)
    app = start(
        store, clock, signals_config(sustained=0, rate_limit=300), sampler=sampler, sample_interval=SAMPLE_INTERVAL
    )
    async with run(app) as pilot:
        await wait_until(pilot, lambda: len(query(db_path, "SELECT * FROM held_notices")) == 1, "the held recovery")
        held = one(db_path, "SELECT * FROM held_notices")
        assert (held["key"], held["incident_id"], held["occurred_at"]) == ("cpu", incident.id, NOW_ISO)
        assert [row["text"] for row in signal_events(db_path)] == ["CPU 95% (critical at 90%)"]
        with Store.open(db_path, clock=clock) as another:  # resolved from another console
            another.set_status(incident.id, Status.RESOLVED)
        await wait_until(pilot, lambda: not war_room(app).incident.is_open, "the console sees it resolved")
        clock.advance(seconds=301)
        await wait_until(pilot, lambda: len(signal_events(db_path)) == 2, "the recovery, after the resolve")
        last = signal_events(db_path)[-1]
        assert (last["text"], last["incident_id"], last["occurred_at"]) == (
            "CPU back below 85% (now 10%)",
            incident.id,
            NOW_ISO,
        )
        assert query(db_path, "SELECT * FROM held_notices") == []


async def test_a_held_notice_survives_a_restart(db_path, clock) -> None:
    with Store.open(db_path, clock=clock) as first:
        from tui_support import declare_checkout_incident

        incident = declare_checkout_incident(first, clock)
        sampler = ScriptedSampler(lambda n: 95.0 if n == 0 else 10.0)
        app = start(
            first, clock, signals_config(sustained=0, rate_limit=300), sampler=sampler, sample_interval=SAMPLE_INTERVAL
        )
        async with run(app) as pilot:
            await wait_until(pilot, lambda: len(query(db_path, "SELECT * FROM held_notices")) == 1, "held")
    assert len(signal_events(db_path)) == 1  # the console quit while it held the recovery

    with Store.open(db_path, clock=clock) as second:
        app = console(second, clock)  # a new console on the same file, sampling nothing
        async with run(app) as pilot:
            await wait_until(pilot, lambda: len(signal_events(db_path)) == 2, "the recovery written at start-up")
            last = signal_events(db_path)[-1]
            assert (last["text"], last["incident_id"], last["occurred_at"]) == (
                "CPU back below 85% (now 10%)",
                incident.id,
                NOW_ISO,
            )
            assert query(db_path, "SELECT * FROM held_notices") == []


async def test_the_state_keys_the_dialog_names_set_the_state_there_and_stay_text_in_the_fields(
    store, db_path, clock, incident
) -> None:
    """ "done (3)": 3 chooses done in the dialog as in the checklist; typed in a field it is a 3."""
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        await pilot.press("x", "enter")
        dialog = app.screen
        assert isinstance(dialog, ContainmentDialog)
        await pilot.press(*"v3", "tab")  # the detail: a 3 typed is text
        assert dialog.query_one("#detail", Input).value == "v3"
        await pilot.press("tab")  # past the owner, to the states
        await pilot.press("3")
        assert dialog.query_one(RadioSet).pressed_button.id == "done"
        await pilot.press("2")
        assert dialog.query_one(RadioSet).pressed_button.id == "in_progress"
        await pilot.press("3", "ctrl+s")
        await wait_until(pilot, lambda: rollback_row(db_path)["state"] == "done", "done from the dialog")
        assert rollback_row(db_path)["detail"] == "v3"
