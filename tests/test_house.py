"""The house (issue #15): rules checked by tools, test fixtures and library parts in place of hand-rolled ones.

`make test` runs `lint-imports` over the package with the contracts in pyproject.toml. These tests
run it on a copy of the package with one forbidden import added, and see the check fail, naming
the broken contract; they check the fixture that keeps the snapshot tests' cursors steady, and
the timeline's page cache (Textual's LRUCache).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from types import SimpleNamespace
from typing import cast

import pytest
from textual.widgets import Input, TextArea
from tui_support import console, run

from ir_console.model import TimelineEvent
from ir_console.store import Store
from ir_console.tui.widgets.timeline import PAGE_SIZE, TimelineView

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
SEARCH_CONTRACT = "search and archive queries do not import the Store"


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
        ("model/bad.py", "import ir_console.newcomer", "model imports nothing of ours"),  # a module added later
        ("render/bad.py", "import ir_console.cli", "Layers: model <- store/signals <- render <- tui/cli"),
        ("render/bad.py", "import textual.widgets", "Nothing outside tui imports Textual"),
        ("newcomer.py", "from textual.app import App", "Nothing outside tui imports Textual"),
        ("store/bad.py", "from ir_console.render import text", "store does not import render"),
        ("signals/bad.py", "from ir_console.store import Store", "signals does not import store"),
        ("store/search.py", "from ir_console.store.store import Store", SEARCH_CONTRACT),
        ("store/archive.py", "from ir_console.store import Store", SEARCH_CONTRACT),  # through the package
        ("signals/bad.py", "import rich.text", "Nothing below tui imports Rich"),
    ],
    ids=[
        "model-config",
        "model-newcomer",
        "render-cli",
        "render-textual",
        "top-level-textual",
        "store-render",
        "signals-store",
        "search-store",
        "archive-store",
        "rich",
    ],
)
def test_a_forbidden_import_fails_the_check(tmp_path: Path, module: str, line: str, contract: str) -> None:
    shutil.copytree(ROOT / "ir_console", tmp_path / "ir_console", ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "ir_console" / "newcomer.py").write_text('"""A module of ours that no contract names."""\n')
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


class CountingStore:
    """A store that serves pages of events and counts the reads of each page."""

    def __init__(self) -> None:
        self.reads: Counter[int] = Counter()

    def events_page(
        self, incident_id: int, offset: int, limit: int, total: int | None = None, shown: object = None
    ) -> list[TimelineEvent]:
        self.reads[offset // limit] += 1
        return [cast(TimelineEvent, SimpleNamespace(id=offset + i)) for i in range(limit)]


def test_the_timeline_keeps_the_page_it_reads_most_and_drops_the_least_recently_read() -> None:
    """Textual's LRUCache: a page read again counts as recent. The hand-rolled cache it replaced
    dropped pages in the order they were first read, so the page in view was read from the store
    again after sixteen others had been visited."""
    view = TimelineView()
    store = CountingStore()
    view.store, view.incident_id, view.count = cast(Store, store), 1, PAGE_SIZE * 40
    for page in range(1, 33):
        assert view.event_at(0) is not None  # the first row stays in view
        assert view.event_at(page * PAGE_SIZE) is not None
    assert store.reads[0] == 1
    assert view.event_at(PAGE_SIZE) is not None
    assert store.reads[1] == 2  # long since dropped: read again


@pytest.mark.subprocess
def test_a_renamed_app_service_fails_the_type_check_where_the_header_reads_it(tmp_path: Path) -> None:
    """The header reads the update cadence through the App's typed accessor, not `getattr` with a
    default: renaming the App's `config` fails `mypy` at the header instead of silently falling
    back to the default cadence."""
    shutil.copytree(ROOT / "ir_console", tmp_path / "ir_console", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    app = tmp_path / "ir_console" / "tui" / "app.py"
    app.write_text(app.read_text().replace("self.config", "self.settings"))
    result = subprocess.run(
        [str(Path(sys.executable).parent / "mypy"), "--cache-dir", str(tmp_path / "cache")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "ir_console/tui/widgets/header.py:" in result.stdout
    assert '"IrConsoleApp" has no attribute "config"' in result.stdout
