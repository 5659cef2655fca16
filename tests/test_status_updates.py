"""Status updates: the seed's communication template in both formats, the draft from the record, the
configurable cadence, the composer (key u) driven through Pilot, and `ir-console update`.

The clipboard itself (system clipboard, OSC 52, the file) is tested in test_clipboard.py.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from textual.widgets import Input, RadioSet, TextArea
from tui_support import (
    CHECKOUT_TITLE,
    NOW,
    NOW_ISO,
    Clock,
    console,
    count,
    header,
    last_line,
    one,
    run,
    settle,
    toasts,
    wait_until,
)

from ir_console.cli import main
from ir_console.config import Config, default_cadence, load_config
from ir_console.model import ContainmentState, EventKind, Incident, Severity, Status, Triage
from ir_console.render import deadlines
from ir_console.render.status import (
    StatusUpdateDraft,
    draft_status_update,
    status_update,
    status_update_markdown,
    status_update_text,
)
from ir_console.store import Store, WriteFailed
from ir_console.tui.dialogs.status_update import StatusUpdateScreen
from ir_console.tui.screens.war_room import WarRoomScreen

# The seed's "Communication Template", in its order.
SEED_LABELS = ["Status", "Impact", "Current action", "ETA", "Next update"]
TITLE = CHECKOUT_TITLE


def draft(**values: str) -> StatusUpdateDraft:
    fields = {
        "title": TITLE,
        "status": "Identified",
        "impact": "Card payments",
        "current_action": "Rolling back",
        "eta": "03:45 UTC",
        "next_update": "03:30 UTC",
        **values,
    }
    return StatusUpdateDraft(**fields)


# -- the two formats ------------------------------------------------------------------------------


def test_markdown_is_the_seed_template_with_every_field_in_order() -> None:
    text = status_update_markdown(draft())
    assert text.splitlines() == [
        f"## Status Update: {TITLE}",
        "**Status:** Identified",
        "**Impact:** Card payments",
        "**Current action:** Rolling back",
        "**ETA:** 03:45 UTC",
        "**Next update:** 03:30 UTC",
    ]
    assert status_update(draft(), "markdown") == text


def test_plain_text_for_chat_has_every_field_in_order_and_no_markdown() -> None:
    text = status_update_text(draft())
    lines = text.splitlines()
    assert lines[0] == f"Status update: {TITLE}"
    assert [line.split(":", 1)[0] for line in lines[1:]] == SEED_LABELS
    assert lines[1:] == [
        "Status: Identified",
        "Impact: Card payments",
        "Current action: Rolling back",
        "ETA: 03:45 UTC",
        "Next update: 03:30 UTC",
    ]
    assert "*" not in text and "#" not in text
    assert status_update(draft(), "text") == text


def test_an_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="markdown, text, slack"):
        status_update(draft(), "html")


@pytest.mark.parametrize("render", [status_update_markdown, status_update_text])
def test_control_sequences_never_reach_the_text(render) -> None:
    text = render(draft(title="Deploy \x1b]0;pwn\x07done \x1b[31mred", impact="all\x07 users"))
    assert "\x1b" not in text and "\x07" not in text
    assert "Deploy done red" in text and "all users" in text


# -- the draft from the record --------------------------------------------------------------------


def test_draft_is_prefilled_from_the_incident(store: Store, incident: Incident) -> None:
    drafted = draft_status_update(store.record(incident.id), NOW)
    assert drafted == StatusUpdateDraft(
        title=TITLE,
        status="Investigating",
        impact="All users paying by card — 30% of POST /checkout fail",
        current_action="Investigating",
        eta="Unknown",
        next_update="03:44 UTC",
    )  # NOW + 30 min (SEV-2)


def test_current_action_is_the_latest_action_containment_or_decision_not_retracted(
    store: Store, incident: Incident, clock: Clock
) -> None:
    store.add_event(incident.id, "Freeze deploys", kind=EventKind.DECISION)
    clock.advance(seconds=1)
    rollback = store.containment(incident.id)[0]
    store.set_containment_state(rollback.id, ContainmentState.IN_PROGRESS)
    containment_step = f"Rollback deployment: {ContainmentState.IN_PROGRESS.label}"
    assert draft_status_update(store.record(incident.id), NOW).current_action == containment_step
    clock.advance(seconds=1)
    mistake = store.add_event(incident.id, "Restarted the wrong pod", kind=EventKind.ACTION)
    clock.advance(seconds=1)
    # What we know is not what we do: notes, evidence and hypotheses are not the current action.
    store.add_event(incident.id, "Pool exhausted in the logs", kind=EventKind.EVIDENCE)
    store.add_hypothesis(incident.id, "v2.41.0 leaks connections")
    store.add_event(incident.id, "Someone asked for an ETA")
    assert draft_status_update(store.record(incident.id), NOW).current_action == "Restarted the wrong pod"
    store.retract_event(mistake.id, reason="wrong incident")
    assert draft_status_update(store.record(incident.id), NOW).current_action == containment_step


def test_impact_uses_what_triage_has(store: Store, clock: Clock) -> None:
    store.clock = clock
    only_happening = store.create_incident("A", Severity.SEV3, triage=Triage(happening="Slow search"))
    nothing = store.create_incident("B", Severity.SEV3)
    assert draft_status_update(store.record(only_happening.id), NOW).impact == "Slow search"
    assert draft_status_update(store.record(nothing.id), NOW).impact == "Being assessed"


def test_next_update_follows_the_cadence_and_a_resolved_incident_sends_a_final_one(
    store: Store, incident: Incident
) -> None:
    record = store.record(incident.id)
    assert draft_status_update(record, NOW).next_update == "03:44 UTC"
    cadence = {**default_cadence(), Severity.SEV2: timedelta(minutes=20)}
    assert draft_status_update(record, NOW, cadence).next_update == "03:34 UTC"
    store.set_status(incident.id, Status.RESOLVED)
    assert draft_status_update(store.record(incident.id), NOW).next_update == "None: this is the final update"


def test_header_deadline_uses_the_cadence_and_flags_an_overdue_update(store: Store, incident: Incident) -> None:
    declared = NOW - timedelta(minutes=18)
    assert deadlines.next_update(incident, None, NOW) == deadlines.Deadline("next update in 12m 00s", "ok")
    fast = {Severity.SEV2: timedelta(minutes=15)}
    assert deadlines.next_update_due(incident, None, fast) == declared + timedelta(minutes=15)
    assert deadlines.next_update(incident, None, NOW, fast) == deadlines.Deadline("update OVERDUE 3m 00s", "late")
    assert deadlines.next_update(incident, NOW, NOW, fast) == deadlines.Deadline("next update in 15m 00s", "ok")
    # A mapping without this severity falls back to the severity's own cadence.
    assert deadlines.update_every(Severity.SEV1, fast) == timedelta(minutes=15)
    assert deadlines.update_every(Severity.SEV4, fast) == timedelta(minutes=240)


# -- the cadence in the configuration file ----------------------------------------------------------


def write_config(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "config.toml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_defaults_are_the_seed_cadence_and_a_missing_file_is_fine(tmp_path: Path) -> None:
    config = load_config(tmp_path / "nope.toml")
    assert config.problems == []
    assert config.update_cadence == {
        Severity.SEV1: timedelta(minutes=15),
        Severity.SEV2: timedelta(minutes=30),
        Severity.SEV3: timedelta(minutes=60),
        Severity.SEV4: timedelta(minutes=240),
    }
    assert Config().update_cadence == config.update_cadence


def test_cadence_is_read_from_the_updates_table(tmp_path: Path) -> None:
    path = write_config(
        tmp_path,
        """
[signals]
interval = 2.0

[updates]
cadence_minutes = { "SEV-1" = 20, "SEV-2" = 45, "sev3" = 90.5 }
""",
    )
    config = load_config(path)
    assert config.problems == []
    assert config.update_cadence == {
        Severity.SEV1: timedelta(minutes=20),
        Severity.SEV2: timedelta(minutes=45),
        Severity.SEV3: timedelta(minutes=90.5),
        Severity.SEV4: timedelta(minutes=240),
    }


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ('"15"', "must be a number of minutes"),
        ("true", "must be a number of minutes"),
        ("0", "must be at least 1 minute"),
        ("-5", "must be at least 1 minute"),
        ("nan", "must be at least 1 minute"),
        ("inf", "must be at least 1 minute"),
        ("100000000000", "must be at most 10080 minutes"),
        ("[15]", "must be a number of minutes"),
    ],
)
def test_an_invalid_cadence_names_the_key_and_the_problem_and_keeps_the_default(
    tmp_path: Path, value: str, problem: str
) -> None:
    path = write_config(tmp_path, f'[updates]\ncadence_minutes = {{ "SEV-1" = {value}, "SEV-2" = 25 }}\n')
    config = load_config(path)
    assert len(config.problems) == 1, config.problems
    message = config.problems[0]
    assert str(path) in message and "cadence_minutes.SEV-1" in message and problem in message
    assert "using 15 minutes for SEV-1" in message
    assert config.update_cadence[Severity.SEV1] == timedelta(minutes=15)
    assert config.update_cadence[Severity.SEV2] == timedelta(minutes=25)  # the valid one is used


@pytest.mark.parametrize(
    ("text", "needles", "sev1"),
    [
        ('[updates]\ncadence_minutes = { "SEV-5" = 10 }\n', ["cadence_minutes.SEV-5", "not a severity"], 15),
        (
            '[updates]\ncadence_minutes = { "SEV-1" = 10, "1" = 12 }\n',
            ["cadence_minutes.1", "already set by 'SEV-1'"],
            10,
        ),
        ('[updates]\ncadence = { "SEV-1" = 10 }\n', ["[updates] cadence: unknown key"], 15),
        ("[updates]\ncadence_minutes = 15\n", ["cadence_minutes must be a table"], 15),
        ('updates = "often"\n', ["[updates] must be a table"], 15),
        ("[updates\ncadence_minutes = 1\n", ["not valid TOML"], 15),
        (b'[updates]\ncadence_minutes = { "SEV-1" = 10 }\n\xff\xfe', ["not UTF-8"], 15),
    ],
)
def test_a_broken_file_or_table_is_explained_not_raised(
    tmp_path: Path, text: str | bytes, needles: list[str], sev1: int
) -> None:
    path = write_config(tmp_path, text)
    config = load_config(path)
    assert len(config.problems) == 1, config.problems
    assert str(path) in config.problems[0]
    for needle in needles:
        assert needle in config.problems[0]
    assert config.update_cadence == {**default_cadence(), Severity.SEV1: timedelta(minutes=sev1)}


def test_a_file_that_cannot_be_read_is_explained(tmp_path: Path) -> None:
    folder = tmp_path / "config.toml"
    folder.mkdir()
    config = load_config(folder)
    assert len(config.problems) == 1 and "cannot read it" in config.problems[0] and str(folder) in config.problems[0]
    assert config.update_cadence == default_cadence()


# -- the composer, through Pilot --------------------------------------------------------------------


async def wait_for_composer(pilot, app) -> StatusUpdateScreen:
    await pilot.press("u")
    await wait_until(pilot, lambda: isinstance(app.screen, StatusUpdateScreen), "the composer")
    return app.screen


async def test_composer_edits_are_recorded_exactly_and_restart_the_countdown(store, db_path, clock, incident) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        assert header(app, "next-update") == "next update in 12m 00s"
        screen = await wait_for_composer(pilot, app)
        preview = screen.query_one("#preview", TextArea)

        # A field: the preview is redrafted from it.
        impact = screen.query_one("#impact", Input)
        impact.value = "Card payments in the EU"
        await wait_until(pilot, lambda: "**Impact:** Card payments in the EU" in preview.text, "the redraft")
        # Then the text itself, edited freely after the fields.
        preview.focus()
        preview.move_cursor(preview.document.end)
        await pilot.press("enter", *"DBA paged")
        await pilot.pause()
        text = preview.text
        assert text.endswith("**Next update:** 03:44 UTC\nDBA paged")

        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, WarRoomScreen), "the composer closed")
        row = one(db_path, "SELECT * FROM status_updates")
        assert row["text"] == text
        assert (row["impact"], row["format"], row["sent_at"], row["author"]) == (
            "Card payments in the EU",
            "markdown",
            NOW_ISO,
            "tester",
        )
        event = one(db_path, "SELECT * FROM events WHERE kind = 'status_update'")
        assert event["text"] == f"Status update sent:\n{text}"
        await wait_until(pilot, lambda: "Status update sent: ⏎ ## Status Update:" in last_line(app), "the timeline")
        # The header counts down to the time the update told stakeholders: 03:44.
        await wait_until(pilot, lambda: header(app, "next-update") == "next update in 29m 30s", "the countdown")

        # Thirty-one minutes later without an update: flagged.
        clock.advance(minutes=31)
        await wait_until(pilot, lambda: header(app, "next-update") == "update OVERDUE 1m 30s", "the overdue flag")
        label = app.screen.query_one("#header #next-update")
        assert label.has_class("late")


async def test_plain_text_format_is_recorded_as_text(store, db_path, clock, incident) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        screen = await wait_for_composer(pilot, app)
        preview = screen.query_one("#preview", TextArea)
        screen.query_one("#format", RadioSet).focus()
        await pilot.press("right", "enter")  # the second button: plain text
        await wait_until(pilot, lambda: preview.text.startswith(f"Status update: {TITLE}\nStatus: "), "plain text")
        text = preview.text
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: count(db_path, "status_updates") == 1, "the update")
        row = one(db_path, "SELECT text, format FROM status_updates")
        assert row == {"text": text, "format": "text"}
        # The file fallback (no clipboard in tests) keeps the format's extension.
        await wait_until(pilot, lambda: any(".txt" in toast for toast in toasts(app)), "where it went")


async def test_a_failed_save_keeps_the_composer_and_its_text(store, db_path, clock, incident, monkeypatch) -> None:
    original = Store.record_status_update
    calls: list[int] = []

    def failing_once(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise WriteFailed("disk full")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Store, "record_status_update", failing_once)
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        screen = await wait_for_composer(pilot, app)
        screen.query_one("#eta", Input).value = "20 minutes"
        preview = screen.query_one("#preview", TextArea)
        preview.insert("Typed by hand\n", (0, 0))
        await pilot.pause()
        text = preview.text
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: any("disk full" in toast for toast in toasts(app)), "the error")
        assert app.screen is screen and preview.text == text
        assert screen.query_one("#eta", Input).value == "20 minutes"
        assert count(db_path, "status_updates") == 0 and count(db_path, "events", "kind = 'status_update'") == 0
        assert app.clipboard == ""  # nothing copied either: what was not recorded was not sent

        await pilot.press("ctrl+s")  # retry
        await wait_until(pilot, lambda: isinstance(app.screen, WarRoomScreen), "the composer closed")
        assert one(db_path, "SELECT text FROM status_updates")["text"] == text
        assert calls == [1, 1]


async def test_escape_sends_nothing(store, db_path, clock, incident) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        await wait_for_composer(pilot, app)
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, WarRoomScreen), "the composer closed")
        await settle(pilot)
        assert count(db_path, "status_updates") == 0
        assert not any("Status update" in toast for toast in toasts(app))


async def test_configured_cadence_drives_the_composer_and_the_header(store, db_path, clock, incident) -> None:
    cadence = {**default_cadence(), Severity.SEV2: timedelta(minutes=20)}
    app = console(store, clock, config=Config(update_cadence=cadence))
    async with run(app) as pilot:
        await pilot.pause()
        assert header(app, "next-update") == "next update in 2m 00s"  # declared 18 min ago, every 20
        screen = await wait_for_composer(pilot, app)
        assert screen.query_one("#next_update", Input).value == "03:34 UTC"
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: header(app, "next-update") == "next update in 19m 30s", "the countdown")
        assert count(db_path, "status_updates") == 1


async def test_config_problems_are_shown_when_the_console_starts(store, clock, incident, tmp_path) -> None:
    path = write_config(tmp_path, '[updates]\ncadence_minutes = { "SEV-2" = "often" }\n')
    app = console(store, clock, config=load_config(path))
    async with run(app) as pilot:
        await wait_until(
            pilot, lambda: any("cadence_minutes.SEV-2" in toast for toast in toasts(app)), "the configuration warning"
        )
        assert header(app, "next-update") == "next update in 12m 00s"  # the default is used


async def test_the_console_reads_the_config_file_by_default(store, clock, incident, private_session) -> None:
    path = Path(private_session) / "config" / "ir-console" / "config.toml"
    path.parent.mkdir(parents=True)
    path.write_text('[updates]\ncadence_minutes = { "SEV-2" = 25 }\n', encoding="utf-8")
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        assert header(app, "next-update") == "next update in 7m 00s"


# -- ir-console update ---------------------------------------------------------------------------


@pytest.fixture
def cli(db_path: Path, store: Store, incident: Incident, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setattr("ir_console.cli.utc_now", lambda: NOW)
    monkeypatch.setenv("IR_CONSOLE_DB", str(db_path))
    monkeypatch.setenv("IR_CONSOLE_USER", "tester")
    return CliRunner()


def invoke(cli: CliRunner, *args: str):
    result = cli.invoke(main, list(args), prog_name="ir-console")
    assert "Traceback" not in result.stderr
    return result


def test_update_prints_the_markdown_draft_and_records_nothing(cli, db_path, store, incident) -> None:
    result = invoke(cli, "update", incident.ref)
    assert result.exit_code == 0 and result.stderr == ""
    assert result.stdout == status_update_markdown(draft_status_update(store.record(incident.id), NOW)) + "\n"
    assert result.stdout.splitlines()[1:] == [
        "**Status:** Investigating",
        "**Impact:** All users paying by card — 30% of POST /checkout fail",
        "**Current action:** Investigating",
        "**ETA:** Unknown",
        "**Next update:** 03:44 UTC",
    ]
    assert count(db_path, "status_updates") == 0


def test_update_text_format(cli, store, incident) -> None:
    result = invoke(cli, "update", incident.uuid, "--format", "text")
    assert result.exit_code == 0
    assert result.stdout == status_update_text(draft_status_update(store.record(incident.id), NOW)) + "\n"


def test_update_uses_the_configured_cadence_and_warns_about_a_bad_one(cli, incident, private_session) -> None:
    path = Path(private_session) / "config" / "ir-console" / "config.toml"
    path.parent.mkdir(parents=True)
    path.write_text('[updates]\ncadence_minutes = { "SEV-2" = 20, "SEV-1" = -1 }\n', encoding="utf-8")
    result = invoke(cli, "update", incident.ref)
    assert result.exit_code == 0
    assert "**Next update:** 03:34 UTC" in result.stdout
    assert re.fullmatch(r"ir-console: warning: .*cadence_minutes\.SEV-1: must be at least 1 minute.*\n", result.stderr)


def test_update_sent_records_the_exact_text(cli, db_path, incident) -> None:
    result = invoke(cli, "update", incident.ref, "--sent", "--by", "comms", "--format", "text")
    assert result.exit_code == 0
    row = one(db_path, "SELECT * FROM status_updates")
    assert row["text"] + "\n" == result.stdout
    assert (row["format"], row["author"]) == ("text", "comms")
    event = one(db_path, "SELECT * FROM events WHERE kind = 'status_update'")
    assert (event["source"], event["text"]) == ("cli", f"Status update sent:\n{row['text']}")


def test_update_copy_falls_back_to_a_private_file_and_says_so_on_stderr(cli, incident, private_session) -> None:
    result = invoke(cli, "update", incident.ref, "--copy")
    assert result.exit_code == 0
    line = result.stderr.strip()
    assert "\n" not in line and line.startswith("ir-console: No clipboard here (")
    saved = Path(line.rsplit(" ", 1)[1])
    assert saved.parent == Path(private_session) / "data" / "ir-console" / "status-updates"
    assert saved.name.startswith(f"status-update-{incident.ref}-") and saved.suffix == ".md"
    assert saved.read_text(encoding="utf-8") + "\n" == result.stdout
    assert saved.stat().st_mode & 0o777 == 0o600
    assert "\x1b]52" not in result.stdout  # stdout is not a terminal: no OSC 52


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["update", "INC-19990101-001"], "no incident"),
        (["update"], "Missing argument 'ID'"),
        (["update", "1", "--format", "html"], "'html' is not one of 'markdown', 'text'"),
        (["update", "1", "--by", "someone"], "--by goes with --sent"),
    ],
)
def test_update_errors_are_one_line(cli, db_path, args: list[str], needle: str) -> None:
    result = invoke(cli, *args)
    assert result.exit_code == 2 and result.stdout == ""
    assert len(result.stderr.splitlines()) == 1 and needle in result.stderr, result.stderr
    assert count(db_path, "status_updates") == 0
