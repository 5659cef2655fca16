"""Shell completion: the scripts click generates for bash, zsh and fish, and incident ids completed
from the database, which is only read."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from ir_console.cli import main
from ir_console.model import Severity, Status
from ir_console.store import Store


def complete(env: dict[str, str]) -> str:
    result = CliRunner().invoke(main, [], prog_name="ir-console", env=env)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize(
    "shell, marker",
    [
        ("bash", "complete -o nosort -F _ir_console_completion ir-console"),
        ("zsh", "compdef _ir_console_completion ir-console"),
        ("fish", "complete --no-files --command ir-console"),
    ],
)
def test_the_completion_script_is_generated_for_each_shell(shell: str, marker: str) -> None:
    script = complete({"_IR_CONSOLE_COMPLETE": f"{shell}_source"})
    assert marker in script
    assert f"_IR_CONSOLE_COMPLETE={shell}_complete" in script


@pytest.fixture
def incidents(db_path: Path) -> dict[str, str]:
    store = Store.open(db_path)
    try:
        resolved = store.create_incident("Cache stampede", Severity.SEV3, author="kim")
        store.set_status(resolved.id, Status.RESOLVED, author="kim")
        opened = store.create_incident("Checkout returning 500s", Severity.SEV1, author="dana")
        return {"resolved": resolved.ref, "open": opened.ref}
    finally:
        store.close()


def bash_words(db: Path, line: str) -> list[str]:
    words = line.split(" ")
    output = complete(
        {
            "_IR_CONSOLE_COMPLETE": "bash_complete",
            "COMP_WORDS": line,
            "COMP_CWORD": str(len(words) - 1),
            "IR_CONSOLE_DB": str(db),
        }
    )
    return [item.split(",", 1)[1] for item in output.splitlines() if item]  # type,value; nothing: one empty line


def test_incident_ids_complete_open_ones_first_and_the_file_is_only_read(db_path: Path, incidents) -> None:
    digest = hashlib.sha256(db_path.read_bytes()).hexdigest()
    assert bash_words(db_path, "ir-console show ") == [incidents["open"], incidents["resolved"]]
    assert bash_words(db_path, "ir-console show inc-") == [incidents["open"], incidents["resolved"]]
    assert bash_words(db_path, f"ir-console export {incidents['resolved']}") == [incidents["resolved"]]
    for line in (
        "ir-console set ",
        "ir-console log --incident ",
        "ir-console search --incident ",
        "ir-console update ",
    ):
        assert bash_words(db_path, line) == [incidents["open"], incidents["resolved"]], line
    assert bash_words(db_path, "ir-console show INC-1999") == []
    assert hashlib.sha256(db_path.read_bytes()).hexdigest() == digest


def test_zsh_completion_shows_each_id_with_its_title(db_path: Path, incidents) -> None:
    output = complete(
        {
            "_IR_CONSOLE_COMPLETE": "zsh_complete",
            "COMP_WORDS": "ir-console reopen ",
            "COMP_CWORD": "2",
            "IR_CONSOLE_DB": str(db_path),
        }
    )
    assert output.splitlines()[:3] == ["plain", incidents["open"], "SEV-1 Investigating: Checkout returning 500s"]


def test_the_database_given_with_db_is_the_one_completed_and_a_missing_one_is_not_created(
    tmp_path: Path, db_path: Path, incidents
) -> None:
    assert bash_words(tmp_path / "elsewhere.db", f"ir-console --db {db_path} show ") == [
        incidents["open"],
        incidents["resolved"],
    ]
    missing = tmp_path / "none" / "incidents.db"
    assert bash_words(missing, "ir-console show ") == []
    assert not missing.parent.exists()
