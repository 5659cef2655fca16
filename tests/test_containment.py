"""Containment items that say what really happened, through the store and the CLI; and signal
notices the rate limiter held back, kept in the file until they are written."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from tui_support import NOW, Clock, query

from ir_console.cli import main
from ir_console.model import ContainmentState, EventKind, Incident, Phase, Status
from ir_console.model.clock import to_iso
from ir_console.render.markdown import postmortem_markdown, timeline_events, timing_notes
from ir_console.render.status import draft_status_update
from ir_console.signals.watch import SignalNotice
from ir_console.store import Store

S = ContainmentState


def rollback(store: Store, incident: Incident):
    return store.containment(incident.id)[0]


def containment_events(store: Store, incident: Incident) -> list:
    return [e for e in store.events(incident.id) if e.kind is EventKind.CONTAINMENT]


def test_not_applicable_is_set_directly_without_a_done_event_or_a_key_moment(store, incident) -> None:
    block = store.containment(incident.id)[5]
    assert block.action == "Block bad actor"
    store.set_containment_state(block.id, S.NOT_APPLICABLE, author="sam")
    [event] = containment_events(store, incident)
    assert event.text == "Block bad actor: pending → not applicable"
    assert (event.state_from, event.state_to, event.containment_uuid) == (S.PENDING, S.NOT_APPLICABLE, block.uuid)
    assert not event.key_moment
    record = store.record(incident.id)
    assert all("Block bad actor" not in e.text for e in timeline_events(record))
    assert "→ done" not in postmortem_markdown(record)
    # n/a is bookkeeping, not what we are doing.
    assert draft_status_update(record, NOW).current_action == "Investigating"


def test_only_a_change_to_done_is_a_key_moment(store, incident) -> None:
    item = rollback(store, incident)
    for state in (S.IN_PROGRESS, S.DONE, S.PENDING, S.DONE, S.NOT_APPLICABLE):
        store.set_containment_state(item.id, state)
    assert [(e.state_to, e.key_moment) for e in containment_events(store, incident)] == [
        (S.IN_PROGRESS, False),
        (S.DONE, True),
        (S.PENDING, False),
        (S.DONE, True),
        (S.NOT_APPLICABLE, False),
    ]


def test_a_change_carries_its_time_detail_and_owner(store, incident, clock: Clock) -> None:
    item = rollback(store, incident)
    at = NOW - timedelta(minutes=12)
    done = store.set_containment_state(
        item.id, S.DONE, at=at, detail="payments-svc back to v2.40.3", owner="sam", author="dana"
    )
    assert (done.state, done.changed_at, done.changed_by, done.detail, done.owner) == (
        S.DONE,
        at,
        "dana",
        "payments-svc back to v2.40.3",
        "sam",
    )
    [event] = containment_events(store, incident)
    assert event.occurred_at == at and event.recorded_at == NOW and event.key_moment
    assert event.text == "Rollback deployment: pending → done — payments-svc back to v2.40.3 (owner: sam)"

    record = store.record(incident.id)
    assert draft_status_update(record, NOW).current_action == "Rollback deployment: done — payments-svc back to v2.40.3"
    markdown = postmortem_markdown(record)
    assert "| Action | State | Detail | Owner | When |" in markdown
    assert "| Rollback deployment | done | payments-svc back to v2.40.3 | sam | 2026-11-27 03:02 UTC |" in markdown
    # Detected at 02:54:30, done at 03:02:30 (back-dated): 8 minutes, within the window.
    assert (
        True,
        "- First containment action done 8m 00s after detection (Rollback deployment): within the "
        "15-minute containment window.",
    ) in timing_notes(record)

    with pytest.raises(ValueError, match="in the future"):
        store.set_containment_state(item.id, S.PENDING, at=NOW + timedelta(hours=1))


def test_detail_and_owner_changes_are_on_the_timeline(store, incident) -> None:
    item = rollback(store, incident)
    store.update_containment(item.id, detail="flag checkout-v2 off", owner="lee", author="dana")
    store.update_containment(item.id, detail="flag checkout-v2 off", owner="lee")  # nothing changed
    store.update_containment(item.id, owner="")
    assert [e.text for e in containment_events(store, incident)] == [
        "Rollback deployment — what was done: flag checkout-v2 off; owner: lee",
        "Rollback deployment — owner: cleared",
    ]
    assert all(e.state_to is None and e.containment_uuid == item.uuid for e in containment_events(store, incident))
    assert (store.containment_action(item.id).detail, store.containment_action(item.id).owner) == (
        "flag checkout-v2 off",
        "",
    )


def test_undo_retracts_the_change_and_restores_the_state_before(store, incident, clock: Clock) -> None:
    item = rollback(store, incident)
    store.set_containment_state(item.id, S.IN_PROGRESS, author="sam")
    clock.advance(minutes=2)
    store.set_containment_state(item.id, S.DONE, author="lee")
    undone = store.undo_containment(item.id, author="dana")
    assert (undone.state, undone.changed_by, undone.changed_at) == (S.IN_PROGRESS, "sam", NOW)
    done_event = containment_events(store, incident)[-1]
    assert done_event.is_retracted and done_event.retraction_reason == "undone"
    assert done_event.retracted_by == "dana"
    record = store.record(incident.id)
    assert "→ done" not in postmortem_markdown(record)
    assert all(a.state is not S.DONE for a in record.containment)

    store.undo_containment(item.id)
    back = store.containment_action(item.id)
    assert (back.state, back.changed_by, back.changed_at) == (S.PENDING, "", None)
    with pytest.raises(ValueError, match="nothing to undo"):
        store.undo_containment(item.id)


def test_retracting_the_latest_change_in_the_event_dialog_undoes_it(store, incident) -> None:
    item = rollback(store, incident)
    store.set_containment_state(item.id, S.IN_PROGRESS)
    store.set_containment_state(item.id, S.DONE)
    first, latest = containment_events(store, incident)
    store.retract_event(first.id, reason="typo")  # an earlier change: the item stays as the latest left it
    assert store.containment_action(item.id).state is S.DONE
    store.retract_event(latest.id, reason="not yet")
    assert store.containment_action(item.id).state is S.IN_PROGRESS


def test_back_dating_the_change_event_moves_the_items_time_and_the_postmortem_figures(store, incident) -> None:
    item = rollback(store, incident)
    store.set_containment_state(item.id, S.DONE)  # at NOW: 20 minutes after detection
    record = store.record(incident.id)
    assert timing_notes(record)[-1][0] is False
    [event] = containment_events(store, incident)
    store.edit_event(event.id, occurred_at=NOW - timedelta(minutes=15))
    assert store.containment_action(item.id).changed_at == NOW - timedelta(minutes=15)
    record = store.record(incident.id)
    assert timing_notes(record)[-1] == (
        True,
        "- First containment action done 5m 00s after detection "
        "(Rollback deployment): within the 15-minute containment window.",
    )
    assert "| Rollback deployment | done |   |   | 2026-11-27 02:59 UTC |" in postmortem_markdown(record)

    # The same state with a time re-dates the latest change.
    store.set_containment_state(item.id, S.DONE, at=NOW - timedelta(minutes=16))
    assert store.containment_action(item.id).changed_at == NOW - timedelta(minutes=16)
    assert store.event(event.id).occurred_at == NOW - timedelta(minutes=16)


def test_an_action_done_before_detection_reads_sensibly(store, incident) -> None:
    item = rollback(store, incident)
    store.set_containment_state(item.id, S.DONE, at=NOW - timedelta(days=1))
    notes = [line for _, line in timing_notes(store.record(incident.id))]
    assert notes[-1] == (
        "- First containment action done before detection (Rollback deployment, "
        "2026-11-26 03:14 UTC): already under way when the incident was detected."
    )
    assert "-" not in notes[-1].split("done")[1].split("(")[0]


# -- held signal notices ----------------------------------------------------------------------------


def test_a_held_notice_is_written_to_its_incident_after_it_was_resolved(store, incident, db_path) -> None:
    down = SignalNotice("health:api", "api down: HTTP 500", NOW - timedelta(minutes=3))
    up = SignalNotice("health:api", "api up again after 2m 00s down", NOW - timedelta(minutes=1))
    assert store.record_signal_notices(incident.id, [down], [up]) == []
    assert query(db_path, "SELECT key, incident_id, text FROM held_notices") == [
        {"key": "health:api", "incident_id": incident.id, "text": "api up again after 2m 00s down"}
    ]
    store.set_status(incident.id, Status.RESOLVED)

    released = SignalNotice(up.key, up.text + " (1 change suppressed)", up.occurred_at)
    assert store.record_signal_notices(None, [released], []) == []
    assert query(db_path, "SELECT count(*) AS n FROM held_notices")[0]["n"] == 0
    rows = query(db_path, "SELECT incident_id, text, occurred_at, source FROM events WHERE kind = 'signal' ORDER BY id")
    assert rows == [
        {
            "incident_id": incident.id,
            "text": "api down: HTTP 500",
            "occurred_at": to_iso(down.occurred_at),
            "source": "signal",
        },
        {
            "incident_id": incident.id,
            "text": "api up again after 2m 00s down (1 change suppressed)",
            "occurred_at": to_iso(up.occurred_at),
            "source": "signal",
        },
    ]
    # A new notice with nothing open belongs to no incident: the caller keeps it.
    later = SignalNotice("cpu", "CPU 95% (critical at 90%)", NOW)
    assert store.record_signal_notices(None, [later]) == [later]


def test_held_notices_outlive_the_console(db_path, clock: Clock, incident) -> None:
    up = SignalNotice("health:api", "api up again after 2m 00s down", NOW - timedelta(minutes=1))
    with Store.open(db_path, clock=clock) as first:
        first.record_signal_notices(incident.id, [], [up])
    with Store.open(db_path, clock=clock) as second:
        assert [n.key for n in second.held_notices()] == ["health:api"]
        assert second.release_held_notices() == []
        assert second.held_notices() == []
        [event] = second.events_of_kinds(incident.id, [EventKind.SIGNAL])
        assert (event.text, event.occurred_at) == (up.text, up.occurred_at)


# -- the CLI ----------------------------------------------------------------------------------------


class Cli:
    def __init__(self, db: Path, home: Path) -> None:
        self.runner = CliRunner(
            env={
                "IR_CONSOLE_DB": str(db),
                "IR_CONSOLE_USER": "tester",
                "XDG_DATA_HOME": str(home / "d"),
                "XDG_CONFIG_HOME": str(home / "c"),
            }
        )

    def run(self, *args: str):
        result = self.runner.invoke(main, list(args), prog_name="ir-console")
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
        return result

    def out(self, *args: str) -> str:
        result = self.run(*args)
        assert (result.exit_code, result.stderr) == (0, ""), result.stderr
        assert result.stdout.count("\n") == 1
        return result.stdout.strip()

    def fails(self, *args: str) -> str:
        result = self.run(*args)
        assert (result.exit_code, result.stdout) == (2, "")
        assert result.stderr.count("\n") == 1 and result.stderr.startswith("ir-console: ")
        return result.stderr.strip()


def test_contain_from_the_command_line(db_path: Path, tmp_path: Path) -> None:
    cli = Cli(db_path, tmp_path)
    ref = cli.out("new", "Checkout down", "--sev", "2")
    line = cli.out(
        "contain", ref, "rollback DEPLOYMENT", "--state", "in progress", "--detail", "to v2.40.3", "--owner", "sam"
    )
    assert line.startswith(f"{ref} Rollback deployment: in progress at ")
    assert line.endswith(" by tester — to v2.40.3 (owner: sam)")
    assert cli.out("contain", ref, "6", "--state", "n/a").startswith(f"{ref} Block bad actor: not applicable at ")
    line = cli.out("contain", ref, "1", "--state", "done", "--at", "2026-11-27T03:00Z")
    assert line.startswith(f"{ref} Rollback deployment: done at 2026-11-27T03:00:00.000Z by tester")
    assert cli.out("contain", ref, "1", "--undo").startswith(f"{ref} Rollback deployment: in progress at ")
    assert cli.out("contain", ref, "2", "--owner", "lee") == f"{ref} Feature flag disable: pending (owner: lee)"
    assert cli.out("contain", ref, "2") == f"{ref} Feature flag disable: pending (owner: lee)"

    rows = query(
        db_path,
        "SELECT text, source, state_from, state_to, retraction_reason FROM events "
        "WHERE kind = 'containment' ORDER BY id",
    )
    assert [(r["text"], r["state_to"], r["retraction_reason"]) for r in rows] == [
        ("Rollback deployment: pending → in progress — to v2.40.3 (owner: sam)", "in_progress", None),
        ("Block bad actor: pending → not applicable", "not_applicable", None),
        ("Rollback deployment: in progress → done — to v2.40.3", "done", "undone"),
        ("Feature flag disable — owner: lee", None, None),
    ]
    assert {r["source"] for r in rows} == {"cli"}

    assert "no containment action 'Reboot'" in cli.fails("contain", ref, "Reboot")
    assert "containment actions 1 to 6 (got 9)" in cli.fails("contain", ref, "9")
    assert "--state: state must be" in cli.fails("contain", ref, "1", "--state", "started")
    assert "--at: cannot read the time" in cli.fails("contain", ref, "1", "--state", "done", "--at", "soon")
    assert "--undo goes alone" in cli.fails("contain", ref, "1", "--undo", "--state", "done")
    assert "nothing to undo" in cli.fails("contain", ref, "3", "--undo")
    assert "no incident" in cli.fails("contain", "INC-20000101-001", "1")


def test_re_dating_a_change_moves_the_phase_it_moved_too(store, incident) -> None:
    """Found replaying an outage: a containment step saved at "now" by mistake and then corrected
    to when it happened left its "Phase … → Containment" event at "now"."""
    item = rollback(store, incident)
    assert store.incident(incident.id).phase is not Phase.CONTAINMENT
    store.set_containment_state(item.id, S.DONE)  # at NOW, by mistake
    [phase] = [e for e in store.events(incident.id) if e.text.endswith(f"→ {Phase.CONTAINMENT.value}")]
    assert phase.occurred_at == NOW
    store.set_containment_state(item.id, S.DONE, at=NOW - timedelta(minutes=12))  # corrected
    assert store.event(phase.id).occurred_at == NOW - timedelta(minutes=12)
    assert store.event(phase.id).revision == 2  # kept as a revision, like every correction
    # A later change of another item does not carry the phase along.
    other = store.containment(incident.id)[1]
    store.set_containment_state(other.id, S.DONE)
    store.set_containment_state(other.id, S.DONE, at=NOW - timedelta(minutes=1))
    assert store.event(phase.id).occurred_at == NOW - timedelta(minutes=12)
