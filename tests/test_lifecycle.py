"""A resolved incident's lifecycle through the store and the command line (issue #11): new
entries refused by one rule, corrections allowed, reopening for a recurrence, the title, triage
fields and severity reason editable after declaring, and hypotheses keeping their numbers.

CLI checks go through click's CliRunner (test_cli.Cli: one error line, exit status) and read the
SQLite file with a connection of their own.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from store_support import count_events
from test_cli import Cli, counts, rows

from ir_console.model import EventKind, HypothesisResult, Severity, Status, Triage
from ir_console.render.markdown import postmortem_markdown
from ir_console.store import Store
from ir_console.store.exchange import export_incident, import_incident
from ir_console.store.store import ResolvedRefusal, refuse_if_resolved

# -- the store ---------------------------------------------------------------------------------------


def test_the_rule_refuses_only_a_resolved_incident(store: Store, clock, incident) -> None:
    refuse_if_resolved(incident, "a new entry")  # open: nothing to say
    resolved = store.set_status(incident.id, Status.RESOLVED, author="dana")
    with pytest.raises(ResolvedRefusal, match=rf"^{resolved.ref} is resolved: a new hypothesis is refused$"):
        refuse_if_resolved(resolved, "a new hypothesis")


def test_a_severity_change_says_why(store: Store, clock, incident) -> None:
    store.set_severity(incident.id, Severity.SEV1, reason="  checkout\nfully down ", author="dana")
    event = store.events(incident.id)[-1]
    assert (event.kind, event.text, event.key_moment, event.author) == (
        EventKind.SEVERITY_CHANGE,
        "Severity SEV-2 → SEV-1: checkout fully down",
        True,
        "dana",
    )
    store.set_severity(incident.id, Severity.SEV2)
    assert store.events(incident.id)[-1].text == "Severity SEV-1 → SEV-2"


def test_title_and_triage_corrections_say_old_and_new_even_when_resolved(store: Store, clock, incident) -> None:
    store.set_status(incident.id, Status.RESOLVED, author="dana")
    before = count_events(store, incident.id)
    corrected = store.update_triage(
        incident.id, title="Checkout down in EU", reporter="", affected="EU card payments", author="lee"
    )
    assert corrected.title == "Checkout down in EU" and corrected.status is Status.RESOLVED
    assert corrected.triage == Triage(
        reporter="", happening="30% of POST /checkout fail", affected="EU card payments", changed="Deploy v2.41.0"
    )
    notes = store.events(incident.id)[before:]
    assert sorted((e.kind, e.text, e.author) for e in notes) == sorted(
        [
            (EventKind.NOTE, "Title: Checkout API returning 500s → Checkout down in EU", "lee"),
            (EventKind.NOTE, "Reporter: PagerDuty → —", "lee"),
            (EventKind.NOTE, "Who's affected? All users paying by card → EU card payments", "lee"),
        ]
    )


def test_a_correction_entry_says_so(store: Store, clock, incident) -> None:
    event = store.add_event(incident.id, "pager fired at 02:51, not 02:54", correction=True)
    assert event.text == "Correction: pager fired at 02:51, not 02:54"


def test_hypotheses_keep_their_numbers_through_re_ranking(
    store: Store, db_path: Path, clock, incident, tmp_path: Path
) -> None:
    first = store.add_hypothesis(incident.id, "Bad deploy v2.41.0")
    second = store.add_hypothesis(incident.id, "Database primary degraded")
    third = store.add_hypothesis(incident.id, "Cache stampede")
    store.move_hypothesis(third.id, -2)
    store.move_hypothesis(first.id, 1)
    assert [(h.label, h.rank) for h in store.hypotheses(incident.id)] == [("H3", 1), ("H2", 2), ("H1", 3)]

    store.update_hypothesis(third.id, test="flush a canary cache")
    store.set_hypothesis_result(third.id, HypothesisResult.REJECTED)
    store.set_hypothesis_result(second.id, HypothesisResult.CONFIRMED)
    texts = [e.text for e in store.events(incident.id) if e.kind is EventKind.HYPOTHESIS]
    assert texts == [
        "Hypothesis H1: Bad deploy v2.41.0",
        "Hypothesis H2: Database primary degraded",
        "Hypothesis H3: Cache stampede",
        "Hypothesis H3 updated: test: flush a canary cache",
        "Hypothesis H3 rejected: Cache stampede",
        "Hypothesis H2 confirmed: Database primary degraded",
    ]
    # The post-mortem's log in rank order, each under its own number.
    markdown = postmortem_markdown(store.record(incident.id))
    assert [line for line in markdown.splitlines() if line.startswith("### ")] == [
        "### H3: Cache stampede",
        "### H2: Database primary degraded",
        "### H1: Bad deploy v2.41.0",
    ]

    # Export and import into another file: the numbers travel, a new hypothesis there is H4.
    document = json.loads(json.dumps(export_incident(store, incident.id)))
    assert [(h["statement"], h["number"], h["rank"]) for h in document["hypotheses"]] == [
        ("Bad deploy v2.41.0", 1, 3),
        ("Database primary degraded", 2, 2),
        ("Cache stampede", 3, 1),
    ]
    with Store.open(tmp_path / "other.db") as other:
        imported = other.incident(import_incident(other, document).ref)
        assert [h.label for h in other.hypotheses(imported.id)] == ["H3", "H2", "H1"]
        assert other.add_hypothesis(imported.id, "Noisy neighbour").label == "H4"


# -- the command line --------------------------------------------------------------------------------


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path / "incidents.db", tmp_path)


def resolved_incident(cli: Cli) -> str:
    ref = cli.new("Checkout is down", "--reporter", "pager", "--happening", "500s")
    cli.out("set", ref, "--commander", "dana", "--status", "resolved")
    return ref


def texts(cli: Cli) -> list[str]:
    return [text for (text,) in rows(cli.db, "SELECT text FROM events ORDER BY id")]


def test_log_on_a_resolved_incident_is_refused_unless_a_correction(cli: Cli) -> None:
    ref = resolved_incident(cli)
    before = counts(cli.db)
    message = cli.fails("log", "errors are back", "--incident", ref)
    assert message == (
        f"{ref} is resolved: a new entry is refused; add it to the review with --correction, "
        f"or `ir-console reopen {ref}` for a recurrence"
    )
    assert counts(cli.db) == before

    out = cli.out("log", "pager fired at 02:51", "--incident", ref, "--correction", "--kind", "alert")
    assert out.startswith(ref)
    text, kind, author = rows(cli.db, "SELECT text, kind, author FROM events ORDER BY id DESC LIMIT 1")[0]
    assert (text, kind, author) == ("Correction: pager fired at 02:51", "alert", "tester")
    assert rows(cli.db, "SELECT status FROM incidents") == [("Resolved",)]


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--sev", "1"], "--sev"),
        (["--status", "monitoring"], "--status"),
        (["--phase", "Resolution"], "--phase"),
        (["--scribe", "lee"], "--scribe"),
        (["--title", "Corrected title", "--sev", "1", "--commander", "sam"], "--sev, --commander"),
    ],
)
def test_set_on_a_resolved_incident_refuses_changes_of_state_and_writes_nothing(
    cli: Cli, args: list[str], named: str
) -> None:
    ref = resolved_incident(cli)
    before = counts(cli.db)
    message = cli.fails("set", ref, *args)
    assert message.startswith(f"{ref} is resolved: changing {named} is refused; corrections")
    assert message.endswith(f"or `ir-console reopen {ref}` for a recurrence")
    assert counts(cli.db) == before


def test_set_corrects_a_resolved_incident(cli: Cli) -> None:
    ref = resolved_incident(cli)
    before = len(texts(cli))
    # Asking for what it already is changes nothing, so it is no change of state.
    cli.out("set", ref, "--status", "resolved", "--commander", "dana", "--sev", "2")
    assert len(texts(cli)) == before
    cli.out(
        "set",
        ref,
        "--title",
        "Checkout down for card payments",
        "--reporter",
        "Grafana alert",
        "--happening",
        "All POST /checkout fail",
        "--affected",
        "Card payers",
        "--changed",
        "Deploy v2.41.0",
        "--milestone",
        "impact_started=2026-11-27T02:50:00Z",
        "--by",
        "lee",
    )
    shown = cli.show(ref)
    assert shown["title"] == "Checkout down for card payments" and shown["status"] == "Resolved"
    assert shown["triage"] == {
        "reporter": "Grafana alert",
        "happening": "All POST /checkout fail",
        "affected": "Card payers",
        "changed": "Deploy v2.41.0",
    }
    assert shown["milestones"]["impact_started"] == "2026-11-27T02:50:00.000Z"
    assert texts(cli)[before:] == [
        "Reporter: pager → Grafana alert",
        "What's happening? 500s → All POST /checkout fail",
        "Who's affected? — → Card payers",
        "What changed recently? — → Deploy v2.41.0",
        "Title: Checkout is down → Checkout down for card payments",
        "Impact started",
    ]
    assert {author for (author,) in rows(cli.db, "SELECT author FROM events ORDER BY id")[before:]} == {"lee"}


def test_set_severity_with_a_reason(cli: Cli) -> None:
    ref = cli.new(sev="2")
    assert "--reason goes with --sev" in cli.fails("set", ref, "--reason", "why not")
    assert "needs a title" in cli.fails("set", ref, "--title", "  ")
    cli.out("set", ref, "--sev", "1", "--reason", "checkout fully down")
    assert texts(cli)[-1] == "Severity SEV-2 → SEV-1: checkout fully down"
    assert cli.show(ref)["severity"] == "SEV-1"


def test_reopen_for_a_recurrence(cli: Cli) -> None:
    ref = resolved_incident(cli)
    assert cli.out("reopen", ref, "--reason", "errors are back", "--by", "sam") == f"{ref}\n"
    shown = cli.show(ref)
    assert (shown["status"], shown["milestones"]["resolved"]) == ("Investigating", None)
    reopened = [e for e in shown["events"] if e["text"].startswith("Reopened")]
    assert len(reopened) == 1 and reopened[0]["key_moment"] and reopened[0]["source"] == "cli"
    assert reopened[0]["text"].startswith("Reopened by sam: Status Resolved → Investigating (had been resolved at ")
    assert reopened[0]["text"].endswith(". Reason: errors are back")
    # Open again: new entries are welcome, and reopening twice is a mistake said in one line.
    assert cli.out("log", "errors are back", "--incident", ref).startswith(ref)
    assert "is not resolved" in cli.fails("reopen", ref)
    assert "no incident" in cli.fails("reopen", "INC-20000101-001")
