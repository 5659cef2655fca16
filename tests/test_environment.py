"""A poor environment, all at once: no git installed, no network, no permission to read /proc, no
clipboard. The console starts, says what it cannot see, and keeps the record as usual."""

from __future__ import annotations

import socket

import psutil
import pytest
from tui_support import console, count, run, toasts, wait_until

from ir_console.config import Config, GitSource, HttpCheck, TcpCheck
from ir_console.signals.resources import ResourceSampler
from ir_console.tui.widgets.signals import SignalsPane
from ir_console.tui.widgets.text_pane import TextPane


# No network: names do not resolve and nothing answers. (An address on the internet cannot stand in
# for that in a test: a sandbox or proxy may answer for any address.)
def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def denied(*args: object, **kwargs: object) -> object:
    raise psutil.AccessDenied()


@pytest.fixture
def poor_machine(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    empty_bin = tmp_path / "bin"
    empty_bin.mkdir()
    monkeypatch.setenv("PATH", str(empty_bin))  # no git (and nothing else) to run
    for name in (
        "cpu_percent",
        "virtual_memory",
        "swap_memory",
        "disk_usage",
        "disk_partitions",
        "disk_io_counters",
        "net_io_counters",
        "pids",
        "process_iter",
        "cpu_count",
    ):
        monkeypatch.setattr(psutil, name, denied)
    monkeypatch.setattr("os.getloadavg", denied)


def pane_text(app, name: str) -> str:
    built = app.screen.query_one(SignalsPane).query(f"#{name}")  # a hidden tab's pane is built when first shown
    return built.first(TextPane).plain if built else ""


async def test_the_console_works_without_git_network_proc_or_clipboard(
    store, db_path, clock, incident, poor_machine, tmp_path
) -> None:
    config = Config()
    config.health.interval = config.changes.interval = 0.2
    config.health.http.append(HttpCheck("api", f"http://127.0.0.1:{closed_port()}/health", timeout=0.5))
    config.health.http.append(HttpCheck("dns", "http://no-such-host.invalid/health", timeout=0.5))
    config.health.tcp.append(TcpCheck("db", "127.0.0.1", closed_port(), timeout=0.5))
    config.changes.git.append(GitSource(tmp_path))
    app = console(store, clock, config=config, sample_interval=0.2)
    app.sampler = ResourceSampler()  # the real sampler, on a machine that denies every figure
    async with run(app) as pilot:
        signals = app.screen.query_one(SignalsPane)
        await wait_until(
            pilot,
            lambda: signals.sample is not None and len(signals.health) == 3 and signals.repos,
            "every signal measured once",
        )
        sample = signals.sample
        assert sample.cpu_percent is None and sample.memory_percent is None and sample.mounts == ()
        assert {result.state.value for result in signals.health} == {"down"}
        assert all(result.reason for result in signals.health)
        assert "git is not installed" in signals.repos[0].problem

        await wait_until(pilot, lambda: "CPU     n/a" in pane_text(app, "system"), "the System pane saying n/a")
        await pilot.press("g")
        await wait_until(pilot, lambda: pane_text(app, "health").count("DOWN") == 3, "three endpoints down")
        await pilot.press("g")
        await wait_until(pilot, lambda: "git is not installed" in pane_text(app, "changes"), "the git problem")

        # The record is kept as usual: an entry, and evidence of what could not be seen.
        await pilot.press("t", *"still logging", "enter")
        await wait_until(pilot, lambda: count(db_path, "events", "text = 'still logging'") == 1, "the entry")
        await pilot.press("escape", "e")
        await wait_until(
            pilot,
            lambda: count(db_path, "events", "kind = 'evidence' AND text LIKE '%git is not installed%'") == 1,
            "the evidence",
        )
        assert app.is_running
        assert not any("failed" in toast for toast in toasts(app))  # nothing denied broke sampling
