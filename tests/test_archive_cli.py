"""`ir-console search`, `stats` and the `list` filters through click's CliRunner, on real files;
and a whole incident carried to another database by `export --format json` and `import`.

The error contract (one line on stderr, exit 2, no traceback) is checked by test_cli's `Cli`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from store_support import write_section
from test_cli import REF, Cli, counts

from ir_console.model import ContainmentState, HypothesisResult, Priority, Section
from ir_console.model.clock import to_iso
from ir_console.store import Store

LINE = re.compile(rf"({REF.pattern})  (\d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{{3}}Z)  (.+?)  (.*)")
LIST_LINE = re.compile(rf"({REF.pattern})  (SEV-[1-4])  (\w+) +(\S+(?: \S+)?)  (.*)")


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path / "incidents.db", tmp_path)


def search_lines(cli: Cli, *args: str) -> list[tuple[str, str, str, str]]:
    lines = cli.out("search", *args).splitlines()
    parsed = [LINE.fullmatch(line) for line in lines]
    assert all(parsed), lines
    return [m.groups() for m in parsed]


# -- search -----------------------------------------------------------------------------------


def test_search_prints_one_clean_line_a_match(cli: Cli) -> None:
    ref = cli.new("Otter \x1b]52;c;aGk=\x07 checkout", "--happening", "otter sightings\nin the lake")
    cli.out("log", "otter \x1b[2J seen\nin the logs", "--kind", "evidence")
    found = search_lines(cli, "otter")
    assert {r for r, _, _, _ in found} == {ref}
    wheres = [where for _, _, where, _ in found]
    assert wheres[:2] == ["Title", "What's happening?"] and set(wheres[2:]) == {"Timeline"}
    snippets = [snippet for _, _, _, snippet in found]
    assert snippets[0] == "Otter  checkout"  # the OSC sequence is gone, the words stay
    assert snippets[1] == "otter sightings ⏎ in the lake"
    assert "otter  seen ⏎ in the logs" in snippets
    assert all("\x1b" not in s and "\x07" not in s for s in snippets)


def test_search_json(cli: Cli) -> None:
    ref = cli.new("Heron outage ☂", sev="1")
    cli.out("log", "the heron is back", "--kind", "action")
    result = cli.ok("search", "HERON", "--json")
    assert result.stdout.isascii()
    hits = json.loads(result.stdout)["hits"]
    assert [h["where"] for h in hits] == ["Title", "Timeline", "Timeline"]
    title = hits[0]
    assert (title["incident"], title["title"], title["severity"], title["status"], title["source"]) == (
        ref,
        "Heron outage ☂",
        "SEV-1",
        "Investigating",
        "title",
    )
    for hit in hits:
        start, end = hit["matches"][0]
        assert hit["snippet"][start:end].lower() == "heron"
    logged = hits[1]
    assert logged["snippet"] == "the heron is back" and logged["event_id"] is not None and not logged["retracted"]
    with cli.store() as store:
        event = store.event(logged["event_id"])
    assert event.text == "the heron is back" and logged["at"] == to_iso(event.occurred_at)


def test_search_limit_incident_and_bad_input(cli: Cli) -> None:
    first = cli.new("Stoat in the datacentre")
    second = cli.new("Stoat again")
    for n in range(3):
        cli.out("log", f"stoat note {n}", "--incident", first)
    assert len(search_lines(cli, "stoat", "--limit", "2")) == 2
    assert {r for r, _, _, _ in search_lines(cli, "stoat", "--incident", second)} == {second}
    assert "no incident" in cli.fails("search", "stoat", "--incident", "INC-19990101-001")
    for nothing in ["", "   ", '"', "*", "()"]:
        assert "nothing to search for" in cli.fails("search", nothing)
    assert cli.out("search", "NEAR(") == "No matches.\n"
    assert json.loads(cli.out("search", "absent", "--json"))["hits"] == []
    cli.fails("search", "stoat", "--limit", "0")


def test_search_and_stats_never_create_a_database(cli: Cli) -> None:
    assert cli.out("search", "anything") == "No matches.\n"
    assert cli.out("stats").startswith("0 incidents, all time\n")
    assert json.loads(cli.out("stats", "--json"))["incidents"] == 0
    assert not cli.db.exists()


# -- stats ------------------------------------------------------------------------------------


def declare(cli: Cli, title: str, sev: str, day: str, detect: int, resolve: int | None) -> str:
    """Impact at 10:00 on `day`, detected `detect` minutes later, resolved `resolve` after that."""
    ref = cli.new(title, "--detected", f"{day}T10:{detect:02d}:00Z", sev=sev)
    cli.out("set", ref, "--milestone", f"impact_started={day}T10:00:00Z")
    if resolve is not None:
        hours, minutes = divmod(detect + resolve, 60)
        cli.out("set", ref, "--status", "resolved", "--milestone", f"resolved={day}T{10 + hours:02d}:{minutes:02d}:00Z")
    return ref


def test_stats_json_markdown_and_window(cli: Cli) -> None:
    declare(cli, "one", "1", "2026-01-01", 10, 50)
    declare(cli, "two", "1", "2026-01-02", 20, 100)
    declare(cli, "three", "2", "2026-01-02", 6, None)
    declare(cli, "four", "1", "2026-01-03", 30, 30)

    data = json.loads(cli.out("stats", "--json"))
    assert data["incidents"] == 4
    sev1 = data["by_severity"][0]["metrics"]
    assert sev1["time_to_detect"] == {
        "definition": "from impact started to detected",
        "incidents": 3,
        "mean_seconds": 1200.0,
        "median_seconds": 1200.0,
    }
    assert sev1["time_to_resolve"]["mean_seconds"] == 60 * 60 and sev1["time_to_resolve"]["median_seconds"] == 50 * 60
    assert data["by_severity"][1]["metrics"]["time_to_resolve"]["incidents"] == 0

    window = json.loads(cli.out("stats", "--json", "--since", "2026-01-02", "--until", "2026-01-02"))
    assert window["incidents"] == 2  # a date as --until takes in the whole day
    assert window["since"] == "2026-01-02T00:00:00.000Z" and window["until"] == "2026-01-03T00:00:00.000Z"
    assert json.loads(cli.out("stats", "--json", "--until", "2026-01-02T10:00:00Z"))["incidents"] == 1

    markdown = cli.out("stats", "--markdown", "--since", "2026-01-02")
    assert markdown.startswith("# Incident statistics\n\n3 incidents, started since 2026-01-02 00:00 UTC.\n")
    assert "| SEV-1 | 2 | 25m 00s | 25m 00s |" in markdown  # time to detect: 20 and 30 minutes

    text = cli.out("stats")
    assert text.startswith("4 incidents, all time\n") and "Time to resolve, mean" in text
    assert "--since: cannot read the time 'last tuesday'" in cli.fails("stats", "--since", "last tuesday")


# -- list filters -----------------------------------------------------------------------------


def test_list_filters_and_sorts(cli: Cli) -> None:
    one = declare(cli, "alpha", "1", "2026-01-01", 10, 50)
    two = declare(cli, "bravo", "3", "2026-01-02", 20, None)
    three = declare(cli, "Charlie", "1", "2026-01-03", 5, 10)
    cli.out("set", two, "--status", "monitoring")

    def refs(*args: str) -> list[str]:
        lines = cli.out("list", *args).splitlines()
        assert all(LIST_LINE.fullmatch(line) for line in lines), lines
        return [LIST_LINE.fullmatch(line).group(1) for line in lines]

    assert refs() == [three, two, one]
    assert refs("--severity", "1") == [three, one]
    assert refs("--severity", "1", "--severity", "3") == [three, two, one]
    assert refs("--status", "monitoring") == [two]
    assert refs("--status", "Resolved") == [three, one]
    assert refs("--since", "2026-01-02") == [three, two]
    assert refs("--until", "2026-01-02") == [two, one]
    assert refs("--since", "2026-01-02", "--until", "2026-01-02") == [two]
    assert refs("--sort", "duration", "--ascending") == [three, one, two]  # bravo is still open
    assert refs("--sort", "title") == [three, two, one]
    assert refs("--sort", "severity", "--ascending") == [one, three, two]
    assert cli.out("list", "--severity", "4") == "No matching incidents.\n"
    alpha = LIST_LINE.fullmatch(cli.out("list", "--severity", "1", "--ascending").splitlines()[0])
    assert alpha.groups() == (one, "SEV-1", "Resolved", "1h 00m", "alpha")
    assert [
        i["id"]
        for i in json.loads(cli.out("list", "--json", "--status", "resolved", "--sort", "started", "--ascending"))[
            "incidents"
        ]
    ] == [one, three]
    cli.fails("list", "--sort", "nope")
    cli.fails("list", "--since", "yesterday")


# -- a whole incident to another machine -------------------------------------------------------


def test_a_whole_record_survives_export_and_import_and_is_searchable_there(cli: Cli, tmp_path: Path) -> None:
    ref = cli.new("Lynx checkout failure", "--reporter", "pager", "--happening", "lynx errors on pay")
    cli.out("log", "lynx pods restarting", "--kind", "evidence", "--key")
    cli.out("update", ref, "--sent")
    with cli.store() as store:
        incident = store.incident(ref)
        edited = store.add_event(incident.id, "first guess: lynx cache")
        store.edit_event(edited.id, text="second guess: lynx queue")
        store.retract_event(store.add_event(incident.id, "wrong lynx entry").id, reason="typo")
        hypothesis = store.add_hypothesis(incident.id, "lynx pool exhausted", evidence_for="timeouts")
        store.set_hypothesis_result(hypothesis.id, HypothesisResult.CONFIRMED)
        store.set_containment_state(store.containment(incident.id)[0].id, ContainmentState.DONE)
        store.add_action_item(incident.id, "alert on lynx pool", owner="sre", priority=Priority.P1)
        write_section(store, incident.id, Section.ROOT_CAUSE, "lynx pool too small")
    exported = tmp_path / "lynx.json"
    cli.ok("export", ref, "--format", "json", "-o", str(exported))

    other = Cli(tmp_path / "other.db", tmp_path)
    assert other.out("import", str(exported)).startswith(f"{ref} imported: ")
    assert json.loads(other.out("export", ref, "--format", "json")) == json.loads(exported.read_text())
    document = json.loads(exported.read_text())
    assert all(
        document[table]
        for table in (
            "events",
            "event_revisions",
            "hypotheses",
            "containment",
            "status_updates",
            "action_items",
            "postmortem_sections",
        )
    )
    assert other.out("export", ref) == cli.out("export", ref)  # the post-mortem reads the same

    wheres = {hit["where"] for hit in json.loads(other.out("search", "lynx", "--json"))["hits"]}
    assert {
        "Title",
        "What's happening?",
        "Timeline",
        "Timeline (retracted)",
        "Hypothesis: statement",
        "Post-mortem: Root Cause",
    } <= wheres
    before = counts(other.db)
    assert other.out("import", str(exported)) == f"{ref} merged: 0 records added, 0 updated\n"
    assert counts(other.db) == before

    with cli.store() as store:
        store.edit_event(edited.id, text="third guess: lynx dns")
    cli.ok("export", ref, "--format", "json", "-o", str(exported))
    assert other.out("import", str(exported)) == f"{ref} merged: 1 records added, 1 updated\n"
    assert other.out("search", "queue") == "No matches.\n"
    assert [line[3] for line in search_lines(other, "dns")] == ["third guess: lynx dns"]
    with Store.open(other.db) as store:
        assert [r.text for r in store.event_history(store.search("dns")[0].event_id)] == [
            "first guess: lynx cache",
            "second guess: lynx queue",
        ]
