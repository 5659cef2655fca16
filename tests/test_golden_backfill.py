"""A whole incident back-filled through the command line with real dates, and the post-mortem it
exports: every time, duration and metric must be right.

The incident is GitHub's public post-incident analysis of 2018-10-21/22 (a 43-second network
partition that split the MySQL topology; 24 hours 11 minutes of degraded service): impact,
detection, containment and resolution fall on two different days. Everything is typed as a
scribe would type it days later, in the one time syntax (`2018-10-21 22:54Z`, ISO 8601, `23:19Z`
would be today, so full dates are given).

The incident's id is the day it was declared (today, in this run), so the comparison replaces it.
Regenerate deliberately, reading the diff: `IR_CONSOLE_UPDATE_GOLDEN=1 .venv/bin/python -m pytest
tests/test_golden_backfill.py`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from test_cli import Cli

GOLDEN = Path(__file__).parent / "golden" / "backfill-postmortem.md"
REF = "INC-REF"


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path / "incidents.db", tmp_path)


def back_fill(cli: Cli) -> str:
    ref = cli.out(
        "new",
        "Degraded service after a US East network partition",
        "--sev",
        "2",
        "--reporter",
        "internal monitoring",
        "--happening",
        "Inconsistent data; webhooks and Pages builds stalled",
        "--affected",
        "All users",
        "--changed",
        "Replacement of failing 100G optical equipment",
        "--detected",
        "2018-10-21 22:54Z",
        "--impact-started",
        "2018-10-21T22:52:00Z",
        "--by",
        "scribe",
    ).strip()
    at = ("--incident", ref, "--by", "scribe")
    cli.out(
        "log",
        *at,
        "--kind",
        "alert",
        "--at",
        "2018-10-21T22:52Z",
        "--key",
        "43 s loss of connectivity between the US East network hub and data center",
    )
    # Declared when the incident coordinator took it, who also escalated it and acknowledged it then.
    cli.out(
        "set",
        ref,
        "--sev",
        "1",
        "--reason",
        "status red: data inconsistency across regions",
        "--commander",
        "Incident coordinator",
        "--at",
        "2018-10-21 23:11Z",
        "--milestone",
        "declared=2018-10-21 23:11Z",
        "--by",
        "scribe",
    )
    cli.out(
        "contain",
        ref,
        "Rollback deployment",
        "--state",
        "n/a",
        "--at",
        "2018-10-21 23:05Z",
        "--detail",
        "No deploy involved",
        "--by",
        "scribe",
    )
    cli.out("log", *at, "--kind", "decision", "--at", "2018-10-21 23:07Z", "Lock deployment tooling")
    cli.out(
        "contain",
        ref,
        "Feature flag disable",
        "--state",
        "in_progress",
        "--at",
        "2018-10-21 23:15Z",
        "--owner",
        "Database engineering",
        "--by",
        "scribe",
    )
    cli.out(
        "contain",
        ref,
        "Feature flag disable",
        "--state",
        "done",
        "--at",
        "2018-10-21 23:19Z",
        "--detail",
        "Paused webhook delivery and GitHub Pages builds",
        "--by",
        "scribe",
    )
    cli.out("set", ref, "--status", "Identified", "--at", "2018-10-21 23:13Z", "--by", "scribe")
    cli.out(
        "log",
        *at,
        "--kind",
        "decision",
        "--at",
        "2018-10-22 00:05Z",
        "--key",
        "Restore US East from backups, then fail back; accept delay over data loss",
    )
    cli.out(
        "contain",
        ref,
        "Failover to backup",
        "--state",
        "done",
        "--at",
        "2018-10-22 11:12Z",
        "--detail",
        "All primaries re-established in US East",
        "--owner",
        "Database engineering",
        "--by",
        "scribe",
    )
    cli.out("set", ref, "--status", "Monitoring", "--at", "2018-10-22 16:24Z", "--by", "scribe")
    cli.out("set", ref, "--status", "Resolved", "--at", "2018-10-22 23:03Z", "--by", "scribe")
    return ref


def test_a_two_day_outage_back_filled_from_the_cli_exports_every_time_right(cli: Cli) -> None:
    ref = back_fill(cli)
    markdown = cli.out("export", ref).replace(ref, REF)
    if os.environ.get("IR_CONSOLE_UPDATE_GOLDEN"):
        GOLDEN.write_text(markdown, encoding="utf-8")
    assert markdown == GOLDEN.read_text(encoding="utf-8")


def test_the_back_filled_record_agrees_in_json_and_has_one_event_per_milestone(cli: Cli) -> None:
    ref = back_fill(cli)
    shown = cli.show(ref)
    assert shown["milestones"] == {
        "impact_started": "2018-10-21T22:52:00.000Z",
        "detected": "2018-10-21T22:54:00.000Z",
        "declared": "2018-10-21T23:11:00.000Z",
        "acknowledged": "2018-10-21T23:11:00.000Z",
        "identified": "2018-10-21T23:13:00.000Z",
        "mitigated": "2018-10-22T16:24:00.000Z",
        "resolved": "2018-10-22T23:03:00.000Z",
        "closed": None,
    }
    exported = json.loads(cli.out("export", ref, "--format", "json"))
    milestone_events = [e["milestone"] for e in exported["events"] if e["milestone"] and not e["retracted_at"]]
    assert sorted(milestone_events) == sorted(m for m, t in shown["milestones"].items() if t)
    # Nothing the scribe typed lands on the day it was typed: every event is from the outage.
    assert {e["occurred_at"][:10] for e in exported["events"]} == {"2018-10-21", "2018-10-22"}
    (listed,) = cli.out("list").splitlines()
    assert listed.split()[3:5] == ["1d", "00h"]  # the same span as the post-mortem's 1451 minutes
