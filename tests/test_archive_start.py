"""When an incident started: one rule (`Incident.started_at`: impact started, else detected, else
declared), and the incident list, `stats` and the record all tell the same start.

The list and `stats` filter and sort in SQL (`store.archive.STARTED`); the record reads the row
through the model. These tests back-date incidents and check that all three agree, through the
command line as a user runs it.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from test_archive_cli import LIST_LINE
from test_cli import Cli

from ir_console.model import Severity
from ir_console.model.clock import to_iso, utc_now
from ir_console.store import Store
from ir_console.store.exchange import export_incident, import_incident


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path / "incidents.db", tmp_path)


def listed(cli: Cli, *args: str) -> list[str]:
    lines = cli.out("list", *args).splitlines()
    if lines == ["No matching incidents."]:
        return []
    return [LIST_LINE.fullmatch(line).group(1) for line in lines]


def counted(cli: Cli, *args: str) -> int:
    return int(json.loads(cli.out("stats", "--json", *args))["incidents"])


def started(cli: Cli, ref: str) -> str:
    """The record's start (the incident as `show` and the post-mortem read it)."""
    with cli.store() as store:
        start = store.record(ref).incident.started_at
    assert start is not None
    return to_iso(start)


def test_a_back_dated_incident_starts_at_its_first_milestone_everywhere(cli: Cli) -> None:
    """Declared now, detected two hours ago, with an entry logged before that: it started when it
    was detected (an entry is not a milestone), in the list's order and window, in `stats`' window
    and in the record."""
    now = utc_now().replace(microsecond=0)
    later = cli.new("Declared now, detected an hour ago", "--detected", to_iso(now - timedelta(hours=1)))
    early = cli.new("Declared now, detected two hours ago", "--detected", to_iso(now - timedelta(hours=2)))
    cli.out("log", "first symptom, noticed afterwards", "--at", to_iso(now - timedelta(hours=3)), "--incident", early)
    detected = to_iso(now - timedelta(hours=2))
    just_after = to_iso(now - timedelta(hours=2) + timedelta(minutes=1))

    assert started(cli, early) == detected
    assert listed(cli) == [later, early]  # by start, newest first: not by declaration or id
    assert listed(cli, "--sort", "started", "--ascending") == [early, later]
    assert listed(cli, "--since", detected) == [later, early] and counted(cli, "--since", detected) == 2
    assert listed(cli, "--since", just_after) == [later] and counted(cli, "--since", just_after) == 1
    assert listed(cli, "--until", just_after) == [early] and counted(cli, "--until", just_after) == 1
    with cli.store() as store:
        (summary,) = [s for s in store.incident_summaries() if s.ref == early]
        assert to_iso(summary.started_at) == detected


def test_an_empty_milestone_from_an_import_is_no_start(cli: Cli, tmp_path: Path) -> None:
    """An export from elsewhere may hold "" for a milestone it lacks: the record reads that as no
    time, so the list and `stats` must too (SQL's coalesce would take "" as the start and leave the
    incident out of every window, and "" as resolved would give it no duration to sort by)."""
    now = utc_now().replace(microsecond=0)
    with Store.open(tmp_path / "elsewhere.db") as elsewhere:
        made = elsewhere.create_incident("Imported", Severity.SEV2, detected_at=now - timedelta(hours=2))
        document = export_incident(elsewhere, made.id)
    document["incident"]["impact_started_at"] = document["incident"]["resolved_at"] = ""
    here = cli.new("Declared here", "--detected", to_iso(now - timedelta(hours=1)))
    with cli.store() as store:
        ref = import_incident(store, document).ref
    detected = to_iso(now - timedelta(hours=2))

    assert started(cli, ref) == detected
    assert listed(cli, "--sort", "started", "--ascending") == [ref, here]
    assert listed(cli, "--sort", "duration", "--ascending") == [here, ref]  # open: both run to now
    assert ref in listed(cli, "--since", detected)
    assert counted(cli, "--since", detected) == 2
    assert counted(cli, "--until", to_iso(now - timedelta(minutes=90))) == 1
    with cli.store() as store:
        (summary,) = [s for s in store.incident_summaries(since=now - timedelta(hours=2)) if s.ref == ref]
        assert to_iso(summary.started_at) == detected
