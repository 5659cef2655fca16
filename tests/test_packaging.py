"""The wheel carries the stylesheets, and the package runs from a real (non-editable) install.

The development virtualenv runs the package from the checkout, where the stylesheets sit in the
top-level `styles/`. A wheel must carry them as `ir_console/styles/`, and the package must find
them there. The wheel is built once per session with pip (build isolation fetches hatchling from
PyPI or pip's cache); without a network that build can fail, and only then are these tests skipped.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NETWORK_TROUBLE = (
    "Could not find a version that satisfies the requirement",
    "No matching distribution found",
    "Failed to establish a new connection",
    "Temporary failure in name resolution",
    "Name or service not known",
    "Network is unreachable",
    "NewConnectionError",
    "ConnectTimeoutError",
    "ReadTimeoutError",
    "ProxyError",
    "SSLError",
)


def pip_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("IR_CONSOLE_", "PYTHONPATH"))}
    env.update(PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1", PYTHONDONTWRITEBYTECODE="1")
    return env


def source_files() -> set[str]:
    """What the wheel must hold: the package's modules, and styles/ as ir_console/styles/."""
    package = {
        p.relative_to(ROOT).as_posix() for p in (ROOT / "ir_console").rglob("*.py") if "__pycache__" not in p.parts
    }
    styles = {
        f"ir_console/styles/{p.relative_to(ROOT / 'styles').as_posix()}"
        for p in (ROOT / "styles").rglob("*")
        if p.is_file()
    }
    return package | styles


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, set[str]]:
    expected = source_files()  # listed before the build: files others add meanwhile do not count
    out = tmp_path_factory.mktemp("wheelhouse")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", str(out), str(ROOT)],
        capture_output=True,
        text=True,
        env=pip_env(),
        cwd=out,
        timeout=300,
    )
    if result.returncode != 0:
        output = result.stdout + result.stderr
        if any(sign in output for sign in NETWORK_TROUBLE):
            pytest.skip(
                "cannot build the wheel: pip could not fetch the build backend (hatchling) "
                "from PyPI; no network?\n" + output[-2000:]
            )
        pytest.fail(f"pip wheel failed:\n{output[-4000:]}")
    wheels = list(out.glob("ir_console-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0], expected


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel installed into a bare folder (no dependencies: those come from this virtualenv)."""
    target = tmp_path_factory.mktemp("site")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "--target", str(target), str(wheel[0])],
        capture_output=True,
        text=True,
        env=pip_env(),
        cwd=target,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return target


def run_installed(installed: Path, argv: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess:
    """Run with only the install on PYTHONPATH, from a folder outside the checkout."""
    assert ROOT not in cwd.resolve().parents and cwd.resolve() != ROOT
    environment = {**pip_env(), "PYTHONPATH": str(installed), **env}
    return subprocess.run(argv, capture_output=True, text=True, env=environment, cwd=cwd, timeout=60)


def test_the_wheel_carries_the_package_and_the_stylesheets(wheel) -> None:
    path, expected = wheel
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        assert "ir_console/styles/app.tcss" in names
        assert archive.read("ir_console/styles/app.tcss") == (ROOT / "styles" / "app.tcss").read_bytes()
        entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
        assert "ir-console = ir_console.cli:main" in archive.read(entry_points).decode()
    missing = {name for name in expected - names if (ROOT / name).exists() or name.startswith("ir_console/styles/")}
    assert not missing, f"left out of the wheel: {sorted(missing)}"
    for module in (
        "__init__.py",
        "__main__.py",
        "cli.py",
        "locations.py",
        "store/store.py",
        "store/exchange.py",
        "render/markdown.py",
    ):
        assert f"ir_console/{module}" in names
    assert not any(n.startswith(("tests/", "styles/")) or "__pycache__" in n for n in names), sorted(names)


def test_the_installed_package_runs_from_the_install_and_finds_its_stylesheets(installed: Path, tmp_path: Path) -> None:
    check = f"""
import sys
from pathlib import Path
import ir_console, ir_console.cli
from ir_console.locations import stylesheet_dir
install = Path({str(installed)!r}).resolve()
loaded = [Path(m.__file__).resolve() for name, m in list(sys.modules.items())
          if name.startswith("ir_console") and getattr(m, "__file__", None)]
assert loaded and all(install in p.parents for p in loaded), loaded
styles = stylesheet_dir()
assert styles == install / "ir_console" / "styles", styles
assert (styles / "app.tcss").is_file()
# The console's stylesheet paths point into the install too (textual comes from the virtualenv).
from textual.app import App
import ir_console.tui.app as console
apps = [v for v in vars(console).values() if isinstance(v, type) and issubclass(v, App) and v is not App]
css = [Path(p) for app in apps for p in (app.CSS_PATH if isinstance(app.CSS_PATH, list) else [app.CSS_PATH])]
assert css and all(p.is_file() and install in p.resolve().parents for p in css), css
print(styles)
"""
    result = run_installed(installed, [sys.executable, "-c", check], tmp_path)
    assert result.returncode == 0, result.stderr
    assert Path(result.stdout.strip()) == (installed / "ir_console" / "styles").resolve()


def test_the_installed_console_script_and_module_run(installed: Path, tmp_path: Path) -> None:
    script = installed / "bin" / "ir-console"
    assert script.is_file(), sorted(p.name for p in installed.iterdir())
    result = run_installed(installed, [str(script), "--help"], tmp_path)
    assert result.returncode == 0 and result.stdout.startswith("Usage: ir-console"), result.stderr
    assert "new" in result.stdout and "export" in result.stdout

    db = tmp_path / "incidents.db"
    ran = run_installed(
        installed,
        [sys.executable, "-m", "ir_console", "new", "From the wheel", "--sev", "3"],
        tmp_path,
        IR_CONSOLE_DB=str(db),
    )
    assert ran.returncode == 0 and ran.stderr == "", ran.stderr
    ref = ran.stdout.strip()
    listed = run_installed(installed, [str(script), "list"], tmp_path, IR_CONSOLE_DB=str(db))
    assert listed.returncode == 0 and listed.stdout.startswith(f"{ref}  SEV-3"), listed.stderr


def test_the_checkout_finds_the_top_level_stylesheets() -> None:
    """An editable install (or `python -m` in the checkout) runs from here: styles/ at the top."""
    import ir_console
    from ir_console.locations import stylesheet_dir

    if Path(ir_console.__file__).resolve().parent != ROOT / "ir_console":
        pytest.skip("ir_console is not imported from this checkout")
    assert stylesheet_dir() == ROOT / "styles"
    assert (stylesheet_dir() / "app.tcss").is_file()
