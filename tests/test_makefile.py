"""The Makefile's .venv rules, run by make on a copy of the Makefile in a temporary folder.

`make run` installs only the runtime dependencies, `make test` adds the test extra, and a .venv
made by another Python (or one ir-console does not support) is rebuilt with a one-line reason.
Dry runs (`make -n`) show what would be installed without installing anything.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    (tmp_path / "tools").mkdir()
    for name in ("Makefile", "pyproject.toml", "tools/venv_check.py"):
        shutil.copy2(ROOT / name, tmp_path / name)
    return tmp_path


def make(checkout: Path, *args: str, python: str = sys.executable) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAKE", "PYTHON"))}
    return subprocess.run(
        ["make", "--no-print-directory", *args, f"PYTHON={python}"],
        cwd=checkout,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def installed_stamp(checkout: Path) -> None:
    """The stamp written after an install, newer than pyproject.toml: nothing left to install."""
    stamp = checkout / ".venv" / ".installed"
    stamp.touch()
    later = (checkout / "pyproject.toml").stat().st_mtime + 10
    os.utime(stamp, (later, later))


def stub_venv(checkout: Path, version: str, executable: str) -> None:
    """A .venv whose python says it is `version`, at `executable` (what tools/venv_check.py asks)."""
    bin_dir = checkout / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    python = bin_dir / "python"
    python.write_text(f"#!/bin/sh\necho {version}\necho {executable}\n")
    python.chmod(0o755)


def real_venv(checkout: Path, python: str) -> None:
    subprocess.run([python, "-m", "venv", "--without-pip", str(checkout / ".venv")], check=True, timeout=120)


def pip_installs(dry_run: str) -> list[str]:
    return [line for line in dry_run.splitlines() if " -m pip " in line and " install " in line]


def test_make_run_installs_only_the_runtime_dependencies_and_make_test_adds_the_test_extra(checkout: Path) -> None:
    run = make(checkout, "-n", "run")
    assert run.returncode == 0, run.stderr
    assert [line.split(" install ", 1)[1] for line in pip_installs(run.stdout)] == ["-e ."]
    test = make(checkout, "-n", "test")
    assert test.returncode == 0, test.stderr
    assert [line.split(" install ", 1)[1] for line in pip_installs(test.stdout)] == ["-e .", "-e '.[test,sync]'"]
    assert "--quiet" not in run.stdout + test.stdout  # pip shows its progress


def test_a_venv_made_by_this_python_is_not_reinstalled(checkout: Path) -> None:
    real_venv(checkout, sys.executable)
    installed_stamp(checkout)
    dry = make(checkout, "-n", "run")
    assert dry.returncode == 0, dry.stderr
    assert pip_installs(dry.stdout) == []
    kept = make(checkout, "venv")
    assert kept.returncode == 0 and kept.stdout == "", kept.stdout + kept.stderr


def test_a_venv_made_by_an_unsupported_python_is_rebuilt_with_a_one_line_reason(checkout: Path) -> None:
    stub_venv(checkout, "3.9", "/usr/lib/python3.9/bin/python3.9")
    installed_stamp(checkout)
    dry = make(checkout, "-n", "run")
    assert dry.returncode == 0, dry.stderr
    assert pip_installs(dry.stdout), "the stamp of a .venv made by Python 3.9 must not count"

    rebuilt = make(checkout, "venv")
    assert rebuilt.returncode == 0, rebuilt.stderr
    reason, *rest = rebuilt.stdout.splitlines()
    assert reason == "Rebuilding .venv: .venv was made by Python 3.9, which ir-console does not support."
    assert rest == [f"Creating .venv with {sys.executable}"]
    version = subprocess.run(
        [str(checkout / ".venv" / "bin" / "python"), "-c", "import sys; print(sys.version_info[:2])"],
        capture_output=True,
        text=True,
    )
    assert version.stdout.strip() == str(sys.version_info[:2])


def interpreters(*names: str) -> list[str]:
    """The named Pythons on the PATH, then those pyenv keeps (its shims run only the selected one)."""
    found = [path for path in map(shutil.which, names) if path]
    pyenv = Path(os.environ.get("PYENV_ROOT") or Path("~/.pyenv").expanduser()) / "versions"
    found += [str(p) for name in names for p in sorted(pyenv.glob(f"*/bin/{name}"))]
    return found


def other_python() -> str | None:
    """Another supported interpreter than this one, if the machine has one."""
    mine = os.path.realpath(getattr(sys, "_base_executable", sys.executable))
    for found in interpreters("python3.13", "python3.12", "python3.11", "python3"):
        probe = subprocess.run(
            [found, "-c", "import os, sys; print(sys.version_info >= (3, 11), os.path.realpath(sys._base_executable))"],
            capture_output=True,
            text=True,
        )
        supported, _, executable = probe.stdout.strip().partition(" ")
        if probe.returncode == 0 and supported == "True" and executable != mine:
            return found
    return None


def test_a_venv_made_by_another_python_is_rebuilt(checkout: Path) -> None:
    other = other_python()
    if other is None:
        pytest.skip("no other Python 3.11+ on this machine")
    real_venv(checkout, other)
    installed_stamp(checkout)
    assert pip_installs(make(checkout, "-n", "run").stdout)
    rebuilt = make(checkout, "venv")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert rebuilt.stdout.splitlines()[0].startswith("Rebuilding .venv: .venv was made by Python ")


def test_an_unsupported_python_is_refused_in_one_line(checkout: Path) -> None:
    old = next(
        (
            p
            for p in interpreters("python3.10", "python3.9", "python3.8")
            if subprocess.run([p, "-c", "import sys; print(sys.version_info < (3, 11))"], capture_output=True).stdout
            == b"True\n"
        ),
        None,
    )
    if old is None:
        pytest.skip("no Python older than 3.11 on this machine")
    refused = make(checkout, "venv", python=old)
    assert refused.returncode != 0
    assert not (checkout / ".venv").exists()
    line = refused.stderr.splitlines()[0]
    assert line.startswith("ir-console needs Python 3.11 or newer;") and "PYTHON=python3.11" in line
