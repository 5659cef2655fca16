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
import re
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


@dataclass(frozen=True)
class Threshold:
    """Percentages: at `warn` a figure turns amber, at `critical` red, and a critical figure held
    for `SignalsConfig.sustained` seconds is logged on the timeline."""

    warn: float
    critical: float


def default_thresholds() -> dict[str, Threshold]:
    return {
        "cpu": Threshold(75, 90),
        "memory": Threshold(80, 90),
        "swap": Threshold(50, 80),
        "disk": Threshold(85, 95),
    }


@dataclass
class SignalsConfig:
    """`[signals]`: the system pane and the automatic signal events."""

    interval: float = 1.0  # seconds between samples; 0 turns sampling off
    sustained: float = 60.0  # seconds a figure stays critical before it is logged
    rate_limit: float = 300.0  # seconds: at most one automatic event per signal in this window
    thresholds: dict[str, Threshold] = field(default_factory=default_thresholds)


@dataclass(frozen=True)
class HttpCheck:
    """`[[health.http]]`. Header values keep their `${VAR}` references: they are expanded from
    the environment only when a request is made, so a secret is never stored anywhere."""

    name: str
    url: str
    method: str = "GET"
    expect_status: tuple[int, ...] = (200,)
    timeout: float = 2.0
    headers: tuple[tuple[str, str], ...] = ()
    degraded_after: float | None = None  # seconds; slower answers are "degraded" (None: timeout / 2)
    verify_tls: bool = True


@dataclass(frozen=True)
class TcpCheck:
    """`[[health.tcp]]`: can a connection be opened (the `pg_isready` of any service)."""

    name: str
    host: str
    port: int
    timeout: float = 2.0


@dataclass
class HealthConfig:
    interval: float = 5.0  # seconds between rounds of checks
    http: list[HttpCheck] = field(default_factory=list)
    tcp: list[TcpCheck] = field(default_factory=list)


@dataclass(frozen=True)
class GitSource:
    """`[[changes.git]]`: `git log --since=<since>` of a repository, run without a shell."""

    path: Path
    since: str = "2 hours ago"
    name: str = ""  # shown in the pane; the folder name when empty
    max_count: int = 50

    @property
    def label(self) -> str:
        return self.name or self.path.name or str(self.path)


@dataclass
class ChangesConfig:
    interval: float = 30.0
    git: list[GitSource] = field(default_factory=list)


DEFAULT_LOG_PATTERN = "error|fatal|panic"


@dataclass(frozen=True)
class LogSource:
    """`[[logs.file]]`: lines matching `pattern` (a Python regex, case-insensitive)."""

    path: Path
    pattern: str = DEFAULT_LOG_PATTERN
    name: str = ""

    @property
    def label(self) -> str:
        return self.name or self.path.name or str(self.path)


@dataclass
class LogsConfig:
    interval: float = 1.0
    files: list[LogSource] = field(default_factory=list)


@dataclass
class Config:
    update_cadence: dict[Severity, timedelta] = field(default_factory=default_cadence)
    signals: SignalsConfig = field(default_factory=SignalsConfig)
    health: HealthConfig = field(default_factory=HealthConfig)
    changes: ChangesConfig = field(default_factory=ChangesConfig)
    logs: LogsConfig = field(default_factory=LogsConfig)
    problems: list[str] = field(default_factory=list)


_ENV_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def expand_env(value: str, environ: Mapping[str, str]) -> tuple[str, list[str]]:
    """`${VAR}` replaced by the variable's value; returns the text and the names that are unset
    (replaced by nothing)."""
    missing: list[str] = []

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in environ:
            missing.append(name)
            return ""
        return environ[name]

    return _ENV_REFERENCE.sub(replace, value), missing


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
