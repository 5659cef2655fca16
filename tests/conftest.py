"""Shared fixtures. Keep this small: other test files add their own fixtures."""

from __future__ import annotations

import inspect
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Local times on screen are part of what tests compare: make "local" the same everywhere.
os.environ["TZ"] = "UTC"
time.tzset()

from ir_console.clipboard import OSC52_TERMS, SESSION_VARIABLES  # noqa: E402 (after TZ is set)
from ir_console.store import Store  # noqa: E402

# The slow kinds of test (markers registered in pyproject.toml; `make test-fast` leaves them out).
# `ui`: a test that drives the console headless (an async test in a module that starts the app
# through tui_support or IrConsoleApp) or compares snapshots. These modules start real processes
# (the CLI, the console in a pty, pip, git, openssl) or servers, or break things for real:
SUBPROCESS_MODULES = {
    "test_changes",
    "test_cli_subprocess",
    "test_concurrency",
    "test_health",
    "test_health_pool",
    "test_packaging",
    "test_resources",
    "test_tui_live",
}
FAULT_MODULES = {"test_environment", "test_faults", "test_log_filter_bound", "test_process"}


def _drives_the_console(module: object) -> bool:
    from ir_console.tui.app import IrConsoleApp

    return any(
        value is IrConsoleApp or getattr(value, "__module__", None) == "tui_support" for value in vars(module).values()
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if not isinstance(item, pytest.Function):
            continue
        module = item.module
        name = module.__name__ if module is not None else ""
        if name in SUBPROCESS_MODULES:
            item.add_marker(pytest.mark.subprocess)
        if name in FAULT_MODULES:
            item.add_marker(pytest.mark.fault)
        if "snap_compare" in item.fixturenames or (
            inspect.iscoroutinefunction(item.function) and _drives_the_console(module)
        ):
            item.add_marker(pytest.mark.ui)


@pytest.fixture(autouse=True)
def private_session(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test runs as a user with no configuration, an empty data dir and no clipboard: the
    developer's config.toml cannot change a cadence under test, a status update saved to a file
    lands in a temporary folder, and nothing reaches the developer's clipboard. Tests that want a
    clipboard or a session (DISPLAY, SSH_TTY, TMUX...) set it themselves."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / "state"))  # the remembered theme
    monkeypatch.setenv("IR_CONSOLE_CONFIG", str(home / "config" / "ir-console" / "config.toml"))
    for name in ("DISPLAY", "WAYLAND_DISPLAY", *SESSION_VARIABLES):
        monkeypatch.delenv(name, raising=False)
    if os.environ.get("TERM") in OSC52_TERMS:
        monkeypatch.setenv("TERM", "xterm-256color")
    return home


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """A database path that does not exist yet, in a fresh temporary folder."""
    return tmp_path / "incidents.db"


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    """A migrated store on a fresh file; closed after the test."""
    opened = Store.open(db_path)
    try:
        yield opened
    finally:
        opened.close()


# The console tests' clock and incident; a test file that needs others defines its own.


@pytest.fixture
def clock():
    """The app's and the store's clock, fixed at tui_support.NOW until a test moves it."""
    from tui_support import Clock

    return Clock()


@pytest.fixture
def incident(store: Store, clock):
    """The open SEV-2 checkout incident (tui_support.declare_checkout_incident)."""
    from tui_support import declare_checkout_incident

    return declare_checkout_incident(store, clock)


@pytest.fixture
def steady_cursor(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every Input and TextArea made during the test draws its cursor solid, never blinking, so a
    screenshot cannot catch the cursor half-way through a blink (tests/test_snapshots.py)."""
    from textual.widgets import Input, TextArea

    for widget in (Input, TextArea):

        def steady(self: Any, *args: Any, __init: Any = widget.__init__, **kwargs: Any) -> None:
            __init(self, *args, **kwargs)
            self.cursor_blink = False

        monkeypatch.setattr(widget, "__init__", steady)
