"""The config/ package (issue #15): the dataclasses in settings.py, the reader in reading.py and the
example as a real file, example.toml, shipped in the package.

The example is what `ir-console config init` writes and documents every key: each field of each
configuration dataclass is a key in it, at its place (so a field added without documenting it
fails here), and it loads, as written and with its settings switched on, without one warning.
The keys the reader knows (`KNOWN_KEYS`) are the fields, not a second list typed by hand.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import subprocess
import sys
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from ir_console.cli import main
from ir_console.config import EXAMPLE_CONFIG, KNOWN_KEYS, TABLES, Config, config_summary, load_config, settings
from ir_console.config.settings import (
    ChangesConfig,
    GitSource,
    HealthConfig,
    HttpCheck,
    LogsConfig,
    LogSource,
    SignalsConfig,
    SyncConfig,
    TcpCheck,
    Threshold,
    TomlKey,
    toml_key,
)

ROOT = Path(__file__).resolve().parents[1]

# Each configuration dataclass and the table of the file it is (an array's entry for [[...]]).
# Config itself is the file: its fields are tables, or keys their metadata places in one.
TABLE_OF: dict[type[Any], str] = {
    Config: "",
    SignalsConfig: "signals",
    Threshold: "signals.thresholds.cpu",
    HealthConfig: "health",
    HttpCheck: "health.http",
    TcpCheck: "health.tcp",
    ChangesConfig: "changes",
    GitSource: "changes.git",
    LogsConfig: "logs",
    LogSource: "logs.file",
    SyncConfig: "sync",
}


def shipped_example() -> bytes:
    return resources.files("ir_console.config").joinpath("example.toml").read_bytes()


def uncommented(example: str) -> str:
    """The example with its settings switched on: `#key = value` lines lose their `#`."""
    return re.sub(r"(?m)^#(?=[^\s#])", "", example)


def table_in(document: dict[str, Any], dotted: str) -> dict[str, Any]:
    value: Any = document
    for part in filter(None, dotted.split(".")):
        value = value[part]
        value = value[0] if isinstance(value, list) else value
    return value


def test_the_example_is_a_file_in_the_package_and_what_the_package_reads() -> None:
    text = shipped_example().decode("utf-8")
    assert text == EXAMPLE_CONFIG
    assert text.startswith("# ir-console configuration (TOML).")
    assert "EXAMPLE_CONFIG = " not in (ROOT / "ir_console" / "config" / "reading.py").read_text()


def test_the_shipped_example_loads_with_no_warning_as_written_and_uncommented(tmp_path: Path) -> None:
    with resources.as_file(resources.files("ir_console.config").joinpath("example.toml")) as path:
        as_written = load_config(path, {})
    assert as_written.problems == []
    assert as_written == Config()  # every setting is commented out: the file changes nothing

    switched_on = tmp_path / "config.toml"
    switched_on.write_text(uncommented(shipped_example().decode("utf-8")), encoding="utf-8")
    config = load_config(switched_on, {"API_TOKEN": "t"})
    assert config.problems == []
    assert config_summary(config) == "1 HTTP check, 1 TCP check, 1 git repository, 1 log file; sampling every 2 s"


def test_every_field_of_every_configuration_dataclass_is_a_key_documented_in_the_example() -> None:
    dataclasses_here = {
        value
        for value in vars(settings).values()
        if isinstance(value, type) and dataclasses.is_dataclass(value) and value.__module__ == settings.__name__
    }
    assert dataclasses_here - {TomlKey} == set(TABLE_OF), "a new dataclass: add its table to TABLE_OF"
    document = tomllib.loads(uncommented(EXAMPLE_CONFIG))
    undocumented = []
    for cls, table in TABLE_OF.items():
        for field in dataclasses.fields(cls):
            where = toml_key(field)
            if where.absent:
                continue
            place, key = where.table or table, where.key or field.name
            if key not in table_in(document, place):
                undocumented.append(f"{cls.__name__}.{field.name}: [{place}] {key}")
    assert undocumented == []
    assert [field.name for field in dataclasses.fields(Config) if toml_key(field).absent] == ["problems"]


def test_the_known_keys_are_the_fields_in_their_order() -> None:
    for cls, table in TABLE_OF.items():
        if cls in (Config, Threshold):
            continue
        names = tuple(toml_key(field).key or field.name for field in dataclasses.fields(cls))
        assert KNOWN_KEYS[table] == names, table
    assert KNOWN_KEYS["updates"] == ("cadence_minutes", "bell")
    assert KNOWN_KEYS["store"] == ("group",)
    assert KNOWN_KEYS["logs"] == ("interval", "file")  # LogsConfig.files, named in its metadata
    assert KNOWN_KEYS["signals.thresholds"] == ("cpu", "memory", "swap", "disk")
    assert TABLES == ("updates", "signals", "health", "changes", "logs", "store", "sync")


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("IR_CONSOLE_DB", str(tmp_path / "incidents.db"))
    monkeypatch.setenv("IR_CONSOLE_USER", "tester")
    return CliRunner()


def test_config_init_writes_exactly_the_shipped_file_and_config_check_passes_it(runner, tmp_path) -> None:
    path = tmp_path / "config.toml"
    result = runner.invoke(main, ["--config", str(path), "config", "init"], prog_name="ir-console")
    assert (result.exit_code, result.stdout) == (0, f"{path}\n")
    assert path.read_bytes() == shipped_example()

    path.write_text(uncommented(path.read_text(encoding="utf-8")), encoding="utf-8")
    result = runner.invoke(main, ["--config", str(path), "config", "check"], env={"API_TOKEN": "t"})
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == "1 HTTP check, 1 TCP check, 1 git repository, 1 log file; sampling every 2 s\n"


@pytest.mark.subprocess
def test_config_importing_a_layer_above_it_fails_the_import_contracts(tmp_path: Path) -> None:
    """config sits on model, below store and signals (which read it): it may import nothing above."""
    shutil.copytree(ROOT / "ir_console", tmp_path / "ir_console", ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "ir_console" / "config" / "bad.py").write_text('"""Breaks a contract."""\n\nimport ir_console.store\n')
    result = subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports"), "--no-cache", "--no-logo", str(ROOT / "pyproject.toml")],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Layers: model <- store/signals <- render <- tui/cli BROKEN" in result.stdout
    assert "ir_console.config.bad -> ir_console.store" in result.stdout
