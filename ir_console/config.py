"""The configuration file: TOML, at `locations.config_path()` (`IR_CONSOLE_CONFIG` to choose another).

Only what this module knows is read; other tables are left for the parts of the console that
own them. Every table is optional and a missing file is fine. A value that is wrong does not stop
the console at 3 a.m.: it is reported in `Config.problems` (the console shows them as a
notification, the command line on stderr) and its default is used instead.

    [updates]
    # How often stakeholders get a status update, in minutes, by severity.
    cadence_minutes = { "SEV-1" = 15, "SEV-2" = 30, "SEV-3" = 60, "SEV-4" = 240 }

To add a table: a field on `Config` with its default, and a `_read_<table>` function called from
`load_config` that appends to `problems` rather than raising.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from ir_console.model import Severity

# A cadence longer than a week is a typo, and a very large number would not fit a timedelta.
MAX_CADENCE_MINUTES = 7 * 24 * 60


def default_cadence() -> dict[Severity, timedelta]:
    """The seed's cadence: model/severity.py's `update_every`."""
    return {severity: severity.info.update_every for severity in Severity}


@dataclass
class Config:
    update_cadence: dict[Severity, timedelta] = field(default_factory=default_cadence)
    problems: list[str] = field(default_factory=list)


def load_config(path: Path) -> Config:
    """Read the file at `path`. Never raises: what cannot be used is explained in `problems`."""
    config = Config()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return config
    except OSError as error:
        config.problems.append(f"{path}: cannot read it ({error.strerror or error}); using the defaults")
        return config
    try:
        document = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        config.problems.append(f"{path}: not UTF-8 text; using the defaults")
        return config
    except tomllib.TOMLDecodeError as error:
        config.problems.append(f"{path}: not valid TOML ({error}); using the defaults")
        return config
    _read_updates(document.get("updates"), config, f"{path}: [updates]")
    return config


def _read_updates(table: Any, config: Config, where: str) -> None:
    if table is None:
        return
    if not isinstance(table, Mapping):
        config.problems.append(f"{where} must be a table; using the default cadence")
        return
    for key in table:
        if key != "cadence_minutes":
            config.problems.append(f"{where} {key}: unknown key (the table has cadence_minutes); ignored")
    cadence = table.get("cadence_minutes")
    if cadence is None:
        return
    if not isinstance(cadence, Mapping):
        config.problems.append(f"{where} cadence_minutes must be a table such as "
                               '{ "SEV-1" = 15, "SEV-2" = 30 }; using the default cadence')
        return
    seen: dict[Severity, str] = {}
    for key, value in cadence.items():
        name = f"{where} cadence_minutes.{key}"
        try:
            severity = Severity.parse(key)
        except ValueError:
            config.problems.append(f"{name}: not a severity (use SEV-1, SEV-2, SEV-3 or SEV-4); ignored")
            continue
        default = f"using {minutes(severity.info.update_every)} for {severity.label}"
        if severity in seen:
            config.problems.append(f"{name}: {severity.label} is already set by {seen[severity]!r}; ignored")
            continue
        seen[severity] = key
        problem = _cadence_problem(value)
        if problem:
            config.problems.append(f"{name}: {problem} (got {value!r}); {default}")
            continue
        config.update_cadence[severity] = timedelta(minutes=value)


def _cadence_problem(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "must be a number of minutes"
    if not math.isfinite(value) or value < 1:
        return "must be at least 1 minute"
    if value > MAX_CADENCE_MINUTES:
        return f"must be at most {MAX_CADENCE_MINUTES} minutes (a week)"
    return ""


def minutes(interval: timedelta) -> str:
    count = interval.total_seconds() / 60
    return f"{count:g} minute{'' if count == 1 else 's'}"
