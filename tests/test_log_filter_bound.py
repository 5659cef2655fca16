r"""A log filter with catastrophic backtracking cannot freeze the console (issue #17 item 13).

`^(\w+\s?)*$` against 50 KB of `a` then `!` takes Python's backtracking `re` longer than anyone
waits, holding the GIL the whole time, so not even ctrl+q got through. Log filters are matched by
RE2 (linear time). Both liveness checks run in a child process with a generous bound: a frozen
matcher holds the GIL, so the test's own thread could not time it out in-process; the bound is
for liveness, not a benchmark. `config check` says in one line when a pattern needs what RE2
lacks (backreferences, lookaround) and the default pattern is used instead.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from click.testing import CliRunner

from ir_console.cli import main
from ir_console.config import DEFAULT_LOG_PATTERN, LogSource, load_config
from ir_console.signals.logs import LogTail

ROOT = Path(__file__).resolve().parents[1]
HOSTILE_PATTERN = r"^(\w+\s?)*$"
HOSTILE_LINE = "a" * 50_000 + "!"
LIVENESS_BOUND = 60  # seconds: far beyond what matching takes; only a frozen child reaches it


def run_child(script: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "tests")]),
        "TZ": "UTC",
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "IR_CONSOLE_CONFIG": str(tmp_path / "none.toml"),
    }
    # A frozen child is killed by `timeout` and the test fails with TimeoutExpired.
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script), str(tmp_path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=LIVENESS_BOUND,
        cwd=ROOT,
    )


def test_the_hostile_filter_on_a_hostile_line_completes(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_text(f"{HOSTILE_LINE}\nsome words here\n")
    done = run_child(
        f"""
        import sys
        from pathlib import Path
        from ir_console.config import LogSource
        from ir_console.signals.logs import LogTail
        tail = LogTail(LogSource(path=Path(sys.argv[1]) / "app.log", pattern={HOSTILE_PATTERN!r}))
        print([line.text for line in tail.poll()], tail.problem or "no problem")
    """,
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "['some words here'] no problem\n"


def test_the_filter_is_case_insensitive_and_still_a_regular_expression(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_text("FATAL: disk full\nall good\nPanic in worker 3\nerr0r\n")
    tail = LogTail(LogSource(path=log, pattern=r"fatal|panic\s+in\s+\w+"))
    assert [line.text for line in tail.poll()] == ["FATAL: disk full", "Panic in worker 3"]


async def test_the_console_stays_responsive_and_quits_on_ctrl_q(tmp_path: Path) -> None:
    (tmp_path / "app.log").write_text(f"{HOSTILE_LINE}\ndisk error on db2\n")
    done = run_child(
        f"""
        import asyncio, sys, time
        time.tzset()
        from pathlib import Path
        from ir_console.config import Config, LogSource
        from ir_console.store import Store
        from ir_console.tui.widgets.signals import SignalsPane
        from tui_support import Clock, console, declare_checkout_incident, run, wait_until, war_room

        async def main(folder: Path) -> None:
            config = Config()
            config.logs.interval = 0.1
            config.logs.files.append(LogSource(path=folder / "app.log", pattern={HOSTILE_PATTERN!r}))
            clock = Clock()
            with Store.open(folder / "incidents.db") as store:
                declare_checkout_incident(store, clock)
                app = console(store, clock, config=config)
                async with run(app) as pilot:
                    pane = war_room(app).query_one(SignalsPane)
                    await wait_until(pilot, lambda: pane.log_lines and [l.text for l in pane.log_lines[0]]
                                     == ["disk error on db2"], "the log lines matched", timeout=30)
                    await pilot.press("ctrl+q")
                    await wait_until(pilot, lambda: app.return_code is not None, "the console to quit")
                print("quit with", app.return_code)

        asyncio.run(main(Path(sys.argv[1])))
    """,
        tmp_path,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().endswith("quit with 0")


def test_config_check_says_when_a_pattern_cannot_be_bounded(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "config.toml"
    # TOML literal strings ('...'): the backslashes are the pattern's own.
    path.write_text(
        "[[logs.file]]\npath = '/var/log/a.log'\npattern = '(\\w+) \\1'\n\n"
        f"[[logs.file]]\npath = '/var/log/b.log'\npattern = '{HOSTILE_PATTERN}'\n"
    )
    config = load_config(path)
    # The backreference cannot be matched in bounded time: the default is used, and said so.
    assert [source.pattern for source in config.logs.files] == [DEFAULT_LOG_PATTERN, HOSTILE_PATTERN]
    [problem] = config.problems
    assert problem.startswith(
        f"{path}: [[logs.file]] #1 pattern: cannot be matched in bounded time (the log "
        "filter uses RE2, which has no backreferences or lookaround: invalid escape "
        "sequence: \\1)"
    )
    assert problem.endswith(f"; using '{DEFAULT_LOG_PATTERN}'")
    monkeypatch.setenv("IR_CONSOLE_DB", str(tmp_path / "incidents.db"))
    result = CliRunner().invoke(main, ["--config", str(path), "config", "check"])
    assert problem in result.output.splitlines()
    assert "lookaround" not in result.output.replace(problem, "")  # one line, once
