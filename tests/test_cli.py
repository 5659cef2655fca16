"""The `ir-console` command line through click's CliRunner.

Every command and option of the contract, checked on what it prints (stdout and stderr apart) and
on what the SQLite file holds afterwards. Errors are one line on stderr, `ir-console: ...`, with a
non-zero status (2 for a bad database, bad input or an unknown id), and never a traceback.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import sys
import traceback
import types
from datetime import timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from ir_console.cli import main
from ir_console.model import EventKind, Milestone, Phase, Role, Severity, Status
from ir_console.model.clock import parse_iso, to_iso, utc_now
from ir_console.store import Store

REF = re.compile(r"INC-\d{8}-\d{3}")
COMMANDS = ["new", "log", "set", "reopen", "list", "show", "update", "export", "import"]
HEADINGS = [
    "Summary",
    "Timeline",
    "Root Cause",
    "Impact",
    "What Went Well",
    "What Went Wrong",
    "Action Items",
    "Lessons Learned",
]
TABLES = [
    "incidents",
    "events",
    "event_revisions",
    "hypotheses",
    "containment",
    "status_updates",
    "action_items",
    "postmortem_sections",
]


class Cli:
    """Runs the CLI on one database file, the way a script would, and checks the error contract."""

    def __init__(self, db: Path, home: Path):
        self.db = db
        self.runner = CliRunner(
            env={
                "IR_CONSOLE_DB": str(db),
                "IR_CONSOLE_USER": "tester",
                "XDG_DATA_HOME": str(home / "xdg-data"),
                "XDG_CONFIG_HOME": str(home / "xdg-config"),
            }
        )

    def run(self, *args: str, input: str | None = None, env: dict | None = None) -> Result:
        result = self.runner.invoke(main, list(args), input=input, env=env, prog_name="ir-console")
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            details = "".join(traceback.format_exception(*result.exc_info))
            raise AssertionError(f"ir-console {' '.join(args)} raised instead of reporting:\n{details}")
        assert "Traceback" not in result.stderr, result.stderr
        return result

    def ok(self, *args: str, **kwargs) -> Result:
        result = self.run(*args, **kwargs)
        assert result.exit_code == 0, f"exit {result.exit_code}: {result.stderr}"
        return result

    def out(self, *args: str, **kwargs) -> str:
        result = self.ok(*args, **kwargs)
        assert result.stderr == ""
        return result.stdout

    def fails(self, *args: str, code: int = 2, **kwargs) -> str:
        """The one error line (without its `ir-console: ` prefix)."""
        result = self.run(*args, **kwargs)
        assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
        assert result.stdout == ""
        lines = result.stderr.splitlines()
        assert len(lines) == 1, f"expected one error line, got {result.stderr!r}"
        assert lines[0].startswith("ir-console: ") and lines[0][len("ir-console: ") :].strip(), lines
        return lines[0][len("ir-console: ") :]

    def new(self, title: str = "Checkout is down", *args: str, sev: str = "2") -> str:
        stdout = self.out("new", title, "--sev", sev, *args)
        return stdout.strip()

    def show(self, key: str) -> dict:
        return json.loads(self.out("show", key, "--json"))

    def store(self) -> Store:
        return Store.open(self.db, create=False)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "incidents.db"


@pytest.fixture
def cli(db: Path, tmp_path: Path) -> Cli:
    return Cli(db, tmp_path)


def rows(db: Path, sql: str, params: tuple = ()) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def counts(db: Path) -> dict[str, int]:
    return {table: rows(db, f"SELECT count(*) FROM {table}")[0][0] for table in TABLES}


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file in a folder and its bytes: a refused database must leave all of them alone."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def table_cells(line: str) -> list[str]:
    """Split a GFM table row on its unescaped pipes (a backslash escapes the next character)."""
    assert line.startswith("|") and line.endswith("|"), line
    cells, current, escaped = [], "", False
    for char in line[1:]:
        if escaped:
            current += char
            escaped = False
        elif char == "\\":
            current += char
            escaped = True
        elif char == "|":
            cells.append(current.strip())
            current = ""
        else:
            current += char
    assert current == "", line
    return cells


def section(markdown: str, heading: str) -> list[str]:
    lines = markdown.splitlines()
    start = lines.index(f"## {heading}") + 1
    end = next((i for i in range(start, len(lines)) if lines[i].startswith("## ")), len(lines))
    return lines[start:end]


# -- new --------------------------------------------------------------------------------------------


def test_new_prints_the_id_alone_and_records_the_incident(cli: Cli) -> None:
    before = utc_now()
    result = cli.ok(
        "new",
        "Checkout is down",
        "--sev",
        "2",
        "--reporter",
        "pager",
        "--happening",
        "500s on /pay",
        "--affected",
        "EU shoppers",
        "--changed",
        "deploy 4411",
    )
    assert result.stderr == ""
    assert REF.fullmatch(result.stdout.removesuffix("\n")) and result.stdout.count("\n") == 1
    ref = result.stdout.strip()
    assert ref in {f"INC-{day:%Y%m%d}-001" for day in (before, utc_now())}  # today's first

    with cli.store() as store:
        incident = store.incident(ref)
        assert incident.title == "Checkout is down"
        assert incident.severity is Severity.SEV2
        assert incident.status is Status.INVESTIGATING and incident.phase is Phase.TRIAGE
        assert (
            incident.triage.reporter,
            incident.triage.happening,
            incident.triage.affected,
            incident.triage.changed,
        ) == ("pager", "500s on /pay", "EU shoppers", "deploy 4411")
        assert abs(incident.detected_at - utc_now()) < timedelta(minutes=1)
        events = store.events(incident.id)
    assert [e.text for e in events] == [
        "Detected (reported by pager): 500s on /pay",
        "Incident declared: SEV-2 Checkout is down",
    ]
    assert {e.author for e in events} == {"tester"} and all(e.key_moment for e in events)
    assert {e.source.value for e in events} == {"cli"}


def test_new_numbers_incidents_of_the_day_in_order(cli: Cli) -> None:
    refs = [cli.new(f"incident {n}", sev=str(n)) for n in (1, 2, 3, 4)]
    assert [int(r.rsplit("-", 1)[1]) for r in refs] == [1, 2, 3, 4]
    assert [r[0] for r in rows(cli.db, "SELECT severity FROM incidents ORDER BY id")] == [1, 2, 3, 4]


def test_new_detected_is_stored_in_utc_and_dates_the_detected_event(cli: Cli) -> None:
    ref = cli.new("Disk full", "--detected", "2026-01-05T10:00:00+02:00", "--by", "alice")
    with cli.store() as store:
        incident = store.incident(ref)
        assert to_iso(incident.detected_at) == "2026-01-05T08:00:00.000Z"
        detected = store.events(incident.id)[0]
    assert detected.text == "Detected" and to_iso(detected.occurred_at) == "2026-01-05T08:00:00.000Z"
    assert detected.author == "alice"


@pytest.mark.parametrize(
    "args",
    [
        ["new", "t"],  # --sev is required
        ["new", "t", "--sev", "5"],
        ["new", "t", "--sev", "high"],
        ["new", "--sev", "2"],  # no title
        ["new", "", "--sev", "2"],
        ["new", "   ", "--sev", "2"],
        ["new", "t", "--sev", "2", "--detected", "yesterday"],
        ["new", "t", "--sev", "2", "--detected", ""],
    ],
)
def test_new_rejects_bad_input_in_one_line_and_writes_nothing(cli: Cli, args: list[str]) -> None:
    cli.fails(*args)
    assert not cli.db.exists() or counts(cli.db)["incidents"] == 0


# -- log --------------------------------------------------------------------------------------------


def test_log_appends_to_the_most_recent_open_incident(cli: Cli) -> None:
    older = cli.new("older")
    newer = cli.new("newer")
    cli.out("set", newer, "--status", "resolved")
    result = cli.ok("log", "restarted the pods")
    assert result.stderr == ""
    ref, event_id = result.stdout.strip().split(" #")
    assert ref == older  # `newer` is resolved, so `older` is the most recent open one
    ((incident_id, text, kind, author, source, key),) = rows(
        cli.db, "SELECT incident_id, text, kind, author, source, key_moment FROM events WHERE id = ?", (int(event_id),)
    )
    assert rows(cli.db, "SELECT ref FROM incidents WHERE id = ?", (incident_id,))[0][0] == older
    assert (text, kind, author, source, key) == ("restarted the pods", "note", "tester", "cli", 0)

    third = cli.new("third")
    assert cli.out("log", "goes to the newest").startswith(f"{third} #")


def test_log_incident_option_takes_a_ref_uuid_or_row_id(cli: Cli) -> None:
    first = cli.new("first")
    second = cli.new("second")
    uuid = cli.show(first)["uuid"]
    for key in (first, first.lower(), uuid, "1"):
        assert cli.out("log", f"via {key}", "--incident", key).startswith(f"{first} #")
    texts = [e["text"] for e in cli.show(first)["events"]]
    assert texts[-4:] == [f"via {k}" for k in (first, first.lower(), uuid, "1")]
    assert not any(e["text"].startswith("via") for e in cli.show(second)["events"])


def test_log_dash_reads_the_text_from_stdin(cli: Cli) -> None:
    ref = cli.new()
    text = "kubectl output:\n  pod-1 | CrashLoopBackOff\n  pod-2 | Running"
    cli.out("log", "-", "--kind", "evidence", input=text + "\n")
    event = cli.show(ref)["events"][-1]
    assert (event["text"], event["kind"]) == (text, "evidence")
    assert rows(cli.db, "SELECT text FROM events ORDER BY id DESC LIMIT 1")[0][0] == text


def test_log_dash_with_empty_stdin_fails(cli: Cli) -> None:
    cli.new()
    before = counts(cli.db)
    assert "text" in cli.fails("log", "-", input="\n")
    assert counts(cli.db) == before


def test_log_without_an_open_incident_fails_in_one_line(cli: Cli) -> None:
    Store.open(cli.db).close()  # a database with no incident (a missing one is refused: see below)
    message = cli.fails("log", "anyone there?")
    assert "no open incident" in message
    ref = cli.new()
    cli.out("set", ref, "--status", "resolved")
    before = counts(cli.db)
    assert "no open incident" in cli.fails("log", "anyone there?")
    assert counts(cli.db) == before
    # An explicit --incident reaches a resolved incident, for a correction only.
    assert "is resolved" in cli.fails("log", "late note", "--incident", ref)
    assert counts(cli.db) == before
    assert cli.out("log", "late note", "--incident", ref, "--correction").startswith(ref)


def test_log_at_back_dates_the_event_into_timeline_order(cli: Cli) -> None:
    ref = cli.new()
    declared = parse_iso(cli.show(ref)["events"][0]["occurred_at"])
    earlier = declared - timedelta(minutes=42)
    cli.out("log", "recorded now, said to be latest")
    cli.out("log", "alert fired before anyone noticed", "--kind", "alert", "--at", to_iso(earlier))
    cli.out(
        "log",
        "offset time",
        "--at",
        (declared - timedelta(minutes=10)).astimezone(timezone(timedelta(hours=-5))).isoformat(),
    )
    events = cli.show(ref)["events"]
    texts = [e["text"] for e in events]
    assert texts[0] == "alert fired before anyone noticed"
    assert texts[1] == "offset time"
    assert texts[-1] == "recorded now, said to be latest"
    back_dated = events[0]
    assert back_dated["occurred_at"] == to_iso(earlier) and back_dated["kind"] == "alert"
    assert parse_iso(back_dated["recorded_at"]) >= declared  # recorded when typed, not when it happened
    assert events[1]["occurred_at"] == to_iso(declared - timedelta(minutes=10))
    occurred = [e["occurred_at"] for e in events]
    assert occurred == sorted(occurred)


def test_log_key_by_and_kind(cli: Cli) -> None:
    ref = cli.new()
    cli.out("log", "rolled back to v41", "--key", "--kind", "Decision", "--by", "ic-alice")
    cli.out("log", "just chatter")
    key, plain = cli.show(ref)["events"][-2:]
    assert (key["key_moment"], key["kind"], key["author"]) == (True, "decision", "ic-alice")
    assert (plain["key_moment"], plain["kind"], plain["author"]) == (False, "note", "tester")
    assert rows(cli.db, "SELECT key_moment FROM events WHERE text = 'rolled back to v41'") == [(1,)]
    timeline = "\n".join(section(cli.out("export", ref), "Timeline"))
    assert "rolled back to v41" in timeline and "just chatter" not in timeline


def test_log_by_empty_string_is_kept_empty(cli: Cli) -> None:
    ref = cli.new()
    cli.out("log", "anonymous", "--by", "")
    assert cli.show(ref)["events"][-1]["author"] == ""


@pytest.mark.parametrize(
    "args, needle",
    [
        (["log", "x", "--incident", "INC-19990101-999"], "no incident"),
        (["log", "x", "--incident", "99"], "no incident"),
        (["log", "x", "--kind", "gossip"], "kind"),
        (["log", "x", "--at", "last tuesday"], "--at"),
        (["log", "   "], "text"),
        (["log"], "TEXT"),
    ],
)
def test_log_rejects_bad_input_in_one_line_and_writes_nothing(cli: Cli, args: list[str], needle: str) -> None:
    cli.new()
    before = counts(cli.db)
    assert needle.lower() in cli.fails(*args).lower()
    assert counts(cli.db) == before


# -- set --------------------------------------------------------------------------------------------


def test_set_changes_fields_and_puts_each_change_on_the_timeline(cli: Cli) -> None:
    ref = cli.new(sev="3")
    assert (
        cli.out(
            "set",
            ref,
            "--sev",
            "1",
            "--status",
            "identified",
            "--commander",
            "alice",
            "--scribe",
            "bob",
            "--comms-lead",
            "carol",
            "--tech-lead",
            "dave",
            "--by",
            "eve",
        )
        == f"{ref}\n"
    )
    with cli.store() as store:
        incident = store.incident(ref)
        events = store.events(incident.id)
    assert incident.severity is Severity.SEV1 and incident.status is Status.IDENTIFIED
    assert {role: incident.role(role) for role in Role} == {
        Role.COMMANDER: "alice",
        Role.SCRIBE: "bob",
        Role.COMMS_LEAD: "carol",
        Role.TECH_LEAD: "dave",
    }
    assert Milestone.IDENTIFIED in incident.milestones and Milestone.ACKNOWLEDGED in incident.milestones
    changes = [(e.kind, e.text) for e in events if e.author == "eve"]
    assert (EventKind.SEVERITY_CHANGE, "Severity SEV-3 → SEV-1") in changes
    assert (EventKind.STATUS_CHANGE, "Status Investigating → Identified") in changes
    assert (EventKind.ROLE, "Incident commander: alice") in changes
    assert (EventKind.ROLE, "Tech lead: dave") in changes
    row = rows(cli.db, "SELECT severity, status, commander, scribe, comms_lead, tech_lead FROM incidents")
    assert row == [(1, "Identified", "alice", "bob", "carol", "dave")]


def test_set_phase_and_status_are_case_insensitive(cli: Cli) -> None:
    ref = cli.new()
    cli.out("set", ref, "--phase", "containment")
    assert cli.show(ref)["phase"] == "Containment"
    cli.out("set", ref, "--status", "MONITORING")
    shown = cli.show(ref)
    assert shown["status"] == "Monitoring" and shown["milestones"]["mitigated"] is not None


def test_set_with_nothing_to_change_changes_nothing(cli: Cli) -> None:
    ref = cli.new()
    before = counts(cli.db)
    assert cli.out("set", ref) == f"{ref}\n"
    assert cli.out("set", ref, "--sev", "2") == f"{ref}\n"  # already SEV-2
    assert counts(cli.db) == before


def test_set_milestones_back_fill_and_clear(cli: Cli) -> None:
    ref = cli.new("Checkout is down", "--detected", "2026-01-05T08:00:00Z")  # milestones keep their order
    cli.out(
        "set",
        ref,
        "--milestone",
        "impact_started=2026-01-05T07:55:00Z",
        "--milestone",
        "mitigated=2026-01-05T09:30:00+01:00",
    )
    shown = cli.show(ref)
    assert shown["milestones"]["impact_started"] == "2026-01-05T07:55:00.000Z"
    assert shown["milestones"]["mitigated"] == "2026-01-05T08:30:00.000Z"
    assert rows(cli.db, "SELECT impact_started_at, mitigated_at FROM incidents") == [
        ("2026-01-05T07:55:00.000Z", "2026-01-05T08:30:00.000Z")
    ]
    first = shown["events"][0]  # back-filled: the earliest moment on the timeline
    assert (first["text"], first["kind"], first["key_moment"]) == ("Impact started", "milestone", True)
    assert first["occurred_at"] == "2026-01-05T07:55:00.000Z"

    cli.out("set", ref, "--milestone", "impact-started=")
    assert cli.show(ref)["milestones"]["impact_started"] is None
    assert rows(cli.db, "SELECT impact_started_at FROM incidents") == [(None,)]


@pytest.mark.parametrize(
    "value, needle",
    [
        ("impact_begun=2026-01-05T07:55:00Z", "milestone must be one of"),
        ("impact_started", "NAME=TIME"),
        ("impact_started=soon", "cannot read the time 'soon'"),
    ],
)
def test_set_bad_milestone_fails_in_one_line_and_changes_nothing(cli: Cli, value: str, needle: str) -> None:
    ref = cli.new()
    before = rows(cli.db, "SELECT * FROM incidents"), counts(cli.db)
    message = cli.fails("set", ref, "--sev", "1", "--milestone", value)
    assert needle in message and message.startswith("--milestone")
    assert (rows(cli.db, "SELECT * FROM incidents"), counts(cli.db)) == before


@pytest.mark.parametrize(
    "args",
    [
        ["set", "INC-19990101-001", "--sev", "1"],
        ["set", "no-such-uuid"],
        ["set", "{ref}", "--sev", "0"],
        ["set", "{ref}", "--status", "done"],
        ["set", "{ref}", "--phase", "party"],
        ["set"],
    ],
)
def test_set_rejects_unknown_ids_and_bad_values(cli: Cli, args: list[str]) -> None:
    ref = cli.new()
    before = counts(cli.db)
    cli.fails(*[a.format(ref=ref) for a in args])
    assert counts(cli.db) == before


# -- list and show ----------------------------------------------------------------------------------


def test_list_filters_by_status_most_recent_first(cli: Cli) -> None:
    assert cli.out("list") == "No incidents.\n"
    assert cli.out("list", "--status", "open") == "No open incidents.\n"
    assert json.loads(cli.out("list", "--json"))["incidents"] == []
    first = cli.new("first | with a pipe", sev="1")
    second = cli.new("second", sev="3")
    cli.out("set", first, "--status", "resolved")

    listed = cli.out("list").splitlines()
    assert [line.split()[0] for line in listed] == [second, first]
    assert listed[1].split()[1:3] == ["SEV-1", "Resolved"] and listed[1].endswith("first | with a pipe")
    assert listed[0].split()[1:3] == ["SEV-3", "Investigating"]
    assert cli.out("list", "--status", "all").splitlines() == listed
    assert [line.split()[0] for line in cli.out("list", "--status", "open").splitlines()] == [second]
    assert [line.split()[0] for line in cli.out("list", "--status", "resolved").splitlines()] == [first]
    cli.fails("list", "--status", "closed")


def test_list_json_matches_the_database(cli: Cli) -> None:
    ref = cli.new("Search slow", "--reporter", "r", "--affected", "everyone", sev="2")
    cli.out("set", ref, "--commander", "alice")
    listed = json.loads(cli.out("list", "--json", "--status", "open"))["incidents"]
    assert len(listed) == 1
    item = listed[0]
    (db_uuid,) = rows(cli.db, "SELECT uuid FROM incidents WHERE ref = ?", (ref,))[0]
    assert (item["id"], item["uuid"], item["title"], item["severity"], item["status"]) == (
        ref,
        db_uuid,
        "Search slow",
        "SEV-2",
        "Investigating",
    )
    assert item["triage"] == {"reporter": "r", "happening": "", "affected": "everyone", "changed": ""}
    assert item["roles"] == {"commander": "alice", "scribe": "", "comms_lead": "", "tech_lead": ""}
    assert set(item["milestones"]) == {m.value for m in Milestone}
    assert item["milestones"]["acknowledged"] is not None and item["milestones"]["resolved"] is None
    assert json.loads(cli.out("list", "--json", "--status", "resolved"))["incidents"] == []


def test_show_prints_the_incident_and_its_timeline(cli: Cli) -> None:
    ref = cli.new("Payments failing", "--reporter", "pager", "--happening", "card auth errors")
    cli.out("set", ref, "--commander", "alice")
    cli.out("log", "first line\nsecond line", "--key")
    lines = cli.out("show", ref).splitlines()
    assert lines[0] == f"{ref}  SEV-2  Investigating  Detection & Triage"
    assert lines[1] == "Payments failing"
    assert "  Reporter pager" in lines and "  What's happening? card auth errors" in lines
    assert "  Incident commander: alice" in lines
    last = lines[-1]
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \* ", last)
    assert last.endswith("first line ⏎ second line")  # one line per event, whatever the text holds
    assert cli.out("show", ref.lower()) == "\n".join(lines) + "\n"


def test_show_json_parses_and_matches_the_database(cli: Cli) -> None:
    ref = cli.new()
    cli.out("log", "a note", "--key")
    shown = cli.show(ref)
    assert shown["id"] == ref and shown["title"] == "Checkout is down"
    db_events = rows(cli.db, "SELECT id, uuid, text, kind, key_moment FROM events ORDER BY occurred_at, id")
    assert [(e["id"], e["uuid"], e["text"], e["kind"], int(e["key_moment"])) for e in shown["events"]] == db_events
    assert all(e["revision"] == 1 and e["retracted"] is False and e["source"] == "cli" for e in shown["events"])


@pytest.mark.parametrize("command", ["show", "export"])
def test_show_and_export_of_an_unknown_id_fail_with_exit_2(cli: Cli, command: str) -> None:
    cli.new()
    assert "no incident" in cli.fails(command, "INC-19990101-001")
    assert "no incident" in cli.fails(command, "42")


# -- export and import ------------------------------------------------------------------------------


def test_export_markdown_has_the_seed_headings_in_order(cli: Cli) -> None:
    ref = cli.new("API gateway 502s", "--happening", "502s from the edge", "--affected", "all API users")
    cli.out("log", "rolled back", "--key")
    cli.out("set", ref, "--status", "resolved", "--commander", "alice")
    markdown = cli.out("export", ref)
    lines = markdown.splitlines()
    assert lines[0] == "# Post-Mortem: API gateway 502s"
    assert f"**Incident:** {ref}  " in lines and "**Severity:** SEV-2  " in lines
    positions = [lines.index(f"## {heading}") for heading in HEADINGS]
    assert positions == sorted(positions)
    assert markdown == cli.out("export", ref, "--format", "markdown")
    assert any("rolled back" in line for line in section(markdown, "Timeline"))


def test_export_markdown_escapes_user_text_in_tables(cli: Cli) -> None:
    ref = cli.new("API | gateway\ndown")
    cli.out("log", "-", "--key", input="rolled back `v2` | reverted\nsecond *line* <b>x</b> \\ end\n")
    with cli.store() as store:
        store.add_action_item(store.incident(ref).id, "Add | alerting\non 5xx", owner="team|sre", due_date="2026-12-01")
    markdown = cli.out("export", ref)
    assert markdown.splitlines()[0] == "# Post-Mortem: API \\| gateway down"

    timeline = [line for line in section(markdown, "Timeline") if line.startswith("|")]
    assert all(len(table_cells(line)) == 2 for line in timeline), timeline
    cell = next(table_cells(line)[1] for line in timeline if "rolled back" in line)
    assert cell == ("rolled back \\`v2\\` \\| reverted<br>second \\*line\\* &lt;b&gt;x&lt;/b&gt; \\\\ end")

    actions = [line for line in section(markdown, "Action Items") if line.startswith("|")]
    assert len(actions) == 3 and all(len(table_cells(line)) == 4 for line in actions), actions
    assert table_cells(actions[2])[:3] == ["Add \\| alerting<br>on 5xx", "team\\|sre", "2026-12-01"]


def test_export_to_a_file_is_private_and_prints_its_path_on_stderr(cli: Cli, tmp_path: Path) -> None:
    ref = cli.new()
    target = tmp_path / "pm.md"
    result = cli.ok("export", ref, "-o", str(target))
    assert result.stdout == "" and result.stderr == f"{target}\n"
    assert target.read_text(encoding="utf-8") == cli.out("export", ref)
    assert target.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".pm.md")] == []  # no temp file left


def test_export_to_a_missing_folder_fails_in_one_line(cli: Cli, tmp_path: Path) -> None:
    ref = cli.new()
    assert "cannot write" in cli.fails("export", ref, "-o", str(tmp_path / "nope" / "pm.md"), code=1)
    cli.fails("export", ref, "-o", str(tmp_path))  # a folder
    cli.fails("export", ref, "--format", "pdf")


def test_export_json_then_import_twice_duplicates_nothing(cli: Cli, tmp_path: Path) -> None:
    ref = cli.new("Queue backlog", "--reporter", "pager")
    cli.out("log", "consumer lag 2h", "--key", "--kind", "evidence")
    cli.out("set", ref, "--commander", "alice", "--milestone", "impact_started=2026-01-05T07:55:00Z")
    with cli.store() as store:
        incident_id = store.incident(ref).id
        store.add_hypothesis(incident_id, "consumer deadlock", author="bob")
        store.add_action_item(incident_id, "alert on lag", owner="sre")
    exported = tmp_path / "incident.json"
    result = cli.ok("export", ref, "--format", "json", "-o", str(exported))
    assert result.stdout == "" and result.stderr == f"{exported}\n"
    document = json.loads(exported.read_text(encoding="utf-8"))
    assert document["format"] == "ir-console.incident" and document["incident"]["ref"] == ref
    assert json.loads(cli.out("export", ref, "--format", "json")) == document

    other = Cli(tmp_path / "other.db", tmp_path)
    source_counts = counts(cli.db)
    first = other.out("import", str(exported))
    added = sum(n for table, n in source_counts.items() if table != "incidents")
    assert first == f"{ref} imported: {added} records added, 0 updated\n"
    assert counts(other.db) == source_counts
    assert other.out("import", str(exported)) == f"{ref} merged: 0 records added, 0 updated\n"
    assert counts(other.db) == source_counts

    mine, theirs = cli.show(ref), other.show(ref)
    assert mine["uuid"] == theirs["uuid"] and mine["milestones"] == theirs["milestones"]
    strip = lambda events: [{k: v for k, v in e.items() if k != "id"} for e in events]
    assert strip(mine["events"]) == strip(theirs["events"])
    assert other.out("export", ref) == cli.out("export", ref)

    # Importing into the database it came from is a merge too.
    assert cli.out("import", str(exported)) == f"{ref} merged: 0 records added, 0 updated\n"
    assert counts(cli.db) == source_counts


def test_import_merges_a_newer_copy_and_renumbers_a_clashing_ref(cli: Cli, tmp_path: Path) -> None:
    ref = cli.new("shared")
    other = Cli(tmp_path / "other.db", tmp_path)
    declared = parse_iso(cli.show(ref)["milestones"]["declared"])
    with Store.open(other.db) as store:  # declared the same day, so numbered 001 there too
        own = store.create_incident("their own incident", Severity.SEV3, now=declared).ref
    assert own == ref
    exported = tmp_path / "incident.json"
    cli.ok("export", ref, "--format", "json", "-o", str(exported))
    imported_ref = other.out("import", str(exported)).split()[0]
    assert imported_ref != ref and REF.fullmatch(imported_ref)
    assert {i["title"] for i in json.loads(other.out("list", "--json"))["incidents"]} == {
        "shared",
        "their own incident",
    }

    cli.out("log", "learned more later", "--incident", ref)
    cli.ok("export", ref, "--format", "json", "-o", str(exported))
    assert other.out("import", str(exported)) == f"{imported_ref} merged: 1 records added, 0 updated\n"
    texts = [e["text"] for e in other.show(imported_ref)["events"]]
    assert texts.count("learned more later") == 1 and len(texts) == len(cli.show(ref)["events"])


def test_import_reads_stdin(cli: Cli, tmp_path: Path) -> None:
    ref = cli.new()
    document = cli.out("export", ref, "--format", "json")
    other = Cli(tmp_path / "other.db", tmp_path)
    assert other.out("import", "-", input=document).startswith(f"{ref} imported: ")
    assert other.show(ref)["uuid"] == cli.show(ref)["uuid"]


@pytest.mark.parametrize(
    "content",
    [
        b"# Post-Mortem: not json\n",
        b"",
        b"\xff\xfe\x00garbage",
        b'{"format": "ir-console.incident", ',
    ],
)
def test_import_of_a_non_json_file_fails_in_one_line(cli: Cli, tmp_path: Path, content: bytes) -> None:
    bad = tmp_path / "bad.json"
    bad.write_bytes(content)
    assert "not valid JSON" in cli.fails("import", str(bad))
    assert bad.read_bytes() == content
    assert not cli.db.exists() or counts(cli.db)["incidents"] == 0


def test_import_of_a_missing_file_or_a_folder_fails_in_one_line(cli: Cli, tmp_path: Path) -> None:
    assert "cannot read" in cli.fails("import", str(tmp_path / "missing.json"))
    cli.fails("import", str(tmp_path))
    cli.fails("import")


def valid_export(cli: Cli) -> dict:
    ref = cli.new("source")
    return json.loads(cli.out("export", ref, "--format", "json"))


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: [],
        lambda d: "just a string",
        lambda d: {**d, "format": "something-else"},
        lambda d: {**d, "version": 99},
        lambda d: {**d, "version": "2"},
        lambda d: {**d, "incident": "not an object"},
        lambda d: {**d, "incident": {**d["incident"], "uuid": ""}},
        lambda d: {**d, "events": "not a list"},
        lambda d: {**d, "events": [42]},
        lambda d: {**d, "events": [{"text": "an event without a uuid"}]},
        lambda d: {**d, "containment": [{"action": "no uuid"}]},
        lambda d: {**d, "postmortem_sections": [{"body": "no section name"}]},
        lambda d: {**d, "incident": {**d["incident"], "declared_at": "garbage", "ref": None}},
    ],
    ids=[
        "array",
        "string",
        "format",
        "newer-version",
        "string-version",
        "incident-string",
        "no-uuid",
        "events-string",
        "event-number",
        "event-no-uuid",
        "child-no-uuid",
        "section-no-name",
        "bad-timestamp",
    ],
)
def test_import_of_a_malformed_export_fails_in_one_line_and_writes_nothing(cli: Cli, tmp_path: Path, mutate) -> None:
    document = valid_export(cli)
    target = Cli(tmp_path / "target.db", tmp_path)
    target.new("already here")
    before = counts(target.db)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(mutate(document)), encoding="utf-8")
    target.fails("import", str(bad))
    assert counts(target.db) == before


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: {**d, "incident": {"uuid": "00000000-0000-4000-8000-000000000000"}},
        lambda d: {**d, "incident": {**d["incident"], "no_such_column": 1}},
        lambda d: {**d, "incident": {**d["incident"], "uuid": ["a", "list"]}},
    ],
    ids=["incident-without-fields", "unknown-column", "uuid-list"],
)
def test_import_of_an_incomplete_export_is_bad_input(cli: Cli, tmp_path: Path, mutate) -> None:
    document = valid_export(cli)
    target = Cli(tmp_path / "target.db", tmp_path)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(mutate(document)), encoding="utf-8")
    target.fails("import", str(bad), code=2)


def test_import_of_an_incomplete_export_fails_in_one_line_and_writes_nothing(cli: Cli, tmp_path: Path) -> None:
    """Whatever the exit status (see the xfail above), one line and nothing half-written."""
    document = valid_export(cli)
    target = Cli(tmp_path / "target.db", tmp_path)
    target.new("already here")
    before = counts(target.db)
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps({**document, "incident": {"uuid": "00000000-0000-4000-8000-000000000000"}}), encoding="utf-8"
    )
    result = target.run("import", str(bad))
    assert result.exit_code != 0 and result.stdout == ""
    assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith("ir-console: ")
    assert counts(target.db) == before


# -- the database: where it is, and refusing bad files ----------------------------------------------


def test_db_option_beats_the_environment(cli: Cli, tmp_path: Path) -> None:
    chosen = tmp_path / "chosen.db"
    ref = cli.out("--db", str(chosen), "new", "t", "--sev", "4").strip()
    assert rows(chosen, "SELECT ref FROM incidents") == [(ref,)]
    assert not cli.db.exists()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="XDG data dir is the Linux default")
def test_default_database_is_in_the_user_data_dir(cli: Cli, tmp_path: Path) -> None:
    ref = cli.out("new", "t", "--sev", "4", env={"IR_CONSOLE_DB": None}).strip()
    default = tmp_path / "xdg-data" / "ir-console" / "incidents.db"
    assert rows(default, "SELECT ref FROM incidents") == [(ref,)]
    assert default.stat().st_mode & 0o777 == 0o600
    assert default.parent.stat().st_mode & 0o777 == 0o700
    assert not cli.db.exists()


def test_db_in_a_new_folder_is_created_private(cli: Cli, tmp_path: Path) -> None:
    nested = tmp_path / "a" / "b" / "incidents.db"
    cli.out("--db", str(nested), "new", "t", "--sev", "4")
    assert nested.stat().st_mode & 0o777 == 0o600


def make_database(path: Path, incidents: int = 3) -> Path:
    with Store.open(path) as store:
        for n in range(incidents):
            incident = store.create_incident(f"incident {n}", Severity.SEV2, author="seed")
            for i in range(15):
                store.add_event(incident.id, f"entry {i} " + "x" * 200, author="seed")
    return path


def corrupt_table(path: Path, table: str) -> None:
    """Overwrite the root page of `table` with garbage: the header still looks fine."""
    (page_size,) = rows(path, "PRAGMA page_size")[0]
    (root,) = rows(path, "SELECT rootpage FROM sqlite_master WHERE name = ?", (table,))[0]
    with path.open("r+b") as handle:
        handle.seek((root - 1) * page_size)
        handle.write(b"\xff" * page_size)


def bad_text(path: Path) -> None:
    path.write_text("these are my notes, not a database\n")


def bad_empty(path: Path) -> None:
    path.write_bytes(b"")


def bad_truncated(path: Path) -> None:
    make_database(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def bad_foreign(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    conn.execute("INSERT INTO notes (body) VALUES ('mine')")
    conn.commit()
    conn.close()


def bad_newer(path: Path) -> None:
    make_database(path, incidents=1)
    conn = sqlite3.connect(path)
    conn.execute(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
        "VALUES ('ir_console', 'm999_from_the_future', '2099-01-01')"
    )
    conn.commit()
    conn.close()


def bad_corrupt_incidents(path: Path) -> None:
    make_database(path)
    corrupt_table(path, "incidents")


def bad_corrupt_events(path: Path) -> None:
    make_database(path)
    corrupt_table(path, "events")


BAD_DATABASES = {
    "text": (bad_text, "not an SQLite database"),
    "empty": (bad_empty, "empty"),
    "truncated": (bad_truncated, "truncated or corrupt"),
    "foreign-sqlite": (bad_foreign, "not an ir-console one"),
    "newer-schema": (bad_newer, "newer ir-console"),
}
COMMAND_LINES = {
    "console": [],
    "new": ["new", "t", "--sev", "1"],
    "log": ["log", "x"],
    "set": ["set", "1", "--sev", "1"],
    "list": ["list"],
    "show": ["show", "1"],
    "export": ["export", "1"],
    "import": ["import", "{export}"],
}


@pytest.fixture
def export_file(tmp_path: Path) -> Path:
    source = Cli(tmp_path / "source.db", tmp_path)
    ref = source.new("elsewhere")
    target = tmp_path / "exports" / "incident.json"
    target.parent.mkdir()
    source.ok("export", ref, "--format", "json", "-o", str(target))
    return target


@pytest.fixture
def no_console(monkeypatch: pytest.MonkeyPatch) -> list:
    """Stand in for the TUI, so a bare `ir-console` never takes over the terminal in a test (and
    pass its terminal check: CliRunner's streams are not terminals)."""
    monkeypatch.setattr("ir_console.cli.terminal_refusal", lambda: None)
    opened: list = []
    fake = types.ModuleType("ir_console.tui.app")
    fake.run_console = lambda store, **options: opened.append(store.path)
    monkeypatch.setitem(sys.modules, "ir_console.tui.app", fake)
    return opened


@pytest.mark.parametrize("command", COMMAND_LINES)
@pytest.mark.parametrize("kind", BAD_DATABASES)
def test_bad_database_files_exit_2_and_are_left_untouched(
    tmp_path: Path, export_file: Path, no_console: list, kind: str, command: str
) -> None:
    folder = tmp_path / "bad"
    folder.mkdir()
    path = folder / "incidents.db"
    make_bad, needle = BAD_DATABASES[kind]
    make_bad(path)
    before = snapshot(folder)
    cli = Cli(path, tmp_path)
    message = cli.fails(*[a.format(export=export_file) for a in COMMAND_LINES[command]])
    assert needle in message and str(path) in message
    assert snapshot(folder) == before
    assert no_console == []


@pytest.mark.parametrize(
    "damage, command",
    [
        (bad_corrupt_incidents, "list"),
        (bad_corrupt_incidents, "show"),
        (bad_corrupt_incidents, "export"),
        (bad_corrupt_events, "show"),
        (bad_corrupt_events, "export"),
    ],
)
def test_reading_a_corrupt_database_exits_2_and_leaves_it_untouched(tmp_path: Path, damage, command: str) -> None:
    """The header is intact, so the file opens; the damage shows when a page is read."""
    folder = tmp_path / "bad"
    folder.mkdir()
    path = folder / "incidents.db"
    damage(path)
    before = snapshot(folder)
    message = Cli(path, tmp_path).fails(*COMMAND_LINES[command])
    assert message == f"{path}: database is corrupt; restore it from a backup (the file was not changed)"
    assert snapshot(folder) == before


def test_the_console_on_a_corrupt_incidents_table_exits_2_in_one_line_and_never_starts(
    tmp_path: Path, no_console: list
) -> None:
    """The war room's first read is the incidents table: with nothing to show, the console is
    refused as the other commands are (damage further in shows in the running console's banner)."""
    folder = tmp_path / "bad"
    folder.mkdir()
    path = folder / "incidents.db"
    bad_corrupt_incidents(path)
    before = snapshot(folder)
    message = Cli(path, tmp_path).fails()
    assert message == f"{path}: database is corrupt; restore it from a backup (the file was not changed)"
    assert no_console == []
    assert snapshot(folder) == before


def test_new_and_import_create_a_database_the_other_commands_refuse_a_missing_one(
    cli: Cli, tmp_path: Path, export_file: Path
) -> None:
    """Only `new`, `import` (a whole incident) and the console may start a database."""
    assert "no such database" in cli.fails("log", "x")
    assert not cli.db.exists()
    cli.ok("import", str(export_file))
    assert rows(cli.db, "SELECT title FROM incidents") == [("elsewhere",)]
    other = Cli(tmp_path / "other.db", tmp_path)
    other.new("declared")
    assert rows(other.db, "SELECT title FROM incidents") == [("declared",)]


@pytest.mark.parametrize("command", ["new", "log", "set", "import"])
def test_writing_to_a_corrupt_database_fails_in_one_line_and_leaves_it_untouched(
    tmp_path: Path, export_file: Path, command: str
) -> None:
    folder = tmp_path / "bad"
    folder.mkdir()
    path = folder / "incidents.db"
    bad_corrupt_incidents(path)
    before = snapshot(folder)
    cli = Cli(path, tmp_path)
    result = cli.run(*[a.format(export=export_file) for a in COMMAND_LINES[command]])
    assert result.exit_code != 0 and result.stdout == ""
    assert len(result.stderr.splitlines()) == 1 and "database is corrupt" in result.stderr
    assert snapshot(folder) == before


@pytest.mark.parametrize(
    "command",
    [
        "log",  # reads the incident before writing
        "set",
        "new",  # the damage is found inside the transaction
        "import",
    ],
)
def test_writing_to_a_corrupt_database_exits_2(tmp_path: Path, export_file: Path, command: str) -> None:
    path = tmp_path / "incidents.db"
    bad_corrupt_incidents(path)
    Cli(path, tmp_path).fails(*[a.format(export=export_file) for a in COMMAND_LINES[command]], code=2)


def test_a_folder_as_database_fails_in_one_line(cli: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "a-folder"
    folder.mkdir()
    cli.fails("--db", str(folder), "list")
    assert list(folder.iterdir()) == []


def test_a_read_only_database_is_refused_untouched(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """Simulated: tests often run as root, for whom os.access says every file is writable."""
    cli.new()
    before = snapshot(cli.db.parent)
    real_access = os.access

    def access(path, mode, *args, **kwargs):
        if Path(path) == cli.db and mode & os.W_OK:
            return False
        return real_access(path, mode, *args, **kwargs)

    monkeypatch.setattr("ir_console.store.opening.os.access", access)
    for args in (["log", "x"], ["new", "t", "--sev", "1"], ["set", "1", "--sev", "2"]):
        assert "read-only" in cli.fails(*args)
    # Reading a backup needs no write: it is opened read-only.
    assert "INC-" in cli.out("list") and "INC-" in cli.out("show", "1")
    assert snapshot(cli.db.parent) == before


@pytest.mark.skipif(
    os.name != "posix" or os.geteuid() == 0,
    reason="root can write a read-only file; the simulated test above covers it",
)
def test_a_read_only_database_file_is_refused_untouched(cli: Cli) -> None:
    cli.new()
    cli.db.chmod(0o400)
    try:
        before = snapshot(cli.db.parent)
        assert "read-only" in cli.fails("log", "x")
        assert snapshot(cli.db.parent) == before
    finally:
        cli.db.chmod(0o600)


# -- the console entry point, help, version, usage errors -------------------------------------------


def test_bare_command_opens_the_console_on_the_chosen_database(cli: Cli, no_console: list, tmp_path: Path) -> None:
    cli.ok()
    cli.ok("--db", str(tmp_path / "other.db"))
    assert no_console == [cli.db, tmp_path / "other.db"]
    assert rows(cli.db, "SELECT count(*) FROM incidents") == [(0,)]  # created, migrated, empty


@pytest.mark.parametrize("command", [[], *([c] for c in COMMANDS)])
@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_every_command_has_help(cli: Cli, command: list[str], flag: str) -> None:
    result = cli.ok(*command, flag)
    assert result.stdout.startswith("Usage: ") and result.stderr == ""
    assert not cli.db.exists()  # help never opens (or creates) the database


def test_help_lists_every_command_and_documents_the_options(cli: Cli) -> None:
    top = cli.out("--help")
    for command in COMMANDS:
        assert re.search(rf"^\s+{command}\s", top, re.MULTILINE), command
    assert "--db PATH" in top and "IR_CONSOLE_DB" in top
    options = {
        "new": ["--sev", "--reporter", "--happening", "--affected", "--changed", "--detected"],
        "log": ["--incident", "--kind", "--at", "--by", "--key", "--correction"],
        "set": [
            "--sev",
            "--reason",
            "--status",
            "--phase",
            "--commander",
            "--scribe",
            "--comms-lead",
            "--tech-lead",
            "--milestone",
            "--title",
            "--reporter",
            "--happening",
            "--affected",
            "--changed",
        ],
        "reopen": ["--reason", "--by"],
        "list": ["--json", "--status"],
        "show": ["--json"],
        "update": ["--format", "--copy", "--sent", "--by"],
        "export": ["--format", "-o, --output"],
    }
    for command, flags in options.items():
        text = cli.out(command, "--help")
        for flag in flags:
            assert flag in text, (command, flag)


def test_version(cli: Cli) -> None:
    from ir_console import __version__

    assert cli.out("--version") == f"ir-console, version {__version__}\n"


@pytest.mark.parametrize(
    "args",
    [
        ["frobnicate"],
        ["--bogus"],
        ["list", "--bogus"],
        ["show"],
        ["show", "1", "extra"],
        ["list", "--status", "nope"],
        ["export", "1", "--format", "docx"],
    ],
)
def test_usage_errors_are_one_line_too(cli: Cli, args: list[str]) -> None:
    message = cli.fails(*args)
    assert "--help" in message


def test_errors_show_user_text_on_one_line_without_control_sequences(cli: Cli) -> None:
    cli.new()
    message = cli.fails("log", "x", "--incident", "INC-\x1b]52;c;aGk=\x07\x1b[2J\nline2")
    assert "\x1b" not in message and "\x07" not in message and "\n" not in message
