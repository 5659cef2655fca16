"""Shared fixtures. Keep this small: other test files add their own fixtures."""

from __future__ import annotations

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
