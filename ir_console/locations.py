"""Every path the console uses, in one place. Each function creates its folder (mode 0700).

platformdirs is imported by the functions that ask it, not here: `ir-console log` with
IR_CONSOLE_DB and IR_CONSOLE_CONFIG set (an alert pipeline) needs no user folder, and the import
costs more than the rest of this module."""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "ir-console"
DB_ENV = "IR_CONSOLE_DB"
CONFIG_ENV = "IR_CONSOLE_CONFIG"


def private_dir(path: Path) -> Path:
    """Create `path`, and each missing parent, readable by the owner only (incident records are
    sensitive), whatever the umask allows; an existing folder's mode is left alone. Raises
    OSError (NotADirectoryError when a file stands where a folder should be)."""
    missing = []
    folder = path
    while not folder.exists() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=0o700)
        except FileExistsError:
            pass  # made meanwhile by another process
    if not path.is_dir():
        raise NotADirectoryError(20, "not a folder", str(path))
    return path


def data_dir() -> Path:
    from platformdirs import user_data_dir

    return private_dir(Path(user_data_dir(APP_NAME, appauthor=False)))


def status_updates_dir() -> Path:
    """Where a status update goes when no clipboard can take it (see clipboard.py)."""
    return private_dir(data_dir() / "status-updates")


def log_dir() -> Path:
    """Where crash logs go: the user log folder (`~/.local/state/ir-console/log` on Linux)."""
    from platformdirs import user_log_dir

    return private_dir(Path(user_log_dir(APP_NAME, appauthor=False)))


def default_db_path() -> Path:
    """`IR_CONSOLE_DB` if set, else `incidents.db` in the user data dir. Nothing is created here:
    opening the database creates its folder (`--help` and a failed command leave no trace)."""
    override = os.environ.get(DB_ENV)
    if override:
        return Path(override).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False)) / "incidents.db"


def config_path() -> Path:
    override = os.environ.get(CONFIG_ENV)
    if override:
        return Path(override).expanduser()
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP_NAME, appauthor=False)) / "config.toml"


def state_path() -> Path:
    """What the console remembers between runs (the theme): `state.json` in the user state dir.
    Not created here: the console writes it (and its folder) when there is something to keep."""
    from platformdirs import user_state_dir

    return Path(user_state_dir(APP_NAME, appauthor=False)) / "state.json"


def drafts_path() -> Path:
    """What was typed and not yet saved (tui/drafts.py): `drafts.json` in the user state dir.
    Not created here: the console writes it when there is something to keep."""
    from platformdirs import user_state_dir

    return Path(user_state_dir(APP_NAME, appauthor=False)) / "drafts.json"


def stylesheet_dir() -> Path:
    """The folder holding `app.tcss`: the package's `styles/` when installed from a wheel, the
    top-level `styles/` in a checkout (or an editable install, which runs from the checkout)."""
    package = Path(__file__).resolve().parent
    for candidate in (package / "styles", package.parent / "styles"):
        if (candidate / "app.tcss").is_file():
            return candidate
    raise FileNotFoundError(f"no stylesheets (styles/app.tcss) next to {package}; reinstall ir-console")
