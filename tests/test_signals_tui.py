"""The war room's Signals pane, driven headless: real loopback HTTP and TCP servers, a real git
repository, real log files and samplers of our own.

Each test checks what the panes show (the text drawn, the tab labels) and what the SQLite file
holds (read with a connection of our own): the `signal` events the watches write by themselves
and the `evidence` events `e` attaches. Every wait is bounded; intervals are a few tenths of a
second so a test takes a few seconds.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner
from textual.widgets import TabbedContent
from tui_support import (
    NOW,
    NOW_ISO,
    Clock,
    console,
    count,
    one,
    paste,
    query,
    run,
    settle,
    shown_lines,
    wait_until,
    war_room,
)

from ir_console.cli import main
from ir_console.config import Config, GitSource, HttpCheck, LogSource, TcpCheck
from ir_console.model.clock import to_iso
from ir_console.signals.resources import ResourceSample
from ir_console.store import Store
from ir_console.tui.app import IrConsoleApp
from ir_console.tui.dialogs.help import HelpScreen
from ir_console.tui.dialogs.new_incident import NewIncidentScreen
from ir_console.tui.screens.war_room import WarRoomScreen
from ir_console.tui.widgets.entry_line import EntryLine
from ir_console.tui.widgets.signals import SignalsPane
from ir_console.tui.widgets.text_pane import TextPane

INTERVAL = 0.2  # seconds between rounds of every signal in these tests
# Loopback answers in milliseconds, but a busy 2-core machine can stall a thread for a second:
# endpoints meant to be up get room enough never to be called slow (degraded).
ROOMY = {"timeout": 6.0, "degraded_after": 5.0}
ROOMY_TCP = 10.0  # TCP is degraded after half its timeout
TOKEN = "tok-7f3a9c2e-d41b-never-stored"


# -- loopback servers -----------------------------------------------------------------------------


class Handler(BaseHTTPRequestHandler):
    server: Site

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        self.server.requests.append((path, dict(self.headers)))
        self.answer(self.server.status_for(path, self.headers.get("Authorization")))

    def answer(self, status: int) -> None:
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


class Site(ThreadingHTTPServer):
    """`/ok` answers 200, `/error` 500, `/flip` 500 until `flipped` is set, `/secure` 200 only
    with `Authorization: Bearer TOKEN` (403 otherwise)."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.flipped = threading.Event()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{path}"

    def hits(self, path: str) -> int:
        return sum(1 for seen, _ in list(self.requests) if seen == path)

    def status_for(self, path: str, authorization: str | None) -> int:
        if path == "/flip":
            return 200 if self.flipped.is_set() else 500
        if path == "/secure":
            return 200 if authorization == f"Bearer {TOKEN}" else 403
        return {"/ok": 200, "/error": 500}.get(path, 404)


@pytest.fixture
def site() -> Iterator[Site]:
    server = Site()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def tcp_listener() -> Iterator[int]:
    """A port that accepts connections (the kernel completes them from the backlog)."""
    with socket.create_server(("127.0.0.1", 0), backlog=64) as listener:
        yield listener.getsockname()[1]


def closed_port() -> int:
    """A port nothing listens on: connecting is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SilentServer:
    """Accepts connections and holds them open, never reading a byte nor answering."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0), backlog=64)
        self.listener.settimeout(0.05)
        self.held: list[socket.socket] = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.listener.getsockname()[1]}{path}"

    def _accept(self) -> None:
        while not self.stopping.is_set():
            try:
                connection, _ = self.listener.accept()
            except TimeoutError:
                continue
            self.held.append(connection)

    def close(self) -> None:
        self.stopping.set()
        self.thread.join(timeout=5)
        for connection in self.held:
            connection.close()
        self.listener.close()


# -- git and logs ---------------------------------------------------------------------------------


needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


@pytest.fixture
def isolated_git(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No user or system git configuration (a safe.directory there would change the answers)."""
    monkeypatch.setenv("HOME", str(tmp_path_factory.mktemp("git-home")))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_CONFIG_GLOBAL"):
        monkeypatch.delenv(name, raising=False)


def commit(repo: Path, subject: str, *, ago: timedelta, author: str = "Ada") -> None:
    """An empty commit dated `ago` before the real now (`git log --since` reads the real clock)."""
    stamp = f"@{int((datetime.now(UTC) - ago).timestamp())} +0000"
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": author,
        "GIT_AUTHOR_EMAIL": "ada@example.com",
        "GIT_COMMITTER_NAME": author,
        "GIT_COMMITTER_EMAIL": "ada@example.com",
        "GIT_AUTHOR_DATE": stamp,
        "GIT_COMMITTER_DATE": stamp,
    }
    subprocess.run(
        ["git", "-C", str(repo), "commit", "-q", "--allow-empty", "--cleanup=verbatim", "-m", subject],
        env=env,
        check=True,
        capture_output=True,
        timeout=10,
    )


def make_repo(path: Path) -> Path:
    path.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(path)], check=True, capture_output=True, timeout=10)
    return path


def append(path: Path, text: str) -> None:
    with path.open("a", encoding="utf-8") as file:
        file.write(text)


# -- samplers -------------------------------------------------------------------------------------


class ScriptedSampler:
    """Like `demo.FixedSampler`: `.sample()` returns a `ResourceSample`, here with the CPU figure
    `cpu(n)` for the n-th sample (from 0) and quiet memory, swap and disks. `before(n)` runs
    first (a test moves its clock there)."""

    def __init__(self, cpu: Callable[[int], float | None], before: Callable[[int], None] = lambda n: None) -> None:
        self.cpu = cpu
        self.before = before
        self.taken = 0

    def sample(self) -> ResourceSample:
        number = self.taken
        self.before(number)
        value = self.cpu(number)
        self.taken += 1
        return ResourceSample(
            cpu_percent=value,
            memory_percent=41.0,
            swap_percent=0.0,
            disk_percent=50.0,
            load_average=(0.5, 0.4, 0.3),
            cpu_count=2,
            per_cpu=() if value is None else (value, value),
            memory_used=3 << 30,
            memory_total=8 << 30,
        )


# -- the console ----------------------------------------------------------------------------------


def signals_config(
    *,
    http: tuple[HttpCheck, ...] = (),
    tcp: tuple[TcpCheck, ...] = (),
    git: tuple[GitSource, ...] = (),
    logs: tuple[LogSource, ...] = (),
    sustained: float = 60.0,
    rate_limit: float = 300.0,
) -> Config:
    config = Config()
    config.signals.sustained = sustained
    config.signals.rate_limit = rate_limit
    config.health.interval = config.changes.interval = config.logs.interval = INTERVAL
    config.health.http.extend(http)
    config.health.tcp.extend(tcp)
    config.changes.git.extend(git)
    config.logs.files.extend(logs)
    return config


def start(
    store: Store, clock: Clock, config: Config, *, sampler: ScriptedSampler | None = None, sample_interval: float = 0
) -> IrConsoleApp:
    app = console(store, clock, config=config, sample_interval=sample_interval)
    if sampler is not None:
        app.sampler = sampler
    return app


def signals(app: IrConsoleApp) -> SignalsPane:
    return war_room(app).query_one(SignalsPane)


def pane_text(app: IrConsoleApp, pane: str) -> str:
    """The text last drawn in a signal pane ("" when it was never drawn; a hidden tab's pane is
    built when the tab is first shown)."""
    built = signals(app).query(f"#{pane}")
    return built.first(TextPane).plain if built else ""


def tab_label(app: IrConsoleApp, tab: str) -> str:
    return str(signals(app).query_one(TabbedContent).get_tab(f"{tab}-tab").label)


async def show_tab(pilot, tab: str) -> None:
    """Press `g` until `tab` is the visible one."""
    for _ in range(4):
        if signals(pilot.app).active == tab:
            return
        await pilot.press("g")
    assert signals(pilot.app).active == tab


def signal_events(db_path: Path) -> list[dict]:
    return query(db_path, "SELECT * FROM events WHERE kind = 'signal' ORDER BY id")


def evidence_events(db_path: Path) -> list[dict]:
    return query(db_path, "SELECT * FROM events WHERE kind = 'evidence' ORDER BY id")


async def attach_evidence(pilot, db_path: Path) -> dict:
    """Press `e` and return the evidence event it wrote."""
    before = len(evidence_events(db_path))
    await pilot.press("e")
    await wait_until(pilot, lambda: len(evidence_events(db_path)) == before + 1, "the evidence event")
    return evidence_events(db_path)[-1]


# -- 1. health ------------------------------------------------------------------------------------


async def test_health_on_loopback_shows_each_endpoint_and_logs_what_goes_down_and_up(
    store, db_path, clock, incident, site, tcp_listener
) -> None:
    refused = closed_port()
    config = signals_config(
        http=(
            HttpCheck("api", site.url("/ok"), **ROOMY),
            HttpCheck("checkout", site.url("/flip"), **ROOMY),
            HttpCheck("search", f"http://127.0.0.1:{refused}/health", **ROOMY),
        ),
        tcp=(TcpCheck("postgres", "127.0.0.1", tcp_listener, timeout=ROOMY_TCP),),
    )
    app = start(store, clock, config)
    async with run(app) as pilot:
        await show_tab(pilot, "health")
        await wait_until(
            pilot,
            lambda: "postgres" in pane_text(app, "health") and site.hits("/flip") >= 3,
            "three rounds of checks, drawn",
        )
        await settle(pilot)

        lines = pane_text(app, "health").split("\n")
        assert len(lines) == 8  # a line and a detail for each endpoint, in configuration order
        assert lines[0] == "● api  UP  since 03:14:30Z (0s)"
        assert re.fullmatch(rf"  HTTP 200 · \d+ ms · GET {re.escape(site.url('/ok'))}", lines[1])
        assert lines[2] == "✖ checkout  DOWN  since 03:14:30Z (0s)"
        assert re.fullmatch(rf"  HTTP 500 \(expected 200\) · \d+ ms · GET {re.escape(site.url('/flip'))}", lines[3])
        assert lines[4] == "✖ search  DOWN  since 03:14:30Z (0s)"
        assert lines[5] == f"  connection refused · GET http://127.0.0.1:{refused}/health"
        assert lines[6] == "● postgres  UP  since 03:14:30Z (0s)"
        assert re.fullmatch(rf"  connected · \d+ ms · 127\.0\.0\.1:{tcp_listener}", lines[7])
        assert tab_label(app, "health") == "Health 2 down"

        # One event per endpoint that is down, however many rounds saw it down; none for the up ones.
        rows = signal_events(db_path)
        assert [(row["text"], row["source"], row["occurred_at"], row["incident_id"]) for row in rows] == [
            ("checkout down: HTTP 500 (expected 200)", "signal", NOW_ISO, incident.id),
            ("search down: connection refused", "signal", NOW_ISO, incident.id),
        ]
        assert any("search down: connection refused" in line for line in shown_lines(app))

        # Six minutes later the checkout endpoint answers again.
        clock.advance(minutes=6)
        site.flipped.set()
        await wait_until(pilot, lambda: len(signal_events(db_path)) == 3, "the up-again event")
        back = signal_events(db_path)[-1]
        assert (back["text"], back["source"], back["occurred_at"]) == (
            "checkout up again after 6m 00s down",
            "signal",
            to_iso(NOW + timedelta(minutes=6)),
        )
        await wait_until(pilot, lambda: tab_label(app, "health") == "Health 1 down", "the label counting one down")
        await wait_until(
            pilot, lambda: "● checkout  UP  since 03:20:30Z (0s)" in pane_text(app, "health"), "checkout drawn up"
        )
        assert "✖ search  DOWN  since 03:14:30Z (6m 00s)" in pane_text(app, "health")
        await settle(pilot)
        assert len(signal_events(db_path)) == 3


# -- 2. secrets -----------------------------------------------------------------------------------


def file_bytes(db_path: Path) -> bytes:
    """The database file and its WAL and shared-memory files, whichever exist."""
    parts = [db_path, db_path.with_name(db_path.name + "-wal"), db_path.with_name(db_path.name + "-shm")]
    return b"".join(part.read_bytes() for part in parts if part.exists())


async def test_a_secret_header_is_sent_but_never_reaches_the_record_or_an_export(
    store, db_path, clock, incident, site, monkeypatch
) -> None:
    monkeypatch.setenv("IR_TEST_TOKEN", TOKEN)
    headers = (("Authorization", "Bearer ${IR_TEST_TOKEN}"),)
    config = signals_config(
        http=(
            HttpCheck("vault", site.url("/secure"), headers=headers, **ROOMY),
            HttpCheck("billing", site.url("/error"), headers=headers, **ROOMY),
        )
    )
    app = start(store, clock, config)
    async with run(app) as pilot:
        await show_tab(pilot, "health")
        # Up only with the right token: the server got it.
        await wait_until(pilot, lambda: "● vault  UP" in pane_text(app, "health"), "vault drawn up")
        assert {headers["Authorization"] for path, headers in site.requests if path == "/secure"} == {f"Bearer {TOKEN}"}
        await wait_until(pilot, lambda: len(signal_events(db_path)) == 1, "billing's down event")
        assert signal_events(db_path)[0]["text"] == "billing down: HTTP 500 (expected 200)"

        evidence = await attach_evidence(pilot, db_path)
        assert evidence["text"].startswith(f"Health checks at {NOW_ISO}:\n")
        assert f"- vault (GET {site.url('/secure')}): up, HTTP 200" in evidence["text"]
        assert f"- billing (GET {site.url('/error')}): down, HTTP 500 (expected 200)" in evidence["text"]
        assert TOKEN not in pane_text(app, "health")
        assert TOKEN.encode() not in file_bytes(db_path)

    assert TOKEN.encode() not in file_bytes(db_path)
    runner = CliRunner()
    for fmt in ("markdown", "json"):
        result = runner.invoke(main, ["--db", str(db_path), "export", incident.ref, "--format", fmt])
        assert result.exit_code == 0, result.output
        assert incident.title in result.output
        assert TOKEN not in result.output, fmt
    assert "billing down: HTTP 500" in result.output  # the JSON export holds the whole timeline


# -- 3. changes -----------------------------------------------------------------------------------

HOSTILE_SUBJECT = "Deploy [bold]v2.41.0[/] \x1b[31mred"
SUBJECT_SHOWN = "Deploy [bold]v2.41.0[/] red"


@needs_git
async def test_changes_show_commit_subjects_as_text_and_attach_them(
    store, db_path, clock, incident, tmp_path, isolated_git
) -> None:
    repo = make_repo(tmp_path / "payments-svc")
    commit(repo, "Old refactor", ago=timedelta(hours=3))
    commit(repo, HOSTILE_SUBJECT, ago=timedelta(minutes=7))
    app = start(store, clock, signals_config(git=(GitSource(repo),)))
    async with run(app) as pilot:
        await show_tab(pilot, "changes")
        await wait_until(pilot, lambda: "Deploy" in pane_text(app, "changes"), "the commit drawn")
        text = pane_text(app, "changes")
        lines = text.split("\n")
        assert lines[0] == f"payments-svc  {repo} · since 2 hours ago"
        assert len(lines) == 2  # the three-hour-old commit is not recent
        assert re.fullmatch(rf"  \d\d:\d\d:\d\dZ [0-9a-f]{{9}} {re.escape(SUBJECT_SHOWN)} — Ada", lines[1])
        assert "\x1b" not in text
        assert tab_label(app, "changes") == "Changes 1"

        # A commit made while the console runs shows up on the next read.
        commit(repo, "Raise pool size", ago=timedelta(minutes=1), author="Grace")
        await wait_until(pilot, lambda: tab_label(app, "changes") == "Changes 2", "the second commit counted")
        await wait_until(
            pilot, lambda: "Raise pool size — Grace" in pane_text(app, "changes"), "the second commit drawn"
        )

        evidence = await attach_evidence(pilot, db_path)
        assert evidence["text"].startswith(f"Recent changes at {NOW_ISO}:\n")
        assert f"- payments-svc ({repo}, since 2 hours ago): 2 commits" in evidence["text"]
        assert f"{SUBJECT_SHOWN} — Ada" in evidence["text"]
        assert "\x1b" not in evidence["text"]
        assert (evidence["source"], evidence["author"]) == ("console", "tester")


# -- 4. logs --------------------------------------------------------------------------------------


async def test_logs_follow_appends_and_rotation_and_count_what_arrives_unseen(
    store, db_path, clock, incident, tmp_path
) -> None:
    log = tmp_path / "app.log"
    log.write_text("INFO boot\nERROR before the console started\n")
    app = start(store, clock, signals_config(logs=(LogSource(log, name="payments"),)))
    async with run(app) as pilot:
        await show_tab(pilot, "logs")
        await wait_until(pilot, lambda: "ERROR before the console started" in pane_text(app, "logs"), "the backlog")

        append(log, "INFO request ok\nERROR pool exhausted (max=20)\n")
        await wait_until(pilot, lambda: "ERROR pool exhausted" in pane_text(app, "logs"), "an appended line")

        # logrotate: the old file is renamed (its writer finishes a last line), a new one begins.
        append(log, "FATAL last words of the old file\n")
        log.rename(tmp_path / "app.log.1")
        append(tmp_path / "app.log.1", "ERROR written after the rename\n")
        log.write_text("INFO new file\npanic: first line of the new file\n")
        await wait_until(
            pilot, lambda: "panic: first line of the new file" in pane_text(app, "logs"), "the new file's line"
        )
        text = pane_text(app, "logs")
        assert text.split("\n")[0] == f"payments  {log} /error|fatal|panic/"
        assert "FATAL last words of the old file" in text
        assert "INFO" not in text
        assert tab_label(app, "logs") == "Logs 5"
        assert "rotated at 03:14:30Z" in text

        # While another tab is visible the label counts what arrives; the pane is not redrawn.
        await show_tab(pilot, "system")
        append(log, "ERROR one\nINFO not this\nERROR two\n")
        await wait_until(pilot, lambda: tab_label(app, "logs") == "Logs 2 new", "the label counting new lines")
        append(log, "FATAL three\n")
        await wait_until(pilot, lambda: tab_label(app, "logs") == "Logs 3 new", "the label counting on")
        assert "ERROR one" not in pane_text(app, "logs")

        await show_tab(pilot, "logs")
        assert tab_label(app, "logs") == "Logs 8"
        shown = pane_text(app, "logs").split("\n")
        assert shown[-3:] == ["  03:14:30Z ERROR one", "  03:14:30Z ERROR two", "  03:14:30Z FATAL three"]

        evidence = await attach_evidence(pilot, db_path)
        assert evidence["text"].split("\n") == [
            f"Log lines at {NOW_ISO}:",
            f"- payments ({log}, /error|fatal|panic/): last 8 matching lines",
            "  03:14:30Z ERROR before the console started",
            "  03:14:30Z ERROR pool exhausted (max=20)",
            "  03:14:30Z FATAL last words of the old file",
            "  03:14:30Z ERROR written after the rename",
            "  03:14:30Z panic: first line of the new file",
            "  03:14:30Z ERROR one",
            "  03:14:30Z ERROR two",
            "  03:14:30Z FATAL three",
        ]


# -- 5. thresholds --------------------------------------------------------------------------------

SAMPLE_INTERVAL = 0.05


async def test_a_sustained_cpu_spike_is_logged_once(store, db_path, clock, incident) -> None:
    sampler = ScriptedSampler(lambda n: 95.0)
    app = start(store, clock, signals_config(sustained=60), sampler=sampler, sample_interval=SAMPLE_INTERVAL)
    async with run(app) as pilot:
        await wait_until(
            pilot, lambda: sampler.taken >= 5 and "CPU    95.0%" in pane_text(app, "system"), "high samples drawn"
        )
        assert signal_events(db_path) == []  # critical, but not for a minute yet

        clock.advance(seconds=61)
        await wait_until(pilot, lambda: len(signal_events(db_path)) == 1, "the CPU event")
        taken = sampler.taken
        await wait_until(pilot, lambda: sampler.taken >= taken + 20, "twenty more high samples")
        await settle(pilot)
        rows = signal_events(db_path)
        assert [(row["text"], row["source"], row["occurred_at"]) for row in rows] == [
            ("CPU above 90% for 1m 01s (now 95%)", "signal", NOW_ISO)
        ]  # dated from the first crossing


async def test_a_flapping_cpu_is_rate_limited_and_the_record_ends_in_its_true_state(
    store, db_path, clock, incident
) -> None:
    flaps = 40

    def ten_seconds_later(number: int) -> None:
        if number < flaps:
            clock.advance(seconds=10)

    sampler = ScriptedSampler(lambda n: (95.0 if n % 2 == 0 else 10.0) if n < flaps else None, ten_seconds_later)
    app = start(
        store, clock, signals_config(sustained=0, rate_limit=300), sampler=sampler, sample_interval=SAMPLE_INTERVAL
    )
    async with run(app) as pilot:
        await wait_until(pilot, lambda: sampler.taken >= flaps + 3, "forty flapping samples over 400 s")
        await settle(pilot)
        # 40 changes in 400 s: one event, then one when the 300 s window has passed.
        rows = signal_events(db_path)
        assert [(row["text"], row["occurred_at"]) for row in rows] == [
            ("CPU 95% (critical at 90%)", to_iso(NOW + timedelta(seconds=10))),
            ("CPU 95% (critical at 90%) (29 changes suppressed)", to_iso(NOW + timedelta(seconds=310))),
        ]
        # Once the window has passed again, the last state held back is logged with its own time.
        clock.advance(seconds=300)
        await wait_until(pilot, lambda: len(signal_events(db_path)) == 3, "the held-back last change")
        last = signal_events(db_path)[-1]
        assert (last["text"], last["occurred_at"]) == (
            "CPU back below 85% (now 10%) (8 changes suppressed)",
            to_iso(NOW + timedelta(seconds=400)),
        )
        assert {row["source"] for row in signal_events(db_path)} == {"signal"}


# -- 6. early notices -----------------------------------------------------------------------------


async def test_a_signal_seen_before_the_incident_is_declared_lands_in_its_timeline(store, db_path, clock) -> None:
    refused = closed_port()
    app = start(store, clock, signals_config(tcp=(TcpCheck("db", "127.0.0.1", refused, timeout=2.0),)))
    async with run(app) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, NewIncidentScreen)  # no incident yet: the form is up
        await wait_until(pilot, lambda: tab_label(app, "health") == "Health 1 down", "the refused check")
        await settle(pilot)
        assert count(db_path, "events") == 0

        clock.advance(minutes=3)  # the responder takes three minutes to fill the form
        paste(app, "Database unreachable")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: len(signal_events(db_path)) == 1, "the early signal on the new incident")
        created = one(db_path, "SELECT * FROM incidents")
        assert created["title"] == "Database unreachable"
        assert created["declared_at"] == to_iso(NOW + timedelta(minutes=3))
        row = signal_events(db_path)[0]
        assert (row["text"], row["source"], row["occurred_at"], row["incident_id"]) == (
            "db down: connection refused",
            "signal",
            NOW_ISO,
            created["id"],
        )
        assert isinstance(app.screen, WarRoomScreen)
        await wait_until(
            pilot,
            lambda: any("db down: connection refused" in line for line in shown_lines(app)),
            "the signal on the timeline",
        )
        await settle(pilot)
        assert len(signal_events(db_path)) == 1  # still down: nothing new to say


# -- 7. never blocks ------------------------------------------------------------------------------


async def test_hanging_endpoints_never_block_typing(store, db_path, clock, incident) -> None:
    silent = SilentServer()
    try:
        # A timeout far above any write: the entry landing while the round is still out is the proof.
        checks = tuple(HttpCheck(f"hang-{number}", silent.url(f"/hang/{number}"), timeout=10.0) for number in range(10))
        app = start(store, clock, signals_config(http=checks))
        async with run(app) as pilot:
            await wait_until(pilot, lambda: len(silent.held) >= 10, "ten connections hanging")
            await pilot.press("t")
            await pilot.press(*"hung?")
            entry = app.screen.query_one("#entry", EntryLine)
            assert entry.value == "hung?"
            await pilot.press("enter")
            await wait_until(pilot, lambda: count(db_path, "events", "text = 'hung?'") == 1, "the entry")
            assert signals(app).health == []  # logged while the first round of checks is still waiting
            assert len(silent.held) >= 10
            assert one(db_path, "SELECT * FROM events WHERE text = 'hung?'")["incident_id"] == incident.id
    finally:
        silent.close()


# -- 8. hidden panes ------------------------------------------------------------------------------


def drawn_cpu(app: IrConsoleApp) -> float | None:
    found = re.match(r"CPU\s+([\d.]+)%", pane_text(app, "system"))
    return float(found.group(1)) if found else None


async def drawn_figure(pilot, app: IrConsoleApp) -> float:
    await wait_until(pilot, lambda: drawn_cpu(app) is not None, "the System pane drawn")
    return drawn_cpu(app)


async def test_hidden_panes_do_not_redraw_and_catch_up_when_shown(store, db_path, clock, incident) -> None:
    sampler = ScriptedSampler(lambda n: 10.0 + n % 50)  # a new figure every sample, never critical
    config = signals_config(tcp=(TcpCheck("db", "127.0.0.1", closed_port(), timeout=2.0),))
    app = start(store, clock, config, sampler=sampler, sample_interval=SAMPLE_INTERVAL)
    async with run(app) as pilot:
        pane = signals(app)
        assert pane.active == "system"
        await wait_until(pilot, lambda: tab_label(app, "health") == "Health 1 down", "the check's result")
        await settle(pilot)
        assert pane.health and pane_text(app, "health") == ""  # measured, never drawn
        await show_tab(pilot, "health")
        assert pane_text(app, "health").startswith("✖ db  DOWN  since 03:14:30Z")

        await show_tab(pilot, "system")
        # Samples come every 50 ms; the pane draws the latest on the war room's one-second tick.
        first = await drawn_figure(pilot, app)
        await wait_until(pilot, lambda: drawn_cpu(app) not in (None, first), "a later sample drawn on the tick")
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        covered = pane_text(app, "system")
        taken = sampler.taken
        await wait_until(
            pilot,
            lambda: sampler.taken >= taken + 5 and pane.sample.cpu_percent != drawn_cpu(app),
            "samples arriving under the modal",
        )
        assert pane_text(app, "system") == covered

        await pilot.press("escape")
        assert isinstance(app.screen, WarRoomScreen)
        await wait_until(pilot, lambda: pane_text(app, "system") != covered, "the System pane caught up")


# -- 9. a tiny terminal ---------------------------------------------------------------------------


@needs_git
async def test_a_tiny_terminal_with_every_signal_still_attaches_evidence(
    store, db_path, clock, incident, tmp_path, site, isolated_git
) -> None:
    repo = make_repo(tmp_path / "payments-svc")
    commit(repo, "Deploy v2.41.0", ago=timedelta(minutes=7))
    log = tmp_path / "app.log"
    log.write_text("ERROR pool exhausted\n")
    config = signals_config(
        http=(HttpCheck("api", site.url("/ok"), **ROOMY), HttpCheck("checkout", site.url("/error"), **ROOMY)),
        tcp=(TcpCheck("db", "127.0.0.1", closed_port(), timeout=2.0),),
        git=(GitSource(repo),),
        logs=(LogSource(log),),
    )
    config.health.interval = 30  # one round here: whatever the Health pane shows later, a redraw drew
    sampler = ScriptedSampler(lambda n: 30.0 + n % 10)
    app = start(store, clock, config, sampler=sampler, sample_interval=SAMPLE_INTERVAL)
    async with run(app, size=(40, 12)) as pilot:
        pane = signals(app)
        await wait_until(
            pilot,
            lambda: pane.sample is not None and len(pane.health) == 3 and pane.repos and any(pane.log_lines),
            "every signal measured",
        )
        assert not war_room(app).query_one("#signals-pane").display  # hidden at this size
        await wait_until(pilot, lambda: len(signal_events(db_path)) == 2, "the two down endpoints logged")
        hidden_text, taken = pane_text(app, "system"), sampler.taken
        await wait_until(
            pilot, lambda: sampler.taken >= taken + 5 and pane.sample.cpu_percent != drawn_cpu(app), "more samples"
        )
        assert pane_text(app, "system") == hidden_text  # hidden: not redrawn

        evidence = await attach_evidence(pilot, db_path)
        assert evidence["text"].startswith(f"System at {NOW_ISO}:\n- CPU ")
        await pilot.press("g")
        evidence = await attach_evidence(pilot, db_path)
        assert evidence["text"].startswith(f"Health checks at {NOW_ISO}:\n")
        assert "- db (127.0.0.1:" in evidence["text"] and "- checkout (GET " in evidence["text"]

        # A minute on, a bigger terminal shows the pane again, drawn anew.
        assert "✖ db  DOWN  since 03:14:30Z (0s)" in pane_text(app, "health")
        clock.advance(minutes=1)
        await pilot.resize_terminal(160, 48)
        await wait_until(
            pilot,
            lambda: "✖ db  DOWN  since 03:14:30Z (1m 00s)" in pane_text(app, "health"),
            "the Health pane caught up",
        )
        assert war_room(app).query_one("#signals-pane").display
        assert app.is_running
