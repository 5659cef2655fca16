"""Reading the configuration file: TOML, at `locations.config_path()` (`IR_CONSOLE_CONFIG` or
`--config` to choose another), into the dataclasses of settings.py; `${VAR}` references; the
messages `ir-console config check` prints. example.toml documents every key.

Every table is optional and a missing file is fine. A value that is wrong does not stop the
console at 3 a.m.: it is reported in `Config.problems`, one message naming the file, the key and
what is done instead (the console shows them as a notification, the command line on stderr,
`ir-console config check` on stdout), and then:

- an optional value that is wrong gets its default;
- a check, repository or log file whose required value (url, host, port, path, name) is missing
  or wrong is skipped, and so is a health check whose name another one already has;
- an unknown key or table is ignored; a table of the wrong type (`health = 3`) gets its defaults.

A health check without a name is named after what it checks: `host:port` for TCP, the URL's host
and path for HTTP (`api.example.com/health`); a repository or log file without a name is shown
by its file or folder name. Relative paths are taken from the configuration file's folder.

Header values keep their `${VAR}` references: they are expanded only when a request is made, so
no secret is stored. A variable that is unset when the file is read is reported by name, never
by value.

To add a table: a field on `Config` with its default (settings.py), a `_read_<table>` function
called from `load_config` that appends to `problems` rather than raising, and the table in
example.toml.
"""

from __future__ import annotations

import dataclasses
import grp
import json
import math
import os
import re
import tomllib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload
from urllib.parse import urlsplit

from ir_console.config.settings import (
    DEFAULT_LOG_PATTERN,
    DEFAULT_SINCE,
    KNOWN_KEYS,
    MAX_CADENCE_MINUTES,
    TABLES,
    ChangesConfig,
    Config,
    GitSource,
    HealthConfig,
    HttpCheck,
    LogsConfig,
    LogSource,
    SignalsConfig,
    SyncConfig,
    TcpCheck,
    Threshold,
    default_thresholds,
)
from ir_console.model import Severity

if TYPE_CHECKING:  # RE2 (a C++ library, ~3 MiB resident) loads when a log filter is first compiled
    import re2

EXAMPLE_FILE = "example.toml"  # in this package: what `ir-console config init` writes


def example_config() -> str:
    """The example configuration, as the package ships it."""
    from importlib import resources  # with zipfile: not needed to start the console

    return resources.files(__package__).joinpath(EXAMPLE_FILE).read_text(encoding="utf-8")


def compile_log_pattern(pattern: str) -> re2._Regexp:
    """A log filter compiled for RE2, case-insensitive: matching costs time linear in the line,
    whatever the pattern (`^(\\w+\\s?)*$` on 50 KB of `a` cannot freeze the console, as Python's
    backtracking `re` did, holding the GIL). ValueError with a one-line reason for a pattern that
    is not a regular expression, or uses what RE2 cannot match in linear time (backreferences,
    lookaround)."""
    try:
        re.compile(pattern)  # Python's message for a pattern that is no regular expression at all
    except (re.error, OverflowError, RecursionError) as error:
        raise ValueError(f"not a valid regular expression ({error})") from None
    import re2

    options = re2.Options()
    options.case_sensitive = False
    options.log_errors = False  # RE2 would write its complaint to stderr, under the console
    try:
        return re2.compile(pattern, options)
    except re2.error as error:
        said = error.args[0] if error.args else error
        reason = said.decode("utf-8", "replace") if isinstance(said, bytes) else str(said)
        raise ValueError(
            "cannot be matched in bounded time (the log filter uses RE2, which has no "
            f"backreferences or lookaround: {reason})"
        ) from None


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


def load_config(path: Path, environ: Mapping[str, str] = os.environ) -> Config:
    """Read the file at `path`. Never raises: what cannot be used is explained in `problems`.
    `environ` is only asked whether the `${VAR}`s that headers refer to are set."""
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
    except RecursionError:
        config.problems.append(f"{path}: nested too deeply to be a configuration; using the defaults")
        return config
    reading = _Reading(str(path), path.parent, config.problems, environ)
    tables = ", ".join(f"[{table}]" for table in TABLES)
    for key in document:
        if key not in TABLES:
            config.problems.append(f"{path}: {_key(key)}: unknown table (the file has {tables}); ignored")
    _read_updates(document.get("updates"), config, f"{path}: [updates]")
    config.signals = _read_signals(document, reading)
    config.health = _read_health(document, reading)
    config.changes = _read_changes(document, reading)
    config.logs = _read_logs(document, reading)
    config.store_group = _read_store(document, reading)
    config.sync = _read_sync(document, reading)
    return config


def _read_store(document: Mapping[str, Any], reading: _Reading) -> str:
    table = document.get("store")
    if table is None:
        return ""
    where = f"{reading.file}: [store]"
    if not isinstance(table, Mapping):
        reading.problems.append(f"{where} must be a table; the database stays private")
        return ""
    fields = _Fields(table, where, reading.problems)
    fields.unknown_keys("store")
    return str(fields.optional("group", "", _group_problem, "the database stays private"))


def _group_problem(value: Any) -> str:
    if not isinstance(value, str):
        return "must be the name of a group on this host"
    if value and not _group_exists(value):
        return "no such group on this host"
    return ""


def _group_exists(name: str) -> bool:
    try:
        grp.getgrnam(name)
    except KeyError:
        return False
    return True


def _read_updates(table: Any, config: Config, where: str) -> None:
    if table is None:
        return
    if not isinstance(table, Mapping):
        config.problems.append(f"{where} must be a table; using the default cadence")
        return
    for key in table:
        if key not in KNOWN_KEYS["updates"]:
            config.problems.append(
                f"{where} {_key(key)}: unknown key (the table has {', '.join(KNOWN_KEYS['updates'])}); ignored"
            )
    bell = table.get("bell", True)
    if isinstance(bell, bool):
        config.update_bell = bell
    else:
        config.problems.append(f"{where} bell: must be true or false (got {_shown(bell)}); using true")
    cadence = table.get("cadence_minutes")
    if cadence is None:
        return
    if not isinstance(cadence, Mapping):
        config.problems.append(
            f"{where} cadence_minutes must be a table such as "
            '{ "SEV-1" = 15, "SEV-2" = 30 }; using the default cadence'
        )
        return
    seen: dict[Severity, str] = {}
    for key, value in cadence.items():
        name = f"{where} cadence_minutes.{_key(key)}"
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


# Seconds. An interval of 0 turns that reading off; a longer one than an hour is a typo.
INTERVAL_RANGE = (0.1, 3600.0)
TIMEOUT_RANGE = (0.1, 120.0)
WINDOW_RANGE = (0.0, 86400.0)  # `sustained` and `rate_limit`: up to a day
MAX_GIT_COUNT = 1000
HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "OPTIONS")
THRESHOLD_KEYS = tuple(item.name for item in dataclasses.fields(Threshold))  # warn, critical

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")  # RFC 9110 token
_HIDDEN = object()


def _key(key: str) -> str:
    """A key as TOML writes it: bare when it can be, else quoted (control characters escaped,
    so a key cannot write to the terminal that shows the message)."""
    return key if _BARE_KEY.fullmatch(key) else _quoted(key)


# `https://user:secret@host`: the credentials of a URL, never echoed in a message.
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/?#@\s]*@")


def redact_credentials(text: str) -> str:
    return _USERINFO.sub(r"\1***@", text)


def _shown(value: Any, limit: int = 60) -> str:
    text = redact_credentials(repr(value))  # repr escapes control characters
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _is_number(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, int | float) and math.isfinite(value)


def _is_one_line(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip()) and value.isprintable()


def _is_header_value(value: str) -> bool:
    """What an HTTP client can send: printable ASCII (or tabs) on one line."""
    return all(" " <= character <= "~" or character == "\t" for character in value)


@dataclass
class _Reading:
    """What every reader needs: the file (for messages and relative paths), where problems go,
    and the environment asked about `${VAR}`s."""

    file: str
    folder: Path
    problems: list[str]
    environ: Mapping[str, str]
    names: dict[str, str] = field(default_factory=dict)  # health check name -> its place

    def fields(self, table: Mapping[str, Any], place: str, prefix: str = "") -> _Fields:
        return _Fields(table, f"{self.file}: {place}", self.problems, prefix)

    def path(self, value: str) -> Path:
        path = Path(value).expanduser()
        return path if path.is_absolute() else self.folder / path


class _Fields:
    """One table's values, taken key by key. A wrong one is reported (file, table, key, what is
    done instead) and the caller gets its fallback."""

    def __init__(self, table: Mapping[str, Any], where: str, problems: list[str], prefix: str = "") -> None:
        self.table = table
        self.where = where
        self.problems = problems
        self.prefix = prefix

    def report(self, key: str, problem: str, instead: str, value: Any = _HIDDEN) -> None:
        got = "" if value is _HIDDEN else f" (got {_shown(value)})"
        self.problems.append(f"{self.where} {self.prefix}{_key(key)}: {problem}{got}; {instead}")

    def unknown_keys(self, table: str) -> None:
        known = KNOWN_KEYS[table]
        for key in self.table:
            if key not in known:
                self.report(key, f"unknown key (the table has {', '.join(known)})", "ignored")

    def optional(self, key: str, default: Any, problem: Callable[[Any], str], instead: str | None = None) -> Any:
        """The value at `key` if `problem` finds nothing wrong with it, else `default`."""
        if key not in self.table:
            return default
        value = self.table[key]
        wrong = problem(value)
        if wrong:
            self.report(key, wrong, instead or f"using {_shown(default)}", value)
            return default
        return value

    def required(self, key: str, problem: Callable[[Any], str], what: str) -> Any:
        """The value at `key`, or None (reported: the entry is skipped) when missing or wrong."""
        if key not in self.table:
            self.report(key, "missing", f"{what} skipped")
            return None
        value = self.table[key]
        wrong = problem(value)
        if wrong:
            self.report(key, wrong, f"{what} skipped", value)
            return None
        return value

    @overload
    def seconds(
        self, key: str, default: float, bounds: tuple[float, float], *, off: bool = False, instead: str | None = None
    ) -> float: ...

    @overload
    def seconds(
        self, key: str, default: None, bounds: tuple[float, float], *, off: bool = False, instead: str | None = None
    ) -> float | None: ...

    def seconds(
        self,
        key: str,
        default: float | None,
        bounds: tuple[float, float],
        *,
        off: bool = False,
        instead: str | None = None,
    ) -> float | None:
        low, high = bounds

        def problem(value: Any) -> str:
            if _is_number(value) and (low <= value <= high or (off and value == 0)):
                return ""
            return f"must be {'0 (off) or ' if off else ''}a number of seconds from {low:g} to {high:g}"

        value = self.optional(key, default, problem, instead or f"using {default:g}")
        return None if value is None else float(value)

    def integer(self, key: str, default: int, low: int, high: int) -> int:
        def problem(value: Any) -> str:
            if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
                return ""
            return f"must be a whole number from {low} to {high}"

        value: int = self.optional(key, default, problem, f"using {default}")
        return value

    def name(self, default: str, what: str) -> str | None:
        """`name`, or `default` when there is none; None (reported) when it is not a name."""
        if "name" not in self.table:
            return default
        value = self.required("name", _name_problem, what)
        return None if value is None else value.strip()


def _name_problem(value: Any) -> str:
    return "" if _is_one_line(value) else "must be a non-empty text on one line"


def _entries(value: Any, reading: _Reading, array: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """The tables of an array of tables (`[[health.http]]`), each with its place (`[[health.http]] #2`)."""
    if value is None:
        return
    if isinstance(value, Mapping):
        reading.problems.append(
            f"{reading.file}: [{array}] must be an array of tables, each entry starting with "
            f"[[{array}]]; read as one entry"
        )
        value = [value]
    if not isinstance(value, list):
        reading.problems.append(
            f"{reading.file}: [[{array}]] must be an array of tables (got {_shown(value)}); ignored"
        )
        return
    for number, item in enumerate(value, start=1):
        place = f"[[{array}]] #{number}"
        if isinstance(item, Mapping):
            yield place, item
        else:
            reading.problems.append(f"{reading.file}: {place} must be a table (got {_shown(item)}); skipped")


def _placed(place: str, name: Any) -> str:
    """`[[health.http]] #2 "api"`: the entry's place, and its name when it has a usable one."""
    return f"{place} {_quoted(name.strip())}" if _is_one_line(name) else place


def _quoted(name: str) -> str:
    return json.dumps(name, ensure_ascii=not name.isprintable())


def _section(document: Mapping[str, Any], table: str, reading: _Reading, instead: str) -> _Fields | None:
    value = document.get(table)
    if value is None:
        return None
    if not isinstance(value, Mapping):
        reading.problems.append(f"{reading.file}: [{table}] must be a table (got {_shown(value)}); {instead}")
        return None
    fields = reading.fields(value, f"[{table}]")
    fields.unknown_keys(table)
    return fields


def _read_signals(document: Mapping[str, Any], reading: _Reading) -> SignalsConfig:
    signals = SignalsConfig()
    fields = _section(document, "signals", reading, "using the defaults")
    if fields is None:
        return signals
    signals.interval = fields.seconds("interval", signals.interval, INTERVAL_RANGE, off=True)
    signals.sustained = fields.seconds("sustained", signals.sustained, WINDOW_RANGE)
    signals.rate_limit = fields.seconds("rate_limit", signals.rate_limit, WINDOW_RANGE)
    table = fields.optional(
        "thresholds", None, _table_problem("a table: [signals.thresholds]"), "using the default thresholds"
    )
    if table is not None:
        signals.thresholds = _read_thresholds(table, reading)
    return signals


def _table_problem(expected: str) -> Callable[[Any], str]:
    return lambda value: "" if isinstance(value, Mapping) else f"must be {expected}"


def _read_thresholds(table: Mapping[str, Any], reading: _Reading) -> dict[str, Threshold]:
    thresholds = default_thresholds()
    section = reading.fields(table, "[signals.thresholds]")
    section.unknown_keys("signals.thresholds")
    for name, default in default_thresholds().items():
        written = f"{{ warn = {default.warn:g}, critical = {default.critical:g} }}"
        defaults = f"using warn {default.warn:g}, critical {default.critical:g}"
        entry = section.optional(name, None, _table_problem(f"a table such as {written}"), defaults)
        if entry is None:
            continue
        fields = reading.fields(entry, "[signals.thresholds]", prefix=f"{name}.")
        for key in entry:
            if key not in THRESHOLD_KEYS:
                fields.report(key, f"unknown key (a threshold has {', '.join(THRESHOLD_KEYS)})", "ignored")
        warn = float(fields.optional("warn", default.warn, _percent_problem))
        critical = float(fields.optional("critical", default.critical, _percent_problem))
        if warn > critical:
            section.report(name, f"warn ({warn:g}) is above critical ({critical:g})", defaults)
            continue
        thresholds[name] = Threshold(warn, critical)
    return thresholds


def _percent_problem(value: Any) -> str:
    return "" if _is_number(value) and 0 <= value <= 100 else "must be a percentage from 0 to 100"


def _read_health(document: Mapping[str, Any], reading: _Reading) -> HealthConfig:
    health = HealthConfig()
    fields = _section(document, "health", reading, "no health checks")
    if fields is None:
        return health
    health.interval = fields.seconds("interval", health.interval, INTERVAL_RANGE, off=True)
    for place, entry in _entries(fields.table.get("http"), reading, "health.http"):
        if (check := _http_check(entry, place, reading)) is not None:
            health.http.append(check)
    for place, entry in _entries(fields.table.get("tcp"), reading, "health.tcp"):
        if (tcp := _tcp_check(entry, place, reading)) is not None:
            health.tcp.append(tcp)
    return health


def _url_problem(value: Any) -> str:
    if not _is_one_line(value) or any(character.isspace() for character in value):
        return "must be an http:// or https:// URL without spaces"
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError as error:
        return f"is not a valid URL ({error})"
    if parts.scheme not in ("http", "https"):
        return "must start with http:// or https://"
    if not parts.hostname:
        return "must name a host (https://host/path)"
    if port == 0:
        return "must have a port from 1 to 65535"
    return ""


def _url_name(url: str) -> str:
    """`api.example.com/health`: the URL's host (and port) and path, without credentials or query."""
    parts = urlsplit(url)
    return parts.netloc.rpartition("@")[2] + parts.path.rstrip("/")


def _claim_name(name: str, place: str, fields: _Fields, reading: _Reading) -> bool:
    """Health check names are unique: the first one keeps it, a later one is skipped."""
    if name in reading.names:
        fields.report("name", f"{_quoted(name)} is already the name of {reading.names[name]}", "check skipped")
        return False
    reading.names[name] = place
    return True


def _http_check(entry: Mapping[str, Any], place: str, reading: _Reading) -> HttpCheck | None:
    fields = reading.fields(entry, _placed(place, entry.get("name")))
    fields.unknown_keys("health.http")
    url = fields.required("url", _url_problem, "check")
    name = fields.name(_url_name(url) if url else "", "check")
    if url is None or name is None:
        return None
    fields.where = f"{reading.file}: {_placed(place, name)}"
    if not _claim_name(name, place, fields, reading):
        return None
    timeout = fields.seconds("timeout", HttpCheck.timeout, TIMEOUT_RANGE)
    degraded_after = fields.seconds("degraded_after", None, TIMEOUT_RANGE, instead="using half the timeout")
    if degraded_after is not None and degraded_after >= timeout:
        fields.report(
            "degraded_after", f"must be below the timeout ({timeout:g} s)", "using half the timeout", degraded_after
        )
        degraded_after = None
    return HttpCheck(
        name=name,
        url=url,
        method=fields.optional("method", HttpCheck.method, _method_problem).upper(),
        expect_status=_expected_statuses(fields),
        timeout=timeout,
        headers=_read_headers(fields, reading),
        degraded_after=degraded_after,
        verify_tls=fields.optional("verify_tls", HttpCheck.verify_tls, _flag_problem, "using true"),
    )


def _method_problem(value: Any) -> str:
    if isinstance(value, str) and value.upper() in HTTP_METHODS:
        return ""
    return f"must be one of {', '.join(HTTP_METHODS)}"


def _flag_problem(value: Any) -> str:
    return "" if isinstance(value, bool) else "must be true or false"


def _expected_statuses(fields: _Fields) -> tuple[int, ...]:
    def is_status(value: Any) -> bool:
        return isinstance(value, int) and not isinstance(value, bool) and 100 <= value <= 599

    def problem(value: Any) -> str:
        if is_status(value) or (isinstance(value, list) and value and all(is_status(v) for v in value)):
            return ""
        return "must be an HTTP status from 100 to 599, or a list of them"

    value = fields.optional("expect_status", HttpCheck.expect_status, problem, "expecting 200")
    statuses = [value] if isinstance(value, int) else value
    return tuple(dict.fromkeys(statuses))


def _read_headers(fields: _Fields, reading: _Reading) -> tuple[tuple[str, str], ...]:
    """The headers as written, `${VAR}` and all. Their values are never shown in a message: a
    header may hold a secret written in the file itself."""
    if "headers" not in fields.table:
        return ()
    table = fields.table["headers"]
    if not isinstance(table, Mapping):
        fields.report(
            "headers",
            'must be a table of strings such as { Authorization = "Bearer ${API_TOKEN}" }',
            "sending no headers",
        )
        return ()
    header_fields = _Fields(table, fields.where, fields.problems, prefix="headers.")
    headers: list[tuple[str, str]] = []
    for name, value in table.items():
        if not _HEADER_NAME.fullmatch(name):
            header_fields.report(name, "not a valid header name", "header not sent")
        elif not isinstance(value, str) or not _is_header_value(value):
            header_fields.report(name, "must be a string of printable ASCII on one line", "header not sent")
        else:
            headers.append((name, value))
            _check_references(name, value, header_fields, reading.environ)
    return tuple(headers)


def _check_references(name: str, value: str, fields: _Fields, environ: Mapping[str, str]) -> None:
    """A warning for each `${VAR}` that will not give a usable header when the check runs."""
    for variable in dict.fromkeys(_ENV_REFERENCE.findall(value)):
        if variable not in environ:
            fields.report(name, f"${{{variable}}} is not set in the environment", "it is sent empty")
        elif not environ[variable]:
            fields.report(name, f"${{{variable}}} is set but empty", "it is sent empty")
        elif not _is_header_value(environ[variable]):
            fields.report(
                name,
                f"${{{variable}}} holds characters a header cannot carry (a line break, or not printable ASCII)",
                "the check will fail until it is fixed",
            )


def _host_problem(value: Any) -> str:
    if not _is_one_line(value) or any(character.isspace() for character in value) or "/" in value:
        return "must be a host name or address (db.internal, 10.0.0.5, ::1)"
    return ""


def _tcp_check(entry: Mapping[str, Any], place: str, reading: _Reading) -> TcpCheck | None:
    fields = reading.fields(entry, _placed(place, entry.get("name")))
    fields.unknown_keys("health.tcp")
    host = fields.required("host", _host_problem, "check")
    port = fields.required("port", _port_problem, "check")
    default_name = "" if host is None or port is None else f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    name = fields.name(default_name, "check")
    if host is None or port is None or name is None:
        return None
    fields.where = f"{reading.file}: {_placed(place, name)}"
    if not _claim_name(name, place, fields, reading):
        return None
    return TcpCheck(name=name, host=host, port=port, timeout=fields.seconds("timeout", TcpCheck.timeout, TIMEOUT_RANGE))


_NATS_URL = re.compile(r"(nats|tls)://[^\s/]+")
_SUBJECT = re.compile(r"[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*")


def _servers_problem(value: Any) -> str:
    if isinstance(value, str):
        value = [value]
    if isinstance(value, list) and all(isinstance(v, str) and _NATS_URL.fullmatch(v) for v in value):
        return ""
    return "must be a list of server URLs (nats://host:4222 or tls://host:4222)"


def _one_line_or_empty(value: Any) -> str:
    return "" if value == "" or _is_one_line(value) else "must be a text on one line"


def _read_sync(document: Mapping[str, Any], reading: _Reading) -> SyncConfig:
    sync = SyncConfig()
    fields = _section(document, "sync", reading, "sync is off")
    if fields is None:
        return sync
    servers = fields.optional("servers", [], _servers_problem, "sync is off")
    sync.servers = tuple([servers] if isinstance(servers, str) else servers)
    sync.subject = fields.optional(
        "subject",
        sync.subject,
        lambda v: "" if isinstance(v, str) and _SUBJECT.fullmatch(v) else "must be a NATS subject (team.incidents)",
    )
    sync.replicas = fields.integer("replicas", sync.replicas, 1, 5)
    sync.machine = fields.optional("machine", sync.machine, _one_line_or_empty).strip()
    for key in ("user", "password", "token"):
        value = fields.optional(key, "", _one_line_or_empty, "not used")
        _check_references(key, value, fields, reading.environ)
        setattr(sync, key, value)
    for key in ("creds", "nkey", "tls_ca", "tls_cert", "tls_key"):
        value = fields.optional(key, "", _one_line_or_empty, "not used")
        if value:
            setattr(sync, key, reading.path(value))
    if (sync.tls_cert is None) != (sync.tls_key is None):
        fields.report("tls_cert", "tls_cert and tls_key go together", "no client certificate is sent")
        sync.tls_cert = sync.tls_key = None
    sync.publish_timeout = fields.seconds("publish_timeout", sync.publish_timeout, TIMEOUT_RANGE)
    return sync


def _port_problem(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 65535:
        return ""
    return "must be a whole number from 1 to 65535"


def _path_problem(value: Any) -> str:
    return "" if _is_one_line(value) else "must be a path (text on one line)"


def _read_changes(document: Mapping[str, Any], reading: _Reading) -> ChangesConfig:
    changes = ChangesConfig()
    fields = _section(document, "changes", reading, "no repositories")
    if fields is None:
        return changes
    changes.interval = fields.seconds("interval", changes.interval, INTERVAL_RANGE, off=True)
    for place, entry in _entries(fields.table.get("git"), reading, "changes.git"):
        if (source := _git_source(entry, place, reading)) is not None:
            changes.git.append(source)
    return changes


def _since_problem(value: Any) -> str:
    # Passed to git as `--since=<value>`, but a leading "-" is refused anyway: it reads as an option.
    if _is_one_line(value) and not value.lstrip().startswith("-"):
        return ""
    return 'must be a time git understands, such as "2 hours ago" or "2026-11-27 02:00" (not starting with -)'


def _git_source(entry: Mapping[str, Any], place: str, reading: _Reading) -> GitSource | None:
    fields = reading.fields(entry, _placed(place, entry.get("name")))
    fields.unknown_keys("changes.git")
    path = fields.required("path", _path_problem, "repository")
    name = fields.name("", "repository")
    if path is None or name is None:
        return None
    return GitSource(
        path=reading.path(path),
        since=fields.optional("since", DEFAULT_SINCE, _since_problem).strip(),
        name=name,
        max_count=fields.integer("max_count", GitSource.max_count, 1, MAX_GIT_COUNT),
    )


def _read_logs(document: Mapping[str, Any], reading: _Reading) -> LogsConfig:
    logs = LogsConfig()
    fields = _section(document, "logs", reading, "no log files")
    if fields is None:
        return logs
    logs.interval = fields.seconds("interval", logs.interval, INTERVAL_RANGE, off=True)
    for place, entry in _entries(fields.table.get("file"), reading, "logs.file"):
        if (source := _log_source(entry, place, reading)) is not None:
            logs.files.append(source)
    return logs


def _pattern_problem(value: Any) -> str:
    if not isinstance(value, str):
        return "must be a regular expression in a string"
    try:
        compile_log_pattern(value)
    except ValueError as error:
        return str(error)
    return ""


def _log_source(entry: Mapping[str, Any], place: str, reading: _Reading) -> LogSource | None:
    fields = reading.fields(entry, _placed(place, entry.get("name")))
    fields.unknown_keys("logs.file")
    path = fields.required("path", _path_problem, "log file")
    name = fields.name("", "log file")
    if path is None or name is None:
        return None
    pattern = fields.optional("pattern", DEFAULT_LOG_PATTERN, _pattern_problem)
    return LogSource(path=reading.path(path), pattern=pattern, name=name)


def config_summary(config: Config) -> str:
    """What is configured, on one line: `2 HTTP checks, 1 TCP check, 1 git repository, 1 log file;
    sampling every 1 s`."""
    counts = [
        _count(len(config.health.http), "HTTP check"),
        _count(len(config.health.tcp), "TCP check"),
        _count(len(config.changes.git), "git repository", "git repositories"),
        _count(len(config.logs.files), "log file"),
    ]
    interval = config.signals.interval
    sampling = f"sampling every {interval:g} s" if interval else "sampling off"
    shared = f"; database shared with group {config.store_group!r}" if config.store_group else ""
    return f"{', '.join(counts)}; {sampling}{shared}"


def _count(count: int, singular: str, plural: str | None = None) -> str:
    return f"{count} {singular if count == 1 else plural or singular + 's'}"
