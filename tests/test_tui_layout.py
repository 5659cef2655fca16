"""The console's package as issue #15 lays it out: full screens in `tui/screens/`, one dialog a module
in `tui/dialogs/`, each a `ModalScreen[Result]` whose result is a dataclass declared beside it, one
pane a module in `tui/widgets/`, and the screens' layout in the shipped `styles/*.tcss`, not in
the screens' `DEFAULT_CSS`.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import inspect
import os
import pkgutil
import shutil
import subprocess
import sys
import types
import typing
from pathlib import Path

import pytest
from textual.screen import ModalScreen, Screen

import ir_console.tui
import ir_console.tui.dialogs
import ir_console.tui.screens
from ir_console.locations import stylesheet_dir
from ir_console.tui.app import IrConsoleApp
from ir_console.tui.dialogs.base import Modal, SimilarModal

ROOT = Path(__file__).resolve().parents[1]


def modules(package: types.ModuleType) -> list[types.ModuleType]:
    return [
        importlib.import_module(info.name)
        for info in pkgutil.walk_packages(package.__path__, prefix=f"{package.__name__}.")
        if not info.ispkg
    ]


def screens_defined_in(module: types.ModuleType) -> list[type[Screen]]:
    return [
        cls
        for cls in vars(module).values()
        if inspect.isclass(cls) and issubclass(cls, Screen) and cls.__module__ == module.__name__
    ]


def result_type(screen: type[Screen]) -> object:
    """The `ResultType` of `ModalScreen[ResultType]` (or `Modal[...]`) the class declares, or
    inherits from the nearest class that does; a TypeVar when none is given."""
    for cls in screen.__mro__:
        for base in getattr(cls, "__orig_bases__", ()):
            origin = typing.get_origin(base)
            if inspect.isclass(origin) and issubclass(origin, Screen):
                return typing.get_args(base)[0]
    raise AssertionError(f"{screen.__name__} declares no result type")


DIALOG_BASES = {Modal, SimilarModal}
DIALOGS = [
    screen
    for module in modules(ir_console.tui.dialogs)
    for screen in screens_defined_in(module)
    if screen not in DIALOG_BASES
]


def test_the_screens_package_holds_the_three_full_screens_and_no_dialog() -> None:
    names = {module.__name__.rsplit(".", 1)[1] for module in modules(ir_console.tui.screens)}
    assert names == {"war_room", "incidents", "postmortem"}
    for module in modules(ir_console.tui.screens):
        dialogs = [s.__name__ for s in screens_defined_in(module) if issubclass(s, ModalScreen)]
        assert dialogs == [], f"{module.__name__} holds dialogs: {dialogs}"


def test_each_dialog_module_holds_one_dialog() -> None:
    for module in modules(ir_console.tui.dialogs):
        dialogs = [s.__name__ for s in screens_defined_in(module) if s not in DIALOG_BASES]
        expected = 0 if module.__name__.endswith(".base") else 1
        assert len(dialogs) == expected, f"{module.__name__}: {dialogs}"


@pytest.mark.parametrize("dialog", DIALOGS, ids=lambda dialog: dialog.__name__)
def test_every_dialog_declares_a_dataclass_result_declared_beside_it(dialog: type[Screen]) -> None:
    declared = result_type(dialog)
    assert not isinstance(declared, typing.TypeVar), f"{dialog.__name__} is a Modal without its result type"
    if declared is None or declared is type(None):
        return  # read-only: closed with nothing (help, preview, history)
    results = typing.get_args(declared) if isinstance(declared, types.UnionType) else (declared,)
    for result in results:
        assert dataclasses.is_dataclass(result), f"{dialog.__name__} returns {result!r}, not a dataclass"
        assert isinstance(result, type) and result.__module__ == dialog.__module__, (
            f"{dialog.__name__}'s result {result!r} is declared elsewhere"
        )


def test_each_war_room_pane_has_its_own_module() -> None:
    from ir_console.tui.widgets.containment_list import ContainmentList
    from ir_console.tui.widgets.entry_line import EntryLine
    from ir_console.tui.widgets.hypothesis_list import HypothesisList
    from ir_console.tui.widgets.marked_list import MarkedList

    assert not (ROOT / "ir_console" / "tui" / "widgets" / "panes.py").exists()
    assert len({pane.__module__ for pane in (ContainmentList, EntryLine, HypothesisList, MarkedList)}) == 4


def test_no_screen_or_dialog_carries_its_layout_in_default_css() -> None:
    """Widgets keep their own small DEFAULT_CSS; a screen's or a dialog's layout is in styles/."""
    with_css = [
        f"{screen.__module__}.{screen.__name__}"
        for module in modules(ir_console.tui)
        for screen in screens_defined_in(module)
        if screen.__dict__.get("DEFAULT_CSS", "").strip()
    ]
    assert with_css == []


def test_the_app_loads_every_shipped_stylesheet() -> None:
    """Each .tcss under styles/ is in the App's CSS_PATH or read as the first screen it styles
    opens (LATER_SHEETS; the wheel ships the folder whole)."""
    loaded = {Path(path).name for path in IrConsoleApp.CSS_PATH} | set(IrConsoleApp.LATER_SHEETS.values())
    shipped = {path.name for path in stylesheet_dir().glob("*.tcss")}
    assert loaded == shipped
    assert {"app.tcss", "dialogs.tcss"} <= shipped


@pytest.mark.subprocess
def test_a_renamed_status_update_field_fails_the_type_check_where_the_war_room_records_it(tmp_path: Path) -> None:
    """The composer hands the war room a `StatusUpdateSent`, not a dict popped by key: renaming its
    `text` fails `mypy` where the war room records and copies it, instead of a KeyError at 3 a.m."""
    shutil.copytree(ROOT / "ir_console", tmp_path / "ir_console", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    composer = tmp_path / "ir_console" / "tui" / "dialogs" / "status_update.py"
    source = composer.read_text()
    renamed = source.replace("\n    text: str\n", "\n    body: str\n").replace("            text=", "            body=")
    assert renamed != source
    composer.write_text(renamed)
    result = subprocess.run(
        [str(Path(sys.executable).parent / "mypy"), "--cache-dir", str(tmp_path / "cache")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "ir_console/tui/screens/war_room.py:" in result.stdout
    assert '"StatusUpdateSent" has no attribute "text"' in result.stdout


def test_no_dialog_or_widget_digs_through_the_app_or_the_screen_stack() -> None:
    """What a dialog or a widget shows is handed in, or read through the App's typed accessor
    (`getters.app`): never found with `getattr` on the App or on whatever screen lies below
    (the new-hypothesis dialog once looked for an `incident` attribute down the screen stack)."""
    digging = []
    for folder in ("dialogs", "widgets"):
        for path in sorted((ROOT / "ir_console" / "tui" / folder).glob("*.py")):
            tree = ast.parse(path.read_text())
            for node in ast.walk(tree):
                if isinstance(node, ast.Attribute) and node.attr == "screen_stack":
                    digging.append(f"{path.name}:{node.lineno} screen_stack")
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr":
                    target = ast.unparse(node.args[0])
                    if target.startswith(("self.app", "screen", "self.screen")):
                        digging.append(f"{path.name}:{node.lineno} getattr({target}, ...)")
    assert digging == []


@pytest.mark.subprocess
@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        ("widgets/bad.py", "from ir_console.tui.dialogs.base import Modal", "tui widgets import no screen or dialog"),
        ("widgets/bad.py", "import ir_console.tui.screens.war_room", "tui widgets import no screen or dialog"),
        ("dialogs/bad.py", "import ir_console.tui.screens.war_room", "tui dialogs import no full screen"),
    ],
    ids=["widget-dialog", "widget-screen", "dialog-screen"],
)
def test_an_import_against_the_tui_layers_fails_the_check(
    tmp_path: Path, module: str, line: str, contract: str
) -> None:
    shutil.copytree(ROOT / "ir_console", tmp_path / "ir_console", ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "ir_console" / "tui" / module).write_text(f'"""A module that breaks a contract."""\n\n{line}\n')
    result = subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports"), "--no-cache", "--no-logo", str(ROOT / "pyproject.toml")],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"{contract} BROKEN" in result.stdout
