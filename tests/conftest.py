"""Shared fixtures. Keep this small: other test files add their own fixtures."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

# Local times on screen are part of what tests compare: make "local" the same everywhere.
os.environ["TZ"] = "UTC"
time.tzset()

from ir_console.store import Store


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
