"""The configuration's dataclasses and their defaults: what the console runs on, no I/O.

Each table of the file is a dataclass and each of its keys a field, so the keys the reader knows
(`KNOWN_KEYS`) are derived from the fields. Where the file differs from the fields, the field
says so in its metadata, made by `toml()`: a key named otherwise (`LogsConfig.files` is
`[[logs.file]]`), a field of `Config` kept in a table (`update_bell` is `[updates] bell`), or a
field that is no key at all (`Config.problems`). A field whose type is a dataclass, or a list of
them, is a table or an array of tables; a `dict[str, <dataclass>]` is a table keyed by the names
its default holds (`[signals.thresholds]`: cpu, memory, swap, disk).

A new key is a new field here, read in reading.py and documented in example.toml (a test fails
until it is).
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from ir_console.model import Severity

_TOML = "ir_console.config"  # the metadata entry toml() writes


@dataclass(frozen=True)
class TomlKey:
    """Where a field is in the file: `key` in `table` (None: the field's own name and its
    dataclass's table); `key` None with `absent` set for a field that is not in the file."""

    key: str | None = None
    table: str | None = None
    absent: bool = False


def toml(key: str | None = None, *, table: str | None = None, absent: bool = False) -> Mapping[str, TomlKey]:
    """Field metadata: `field(metadata=toml("file"))`, `toml("bell", table="updates")`, `toml(absent=True)`."""
    return {_TOML: TomlKey(key, table, absent)}


def toml_key(item: dataclasses.Field[Any]) -> TomlKey:
    """What `toml()` said of a field, or that it is a key by its own name."""
    found = item.metadata.get(_TOML, TomlKey())
    assert isinstance(found, TomlKey)
    return found


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

    interval: float = 2.0  # seconds between samples (btop's default too); 0 turns sampling off
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
    degraded_after: float | None = None  # seconds; slower answers are "degraded" (None: timeout / 2)
    verify_tls: bool = True
    headers: tuple[tuple[str, str], ...] = ()


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


DEFAULT_SINCE = "2 hours ago"


@dataclass(frozen=True)
class GitSource:
    """`[[changes.git]]`: `git log --since=<since>` of a repository, run without a shell."""

    path: Path
    since: str = DEFAULT_SINCE
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
    """`[[logs.file]]`: lines matching `pattern` (a regular expression in RE2's syntax, which is
    Python's without backreferences and lookaround; case-insensitive; see compile_log_pattern)."""

    path: Path
    pattern: str = DEFAULT_LOG_PATTERN
    name: str = ""

    @property
    def label(self) -> str:
        return self.name or self.path.name or str(self.path)


@dataclass
class LogsConfig:
    interval: float = 1.0
    files: list[LogSource] = field(default_factory=list, metadata=toml("file"))  # [[logs.file]]


@dataclass
class SyncConfig:
    """[sync]: NATS JetStream servers this machine's record is shared through (off without any).
    Secrets stay as written (`${VAR}` expanded when connecting), never stored in the database."""

    servers: tuple[str, ...] = ()
    subject: str = "ir-console"
    replicas: int = 1
    machine: str = ""
    user: str = ""
    password: str = ""
    token: str = ""
    creds: Path | None = None
    nkey: Path | None = None
    tls_ca: Path | None = None
    tls_cert: Path | None = None
    tls_key: Path | None = None
    publish_timeout: float = 0.5

    @property
    def enabled(self) -> bool:
        return bool(self.servers)


@dataclass
class Config:
    update_cadence: dict[Severity, timedelta] = field(
        default_factory=default_cadence, metadata=toml("cadence_minutes", table="updates")
    )
    # Ring the terminal bell once when a status update becomes overdue.
    update_bell: bool = field(default=True, metadata=toml("bell", table="updates"))
    signals: SignalsConfig = field(default_factory=SignalsConfig)
    health: HealthConfig = field(default_factory=HealthConfig)
    changes: ChangesConfig = field(default_factory=ChangesConfig)
    logs: LogsConfig = field(default_factory=LogsConfig)
    # A group the console shares the database with when it opens it (see store/sharing.py); "" keeps it private.
    store_group: str = field(default="", metadata=toml("group", table="store"))
    sync: SyncConfig = field(default_factory=SyncConfig)
    problems: list[str] = field(default_factory=list, metadata=toml(absent=True))


def _known_keys() -> dict[str, tuple[str, ...]]:
    """Every key of the file by table (`health.http`), in the order of the fields."""
    keys: dict[str, list[str]] = {}

    def add(table: str, key: str) -> None:
        if table:
            keys.setdefault(table, []).append(key)

    def walk(cls: type[Any], table: str) -> None:
        hints = typing.get_type_hints(cls)
        for item in dataclasses.fields(cls):
            where = toml_key(item)
            if where.absent:
                continue
            place = where.table or table
            key = where.key or item.name
            add(place, key)
            kind, inner = _nested(hints[item.name])
            inside = f"{place}.{key}" if place else key
            if kind == "keyed":
                assert item.default_factory is not dataclasses.MISSING, f"{cls.__name__}.{item.name}: no default"
                for name in item.default_factory():
                    add(inside, name)
            elif inner is not None:
                walk(inner, inside)
            elif not place:
                raise TypeError(f"Config.{item.name} is neither a table nor placed in one: toml(table=...)")

    walk(Config, "")
    return {table: tuple(names) for table, names in keys.items()}


def _nested(hint: Any) -> tuple[str, type[Any] | None]:
    """("table", cls) for a dataclass or a list of them, ("keyed", cls) for a dict of them, else ("", None)."""
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        return "table", hint
    arguments = typing.get_args(hint)
    if typing.get_origin(hint) is list and arguments and _nested(arguments[0])[0] == "table":
        return "table", arguments[0]
    if typing.get_origin(hint) is dict and len(arguments) == 2 and _nested(arguments[1])[0] == "table":
        return "keyed", arguments[1]
    return "", None


# Every key the file may hold, by table (anything else is reported as unknown), and its tables.
KNOWN_KEYS: dict[str, tuple[str, ...]] = _known_keys()
TABLES = tuple(table for table in KNOWN_KEYS if "." not in table)
