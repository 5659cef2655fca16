"""The console where there is no terminal to draw on, and `--debug`'s log.

A real process each time: stdin or stdout not a terminal, or TERM=dumb, and the console refuses in
one line (exit status 2) pointing at the commands, without creating a database; the commands work
as before. A console that started anyway would never exit: it is killed after a timeout, and the
test fails.
"""

from __future__ import annotations

import os
import pty
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from ir_console import debuglog

REFUSAL = "ir-console: the console needs a terminal ({}); without one, use the commands: `ir-console list`"


def environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IR_CONSOLE_")}
    env.update(
        {
            "IR_CONSOLE_DB": str(tmp_path / "data" / "incidents.db"),
            "XDG_STATE_HOME": str(tmp_path / "state"),
            "TERM": "xterm-256color",
            **extra,
        }
    )
    return env


def run(tmp_path: Path, *args: str, stdin_tty: bool, stdout_tty: bool, **env: str) -> subprocess.CompletedProcess:
    """`python -m ir_console ARGS` with stdin and stdout each a pseudo-terminal or not."""
    master, slave = pty.openpty()
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "ir_console", *args],
            stdin=slave if stdin_tty else subprocess.DEVNULL,
            stdout=slave if stdout_tty else subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=environment(tmp_path, **env),
            cwd=tmp_path,
        )
    finally:
        os.close(slave)
    try:
        stdout, stderr = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        pytest.fail(f"ir-console {' '.join(args)} started without refusing (killed after 30 s)")
    finally:
        os.close(master)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout or b"", stderr)


@pytest.mark.parametrize("command", [[], ["--list"], ["demo"]])
@pytest.mark.parametrize(
    "stdin_tty, stdout_tty, term, reason",
    [
        (False, True, "xterm-256color", "stdin is not a terminal"),
        (True, False, "xterm-256color", "stdout is not a terminal"),
        (False, False, "xterm-256color", "stdin is not a terminal"),
        (True, True, "dumb", "TERM=dumb cannot draw it"),
    ],
)
def test_the_console_refuses_without_a_terminal_in_one_line(
    tmp_path: Path, command: list[str], stdin_tty: bool, stdout_tty: bool, term: str, reason: str
) -> None:
    result = run(tmp_path, *command, stdin_tty=stdin_tty, stdout_tty=stdout_tty, TERM=term)
    assert result.returncode == 2
    lines = result.stderr.decode().splitlines()
    assert len(lines) == 1 and lines[0].startswith(REFUSAL.format(reason)), lines
    assert result.stdout == b""
    assert not (tmp_path / "data").exists()  # no database made for a console that never ran


def test_the_commands_work_without_a_terminal(tmp_path: Path) -> None:
    made = run(tmp_path, "new", "Scripted", "--sev", "2", stdin_tty=False, stdout_tty=False, TERM="dumb")
    assert made.returncode == 0, made.stderr
    listed = run(tmp_path, "list", stdin_tty=False, stdout_tty=False, TERM="dumb")
    assert listed.returncode == 0 and "Scripted" in listed.stdout.decode(), listed.stderr


@pytest.fixture
def debug_logging():
    """--debug in-process adds a handler to the package's logger: removed after the test."""
    before = list(debuglog.log.handlers)
    yield
    for handler in debuglog.log.handlers[len(before) :]:
        handler.close()
    debuglog.log.handlers[:] = before
    debuglog.log.setLevel("NOTSET")


def test_debug_logs_the_command_and_its_error_to_the_user_log_folder(tmp_path: Path) -> None:
    result = run(tmp_path, "--debug", "show", "INC-19990101-001", stdin_tty=False, stdout_tty=False)
    assert result.returncode == 2
    log = tmp_path / "state" / "ir-console" / "log" / "ir-console-debug.log"
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    text = log.read_text()
    assert "argv ['--debug', 'show', 'INC-19990101-001']" in text
    assert "command failed (exit status 2): " in text and "incidents.db: no such database" in text
    assert not (tmp_path / "state" / "ir-console" / "log" / "ir-console-debug.log.1").exists()
    quiet = run(tmp_path, "show", "INC-19990101-001", stdin_tty=False, stdout_tty=False)
    assert quiet.returncode == 2 and log.read_text() == text  # without --debug nothing is added


def test_debug_logs_the_traceback_of_a_console_that_crashed(tmp_path: Path, debug_logging, capsys) -> None:
    from ir_console.tui.app import run_app

    class Crashing:
        crash = None
        return_code = None
        reader = type("Reader", (), {"path": tmp_path / "incidents.db"})()

        def run(self) -> None:
            raise RuntimeError("the driver could not start")

    path = debuglog.start_debug_log(tmp_path / "debug.log")
    assert run_app(Crashing()) == 70
    text = path.read_text()
    assert "console starting on" in text and "console stopped on an unexpected error" in text
    assert "Traceback (most recent call last):" in text and "RuntimeError: the driver could not start" in text
    assert capsys.readouterr().err.startswith("ir-console: the console stopped on an unexpected error")
