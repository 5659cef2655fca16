"""Conventions of the command line: `--help` creates nothing, and `--db`/`--config` may follow
the command as well as precede it."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from ir_console.cli import hoist_global_options, main


def every_command(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [prefix]
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found += every_command(command, (*prefix, name))
        else:
            found.append((*prefix, name))
    return found


def test_help_creates_no_folder_for_any_command(private_session: Path) -> None:
    runner = CliRunner()
    for command in every_command(main):
        for flag in ("--help", "-h"):
            for args in ([*command, flag], ["--debug", *command, flag]):
                result = runner.invoke(main, args)
                assert result.exit_code == 0, (args, result.output)
                assert result.output.startswith("Usage: "), args
    made = sorted(str(p.relative_to(private_session)) for p in private_session.rglob("*"))
    assert made == [], f"--help made {made}"


def test_db_and_config_are_taken_after_the_command(tmp_path: Path) -> None:
    runner = CliRunner(env={"IR_CONSOLE_DB": str(tmp_path / "default.db")})
    db = tmp_path / "chosen.db"
    made = runner.invoke(main, ["new", "Disk full", "--sev", "3", "--db", str(db), "--json"])
    assert made.exit_code == 0, made.output
    ref = json.loads(made.stdout)["id"]
    assert db.exists() and not (tmp_path / "default.db").exists()
    for args in (["list", f"--db={db}"], ["--db", str(db), "list"], ["list", "--db", str(db), "--status", "open"]):
        listed = runner.invoke(main, args)
        assert listed.exit_code == 0 and listed.stdout.startswith(f"{ref}  SEV-3"), (args, listed.output)
    logged = runner.invoke(main, ["log", "--db", str(db), "df shows 100%"])
    assert logged.exit_code == 0 and logged.stdout.startswith(f"{ref} #"), logged.output
    config = tmp_path / "my.toml"
    shown = runner.invoke(main, ["config", "path", "--config", str(config)])
    assert shown.exit_code == 0 and shown.stdout == f"{config}\n", shown.output


@pytest.mark.parametrize(
    "given, read",
    [
        (["list", "--db", "a.db"], ["--db", "a.db", "list"]),
        (["config", "path", "--config=c.toml"], ["--config=c.toml", "config", "path"]),
        (["log", "--", "--db"], ["log", "--", "--db"]),  # after --, text
        (["log", "note", "--kind", "action"], ["log", "note", "--kind", "action"]),
    ],
)
def test_global_options_are_moved_before_the_command(given: list[str], read: list[str]) -> None:
    assert hoist_global_options(given) == read
