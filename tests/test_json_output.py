"""`--json` output against the shapes documented in the README ("Machine output (JSON)").

Each documented document is run for real (CliRunner, a fresh database) and compared with the
README's example: the same keys in the same order at every level, the same kinds of values
(`null` stands for "or null"), `format` and `version` first.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from ir_console.cli import main

ROOT = Path(__file__).resolve().parents[1]
# Objects whose keys are data (table names), not fields: their values are counts.
MAPS = {"added", "updated"}


def documented_shapes() -> dict[str, dict]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Machine output (JSON)\n", 1)[1].split("\n## ", 1)[0]
    shapes = {}
    for name, block in re.findall(
        r"^### `(ir-console\.[a-z-]+)`.*?\n(?:.*?\n)*?```json\n(.*?)```", section, re.M | re.S
    ):
        shapes[name] = json.loads(block)
    return shapes


def assert_same_shape(documented: object, actual: object, path: str = "$") -> None:
    if isinstance(documented, dict):
        assert isinstance(actual, dict), f"{path}: {actual!r} is not an object"
        if path.rsplit(".", 1)[-1] in MAPS:
            assert all(isinstance(k, str) and type(v) is int for k, v in actual.items()), f"{path}: {actual!r}"
            return
        assert list(actual) == list(documented), f"{path}: keys {list(actual)} != documented {list(documented)}"
        for key, value in documented.items():
            assert_same_shape(value, actual[key], f"{path}.{key}")
    elif isinstance(documented, list):
        assert isinstance(actual, list), f"{path}: {actual!r} is not an array"
        assert actual, f"{path}: the scenario should give at least one item"
        for item in actual:
            assert_same_shape(documented[0], item, f"{path}[]")
    elif documented is not None and actual is not None:
        kinds = {int: "number", float: "number", str: "string", bool: "boolean"}
        assert kinds[type(actual)] == kinds[type(documented)], f"{path}: {actual!r} vs documented {documented!r}"


class Commands:
    def __init__(self, db: Path) -> None:
        self.runner = CliRunner(env={"IR_CONSOLE_DB": str(db), "IR_CONSOLE_USER": "sam"})

    def json(self, *args: str) -> dict:
        result = self.runner.invoke(main, [*args, "--json"])
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict]]:
    """Every --json document, from a scenario that fills each list."""
    folder = tmp_path_factory.mktemp("json")
    cli = Commands(folder / "incidents.db")
    made = cli.json(
        "new",
        "Checkout API returning 500s",
        "--sev",
        "1",
        "--reporter",
        "pager",
        "--impact-started",
        "-9m",
        "--detected",
        "-5m",
    )
    ref = made["id"]
    documents = {
        "ir-console.incident-state": [
            made,
            cli.json("set", ref, "--commander", "dana", "--at", "-2m"),
        ],
        "ir-console.event": [cli.json("log", "Rolled back to v2.40.3", "--kind", "action", "--at", "-1m")],
        "ir-console.containment-action": [cli.json("contain", ref, "1", "--state", "done", "--detail", "v2.40.3")],
        "ir-console.incident-list": [cli.json("list")],
        "ir-console.incident-timeline": [cli.json("show", ref)],
        "ir-console.status-update": [cli.json("update", ref, "--format", "text")],
        "ir-console.search-results": [cli.json("search", "rolled")],
        "ir-console.stats": [cli.json("stats")],
    }
    exported = folder / "export.json"
    result = cli.runner.invoke(main, ["export", ref, "--format", "json", "-o", str(exported)])
    assert result.exit_code == 0, result.output
    elsewhere = Commands(folder / "elsewhere.db")
    documents["ir-console.import-result"] = [elsewhere.json("import", str(exported))]
    config = folder / "config.toml"
    config.write_text('[updates]\ncadence_minutes = { "SEV-2" = 0 }\n[[health.tcp]]\nhost = "db"\nport = 5432\n')
    checked = cli.runner.invoke(main, ["--config", str(config), "config", "check", "--json"])
    assert checked.exit_code == 2  # the file has a problem
    documents["ir-console.config-check"] = [json.loads(checked.stdout)]
    cli.runner.invoke(main, ["set", ref, "--status", "resolved"])
    documents["ir-console.incident-state"].append(cli.json("reopen", ref, "--reason", "back"))
    return documents


def test_every_documented_shape_is_what_the_commands_print(outputs) -> None:
    shapes = documented_shapes()
    assert set(shapes) == set(outputs), "a --json document is undocumented, or documented and never printed"
    for name, documents in outputs.items():
        for document in documents:
            assert list(document)[:2] == ["format", "version"]
            assert (document["format"], document["version"]) == (name, 1)
            assert_same_shape(shapes[name], document, name)


def test_every_command_that_prints_data_takes_json() -> None:
    listed = {
        name
        for name, command in main.commands.items()
        if any(param.name in ("as_json", "fmt") and "--json" in getattr(param, "opts", []) for param in command.params)
    }
    assert listed == {"new", "log", "set", "contain", "reopen", "list", "show", "update", "import", "search", "stats"}
    assert "--json" in [opt for param in main.commands["config"].commands["check"].params for opt in param.opts]


def test_export_keeps_its_format_and_version_for_import(tmp_path: Path) -> None:
    cli = Commands(tmp_path / "incidents.db")
    ref = cli.json("new", "Exported", "--sev", "3")["id"]
    result = cli.runner.invoke(main, ["export", ref, "--format", "json"])
    document = json.loads(result.stdout)
    assert (document["format"], document["version"]) == ("ir-console.incident", 1)
