"""The wheel and the sdist: what they carry, the metadata a package index shows, and that the
package runs from a real (non-editable) install.

The development virtualenv runs the package from the checkout, where the stylesheets sit in the
top-level `styles/`. A wheel must carry them as `ir_console/styles/`, and the package must find
them there. Both archives are built once per session, offline: `python -m build --no-isolation`
with the hatchling of this virtualenv (the `test` extra installs it), the wheel built from the
sdist, so an sdist missing a file the build needs fails here.
"""

from __future__ import annotations

import email
import importlib.util
import os
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


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
def dist(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, set[str]]:
    """(wheel, sdist, the files the wheel must hold), built offline."""
    missing = [name for name in ("build", "hatchling", "twine") if importlib.util.find_spec(name) is None]
    if missing:
        pytest.fail(f"the packaging tests need {', '.join(missing)}: pip install -e '.[test]'")
    expected = source_files()  # listed before the build: files others add meanwhile do not count
    out = tmp_path_factory.mktemp("dist")
    result = subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)],
        capture_output=True,
        text=True,
        env=pip_env(),
        cwd=out,
        timeout=300,
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    wheels, sdists = list(out.glob("ir_console-*.whl")), list(out.glob("ir_console-*.tar.gz"))
    assert len(wheels) == 1 and len(sdists) == 1, sorted(out.iterdir())
    return wheels[0], sdists[0], expected


@pytest.fixture(scope="module")
def wheel(dist) -> tuple[Path, set[str]]:
    return dist[0], dist[2]


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


def test_twine_check_passes_on_both_archives(dist) -> None:
    wheel_path, sdist_path, _ = dist
    result = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", str(wheel_path), str(sdist_path)],
        capture_output=True,
        text=True,
        env={**pip_env(), "NO_COLOR": "1"},
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("PASSED") == 2, result.stdout


def wheel_metadata(path: Path) -> email.message.Message:
    with zipfile.ZipFile(path) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        return email.message_from_bytes(archive.read(name))


def test_the_wheel_metadata_is_what_a_package_index_shows(wheel) -> None:
    metadata = wheel_metadata(wheel[0])
    assert metadata["Name"] == "ir-console"
    assert metadata["License-Expression"] == "MIT"
    assert metadata.get_all("License-File") == ["LICENSE"]
    assert metadata["Requires-Python"] == ">=3.11"
    assert metadata["Description-Content-Type"] == "text/markdown"
    assert metadata.get_payload().startswith("# ir-console\n")  # the README is the long description
    classifiers = metadata.get_all("Classifier")
    for classifier in (
        "Environment :: Console",
        "Intended Audience :: System Administrators",
        "Programming Language :: Python :: 3.11",
        "Topic :: System :: Monitoring",
    ):
        assert classifier in classifiers
    assert "incident" in metadata["Keywords"].split(",")
    requires = set(metadata.get_all("Requires-Dist"))
    # What the code needs of Textual's and sqlite-utils' own dependencies.
    assert {"textual==8.2.8", "rich>=14.2.0", "click>=8.3.1", "sqlite-utils<5,>=4.2"} <= requires
    with zipfile.ZipFile(wheel[0]) as archive:
        licence = next(n for n in archive.namelist() if n.endswith(".dist-info/licenses/LICENSE"))
        assert archive.read(licence) == (ROOT / "LICENSE").read_bytes()
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
    assert "the ir-console authors" in (ROOT / "LICENSE").read_text()


def test_the_declared_lower_bounds_cover_what_the_pinned_dependencies_require() -> None:
    """rich and click are imported directly; their lower bounds are no lower than what Textual
    and sqlite-utils (as installed here) require of them."""
    from importlib.metadata import requires

    from packaging.requirements import Requirement

    declared = {
        Requirement(r).name: Requirement(r)
        for r in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    }
    for parent, child in (("textual", "rich"), ("sqlite-utils", "click")):
        needed = next(
            Requirement(r) for r in requires(parent) if Requirement(r).name == child and not Requirement(r).marker
        )
        floor = next(spec.version for spec in needed.specifier if spec.operator == ">=")
        ours = next(spec.version for spec in declared[child].specifier if spec.operator == ">=")
        assert ours == floor, f"{child}>={ours} declared; {parent} needs {child}>={floor}"


def test_the_sdist_holds_what_building_needs_and_nothing_else(dist) -> None:
    _, sdist_path, expected = dist
    with tarfile.open(sdist_path) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    top = {name.split("/", 1)[0] for name in names}
    # hatchling always adds .gitignore (it decides what a build from the sdist leaves out)
    assert top == {"ir_console", "styles", "README.md", "LICENSE", "pyproject.toml", "PKG-INFO", ".gitignore"}, sorted(
        top
    )
    sources = {n if not n.startswith("ir_console/styles/") else n.replace("ir_console/", "", 1) for n in expected}
    assert sources <= names, sorted(sources - names)


def test_the_wheel_carries_the_package_and_the_stylesheets(wheel) -> None:
    path, expected = wheel
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        assert "ir_console/styles/app.tcss" in names
        assert archive.read("ir_console/styles/app.tcss") == (ROOT / "styles" / "app.tcss").read_bytes()
        # The example configuration is package data, read with importlib.resources.
        example = ROOT / "ir_console" / "config" / "example.toml"
        assert archive.read("ir_console/config/example.toml") == example.read_bytes()
        entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
        assert "ir-console = ir_console.entry:main" in archive.read(entry_points).decode()
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
    assert not any("/tests/" in n or n.endswith(".svg") for n in names), sorted(names)


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


def test_config_init_from_the_install_writes_the_shipped_example(installed: Path, tmp_path: Path) -> None:
    written = tmp_path / "config.toml"
    script = installed / "bin" / "ir-console"
    result = run_installed(installed, [str(script), "--config", str(written), "config", "init"], tmp_path)
    assert (result.returncode, result.stderr) == (0, ""), result.stderr
    assert written.read_bytes() == (ROOT / "ir_console" / "config" / "example.toml").read_bytes()


def test_the_checkout_finds_the_top_level_stylesheets() -> None:
    """An editable install (or `python -m` in the checkout) runs from here: styles/ at the top."""
    import ir_console
    from ir_console.locations import stylesheet_dir

    if Path(ir_console.__file__).resolve().parent != ROOT / "ir_console":
        pytest.skip("ir_console is not imported from this checkout")
    assert stylesheet_dir() == ROOT / "styles"
    assert (stylesheet_dir() / "app.tcss").is_file()
