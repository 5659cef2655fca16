"""Milestones and their timeline events are one record; the order is the store's rule; one duration.

Each correction is made from one side (the milestone, or its event) and checked on the other, and
every place that shows the incident's duration must show the same figure.
"""

from __future__ import annotations

import json
import re
import sqlite3
from contextlib import closing
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from tui_support import NOW, Clock, declare_checkout_incident

from ir_console.cli import main
from ir_console.model import EventKind, Milestone, Phase, Severity, Status, format_duration, to_iso
from ir_console.render import deadlines
from ir_console.render.markdown import postmortem_markdown
from ir_console.store import Store
from ir_console.store.exchange import export_incident

DETECTED = NOW - timedelta(minutes=20)


def rows(path: Path, sql: str, *params: object) -> list[dict]:
    with closing(sqlite3.connect(path)) as db:
        db.row_factory = sqlite3.Row
        return [dict(row) for row in db.execute(sql, params)]


def snapshot(path: Path) -> dict[str, list[dict]]:
    return {
        table: rows(path, f"SELECT * FROM {table} ORDER BY rowid")
        for table in ("incidents", "events", "event_revisions")
    }


def milestone_events(path: Path, milestone: Milestone) -> list[dict]:
    return rows(path, "SELECT * FROM events WHERE milestone = ? ORDER BY id", milestone.value)


def span(milestones: dict, start_keys: tuple[str, ...], end_key: str) -> timedelta:
    """A duration from exported or shown times: the first start that is set, to the end."""
    start = next(milestones[key] for key in start_keys if milestones.get(key))
    return datetime.fromisoformat(milestones[end_key]) - datetime.fromisoformat(start)


def run_cli(db: Path, *args: str) -> tuple[int, str, str]:
    runner = CliRunner(env={"IR_CONSOLE_DB": str(db), "IR_CONSOLE_USER": "tester"})
    result = runner.invoke(main, list(args), prog_name="ir-console")
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    return result.exit_code, result.stdout, result.stderr


def every_duration(store: Store, db_path: Path, ref: str) -> dict[str, str]:
    """The resolved incident's duration as each place shows it, as `format_duration` text."""
    incident = store.incident(ref)
    later = NOW + timedelta(days=3)  # resolved: no figure may depend on the time asked at
    summary = next(s for s in store.incident_summaries(now=later) if s.ref == ref)
    code, shown, _ = run_cli(db_path, "show", ref, "--json")
    assert code == 0
    milestones = json.loads(shown)["milestones"]
    exported = export_incident(store, ref)["incident"]
    markdown = postmortem_markdown(store.record(ref))
    minutes = re.search(r"\*\*Duration:\*\* .* \((\d+) minutes\)", markdown).group(1)
    return {
        "header": deadlines.elapsed(incident, later),
        "list": format_duration(summary.duration),
        "show --json": format_duration(span(milestones, ("impact_started", "detected"), "resolved")),
        "JSON export": format_duration(span(exported, ("impact_started_at", "detected_at"), "resolved_at")),
        "Markdown minutes": minutes,
    }


def agree(figures: dict[str, str], expected: timedelta) -> None:
    text = format_duration(expected)
    assert {name: value for name, value in figures.items() if name != "Markdown minutes"} == {
        "header": text,
        "list": text,
        "show --json": text,
        "JSON export": text,
    }
    assert figures["Markdown minutes"] == str(int(expected.total_seconds() // 60))


@pytest.fixture
def resolved(store: Store, clock: Clock):
    """The checkout incident, resolved 10 minutes after NOW."""
    incident = declare_checkout_incident(store, clock)
    clock.advance(minutes=10)
    return store.set_status(incident.id, Status.RESOLVED, author="dana")


# -- one record --------------------------------------------------------------------------------------


def test_correcting_a_milestone_moves_its_event_and_keeps_the_earlier_version(
    store: Store, db_path: Path, resolved
) -> None:
    first = milestone_events(db_path, Milestone.RESOLVED)
    assert len(first) == 1 and first[0]["occurred_at"] == to_iso(NOW + timedelta(minutes=10))
    agree(every_duration(store, db_path, resolved.ref), timedelta(minutes=30))

    corrected = NOW + timedelta(minutes=5)
    store.set_milestone(resolved.id, Milestone.RESOLVED, corrected, author="lee")

    events = milestone_events(db_path, Milestone.RESOLVED)
    assert [(e["id"], e["occurred_at"], e["revision"], e["retracted_at"]) for e in events] == [
        (first[0]["id"], to_iso(corrected), 2, None)
    ]
    assert rows(db_path, "SELECT count(*) AS n FROM events WHERE text = 'Confirmed resolved'")[0]["n"] == 1
    history = rows(db_path, "SELECT * FROM event_revisions WHERE event_id = ?", first[0]["id"])
    assert [(h["occurred_at"], h["replaced_by"]) for h in history] == [(first[0]["occurred_at"], "lee")]
    agree(every_duration(store, db_path, resolved.ref), timedelta(minutes=25))


def test_back_dating_a_milestone_event_moves_the_milestone(store: Store, db_path: Path, resolved) -> None:
    detected = milestone_events(db_path, Milestone.DETECTED)[0]
    store.edit_event(detected["id"], occurred_at=DETECTED - timedelta(minutes=15), author="lee")

    assert rows(db_path, "SELECT detected_at FROM incidents")[0]["detected_at"] == to_iso(
        DETECTED - timedelta(minutes=15)
    )
    assert len(milestone_events(db_path, Milestone.DETECTED)) == 1
    agree(every_duration(store, db_path, resolved.ref), timedelta(minutes=45))

    # Impact started known: the duration runs from it, in every place alike.
    store.set_milestone(resolved.id, Milestone.IMPACT_STARTED, DETECTED - timedelta(minutes=30))
    agree(every_duration(store, db_path, resolved.ref), timedelta(minutes=60))


def test_correcting_from_the_cli_moves_the_same_event(store: Store, db_path: Path, resolved) -> None:
    event = milestone_events(db_path, Milestone.RESOLVED)[0]
    code, _, err = run_cli(db_path, "set", resolved.ref, "--milestone", f"resolved={to_iso(NOW)}")
    assert (code, err) == (0, "")
    assert [(e["id"], e["occurred_at"]) for e in milestone_events(db_path, Milestone.RESOLVED)] == [
        (event["id"], to_iso(NOW))
    ]
    agree(every_duration(store, db_path, resolved.ref), timedelta(minutes=20))


def test_clearing_retracts_the_event_and_reopening_clears_resolved(store: Store, db_path: Path, resolved) -> None:
    reopened = store.reopen_incident(resolved.id, reason="errors are back", author="dana")
    assert Milestone.RESOLVED not in reopened.milestones
    (old,) = milestone_events(db_path, Milestone.RESOLVED)
    assert old["retracted_at"] is not None and old["retraction_reason"] == "Resolved time cleared"

    store.clock.advance(minutes=5)
    store.set_status(resolved.id, Status.RESOLVED)
    markdown = postmortem_markdown(store.record(resolved.id))
    timeline = markdown.split("## Timeline")[1].split("## ")[0]
    assert timeline.count("Confirmed resolved") == 1
    assert "2026-11-27 03:29 UTC | Confirmed resolved" in timeline


def test_the_status_keeps_a_set_milestone_unless_a_time_is_chosen(store: Store, db_path: Path, clock) -> None:
    incident = declare_checkout_incident(store, clock)
    mitigated = NOW - timedelta(minutes=5)
    store.set_milestone(incident.id, Milestone.MITIGATED, mitigated)
    assert store.set_status(incident.id, Status.MONITORING).milestones[Milestone.MITIGATED] == mitigated

    store.set_status(incident.id, Status.IDENTIFIED)
    clock.advance(minutes=5)
    chosen = NOW + timedelta(minutes=3)  # after Identified began: a change dated before it is refused
    moved = store.set_status(incident.id, Status.MONITORING, at=chosen)
    assert moved.milestones[Milestone.MITIGATED] == chosen
    assert [e["occurred_at"] for e in milestone_events(db_path, Milestone.MITIGATED)] == [to_iso(chosen)]


def test_identified_during_triage_goes_to_containment(store: Store, clock) -> None:
    incident = declare_checkout_incident(store, clock)
    assert store.set_status(incident.id, Status.IDENTIFIED).phase is Phase.CONTAINMENT


def test_impact_started_at_declaration_gives_time_to_detect(store: Store, db_path: Path, clock) -> None:
    store.clock = clock
    incident = store.create_incident(
        "Checkout 500s", Severity.SEV2, detected_at=DETECTED, impact_started_at=DETECTED - timedelta(minutes=7)
    )
    (event,) = milestone_events(db_path, Milestone.IMPACT_STARTED)
    assert (event["text"], event["kind"], event["key_moment"]) == ("Impact started", EventKind.MILESTONE.value, 1)
    markdown = postmortem_markdown(store.record(incident.id))
    assert "| Time to detect | 7m 00s |" in markdown


# -- the order, the store's rule -----------------------------------------------------------------------


def test_out_of_order_is_refused_in_one_line_and_nothing_is_saved(store: Store, db_path: Path, resolved) -> None:
    store.clock.advance(hours=1)  # so that times after the resolution are not in the future
    before = snapshot(db_path)
    with pytest.raises(ValueError) as refused:
        store.set_milestone(resolved.id, Milestone.RESOLVED, DETECTED - timedelta(minutes=1))
    assert str(refused.value) == (
        "resolved (2026-11-27 02:53:30 UTC) cannot be before detected (2026-11-27 02:54:30 UTC)"
    )
    with pytest.raises(ValueError, match=r"^detected \(2026-11-27 03:30 UTC\) cannot be after declared"):
        store.set_milestone(resolved.id, Milestone.DETECTED, NOW + timedelta(minutes=15, seconds=30))
    with pytest.raises(ValueError, match=r"^mitigated .* cannot be after resolved"):
        store.set_milestone(resolved.id, Milestone.MITIGATED, NOW + timedelta(minutes=10, seconds=1))
    with pytest.raises(ValueError, match=r"^closed .* cannot be before resolved"):
        store.set_milestone(resolved.id, Milestone.CLOSED, NOW)
    with pytest.raises(ValueError, match="cannot be before detected"):  # the event side, too
        store.edit_event(
            milestone_events(db_path, Milestone.RESOLVED)[0]["id"], occurred_at=DETECTED - timedelta(hours=1)
        )
    with pytest.raises(ValueError, match="cannot be cleared"):
        store.set_milestone(resolved.id, Milestone.DETECTED, None)
    with pytest.raises(ValueError, match="is in the future"):
        store.set_milestone(resolved.id, Milestone.CLOSED, NOW + timedelta(hours=2))
    assert snapshot(db_path) == before


def test_the_cli_refuses_out_of_order_with_exit_2_and_one_line(store: Store, db_path: Path, resolved) -> None:
    before = snapshot(db_path)
    code, out, err = run_cli(db_path, "set", resolved.ref, "--milestone", "resolved=2026-11-27T02:00:00Z")
    assert (code, out) == (2, "")
    assert err == ("ir-console: resolved (2026-11-27 02:00 UTC) cannot be before detected (2026-11-27 02:54:30 UTC)\n")
    code, out, err = run_cli(
        db_path,
        "new",
        "Later",
        "--sev",
        "2",
        "--detected",
        "2026-11-27T02:00:00Z",
        "--impact-started",
        "2026-11-27T02:30:00Z",
    )
    assert (code, out) == (2, "") and err.startswith(
        "ir-console: impact started (2026-11-27 02:30 UTC) cannot be after"
    )
    assert snapshot(db_path) == before


def test_cli_new_impact_started_in_the_one_time_syntax(db_path: Path) -> None:
    code, out, err = run_cli(db_path, "new", "Checkout", "--sev", "2", "--impact-started", "-25m")
    assert (code, err) == (0, "")
    (row,) = rows(db_path, "SELECT impact_started_at, detected_at FROM incidents")
    started, detected = (datetime.fromisoformat(row[k]) for k in ("impact_started_at", "detected_at"))
    assert timedelta(minutes=24) < detected - started < timedelta(minutes=26)
    code, out, err = run_cli(db_path, "new", "Checkout", "--sev", "2", "--impact-started", "yesterday-ish")
    assert code == 2 and err.startswith("ir-console: --impact-started: cannot read the time")


def test_the_post_mortem_timeline_follows_the_link_not_the_text(store: Store, db_path: Path, resolved) -> None:
    # A note someone logged that reads like a milestone is theirs, shown as written.
    store.add_event(resolved.id, "Confirmed resolved by the customer", key_moment=True, occurred_at=NOW)
    timeline = postmortem_markdown(store.record(resolved.id)).split("## Timeline")[1].split("## ")[0]
    assert timeline.count("| Confirmed resolved |") == 1
    assert "Confirmed resolved by the customer" in timeline


def test_resolved_is_not_set_on_an_open_incident(store) -> None:
    incident = store.create_incident("Replication lag", Severity.SEV2)
    when = incident.milestones[Milestone.DETECTED]
    for milestone in (Milestone.RESOLVED, Milestone.CLOSED):
        with pytest.raises(ValueError, match="stamped by resolving"):
            store.set_milestones(incident.id, {milestone: when})
    after = store.incident(incident.id)
    assert Milestone.RESOLVED not in after.milestones and Milestone.CLOSED not in after.milestones
    assert not [e for e in store.events(incident.id) if e.milestone in (Milestone.RESOLVED, Milestone.CLOSED)]
    # Resolving stamps it; the review may then correct it.
    store.set_status(incident.id, Status.RESOLVED)
    store.set_milestones(incident.id, {Milestone.RESOLVED: when})
    assert store.incident(incident.id).milestones[Milestone.RESOLVED] == when


def test_a_back_dated_status_or_containment_step_dates_its_status_and_phase_events(store) -> None:
    from ir_console.model import ContainmentState

    incident = store.create_incident("Partition", Severity.SEV1, detected_at=store.clock() - timedelta(hours=1))
    detected = incident.milestones[Milestone.DETECTED]
    contained, identified = detected + timedelta(minutes=25), detected + timedelta(minutes=19)
    store.set_containment_state(store.containment(incident.id)[1].id, ContainmentState.DONE, at=contained)
    store.set_status(incident.id, Status.IDENTIFIED, at=identified)
    changes = {e.text: e.occurred_at for e in store.events(incident.id) if e.kind is EventKind.STATUS_CHANGE}
    assert changes == {
        "Phase Detection & Triage → Containment": contained,
        "Status Investigating → Identified": identified,
    }
