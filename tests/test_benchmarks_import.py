"""Every benchmark module imports against the package as it is now: `make bench` is run rarely,
and a name moved in the package (search_index's triggers) once broke it only at the archive step,
twenty minutes into a run."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import benchmarks

MODULES = sorted(name for _, name, _ in pkgutil.iter_modules(benchmarks.__path__) if name != "__main__")


def test_the_benchmark_modules_are_all_found() -> None:
    assert {"archive", "startup", "keys", "export", "process", "sync"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_a_benchmark_module_imports(name: str) -> None:
    importlib.import_module(f"benchmarks.{name}")


def test_a_small_archive_builds_as_the_benchmark_builds_its_large_one(tmp_path) -> None:
    """The archive step itself, small (10 incidents, 500 events): the search triggers dropped for
    the bulk insert and the index rebuilt once after it, as for the million events."""
    from benchmarks.archive import build_archive
    from ir_console.store import Store

    archive = build_archive(tmp_path / "archive.db", incidents=10, events=500)
    with Store.open(tmp_path / "archive.db", create=False) as store:
        assert store.scalar("SELECT count(*) FROM incidents") == 10
        assert store.scalar("SELECT count(*) FROM events") == 500
        assert store.scalar("SELECT count(*) FROM search_events") == 500
    assert archive is not None
