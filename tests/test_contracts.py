"""The house's rules, checked by tools: the import contracts hold, and a broken one fails the check.

`make test` runs `lint-imports` over the package with the contracts in pyproject.toml. These tests
run it on a copy of the package with one forbidden import added, and see the check fail, naming
the broken contract; and they keep the cursor steady that the snapshot tests rely on.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from textual.widgets import Input, TextArea
from tui_support import console, run

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """`lint-imports` with the project's contracts on the package found under `root`."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo", str(ROOT / "pyproject.toml")],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.subprocess
def test_the_package_keeps_every_contract() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.subprocess
@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        ("model/bad.py", "import ir_console.config", "model imports nothing of ours"),
        ("render/bad.py", "import ir_console.cli", "Layers: model <- store/signals <- render <- tui/cli"),
        ("render/bad.py", "import textual.widgets", "Nothing outside tui imports Textual"),
        ("newcomer.py", "from textual.app import App", "Nothing outside tui imports Textual"),
        ("store/bad.py", "from ir_console.render import text", "store does not import render"),
        ("signals/bad.py", "from ir_console.store import Store", "signals does not import store"),
        ("signals/bad.py", "import rich.text", "Nothing below tui imports Rich"),
    ],
    ids=["model-config", "render-cli", "render-textual", "top-level-textual", "store-render", "signals-store", "rich"],
)
def test_a_forbidden_import_fails_the_check(tmp_path: Path, module: str, line: str, contract: str) -> None:
    shutil.copytree(ROOT / "ir_console", tmp_path / "ir_console", ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "ir_console" / module).write_text(f'"""A module that breaks a contract."""\n\n{line}\n')
    result = lint_imports(tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"{contract} BROKEN" in result.stdout


async def test_steady_cursor_stops_every_cursor_blinking(steady_cursor, store, clock, incident) -> None:
    """The fixture the snapshot tests use: the war room's entry line and the fields of a dialog
    opened later draw a solid cursor, with their blink timers never started."""
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        await pilot.press("n")  # the new-incident form: inputs and a text area
        await pilot.pause()
        fields = [*app.screen.query(Input), *app.screen.query(TextArea)]
        fields += [*app.screen_stack[0].query(Input)]
        assert len(fields) >= 3
        assert [field for field in fields if field.cursor_blink] == []
        focused = app.focused
        assert isinstance(focused, Input | TextArea) and focused._cursor_visible
