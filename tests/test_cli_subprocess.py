"""The `ir-console` command line as scripts run it: a real process, `python -m ir_console` and the
installed `ir-console` script, with the database chosen by IR_CONSOLE_DB.

Output that shows user text must never carry terminal control sequences. click strips CSI
sequences itself when stdout is a pipe, so the checks that matter run with stdout on a pseudo-
terminal, where nothing is stripped on the way.
"""

from __future__ import annotations

import json
import os
import pty
import re
import select
import sqlite3
import subprocess
import sys
import time
import tty
from pathlib import Path

import pytest

from ir_console.store import Store

REF = re.compile(r"INC-\d{8}-\d{3}")
SCRIPT = Path(sys.executable).parent / "ir-console"
ENTRY_POINTS = {
    "module": [sys.executable, "-m", "ir_console"],
    "script": [str(SCRIPT)],
}

OSC52 = "\x1b]52;c;cHduZWQ=\x07"  # write the clipboard
CLEAR = "\x1b[2J"  # clear the screen
SGR = "\x1b[31m"  # colour
TITLE = "\x1b]0;owned\x1b\\"  # set the window title, ST-terminated
DCS = "\x1bP+q544e\x1b\\"  # device control string
CSI8 = "\x9b2J"  # 8-bit CSI
HOSTILE = f"before{OSC52}{CLEAR}-{SGR}-{TITLE}-{DCS}-{CSI8}-\u202eevil\u202c after\rover\x08!"
BIDI = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def control_characters(text: str) -> set[str]:
    """Every character in `text` a terminal could act on, other than the newline."""
    return {c for c in text if (ord(c) < 0x20 and c != "\n") or 0x7F <= ord(c) <= 0x9F or c in BIDI}


def environment(db: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IR_CONSOLE_")}
    env.update(IR_CONSOLE_DB=str(db), IR_CONSOLE_USER="tester", PYTHONIOENCODING="utf-8", **extra)
    return env


class Process:
    def __init__(self, entry: str, db: Path, cwd: Path):
        if entry == "script" and not SCRIPT.exists():
            pytest.skip(f"no console script at {SCRIPT}: run the tests with the project's virtualenv")
        self.argv = ENTRY_POINTS[entry]
        self.db = db
        self.cwd = cwd

    def run(self, *args: str, input: str | None = None) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [*self.argv, *args],
            input=input,
            capture_output=True,
            text=True,
            encoding="utf-8",
            env=environment(self.db),
            cwd=self.cwd,
            timeout=60,
        )
        assert "Traceback" not in result.stderr, result.stderr
        return result

    def ok(self, *args: str, **kwargs) -> str:
        result = self.run(*args, **kwargs)
        assert result.returncode == 0, result.stderr
        assert result.stderr == ""
        return result.stdout

    def fails(self, *args: str, code: int = 2, **kwargs) -> str:
        result = self.run(*args, **kwargs)
        assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
        assert result.stdout == ""
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("ir-console: "), result.stderr
        return lines[0]

    def on_terminal(self, *args: str, **env: str) -> str:
        """Run with stdout on a raw pseudo-terminal and return exactly the bytes written to it."""
        master, slave = pty.openpty()
        tty.setraw(slave)  # no newline translation: what the program writes is what we read
        try:
            process = subprocess.Popen(
                [*self.argv, *args],
                stdin=subprocess.DEVNULL,
                stdout=slave,
                stderr=subprocess.PIPE,
                env=environment(self.db, **{"TERM": "xterm-256color", **env}),
                cwd=self.cwd,
            )
        finally:
            os.close(slave)
        chunks, deadline = [], time.monotonic() + 60
        try:
            while True:
                ready, _, _ = select.select([master], [], [], max(0.0, deadline - time.monotonic()))
                if not ready:
                    process.kill()
                    raise AssertionError(f"{args} did not finish")
                try:
                    data = os.read(master, 65536)
                except OSError:  # EIO: the child has closed the terminal
                    break
                if not data:
                    break
                chunks.append(data)
        finally:
            os.close(master)
        stderr = process.stderr.read().decode("utf-8", "replace")
        process.stderr.close()
        assert process.wait(timeout=60) == 0, stderr
        assert "Traceback" not in stderr
        return b"".join(chunks).decode("utf-8")


@pytest.fixture(params=list(ENTRY_POINTS))
def cli(request, tmp_path: Path) -> Process:
    return Process(request.param, tmp_path / "incidents.db", tmp_path)


@pytest.fixture
def module_cli(tmp_path: Path) -> Process:
    return Process("module", tmp_path / "incidents.db", tmp_path)


def db_rows(db: Path, sql: str, params: tuple = ()) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def test_new_log_list_round_trip(module_cli: Process) -> None:
    cli = module_cli
    stdout = cli.ok("new", "Checkout is down", "--sev", "1", "--reporter", "pager")
    assert REF.fullmatch(stdout.removesuffix("\n")) and stdout.count("\n") == 1
    ref = stdout.strip()
    assert cli.ok("log", "restarted pods", "--key").startswith(f"{ref} #")
    assert cli.ok("log", "-", "--kind", "evidence", input="line one\nline two\n").startswith(f"{ref} #")
    listed = cli.ok("list").splitlines()
    assert len(listed) == 1 and listed[0].startswith(f"{ref}  SEV-1  Investigating")
    assert listed[0].endswith("Checkout is down")
    assert [i["id"] for i in json.loads(cli.ok("list", "--json", "--status", "open"))["incidents"]] == [ref]
    events = json.loads(cli.ok("show", ref, "--json"))["events"]
    assert [(e["text"], e["kind"], e["key_moment"]) for e in events[-2:]] == [
        ("restarted pods", "note", True),
        ("line one\nline two", "evidence", False),
    ]
    assert db_rows(cli.db, "SELECT ref, title, severity FROM incidents") == [(ref, "Checkout is down", 1)]
    assert db_rows(cli.db, "SELECT text, author, source FROM events ORDER BY id")[-2:] == [
        ("restarted pods", "tester", "cli"),
        ("line one\nline two", "tester", "cli"),
    ]


def test_the_console_script_round_trip(tmp_path: Path) -> None:
    cli = Process("script", tmp_path / "incidents.db", tmp_path)
    ref = cli.ok("new", "Search is slow", "--sev", "3").strip()
    assert REF.fullmatch(ref)
    assert cli.ok("log", "-", input="from stdin\n").startswith(f"{ref} #")
    assert cli.ok("list", "--status", "open").startswith(f"{ref}  SEV-3  Investigating")
    assert db_rows(cli.db, "SELECT text FROM events ORDER BY id DESC LIMIT 1") == [("from stdin",)]
    assert "no incident" in cli.fails("show", "INC-19990101-001")


def test_errors_are_one_line_with_exit_status_2(module_cli: Process) -> None:
    assert "no such database" in module_cli.fails("log", "nobody home")  # a write never creates one
    assert not module_cli.db.exists()
    Store.open(module_cli.db).close()  # a database with no incident yet
    assert "no open incident" in module_cli.fails("log", "nobody home")
    assert "no incident" in module_cli.fails("show", "INC-19990101-001")
    assert "--sev" in module_cli.fails("new", "t", "--sev", "9")
    assert "No such command" in module_cli.fails("frobnicate")
    assert "--help" in module_cli.ok("--help")


@pytest.mark.parametrize(
    "entry, args",
    [
        ("module", []),
        ("module", ["list"]),
        ("module", ["new", "t", "--sev", "1"]),
        ("module", ["log", "x"]),
        ("module", ["show", "1"]),
        ("module", ["set", "1", "--sev", "1"]),
        ("module", ["export", "1"]),
        ("script", []),
        ("script", ["log", "x"]),
    ],
)
def test_a_text_file_as_database_exits_2_and_is_left_alone(tmp_path: Path, entry: str, args: list[str]) -> None:
    cli = Process(entry, tmp_path / "unused.db", tmp_path)
    notes = tmp_path / "notes.txt"
    notes.write_text("my shopping list\n- milk\n")
    stat_before = notes.stat()
    result = cli.run("--db", str(notes), *args)
    assert result.returncode == 2 and result.stdout == ""
    if args:
        assert result.stderr == (
            f"ir-console: {notes}: not an SQLite database; choose another --db (the file was not changed)\n"
        )
    else:  # the console, without a terminal here, is refused before the file is opened
        assert result.stderr.startswith("ir-console: the console needs a terminal (stdin is not a terminal);")
    assert notes.read_text() == "my shopping list\n- milk\n"
    assert notes.stat().st_mtime_ns == stat_before.st_mtime_ns
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]  # no -wal, -shm, nor unused.db


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[Process, str]:
    """A database whose incident carries control sequences in every field a person types.

    Shared by the tests below, which only read it."""
    folder = tmp_path_factory.mktemp("hostile")
    cli = Process("module", folder / "incidents.db", folder)
    ref = cli.ok(
        "new",
        f"title {HOSTILE}",
        "--sev",
        "1",
        "--reporter",
        f"reporter {HOSTILE}",
        "--happening",
        f"happening {HOSTILE}",
        "--affected",
        f"affected {HOSTILE}",
        "--changed",
        f"changed {HOSTILE}",
        "--by",
        f"by {HOSTILE}",
    ).strip()
    cli.ok("set", ref, "--commander", f"commander {HOSTILE}", "--tech-lead", f"lead {HOSTILE}")
    cli.ok("log", "-", "--key", "--by", HOSTILE, input=f"key {HOSTILE}\x00\nsecond line {HOSTILE}\n")
    cli.ok("log", f"note {HOSTILE}")
    return cli, ref


@pytest.mark.parametrize(
    "command",
    [["show", "{ref}"], ["export", "{ref}"], ["list"], ["update", "{ref}"], ["update", "{ref}", "--format", "text"]],
)
def test_control_sequences_in_user_text_never_reach_the_terminal(hostile, command: list[str]) -> None:
    cli, ref = hostile
    args = [a.format(ref=ref) for a in command]
    for output in (cli.on_terminal(*args), cli.ok(*args)):
        assert control_characters(output) == set(), sorted(map(hex, map(ord, control_characters(output))))
        assert "before" in output and "after" in output  # the text is shown, only the controls are gone


def test_control_sequences_stay_out_of_an_exported_file_and_the_record_keeps_the_text(hostile, tmp_path: Path) -> None:
    cli, ref = hostile
    target = tmp_path / "postmortem.md"
    assert cli.run("export", ref, "-o", str(target)).returncode == 0
    markdown = target.read_text(encoding="utf-8")
    assert control_characters(markdown) == set()
    assert "key before" in markdown and "commander before" in markdown
    # The record itself keeps exactly what was typed; only display and Markdown clean it.
    assert db_rows(cli.db, "SELECT title, commander FROM incidents") == [(f"title {HOSTILE}", f"commander {HOSTILE}")]
    shown = cli.ok("show", ref, "--json")
    assert "\x1b" not in shown and "\x07" not in shown and "\x00" not in shown  # JSON escapes C0
    assert json.loads(shown)["events"][-1]["text"] == f"note {HOSTILE}"


@pytest.mark.skipif(sys.platform == "darwin", reason="macOS always has a system clipboard (pbcopy)")
def test_update_copy_sends_osc52_only_to_a_terminal_and_only_its_own(hostile, tmp_path: Path) -> None:
    """In tmux with no system clipboard, `update --copy` on a terminal writes one OSC 52 sequence,
    the one that carries the update; with stdout a pipe it writes none. The file is written both times."""
    import base64

    cli, ref = hostile
    session = {
        "TMUX": "/tmp/tmux-1000/default,1,0",
        "DISPLAY": "",
        "WAYLAND_DISPLAY": "",
        "XDG_DATA_HOME": str(tmp_path / "data"),
    }
    output = cli.on_terminal("update", ref, "--copy", **session)
    text, sequence = output.split("\x1b]52;c;")
    assert sequence.endswith("\x07") and control_characters(text) == set()
    assert base64.b64decode(sequence[:-1]).decode("utf-8") + "\n" == text  # the update, as printed
    assert "title before" in text
    piped = subprocess.run(
        [*cli.argv, "update", ref, "--copy"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=environment(cli.db, **session),
        cwd=cli.cwd,
        timeout=60,
    )
    assert piped.returncode == 0 and "\x1b" not in piped.stdout and piped.stdout == text
    assert piped.stderr.startswith("ir-console: No clipboard here (")
    saved = sorted((tmp_path / "data" / "ir-console" / "status-updates").iterdir())
    assert len(saved) == 2 and all(path.read_text(encoding="utf-8") + "\n" == text for path in saved)


def test_the_pty_harness_does_see_escape_sequences(tmp_path: Path) -> None:
    """Guard against a vacuous pass: a raw ESC written to the pty reaches us unchanged."""
    probe = Process("module", tmp_path / "x.db", tmp_path)
    probe.argv = [sys.executable, "-c", "import click; click.echo('a\\x1b[2Jb\\x1b]52;c;eA==\\x07')"]
    assert probe.on_terminal() == "a\x1b[2Jb\x1b]52;c;eA==\x07\n"


@pytest.fixture(scope="module")
def hostile_ref(tmp_path_factory: pytest.TempPathFactory) -> tuple[Process, Path]:
    """A database holding an incident imported from a file whose ref carries control sequences."""
    folder = tmp_path_factory.mktemp("hostile-ref")
    source = Process("module", folder / "source.db", folder)
    ref = source.ok("new", "from elsewhere", "--sev", "2").strip()
    document = json.loads(source.ok("export", ref, "--format", "json"))
    document["incident"]["ref"] = f"INC-{OSC52}{CLEAR}{CSI8}-001"
    exported = folder / "hostile.json"
    exported.write_text(json.dumps(document), encoding="utf-8")
    return Process("module", folder / "incidents.db", folder), exported


@pytest.mark.parametrize(
    "command",
    [
        ["import", "{file}"],  # first: the others read what it imported
        ["import", "{file}"],  # and again: the merge message
        ["list"],
        ["show", "1"],
        ["log", "x", "--incident", "1"],
        ["set", "1", "--sev", "3"],
        ["export", "1"],
    ],
)
def test_an_imported_ref_never_carries_control_sequences_to_the_terminal(hostile_ref, command: list[str]) -> None:
    cli, exported = hostile_ref
    if command[0] != "import" and not cli.db.exists():
        cli.ok("import", str(exported))  # when run on its own
    output = cli.on_terminal(*[a.format(file=exported) for a in command])
    assert control_characters(output) == set(), sorted(map(hex, map(ord, control_characters(output))))
    assert "INC-" in output  # the ref is still shown, without its control sequences


def test_shell_metacharacters_are_stored_and_exported_as_text(module_cli: Process, tmp_path: Path) -> None:
    canary = tmp_path / "pwned"
    hostile = f"$(touch {canary}-1); `touch {canary}-2`; touch {canary}-3 | sh && rm -rf {tmp_path}/nothing"
    ref = module_cli.ok("new", hostile, "--sev", "2", "--happening", hostile).strip()
    module_cli.ok("log", hostile, "--key", "--by", hostile)
    module_cli.ok("set", ref, "--commander", hostile)
    odd_name = tmp_path / "$(touch pwned-4); `touch pwned-5`.md"  # the process runs in tmp_path
    json_file = tmp_path / "export.json"
    for args in (["-o", str(odd_name)], ["--format", "json", "-o", str(json_file)]):
        assert module_cli.run("export", ref, *args).returncode == 0
    markdown = module_cli.ok("export", ref)
    shown = module_cli.ok("show", ref)
    listed = module_cli.ok("list")
    other = Process("module", tmp_path / "other.db", tmp_path)
    other.ok("import", str(json_file))

    assert not list(tmp_path.glob("pwned*")), "a shell ran user text"
    assert odd_name.read_text(encoding="utf-8") == markdown  # the odd file name is just a name
    assert db_rows(module_cli.db, "SELECT title, happening, commander FROM incidents") == [(hostile,) * 3]
    assert (hostile, hostile) in db_rows(module_cli.db, "SELECT text, author FROM events")
    assert db_rows(other.db, "SELECT title FROM incidents") == [(hostile,)]
    assert hostile in shown and listed.rstrip("\n").endswith(hostile[:59] + "…")
    escaped = re.sub(r"([\\`*_\[\]|])", r"\\\1", hostile).replace("&", "&amp;")
    assert f"# Post-Mortem: {escaped}" in markdown
    assert f"| {escaped} |" in markdown  # the key moment, in the timeline table
