"""The command line reads times as the console does (model.when): `--at`, `--detected`,
`--milestone`, `--since` and `--until`, through click's CliRunner on a real file.

The CLI's "now" is fixed at NOW; local time is UTC (conftest) unless a test sets a zone.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from test_cli import Cli, counts

NOW = datetime(2026, 11, 30, 3, 10, tzinfo=UTC)


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.setattr("ir_console.cli.utc_now", lambda: NOW)
    monkeypatch.setattr("ir_console.command_line.utc_now", lambda: NOW)  # parse_time, shared with log
    return Cli(tmp_path / "incidents.db", tmp_path)


@pytest.fixture
def berlin() -> Iterator[None]:
    """Local time one hour ahead of UTC (a POSIX zone: no tz database needed)."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "CET-1"
    time.tzset()
    try:
        yield
    finally:
        os.environ["TZ"] = before if before is not None else "UTC"
        time.tzset()


def logged(cli: Cli, ref: str, text: str) -> dict:
    return next(e for e in cli.show(ref)["events"] if e["text"] == text)


@pytest.mark.parametrize(
    "at, stored",
    [
        ("-5m", "2026-11-30T03:05:00.000Z"),
        ("-2h", "2026-11-30T01:10:00.000Z"),
        ("02:58", "2026-11-30T02:58:00.000Z"),  # local time of day, today
        ("13:45Z", "2026-11-29T13:45:00.000Z"),  # after now today: yesterday's
        ("2026-11-29 23:58", "2026-11-29T23:58:00.000Z"),
        ("2026-11-29T23:58:00+01:00", "2026-11-29T22:58:00.000Z"),
        ("now", "2026-11-30T03:10:00.000Z"),
    ],
)
def test_log_at_takes_the_one_syntax(cli: Cli, at: str, stored: str) -> None:
    ref = cli.new()
    cli.out("log", "First 500s", "--at", at)
    assert logged(cli, ref, "First 500s")["occurred_at"] == stored


def test_a_time_of_day_is_local(cli: Cli, berlin: None) -> None:
    ref = cli.new()
    cli.out("log", "Pager fired", "--at", "02:58")  # 02:58 in UTC+1 is 01:58Z
    assert logged(cli, ref, "Pager fired")["occurred_at"] == "2026-11-30T01:58:00.000Z"


def test_new_detected_as_a_date_and_a_time(cli: Cli) -> None:
    ref = cli.new("Checkout is down", "--detected", "2026-11-29 23:58")
    assert cli.show(ref)["milestones"]["detected"] == "2026-11-29T23:58:00.000Z"


def test_milestone_takes_the_one_syntax(cli: Cli) -> None:
    ref = cli.new("Checkout is down", "--detected", "-30m")
    cli.out("set", ref, "--milestone", "impact_started=-40m", "--milestone", "mitigated=03:05")
    milestones = cli.show(ref)["milestones"]
    assert milestones["impact_started"] == "2026-11-30T02:30:00.000Z"
    assert milestones["mitigated"] == "2026-11-30T03:05:00.000Z"


def test_list_window_with_bare_dates_is_local_and_until_takes_the_whole_day(cli: Cli, berlin: None) -> None:
    # Started (local, UTC+1): the 28th 10:00, the 29th 23:30, the 30th 00:30 (= the 29th 23:30Z).
    first = cli.new("First", "--detected", "2026-11-28 10:00")
    second = cli.new("Second", "--detected", "2026-11-29 23:30")
    third = cli.new("Third", "--detected", "2026-11-30 00:30")

    def refs(*window: str) -> list[str]:
        return [i["id"] for i in json.loads(cli.out("list", "--json", "--ascending", *window))["incidents"]]

    assert refs("--since", "2026-11-29") == [second, third]
    assert refs("--until", "2026-11-29") == [first, second]  # the 30th 00:30 local is not the 29th
    assert refs("--since", "2026-11-29", "--until", "2026-11-29") == [second]
    assert refs("--since", "-1d") == [second, third]


@pytest.mark.parametrize(
    "args, option",
    [
        (["log", "x", "--at", "9999-12-31"], "--at"),
        (["log", "x", "--at", "0001-01-01"], "--at"),
        (["log", "x", "--at", "-9999999999m"], "--at"),
        (["log", "x", "--at", "2026-11-30T09:00Z"], "--at"),  # the future
        (["log", "x", "--at", "half past two"], "--at"),
        (["new", "t", "--sev", "2", "--detected", "9999-12-31"], "--detected"),
        (["list", "--since", "0001-01-01"], "--since"),
        (["list", "--until", "9999-12-31"], "--until"),
        (["stats", "--until", "9999-12-31"], "--until"),
    ],
)
def test_a_time_it_cannot_take_exits_2_with_one_line_naming_the_option(cli: Cli, args: list[str], option: str) -> None:
    cli.new()
    before = counts(cli.db)
    message = cli.fails(*args)
    assert message.startswith(f"{option}: ")
    assert "out of range" in message or "cannot read" in message or "in the future" in message
    assert counts(cli.db) == before


def test_an_out_of_range_milestone_names_it(cli: Cli) -> None:
    ref = cli.new()
    message = cli.fails("set", ref, "--milestone", "resolved=9999-12-31")
    assert message.startswith("--milestone resolved: the time '9999-12-31' is out of range")


@pytest.mark.parametrize(
    "command, option",
    [
        ("log", "--at"),
        ("new", "--detected"),
        ("set", "--milestone"),
        ("list", "--since"),
        ("stats", "--since"),
    ],
)
def test_help_describes_the_syntax(cli: Cli, command: str, option: str) -> None:
    text = " ".join(cli.out(command, "--help").split())
    assert option in text and "-5m" in text and "14:32Z (UTC)" in text and "2026-11-29 23:58" in text


def test_set_at_dates_the_changes_it_makes(cli: Cli) -> None:
    ref = cli.new("Checkout is down", "--detected", "-1h")
    cli.out("set", ref, "--sev", "1", "--commander", "dana", "--status", "Identified", "--at", "02:40")
    events = {e["text"]: e["occurred_at"] for e in cli.show(ref)["events"]}
    assert events["Status Investigating → Identified"] == "2026-11-30T02:40:00.000Z"
    assert events["Root cause identified"] == "2026-11-30T02:40:00.000Z"
    assert events["Incident commander: dana"] == events["Acknowledged"] == "2026-11-30T02:40:00.000Z"
    assert any(
        text.startswith("Severity SEV-2 → SEV-1") and at == "2026-11-30T02:40:00.000Z" for text, at in events.items()
    )
    assert "--at goes with" in cli.fails("set", ref, "--at", "02:45")
    assert "in the future" in cli.fails("set", ref, "--status", "Monitoring", "--at", "2026-12-01 10:00")
