"""Issue #14: `ir-console log`, which alert pipelines run once per alert, loads only what it needs.

A real process (`python -X importtime -m ir_console log ...`) lists every module it imported on
stderr; the event must be in the file and the modules only other commands use must not have been
loaded. No timing is asserted: `python -m benchmarks --only process` measures the whole process.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from ir_console.model import Severity, Status
from ir_console.store import Store

# What `log` has no use for: click and sqlite-utils, the TUI and rich, HTTP, the sync client and asyncio, the renderers,
# the clipboard, the exchange format, and sqlite-utils' plugin scan (importlib.metadata).
NOT_FOR_LOG = (
    "click",  # ir_console.entry runs an ordinary `log` without it (command_line.py)
    "sqlite_utils",  # a database whose schema is current is opened with sqlite3 alone
    "textual",
    "rich",
    "httpx",
    "nats",
    "asyncio",
    "ir_console.config",
    "ir_console.clipboard",
    "ir_console.render.markdown",
    "ir_console.render.stats",
    "ir_console.render.status",
    "ir_console.store.exchange",
    "ir_console.sync",
    "importlib.metadata",
)
# What an ordinary `log` (one line out, IR_CONSOLE_DB and IR_CONSOLE_CONFIG set, as a pipeline runs it) has no use
# for either: the whole Store and the model beyond the incident and its timeline (it opens a store.core.StoreCore),
# the search and archive queries, the user folders (platformdirs), secrets (hmac, hashlib, random), json, getpass,
# typing, shutil.
NOT_FOR_AN_ORDINARY_LOG = (
    "ir_console.store.store",
    "ir_console.store.search",
    "ir_console.store.archive",
    "ir_console.store.schema",
    "ir_console.model.postmortem",
    "ir_console.model.record",
    "ir_console.model.archive",
    "ir_console.model.work",
    "platformdirs",
    "secrets",
    "json",
    "getpass",
    "typing",
    "shutil",
)


def imported_by(args: list[str], db: Path, config: Path) -> tuple[subprocess.CompletedProcess, set[str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IR_CONSOLE_")}
    env.update(IR_CONSOLE_DB=str(db), IR_CONSOLE_CONFIG=str(config), IR_CONSOLE_USER="pager")
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "ir_console", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    modules = {line.rsplit("|", 1)[1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    return done, modules


@pytest.fixture
def declared(db_path: Path) -> str:
    with Store.open(db_path) as store:
        return store.create_incident("Checkout errors", Severity.SEV2, author="ann").ref


def test_log_writes_the_event_and_loads_nothing_it_does_not_use(tmp_path: Path, db_path: Path, declared: str) -> None:
    done, modules = imported_by(
        ["log", "--incident", declared, "--kind", "alert", "--json", "disk full on db-3"],
        db_path,
        tmp_path / "no-config.toml",
    )
    assert done.returncode == 0, done.stderr[-2000:]
    printed = json.loads(done.stdout)
    assert printed["incident"] == declared and printed["text"] == "disk full on db-3"
    conn = sqlite3.connect(db_path)
    try:
        rows = conn.execute("SELECT text, kind, author FROM events WHERE text = 'disk full on db-3'").fetchall()
    finally:
        conn.close()
    assert rows == [("disk full on db-3", "alert", "pager")]
    assert "ir_console.store.core" in modules  # the listing is real
    loaded = sorted(name for name in modules if name.split(".")[0] in NOT_FOR_LOG or name.startswith(NOT_FOR_LOG))
    assert loaded == []


def test_an_ordinary_log_loads_only_the_store_core(tmp_path: Path, db_path: Path, declared: str) -> None:
    done, modules = imported_by(
        ["log", "--incident", declared, "--kind", "alert", "disk full on db-4"], db_path, tmp_path / "none.toml"
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert re.fullmatch(rf"{declared} #\d+\n", done.stdout)
    conn = sqlite3.connect(db_path)
    try:
        rows = conn.execute("SELECT kind, author, source FROM events WHERE text = 'disk full on db-4'").fetchall()
    finally:
        conn.close()
    assert rows == [("alert", "pager", "cli")]
    assert {"ir_console.store.core", "ir_console.model.timeline"} <= modules  # the listing is real
    loaded = sorted(
        name for name in modules if name in NOT_FOR_AN_ORDINARY_LOG or name.split(".")[0] in NOT_FOR_AN_ORDINARY_LOG
    )
    assert loaded == []


def test_log_with_a_configuration_file_still_reads_it_for_sync(tmp_path: Path, db_path: Path, declared: str) -> None:
    """A configuration file may turn sync on, so `log` reads it; with sync off it loads nothing to
    send with (asyncio, the sync client)."""
    config = tmp_path / "config.toml"
    config.write_text("[updates]\n", encoding="utf-8")
    done, modules = imported_by(["log", "--incident", declared, "noted"], db_path, config)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith(f"{declared} #")
    assert "ir_console.config" in modules
    loaded = sorted(name for name in modules if name.split(".")[0] in ("textual", "asyncio", "nats", "httpx"))
    assert loaded == []
    assert not any(name.startswith("ir_console.sync") for name in modules)


# What reading a whole configuration file costs, which a `log` pays only when the file names sync servers.
THE_WHOLE_CONFIGURATION = ("ir_console.config.reading", "ir_console.config.settings", "json", "grp")


@pytest.mark.parametrize("which", ["updates only", "the shipped example", "sync without servers"])
def test_log_with_a_configuration_that_names_no_sync_servers_does_not_read_it_all(
    tmp_path: Path, db_path: Path, declared: str, which: str
) -> None:
    from ir_console.config import EXAMPLE_CONFIG

    config = tmp_path / "config.toml"
    text = {
        "updates only": "[updates]\ncadence_minutes = { 1 = 15 }\n",
        "the shipped example": EXAMPLE_CONFIG,  # what `ir-console config init` writes: [sync] commented out
        "sync without servers": '[sync]\nservers = []\nsubject = "team"\n',
    }[which]
    config.write_text(text, encoding="utf-8")
    done, modules = imported_by(["log", "--incident", declared, "noted"], db_path, config)
    assert done.returncode == 0, done.stderr[-2000:]
    assert re.fullmatch(rf"{declared} #\d+\n", done.stdout) and done.stderr.count("import time:") == len(
        done.stderr.splitlines()
    )  # nothing but the listing on stderr
    assert "ir_console.config.sync_servers" in modules  # the listing is real: the file was looked at
    assert sorted(set(THE_WHOLE_CONFIGURATION) & modules) == []
    if which == "updates only":  # the word `servers` is not in it: not even parsed
        assert "tomllib" not in modules


@pytest.mark.parametrize(
    "text",
    [
        "",
        "[updates]\n",
        "not toml [",
        "sync = 3\n",
        "[sync]\n",
        "[sync]\nservers = []\n",
        '[sync]\nservers = ""\n',
        "[sync]\nservers = 0\n",
        '[sync]\nservers = ["http://wrong"]\n',
        '[sync]\nservers = "nats://a:4222"\n',
        '[sync]\nservers = ["nats://a:4222", "tls://b:4222"]\n',
        'sync.servers = ["nats://a:4222"]\n',
        '"sync".servers = ["nats://a:4222"]\n',
        '"sy\\u006ec"."\\u0073ervers" = ["nats://a:4222"]\n',
        '#[sync]\n#servers = ["nats://a:4222"]\n',
    ],
)
def test_a_file_that_names_no_sync_servers_is_one_load_config_turns_sync_off_for(tmp_path: Path, text: str) -> None:
    """config/sync_servers.py's answer is enough for `log`: whatever it says no to, load_config
    reads with sync off (and a file it says yes to is read in full, which decides)."""
    from ir_console.config import load_config
    from ir_console.config.sync_servers import names_sync_servers

    config = tmp_path / "config.toml"
    config.write_text(text, encoding="utf-8")
    if not names_sync_servers(config):
        assert not load_config(config).sync.enabled
    else:
        assert "servers" in text or "\\u0073" in text


def test_an_ordinary_log_compiles_none_of_the_text_patterns(tmp_path: Path, db_path: Path, declared: str) -> None:
    """render/text.py compiles its patterns when first used: `log` prints an ASCII line and needs none."""
    script = (
        "import sys\n"
        "from ir_console.command_line import run_log\n"
        "from ir_console.entry import parse_log\n"
        "status = run_log(*parse_log(sys.argv[1:]))\n"
        "import ir_console.render.text as text\n"
        "print(sorted(name for name in text._PATTERNS if name in vars(text)), text.one_line('a\\x1b[31mb\\tc'))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("IR_CONSOLE_")}
    env.update(IR_CONSOLE_DB=str(db_path), IR_CONSOLE_CONFIG=str(tmp_path / "none.toml"), IR_CONSOLE_USER="pager")
    done = subprocess.run(
        [sys.executable, "-c", script, "log", "--incident", declared, "plain"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.splitlines()[-1] == "[] ab    c"  # none compiled by the log; then they work as before


# -- the small parser (ir_console.entry) and click give the same results ------------------------

CLICK = "import sys; from ir_console.cli import main; main(prog_name='ir-console')"
AT = "2026-11-29T23:58:00.000Z"
CASES = [
    (["log", "plain entry"], None),
    (["log", "--incident", "{open}", "--kind", "alert", "--json", "disk full on db-3"], None),
    (["log", "--key", "--by", "ann", f"--at={AT}", "backfilled"], None),
    (["log", "first", "--kind", "decision", "--kind=action", "--key", "--key"], None),
    (["--db", "{db}", "log", "with --db before"], None),
    (["log", "with --db after", "--db={db}", "--config", "{missing}"], None),
    (["log", "-", "--kind", "evidence"], "line one\nline two\n"),
    (["log", "--", "--not-an-option"], None),
    (["log", "--incident", "{resolved}", "late"], None),
    (["log", "--incident", "{resolved}", "--correction", "--json", "late"], None),
    (["log", "--incident", "INC-19990101-001", "x"], None),
    (["log", "--at", "whenever", "x"], None),
    (["log", "--at", "2999-01-01T00:00Z", "x"], None),
    (["log", "--kind", "nonsense", "x"], None),
    (["log", "   "], None),
    (["--db", "{missing}", "log", "x"], None),
    # Not the small parser's: both go to click, which says what is wrong.
    (["log"], None),
    (["log", "a", "b"], None),
    (["log", "--nope", "x"], None),
    (["log", "--kind"], None),
    (["log", "--key=yes", "x"], None),
]


def run_both_ways(args: list[str], stdin: str | None, db: Path, env: dict[str, str], entry: bool):
    argv = [sys.executable, "-m", "ir_console"] if entry else [sys.executable, "-c", CLICK]
    done = subprocess.run(
        [*argv, *args], env={**env, "IR_CONSOLE_DB": str(db)}, input=stdin, capture_output=True, text=True, timeout=60
    )
    today = re.escape(sqlite3.connect(":memory:").execute("SELECT date('now')").fetchone()[0])
    uuid = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"

    def same_words(text: str) -> str:  # this run's moments, uuids and file name left out; click's name for -m
        text = re.sub(uuid, "<uuid>", text.replace(str(db), "<db>").replace("python -m ir_console", "ir-console"))
        return re.sub(today + r"T[0-9:.]+Z", "<now>", text)

    conn = sqlite3.connect(db)
    try:
        events = conn.execute(
            "SELECT incident_id, occurred_at, kind, text, author, source, key_moment, revision FROM events ORDER BY id"
        ).fetchall()
    finally:
        conn.close()
    events = [tuple(same_words(str(value)) for value in row) for row in events]
    return done.returncode, same_words(done.stdout), same_words(done.stderr), events


def test_the_small_parser_and_click_give_the_same_rows_output_errors_and_status(tmp_path: Path) -> None:
    base = tmp_path / "base.db"
    with Store.open(base) as store:
        resolved = store.create_incident("Old outage", Severity.SEV3, author="ann")
        store.set_status(resolved.id, Status.RESOLVED, author="ann")
        opened = store.create_incident("Checkout errors", Severity.SEV2, author="ann").ref
    env = {k: v for k, v in os.environ.items() if not k.startswith("IR_CONSOLE_")}
    env.update(IR_CONSOLE_USER="pager", IR_CONSOLE_CONFIG=str(tmp_path / "no-config.toml"))
    for number, (args, stdin) in enumerate(CASES):
        results = []
        for entry in (True, False):
            db = tmp_path / f"case{number}-{'entry' if entry else 'click'}.db"
            shutil.copy(base, db)
            names = {"open": opened, "resolved": resolved.ref, "db": str(db), "missing": str(tmp_path / "missing")}
            results.append(run_both_ways([arg.format(**names) for arg in args], stdin, db, env, entry))
        assert results[0] == results[1], args
        status, stdout, stderr, _ = results[0]
        assert (status == 0) == (stdout != "") == (stderr == ""), (args, results[0])  # the case ran to its end
    assert not (tmp_path / "missing").exists()


def test_an_option_the_small_parser_does_not_know_goes_to_click(tmp_path: Path, db_path: Path, declared: str) -> None:
    done, modules = imported_by(["log", "--help"], db_path, tmp_path / "no-config.toml")
    assert done.returncode == 0 and "Append TEXT to the timeline" in done.stdout and "--correction" in done.stdout
    assert "click" in modules
