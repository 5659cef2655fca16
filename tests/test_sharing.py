"""Several responders on one host, one database: a group-shared folder and files (#13, part 1)."""

from __future__ import annotations

import grp
import os
import stat
import subprocess
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from ir_console.cli import main
from ir_console.model import Severity
from ir_console.store import Store, StoreError
from ir_console.store.sharing import share_with_group

ROOT = os.geteuid() == 0


def other_group() -> tuple[str, int]:
    """A group this user may give files to, other than their own primary group where possible."""
    if ROOT:
        entry = grp.getgrnam("adm") if "adm" in {g.gr_name for g in grp.getgrall()} else grp.getgrgid(1)
        return entry.gr_name, entry.gr_gid
    for gid in os.getgroups():
        if gid != os.getgid():
            return grp.getgrgid(gid).gr_name, gid
    return grp.getgrgid(os.getgid()).gr_name, os.getgid()


def mode_and_group(path: Path) -> tuple[str, int]:
    status = path.stat()
    return oct(stat.S_IMODE(status.st_mode)), status.st_gid


@pytest.fixture
def umask_077():
    old = os.umask(0o077)  # the strictest umask a responder may have: sharing must not depend on it
    yield
    os.umask(old)


def test_a_database_is_private_unless_shared(tmp_path: Path) -> None:
    path = tmp_path / "private" / "incidents.db"
    Store.open(path).close()
    assert oct(stat.S_IMODE(path.stat().st_mode)) == "0o600"
    assert oct(stat.S_IMODE(path.parent.stat().st_mode)) == "0o700"


def test_sharing_gives_the_folder_and_every_file_to_the_group(tmp_path: Path, umask_077) -> None:
    group, gid = other_group()
    path = tmp_path / "warroom" / "incidents.db"
    store = Store.open(path)
    store.create_incident("Checkout 500s", Severity.SEV2)  # the -wal and -shm exist while it is open
    changed = share_with_group(path, group)
    assert set(changed) == {path.parent, path, Path(f"{path}-wal"), Path(f"{path}-shm")}
    assert mode_and_group(path.parent) == ("0o2770", gid)
    for name in ("incidents.db", "incidents.db-wal", "incidents.db-shm"):
        assert mode_and_group(path.parent / name) == ("0o660", gid), name
    assert share_with_group(path, group) == []  # already shared: nothing to change
    store.close()


def test_files_made_later_in_a_shared_folder_are_shared_too(tmp_path: Path, umask_077) -> None:
    group, gid = other_group()
    path = tmp_path / "warroom" / "incidents.db"
    Store.open(path).close()
    share_with_group(path, group)
    assert not Path(f"{path}-wal").exists()  # the last close removed them
    # Another responder's console opens it: SQLite makes a new -wal and -shm.
    store = Store.open(path)
    store.create_incident("Checkout 500s", Severity.SEV2)
    for name in ("incidents.db-wal", "incidents.db-shm"):
        assert mode_and_group(path.parent / name) == ("0o660", gid), name
    store.close()
    # A new database made in the shared folder (a drill) is the group's from the start.
    drill = path.parent / "drill.db"
    Store.open(drill).close()
    assert mode_and_group(drill) == ("0o660", gid)


def test_sharing_refuses_in_one_line_what_it_cannot_do(tmp_path: Path) -> None:
    path = tmp_path / "incidents.db"
    Store.open(path).close()
    with pytest.raises(StoreError, match=r"^group 'no-such-group-xyz' does not exist on this host"):
        share_with_group(path, "no-such-group-xyz")
    assert oct(stat.S_IMODE(path.stat().st_mode)) == "0o600"
    with pytest.raises(StoreError, match="no such database"):
        share_with_group(tmp_path / "missing.db", other_group()[0])


SYSTEM_PYTHON = Path("/usr/bin/python3")  # one another user may run (the project's may live in root's home)
WRITE_AS_ANOTHER_USER = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], timeout=5)
conn.execute("PRAGMA journal_mode")  # reading the WAL needs the -shm: a write needs both files
with conn:
    conn.execute("UPDATE incidents SET title = ? WHERE id = ?", (sys.argv[2], int(sys.argv[3])))
"""


@pytest.mark.skipif(not ROOT or not SYSTEM_PYTHON.exists(), reason="running as another user needs root")
def test_another_member_of_the_group_writes_the_shared_database(umask_077) -> None:
    group, gid = other_group()
    base = Path(tempfile.mkdtemp(prefix="ir-shared-"))
    try:
        base.chmod(0o711)  # others may pass through to the shared folder, nothing more
        path = base / "warroom" / "incidents.db"
        store = Store.open(path)  # kept open, as the commander's console would: the -wal is in use
        incident = store.create_incident("Checkout 500s", Severity.SEV2)
        share_with_group(path, group)

        def write_as(title: str, groups: list[int]) -> subprocess.CompletedProcess:
            command = [str(SYSTEM_PYTHON), "-c", WRITE_AS_ANOTHER_USER, str(path), title, str(incident.id)]
            user = {"user": 65534, "group": groups[0] if groups else 65534, "extra_groups": groups}
            return subprocess.run(
                command, **user, env={"PATH": "/usr/bin:/bin"}, capture_output=True, text=True, timeout=30
            )

        result = write_as("Checkout 500s (scribe)", [gid])
        assert result.returncode == 0, result.stderr
        assert store.incident(incident.id).title == "Checkout 500s (scribe)"
        # Someone outside the group cannot open it at all.
        result = write_as("Defaced", [])
        assert result.returncode != 0 and "unable to open database file" in result.stderr
        assert store.incident(incident.id).title == "Checkout 500s (scribe)"
        store.close()
    finally:
        subprocess.run(["rm", "-rf", str(base)], check=False)


def test_the_console_shares_the_database_its_configuration_names(tmp_path: Path, monkeypatch, umask_077) -> None:
    group, gid = other_group()
    opened = []
    monkeypatch.setattr("ir_console.tui.app.run_console", lambda store, *, config, **options: opened.append(config))
    monkeypatch.setattr("ir_console.cli.terminal_refusal", lambda: None)  # CliRunner's streams are no terminal
    db = tmp_path / "warroom" / "incidents.db"
    config = tmp_path / "config.toml"
    config.write_text(f'[store]\ngroup = "{group}"\n')
    result = CliRunner().invoke(main, ["--db", str(db), "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert opened[0].problems == [] and opened[0].store_group == group
    assert mode_and_group(db.parent) == ("0o2770", gid)
    assert mode_and_group(db) == ("0o660", gid)


def test_a_group_that_does_not_exist_is_said_and_the_database_stays_private(tmp_path: Path, monkeypatch) -> None:
    opened = []
    monkeypatch.setattr("ir_console.tui.app.run_console", lambda store, *, config, **options: opened.append(config))
    monkeypatch.setattr("ir_console.cli.terminal_refusal", lambda: None)  # CliRunner's streams are no terminal
    db = tmp_path / "incidents.db"
    config = tmp_path / "config.toml"
    config.write_text('[store]\ngroup = "no-such-group-xyz"\n')
    result = CliRunner().invoke(main, ["--db", str(db), "--config", str(config), "config", "check"])
    assert result.exit_code == 2
    assert result.output.splitlines()[0] == (
        f"{config}: [store] group: no such group on this host (got 'no-such-group-xyz'); the database stays private"
    )
    result = CliRunner().invoke(main, ["--db", str(db), "--config", str(config)])
    assert result.exit_code == 0
    assert opened[0].problems[0].startswith(f"{config}: [store] group: no such group")  # shown by the console
    assert opened[0].store_group == ""
    assert oct(stat.S_IMODE(db.stat().st_mode)) == "0o600"
