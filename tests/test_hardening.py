"""Regression tests for the hardening issue's file and input items: each failed before its fix."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from ir_console.cli import main
from ir_console.config import load_config
from ir_console.locations import private_dir
from ir_console.model import Severity
from ir_console.store import NotFound, Store


def run(db: Path, *args: str, input: str | None = None):
    return CliRunner().invoke(main, ["--db", str(db), *args], input=input)


def one_line_error(result, status: int = 2) -> str:
    assert result.exit_code == status, result.output
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ir-console: "), result.output
    return lines[0]


def interrupted_checkpoint(folder: Path) -> Path:
    """A database as a crash mid-checkpoint leaves it: the header already counts pages the file
    does not have yet, while its WAL holds them."""
    path = folder / "incidents.db"
    with Store.open(path) as store:
        incident = store.create_incident("Pelican outage", Severity.SEV2)
        writer = sqlite3.connect(path)
        writer.execute("PRAGMA wal_autocheckpoint = 0")
        writer.execute(
            "INSERT INTO events (uuid, incident_id, occurred_at, recorded_at, kind, text) "
            "VALUES ('e-wal', ?, '2026-11-30T01:00:00.000Z', '2026-11-30T01:00:00.000Z', 'note', ?)",
            [incident.id, "x" * 20000],
        )
        writer.commit()
        copy = folder / "copy"
        copy.mkdir()
        for suffix in ("", "-wal"):
            shutil.copyfile(f"{path}{suffix}", copy / f"incidents.db{suffix}")
        writer.close()
    broken = copy / "incidents.db"
    with broken.open("r+b") as handle:
        handle.seek(28)
        pages = int.from_bytes(handle.read(4), "big")
        handle.seek(28)
        handle.write((pages + 50).to_bytes(4, "big"))
    return broken


def test_a_symlinked_database_with_its_pages_in_the_wal_opens_like_the_file_itself(tmp_path: Path) -> None:
    real = interrupted_checkpoint(tmp_path)
    link = tmp_path / "link.db"
    link.symlink_to(real)
    with Store.open(link) as store:
        assert any(e.uuid == "e-wal" for e in store.events(1))


def test_an_id_beyond_sqlite_integers_is_no_incident(tmp_path: Path) -> None:
    db = tmp_path / "incidents.db"
    assert run(db, "new", "Checkout 500s", "--sev", "2").exit_code == 0
    line = one_line_error(run(db, "show", "99999999999999999999999"))
    assert "no incident" in line
    with Store.open(db) as store, pytest.raises(NotFound):
        store.incident(2**63)


def test_json_nested_too_deep_is_refused_in_one_line(tmp_path: Path) -> None:
    document = "[" * 100_000 + "]" * 100_000
    line = one_line_error(run(tmp_path / "incidents.db", "import", "-", input=document))
    assert "nested too deeply" in line


def test_toml_nested_too_deep_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("x = " + "[" * 5000 + "]" * 5000 + "\n")
    config = load_config(path)
    assert any("nested too deeply" in problem for problem in config.problems)
    result = CliRunner().invoke(main, ["--config", str(path), "--db", str(tmp_path / "i.db"), "list"])
    assert result.exit_code == 0 and "Traceback" not in result.output


def test_a_data_folder_that_is_a_file_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "data"
    blocker.write_text("not a folder")
    monkeypatch.setenv("XDG_DATA_HOME", str(blocker))
    monkeypatch.delenv("IR_CONSOLE_DB", raising=False)
    result = CliRunner().invoke(main, ["new", "Checkout 500s", "--sev", "2"])
    line = one_line_error(result)
    assert "cannot create the database" in line


def test_help_creates_no_data_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.delenv("IR_CONSOLE_DB", raising=False)
    assert CliRunner().invoke(main, ["new", "--help"]).exit_code == 0
    assert not (tmp_path / "data").exists()


def test_missing_parents_of_the_data_folder_are_private_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        private_dir(tmp_path / "a" / "b" / "c")
    finally:
        os.umask(old)
    for folder in (tmp_path / "a", tmp_path / "a" / "b", tmp_path / "a" / "b" / "c"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder


@pytest.fixture
def declared(tmp_path: Path) -> tuple[Path, str]:
    db = tmp_path / "incidents.db"
    result = run(db, "new", "Checkout 500s", "--sev", "2")
    return db, result.output.strip()


def test_export_into_a_fifo_writes_into_it_and_keeps_it(declared: tuple[Path, str], tmp_path: Path) -> None:
    db, ref = declared
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        result = run(db, "export", ref, "-o", str(fifo))
        assert result.exit_code == 0, result.output
        received = os.read(reader, 1 << 20).decode()
    finally:
        os.close(reader)
    assert received.startswith("# Post-Mortem: Checkout 500s")
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


def test_export_through_a_symlink_writes_its_target_and_keeps_the_link(
    declared: tuple[Path, str], tmp_path: Path
) -> None:
    db, ref = declared
    target = tmp_path / "reports" / "postmortem.json"
    target.parent.mkdir()
    target.write_text("old")
    link = tmp_path / "latest.json"
    link.symlink_to(target)
    assert run(db, "export", ref, "--format", "json", "-o", str(link)).exit_code == 0
    assert link.is_symlink()
    assert json.loads(target.read_text())["incident"]["ref"] == ref


def test_a_url_with_credentials_is_never_echoed_whole(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[[health.http]]\nname = "api"\nurl = "ftp://deploy:hunter2@api.example.com/health"\n')
    config = load_config(path)
    assert config.problems and all("hunter2" not in problem for problem in config.problems)
    assert any("***@api.example.com" in problem for problem in config.problems)
    result = CliRunner().invoke(main, ["--config", str(path), "config", "check"])
    assert "hunter2" not in result.output and "deploy" not in result.output


def test_an_empty_database_of_another_application_is_not_adopted(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    other = sqlite3.connect(path)
    other.execute("PRAGMA application_id = 1196444487")  # another program's mark, no tables yet
    other.commit()
    other.close()
    before = path.read_bytes()
    line = one_line_error(run(path, "log", "hello"))
    assert "not an ir-console one" in line
    assert path.read_bytes() == before


def test_a_new_database_carries_our_application_id(tmp_path: Path) -> None:
    path = tmp_path / "incidents.db"
    Store.open(path).close()
    connection = sqlite3.connect(path)
    assert connection.execute("PRAGMA application_id").fetchone()[0] == 0x49524331
    connection.close()
