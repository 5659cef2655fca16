"""The configuration file's signal tables and `ir-console config init/check/path`.

Each test writes a real TOML file and checks what `load_config` makes of it: the dataclasses the
console runs on, and the messages a user reads (file, key, what is done instead). The `[updates]`
table is covered in test_status_updates.py.
"""

from __future__ import annotations

import re
import stat
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from ir_console.cli import main
from ir_console.config import (
    DEFAULT_LOG_PATTERN,
    EXAMPLE_CONFIG,
    KNOWN_KEYS,
    ChangesConfig,
    Config,
    GitSource,
    HealthConfig,
    HttpCheck,
    LogsConfig,
    LogSource,
    SignalsConfig,
    TcpCheck,
    Threshold,
    config_summary,
    default_thresholds,
    load_config,
)

FULL = """
[signals]
interval = 2
sustained = 120
rate_limit = 600

[signals.thresholds]
cpu = { warn = 70, critical = 85.5 }
disk = { critical = 99 }

[health]
interval = 10

[[health.http]]
name = "api"
url = "https://api.example.com/health"
method = "head"
expect_status = [200, 204]
timeout = 3
degraded_after = 0.5
verify_tls = false
headers = { Authorization = "Bearer ${API_TOKEN}", X-Team = "sre" }

[[health.http]]
url = "http://localhost:8080/ready/"

[[health.tcp]]
name = "postgres"
host = "db.internal"
port = 5432
timeout = 1.5

[[health.tcp]]
host = "::1"
port = 6379

[changes]
interval = 0

[[changes.git]]
path = "~/src/app"
since = "30 minutes ago"
name = "app"
max_count = 10

[[changes.git]]
path = "checkouts/infra"

[logs]
interval = 0.5

[[logs.file]]
path = "/var/log/app/error.log"
pattern = "timeout|refused"
name = "app errors"

[[logs.file]]
path = "logs/worker.log"
"""


def write(folder: Path, text: str) -> Path:
    path = folder / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def load(folder: Path, text: str, environ: dict[str, str] | None = None) -> tuple[Config, Path]:
    path = write(folder, text)
    return load_config(path, environ if environ is not None else {}), path


def only_problem(config: Config) -> str:
    assert len(config.problems) == 1, config.problems
    return config.problems[0]


def uncommented(example: str) -> str:
    """The example with its settings switched on: `#key = value` lines lose their `#`."""
    return re.sub(r"(?m)^#(?=[^\s#])", "", example)


# -- a valid file ---------------------------------------------------------------------------------


def test_a_full_file_gives_exactly_the_configured_dataclasses(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    config, _ = load(tmp_path, FULL, {"API_TOKEN": "t0ken"})
    assert config.problems == []
    assert config.signals == SignalsConfig(
        interval=2.0,
        sustained=120.0,
        rate_limit=600.0,
        thresholds={**default_thresholds(), "cpu": Threshold(70, 85.5), "disk": Threshold(85, 99)},
    )
    assert config.health == HealthConfig(
        interval=10.0,
        http=[
            HttpCheck(
                name="api",
                url="https://api.example.com/health",
                method="HEAD",
                expect_status=(200, 204),
                timeout=3.0,
                headers=(("Authorization", "Bearer ${API_TOKEN}"), ("X-Team", "sre")),
                degraded_after=0.5,
                verify_tls=False,
            ),
            HttpCheck(name="localhost:8080/ready", url="http://localhost:8080/ready/"),
        ],
        tcp=[
            TcpCheck(name="postgres", host="db.internal", port=5432, timeout=1.5),
            TcpCheck(name="[::1]:6379", host="::1", port=6379),
        ],
    )
    assert config.changes == ChangesConfig(
        interval=0.0,
        git=[
            GitSource(path=tmp_path / "home" / "src" / "app", since="30 minutes ago", name="app", max_count=10),
            GitSource(path=tmp_path / "checkouts" / "infra"),  # relative: from the config file's folder
        ],
    )
    assert config.changes.git[1].label == "infra"
    assert config.logs == LogsConfig(
        interval=0.5,
        files=[
            LogSource(path=Path("/var/log/app/error.log"), pattern="timeout|refused", name="app errors"),
            LogSource(path=tmp_path / "logs" / "worker.log"),
        ],
    )
    assert config.logs.files[1].label == "worker.log"
    assert config_summary(config) == "2 HTTP checks, 2 TCP checks, 2 git repositories, 2 log files; sampling every 2 s"


def test_no_file_and_an_empty_file_are_the_defaults(tmp_path: Path) -> None:
    assert load_config(tmp_path / "missing.toml") == Config()
    config, _ = load(tmp_path, "")
    assert config == Config()
    assert config_summary(config) == "0 HTTP checks, 0 TCP checks, 0 git repositories, 0 log files; sampling every 2 s"


# -- wrong values: reported with the key, and the default used ------------------------------------

HTTP = '[[health.http]]\nname = "api"\nurl = "https://api.example.com/health"\n'


@pytest.mark.parametrize(
    ("text", "message", "read"),
    [
        (
            "[signals]\ninterval = 0.05\n",
            "[signals] interval: must be 0 (off) or a number of seconds from 0.1 to 3600 (got 0.05); using 2",
            lambda c: c.signals.interval == 2.0,
        ),
        ("[signals]\ninterval = nan\n", "[signals] interval: must be 0 (off)", lambda c: c.signals.interval == 2.0),
        (
            "[signals]\nsustained = -1\n",
            "[signals] sustained: must be a number of seconds from 0 to 86400 (got -1); using 60",
            lambda c: c.signals.sustained == 60.0,
        ),
        (
            "[signals]\nrate_limit = true\n",
            "[signals] rate_limit: must be a number of seconds from 0 to 86400 (got True)",
            lambda c: c.signals.rate_limit == 300.0,
        ),
        (
            "[health]\ninterval = 4000\n",
            "[health] interval: must be 0 (off) or a number of seconds from 0.1 to 3600 (got 4000); using 5",
            lambda c: c.health.interval == 5.0,
        ),
        ('[changes]\ninterval = "30s"\n', "[changes] interval: must be 0 (off)", lambda c: c.changes.interval == 30.0),
        ("[logs]\ninterval = inf\n", "[logs] interval: must be 0 (off)", lambda c: c.logs.interval == 1.0),
        (
            "[signals.thresholds]\ncpu = { warn = 95 }\n",
            "[signals.thresholds] cpu: warn (95) is above critical (90); using warn 75, critical 90",
            lambda c: c.signals.thresholds["cpu"] == Threshold(75, 90),
        ),
        (
            "[signals.thresholds]\nmemory = { warn = 60, critical = 101 }\n",
            "[signals.thresholds] memory.critical: must be a percentage from 0 to 100 (got 101); using 90",
            lambda c: c.signals.thresholds["memory"] == Threshold(60, 90),
        ),
        (
            "[signals.thresholds]\nswap = 70\n",
            "[signals.thresholds] swap: must be a table such as { warn = 50, critical = 80 } (got 70); "
            "using warn 50, critical 80",
            lambda c: c.signals.thresholds == default_thresholds(),
        ),
        (
            "[signals]\nthresholds = 3\n",
            "[signals] thresholds: must be a table: [signals.thresholds] (got 3); using the default thresholds",
            lambda c: c.signals.thresholds == default_thresholds(),
        ),
        (
            HTTP + "timeout = 'x'\n",
            "[[health.http]] #1 \"api\" timeout: must be a number of seconds from 0.1 to 120 (got 'x'); using 2",
            lambda c: c.health.http[0].timeout == 2.0,
        ),
        (
            HTTP + "timeout = 0\n",
            '"api" timeout: must be a number of seconds from 0.1 to 120 (got 0)',
            lambda c: c.health.http[0].timeout == 2.0,
        ),
        (
            HTTP + "method = 'DELETE'\n",
            "\"api\" method: must be one of GET, HEAD, POST, PUT, OPTIONS (got 'DELETE'); using 'GET'",
            lambda c: c.health.http[0].method == "GET",
        ),
        (
            HTTP + "expect_status = 700\n",
            '"api" expect_status: must be an HTTP status from 100 to 599, or a list of them (got 700); expecting 200',
            lambda c: c.health.http[0].expect_status == (200,),
        ),
        (
            HTTP + "expect_status = [200, '204']\n",
            "expect_status: must be an HTTP status",
            lambda c: c.health.http[0].expect_status == (200,),
        ),
        (
            HTTP + "expect_status = []\n",
            "expect_status: must be an HTTP status",
            lambda c: c.health.http[0].expect_status == (200,),
        ),
        (
            HTTP + "degraded_after = 200\n",
            '"api" degraded_after: must be a number of seconds from 0.1 to 120 (got 200); using half the timeout',
            lambda c: c.health.http[0].degraded_after is None,
        ),
        (
            HTTP + "timeout = 1\ndegraded_after = 1.5\n",
            '"api" degraded_after: must be below the timeout (1 s) (got 1.5); using half the timeout',
            lambda c: c.health.http[0].degraded_after is None and c.health.http[0].timeout == 1.0,
        ),
        (
            HTTP + "verify_tls = 'no'\n",
            "\"api\" verify_tls: must be true or false (got 'no'); using true",
            lambda c: c.health.http[0].verify_tls is True,
        ),
        (
            HTTP + "headers = 'Authorization: x'\n",
            '"api" headers: must be a table of strings',
            lambda c: c.health.http[0].headers == (),
        ),
        (
            HTTP + "headers = { 'X Team' = 'sre', X-Ok = 'yes' }\n",
            '"api" headers."X Team": not a valid header name; header not sent',
            lambda c: c.health.http[0].headers == (("X-Ok", "yes"),),
        ),
        (
            HTTP + "headers = { X-Count = 3 }\n",
            '"api" headers.X-Count: must be a string of printable ASCII on one line; header not sent',
            lambda c: c.health.http[0].headers == (),
        ),
        (
            '[[health.tcp]]\nhost = "db"\nport = 5432\ntimeout = 500\n',
            '[[health.tcp]] #1 "db:5432" timeout: must be a number of seconds from 0.1 to 120 (got 500); using 2',
            lambda c: c.health.tcp[0].timeout == 2.0,
        ),
        (
            '[[changes.git]]\npath = "/srv/app"\nsince = "--output=/tmp/x"\n',
            '[[changes.git]] #1 since: must be a time git understands, such as "2 hours ago" or "2026-11-27 02:00" '
            "(not starting with -) (got '--output=/tmp/x'); using '2 hours ago'",
            lambda c: c.changes.git[0].since == "2 hours ago",
        ),
        (
            '[[changes.git]]\npath = "/srv/app"\nsince = ""\n',
            "since: must be a time git understands",
            lambda c: c.changes.git[0].since == "2 hours ago",
        ),
        (
            '[[changes.git]]\npath = "/srv/app"\nmax_count = 2.5\n',
            "[[changes.git]] #1 max_count: must be a whole number from 1 to 1000 (got 2.5); using 50",
            lambda c: c.changes.git[0].max_count == 50,
        ),
        (
            '[[logs.file]]\npath = "/var/log/x.log"\npattern = "(error"\n',
            "[[logs.file]] #1 pattern: not a valid regular expression "
            "(missing ), unterminated subpattern at position 0) "
            f"(got '(error'); using '{DEFAULT_LOG_PATTERN}'",
            lambda c: c.logs.files[0].pattern == DEFAULT_LOG_PATTERN,
        ),
        (
            '[[logs.file]]\npath = "/var/log/x.log"\npattern = ["error"]\n',
            "pattern: must be a regular expression in a string",
            lambda c: c.logs.files[0].pattern == DEFAULT_LOG_PATTERN,
        ),
    ],
)
def test_a_wrong_optional_value_is_named_and_its_default_used(tmp_path: Path, text: str, message: str, read) -> None:
    config, path = load(tmp_path, text)
    problem = only_problem(config)
    assert problem.startswith(f"{path}: ")
    assert message in problem
    assert read(config), config


def test_a_pattern_is_case_insensitive_and_otherwise_kept_as_written(tmp_path: Path) -> None:
    config, _ = load(tmp_path, '[[logs.file]]\npath = "/l.log"\npattern = "OOM|killed"\n')
    assert config.problems == []
    assert config.logs.files == [LogSource(path=Path("/l.log"), pattern="OOM|killed")]


# -- entries that cannot be used are skipped ------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[health.http]]\nname = "api"\n', '[[health.http]] #1 "api" url: missing; check skipped'),
        (
            '[[health.http]]\nurl = "ftp://files.example.com"\n',
            "[[health.http]] #1 url: must start with http:// or https:// "
            "(got 'ftp://files.example.com'); check skipped",
        ),
        (
            '[[health.http]]\nurl = "https://"\n',
            "url: must name a host (https://host/path) (got 'https://'); check skipped",
        ),
        ('[[health.http]]\nurl = "http://api:99999/"\n', "url: is not a valid URL (Port out of range 0-65535)"),
        (
            '[[health.http]]\nurl = "https://api.example.com/a b"\n',
            "url: must be an http:// or https:// URL without spaces",
        ),
        (
            '[[health.http]]\nurl = "https://api.example.com/"\nname = ""\n',
            "[[health.http]] #1 name: must be a non-empty text on one line (got ''); check skipped",
        ),
        ("[[health.tcp]]\nport = 5432\n", "[[health.tcp]] #1 host: missing; check skipped"),
        ('[[health.tcp]]\nhost = "postgres://db"\nport = 5432\n', "host: must be a host name or address"),
        (
            '[[health.tcp]]\nhost = "db"\nport = 0\n',
            "[[health.tcp]] #1 port: must be a whole number from 1 to 65535 (got 0); check skipped",
        ),
        ('[[health.tcp]]\nhost = "db"\nport = "5432"\n', "port: must be a whole number from 1 to 65535 (got '5432')"),
        ('[[health.tcp]]\nhost = "db"\nport = 65536\n', "port: must be a whole number from 1 to 65535 (got 65536)"),
        (
            '[[health.tcp]]\nhost = "db"\nname = 5\nport = 1\n',
            "[[health.tcp]] #1 name: must be a non-empty text on one line",
        ),
        ('[[changes.git]]\nsince = "1 hour ago"\n', "[[changes.git]] #1 path: missing; repository skipped"),
        (
            '[[changes.git]]\npath = ""\n',
            "[[changes.git]] #1 path: must be a path (text on one line) (got ''); repository skipped",
        ),
        (
            "[[logs.file]]\npath = 3\n",
            "[[logs.file]] #1 path: must be a path (text on one line) (got 3); log file skipped",
        ),
        ('[[logs.file]]\npath = "/x.log"\nname = "two\\nlines"\n', "[[logs.file]] #1 name: must be a non-empty text"),
        ("[health]\nhttp = [3]\n", "[[health.http]] #1 must be a table (got 3); skipped"),
        ("[health]\ntcp = 3\n", "[[health.tcp]] must be an array of tables (got 3); ignored"),
    ],
)
def test_an_entry_whose_required_value_is_wrong_is_skipped(tmp_path: Path, text: str, message: str) -> None:
    config, path = load(tmp_path, text)
    problem = only_problem(config)
    assert problem.startswith(f"{path}: ") and message in problem
    assert (config.health.http, config.health.tcp, config.changes.git, config.logs.files) == ([], [], [], [])


def test_health_check_names_are_unique_across_http_and_tcp(tmp_path: Path) -> None:
    config, path = load(
        tmp_path,
        """
[[health.http]]
name = "api"
url = "ftp://broken"          # skipped, so it does not take the name
[[health.http]]
name = "api"
url = "https://one.example.com/"
[[health.http]]
name = "api"
url = "https://two.example.com/"
[[health.tcp]]
name = "api"
host = "db"
port = 1
[[health.http]]
url = "https://one.example.com/"
[[health.http]]
url = "https://one.example.com"   # the same default name: host and path
""",
    )
    assert [check.url for check in config.health.http] == ["https://one.example.com/", "https://one.example.com/"]
    assert [check.name for check in config.health.http] == ["api", "one.example.com"]
    assert config.health.tcp == []
    assert config.problems[1:] == [
        f'{path}: [[health.http]] #3 "api" name: "api" is already the name of [[health.http]] #2; check skipped',
        f'{path}: [[health.http]] #5 "one.example.com" name: "one.example.com" is already the name of '
        "[[health.http]] #4; check skipped",
        f'{path}: [[health.tcp]] #1 "api" name: "api" is already the name of [[health.http]] #2; check skipped',
    ]
    assert "url: must start with http://" in config.problems[0]


# -- unknown keys and tables of the wrong type -----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "helth = { interval = 5 }\n",
            "helth: unknown table (the file has [updates], [signals], [health], [changes], [logs], [store], [sync]);"
            " ignored",
        ),
        (
            "[signals]\ncolour = 'red'\n",
            "[signals] colour: unknown key (the table has interval, sustained, rate_limit, thresholds); ignored",
        ),
        ("[signals.thresholds]\ngpu = { warn = 1, critical = 2 }\n", "[signals.thresholds] gpu: unknown key"),
        (
            "[signals.thresholds]\ncpu = { warn = 1, crit = 2 }\n",
            "[signals.thresholds] cpu.crit: unknown key (a threshold has warn, critical); ignored",
        ),
        (
            HTTP + "retries = 3\n",
            '[[health.http]] #1 "api" retries: unknown key (the table has name, url, method, '
            "expect_status, timeout, degraded_after, verify_tls, headers); ignored",
        ),
        ('[[changes.git]]\npath = "/srv"\nbranch = "main"\n', "[[changes.git]] #1 branch: unknown key"),
        ('[[logs.file]]\npath = "/x.log"\n"\\u001b[2J" = 1\n', '[[logs.file]] #1 "\\u001b[2J": unknown key'),
        ("health = 3\n", "[health] must be a table (got 3); no health checks"),
        ("signals = 'fast'\n", "[signals] must be a table (got 'fast'); using the defaults"),
        ("changes = []\n", "[changes] must be a table (got []); no repositories"),
        ("logs = true\n", "[logs] must be a table (got True); no log files"),
    ],
)
def test_unknown_keys_and_wrong_tables_are_reported_and_ignored(tmp_path: Path, text: str, message: str) -> None:
    config, path = load(tmp_path, text)
    problem = only_problem(config)
    assert problem.startswith(f"{path}: ") and message in problem
    assert "\x1b" not in problem


def test_a_single_table_where_an_array_belongs_is_read_as_one_entry(tmp_path: Path) -> None:
    config, path = load(tmp_path, '[logs.file]\npath = "/x.log"\n')
    assert only_problem(config) == (
        f"{path}: [logs.file] must be an array of tables, each entry starting with [[logs.file]]; read as one entry"
    )
    assert config.logs.files == [LogSource(path=Path("/x.log"))]


def test_interval_zero_turns_each_reading_off(tmp_path: Path) -> None:
    config, _ = load(tmp_path, "[signals]\ninterval = 0\n[health]\ninterval = 0\n[logs]\ninterval = 0\n")
    assert config.problems == []
    assert (config.signals.interval, config.health.interval, config.logs.interval) == (0.0, 0.0, 0.0)
    assert config_summary(config).endswith("; sampling off")


# -- ${VAR} in headers: never expanded, never shown ------------------------------------------------


def test_header_references_stay_unexpanded_and_unset_ones_are_named_without_values(tmp_path: Path) -> None:
    secret = "s3cr3t-t0ken-value"
    config, path = load(
        tmp_path,
        HTTP + 'headers = { Authorization = "Bearer ${API_TOKEN}", '
        'X-Trace = "${TRACE_ID}-${TEAM}", X-Empty = "${EMPTY}" }\n',
        {"API_TOKEN": secret, "TEAM": "sre", "EMPTY": ""},
    )
    check = config.health.http[0]
    assert check.headers == (
        ("Authorization", "Bearer ${API_TOKEN}"),
        ("X-Trace", "${TRACE_ID}-${TEAM}"),
        ("X-Empty", "${EMPTY}"),
    )
    assert config.problems == [
        f'{path}: [[health.http]] #1 "api" headers.X-Trace: ${{TRACE_ID}} is not set in the environment; '
        "it is sent empty",
        f'{path}: [[health.http]] #1 "api" headers.X-Empty: ${{EMPTY}} is set but empty; it is sent empty',
    ]
    assert secret not in repr(config)


def test_no_secret_reaches_a_message(tmp_path: Path) -> None:
    """Neither a variable's value nor a header value written in the file itself, even a wrong one."""
    _, path = load(
        tmp_path,
        HTTP + 'headers = { Authorization = "Bearer ${API_TOKEN}", '
        'X-Literal = "literal-s3cret\\t\\u0007", X-Bad = "typed-s3cret\\n" }\n',
    )
    config = load_config(path, {"API_TOKEN": "env-s3cret\n"})
    assert config.health.http[0].headers == (("Authorization", "Bearer ${API_TOKEN}"),)
    assert [problem.removeprefix(f'{path}: [[health.http]] #1 "api" ') for problem in config.problems] == [
        "headers.Authorization: ${API_TOKEN} holds characters a header cannot carry (a line break, or not "
        "printable ASCII); the check will fail until it is fixed",
        "headers.X-Literal: must be a string of printable ASCII on one line; header not sent",
        "headers.X-Bad: must be a string of printable ASCII on one line; header not sent",
    ]
    assert not any("s3cret" in problem for problem in config.problems)


# -- the example -----------------------------------------------------------------------------------


def test_the_example_as_written_changes_nothing(tmp_path: Path) -> None:
    config, _ = load(tmp_path, EXAMPLE_CONFIG)
    assert config == Config()


def test_the_example_uncommented_loads_cleanly_and_gives_what_it_documents(tmp_path: Path) -> None:
    text = uncommented(EXAMPLE_CONFIG)
    assert text != EXAMPLE_CONFIG
    config, _ = load(tmp_path, text, {"API_TOKEN": "t"})
    assert config.problems == []
    assert config.signals == SignalsConfig()  # every value the example shows is the default
    assert config.update_cadence == Config().update_cadence
    assert (config.health.interval, config.changes.interval, config.logs.interval) == (5.0, 30.0, 1.0)
    assert config.health.http == [
        HttpCheck(
            name="api",
            url="https://api.example.com/health",
            method="GET",
            expect_status=(200,),
            timeout=2.0,
            headers=(("Authorization", "Bearer ${API_TOKEN}"),),
            degraded_after=1.0,
            verify_tls=True,
        )
    ]
    assert config.health.tcp == [TcpCheck(name="postgres", host="db.internal", port=5432, timeout=2.0)]
    assert config.changes.git == [GitSource(path=Path("/srv/app"), since="2 hours ago", name="app", max_count=50)]
    assert config.logs.files == [
        LogSource(path=Path("/var/log/app/error.log"), pattern="error|fatal|panic", name="app errors")
    ]


def test_the_example_documents_every_key_the_reader_knows() -> None:
    document = tomllib.loads(uncommented(EXAMPLE_CONFIG))

    def table(dotted: str) -> dict:
        value = document
        for part in dotted.split("."):
            value = value[part]
        return value[0] if isinstance(value, list) else value

    for dotted, keys in KNOWN_KEYS.items():
        assert set(table(dotted)) == set(keys), dotted
    assert set(document) == {name for name in KNOWN_KEYS if "." not in name}


# -- ir-console config ------------------------------------------------------------------------------


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("IR_CONSOLE_DB", str(tmp_path / "incidents.db"))
    monkeypatch.setenv("IR_CONSOLE_USER", "tester")
    return CliRunner()


def run(runner: CliRunner, *args: str, env: dict | None = None) -> Result:
    result = runner.invoke(main, list(args), env=env, prog_name="ir-console")
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    assert "Traceback" not in result.output
    return result


def default_config(private_session: Path) -> Path:
    return private_session / "config" / "ir-console" / "config.toml"  # IR_CONSOLE_CONFIG in conftest.py


def test_config_path_follows_the_option_then_the_environment(runner, tmp_path, private_session) -> None:
    assert run(runner, "config", "path").stdout == f"{default_config(private_session)}\n"
    chosen = tmp_path / "chosen.toml"
    assert run(runner, "config", "path", env={"IR_CONSOLE_CONFIG": str(chosen)}).stdout == f"{chosen}\n"
    other = tmp_path / "other.toml"
    result = run(runner, "--config", str(other), "config", "path", env={"IR_CONSOLE_CONFIG": str(chosen)})
    assert (result.exit_code, result.stdout) == (0, f"{other}\n")


def test_config_init_writes_the_example_privately_and_does_not_overwrite(runner, tmp_path) -> None:
    path = tmp_path / "new" / "folder" / "config.toml"
    result = run(runner, "--config", str(path), "config", "init")
    assert (result.exit_code, result.stdout, result.stderr) == (0, f"{path}\n", "")
    assert path.read_text(encoding="utf-8") == EXAMPLE_CONFIG
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700

    path.write_text("# mine\n", encoding="utf-8")
    result = run(runner, "--config", str(path), "config", "init")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == f"ir-console: {path} already exists; `ir-console config init --force` replaces it\n"
    assert path.read_text(encoding="utf-8") == "# mine\n"

    result = run(runner, "--config", str(path), "config", "init", "--force")
    assert (result.exit_code, result.stdout) == (0, f"{path}\n")
    assert path.read_text(encoding="utf-8") == EXAMPLE_CONFIG
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_config_init_uses_the_environment_variable_by_default(runner, private_session) -> None:
    path = default_config(private_session)
    result = run(runner, "config", "init")
    assert (result.exit_code, result.stdout) == (0, f"{path}\n")
    assert path.read_text(encoding="utf-8") == EXAMPLE_CONFIG
    check = run(runner, "config", "check")
    assert (check.exit_code, check.stdout) == (
        0,
        "0 HTTP checks, 0 TCP checks, 0 git repositories, 0 log files; sampling every 2 s\n",
    )


def test_config_init_refuses_a_folder(runner, tmp_path) -> None:
    result = run(runner, "--config", str(tmp_path), "config", "init", "--force")
    assert result.exit_code == 2
    assert result.stderr == f"ir-console: {tmp_path} is a folder; choose a file with --config\n"


def test_config_check_says_when_there_is_no_file(runner, tmp_path) -> None:
    path = tmp_path / "none.toml"
    result = run(runner, "--config", str(path), "config", "check")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        f"{path}: no configuration file; using the defaults (`ir-console config init` writes an example)",
        "0 HTTP checks, 0 TCP checks, 0 git repositories, 0 log files; sampling every 2 s",
    ]


def test_config_check_summarises_a_good_file(runner, tmp_path) -> None:
    path = write(tmp_path, FULL)
    result = run(runner, "config", "check", env={"IR_CONSOLE_CONFIG": str(path), "API_TOKEN": "x"})
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == "2 HTTP checks, 2 TCP checks, 2 git repositories, 2 log files; sampling every 2 s\n"


def test_config_check_prints_each_problem_and_exits_2(runner, tmp_path) -> None:
    secret = "hunter2-s3cret"
    path = write(
        tmp_path,
        FULL.replace("timeout = 3", "timeout = 'x'").replace("port = 6379", "port = 0")
        + '"\\u001b]52;c;aGk=\\u0007" = 1\n',
    )  # a key in the last table, [[logs.file]] #2
    result = run(runner, "--config", str(path), "config", "check", env={"API_TOKEN": secret})
    assert result.exit_code == 2 and result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines == [
        f"{path}: [[health.http]] #1 \"api\" timeout: must be a number of seconds from 0.1 to 120 (got 'x'); using 2",
        f"{path}: [[health.tcp]] #2 port: must be a whole number from 1 to 65535 (got 0); check skipped",
        f'{path}: [[logs.file]] #2 "\\u001b]52;c;aGk=\\u0007": unknown key (the table has path, pattern, name); '
        "ignored",
        "2 HTTP checks, 1 TCP check, 2 git repositories, 2 log files; sampling every 2 s",
    ]
    assert secret not in result.output and "\x1b" not in result.output


def test_config_check_reports_a_file_that_is_not_toml(runner, tmp_path) -> None:
    path = write(tmp_path, "[health\n")
    result = run(runner, "--config", str(path), "config", "check")
    assert result.exit_code == 2
    assert result.stdout.splitlines()[0].startswith(f"{path}: not valid TOML (")
    assert result.stdout.splitlines()[-1].startswith("0 HTTP checks")


def test_update_reads_the_config_given_with_the_option(runner, tmp_path) -> None:
    created = run(runner, "new", "Checkout is down", "--sev", "2")
    assert created.exit_code == 0, created.stderr
    path = write(tmp_path, '[updates]\ncadence_minutes = { "SEV-2" = 0 }\n')
    result = run(runner, "--config", str(path), "update", created.stdout.strip())
    assert result.exit_code == 0
    assert result.stderr.startswith(f"ir-console: warning: {path}: [updates] cadence_minutes.SEV-2: must be at least")


def test_the_console_opens_with_the_config_given_with_the_option(runner, tmp_path, monkeypatch) -> None:
    opened: list[Config] = []
    monkeypatch.setattr(
        "ir_console.tui.app.run_console", lambda store, *, author, config, **options: opened.append(config)
    )
    monkeypatch.setattr("ir_console.cli.terminal_refusal", lambda: None)  # CliRunner's streams are no terminal
    path = write(tmp_path, '[[health.tcp]]\nhost = "db"\nport = 5432\n')
    result = run(runner, "--config", str(path))
    assert result.exit_code == 0, result.output
    assert [config.health.tcp for config in opened] == [[TcpCheck(name="db:5432", host="db", port=5432)]]


def test_names_are_shown_as_written_and_control_characters_escaped(tmp_path: Path) -> None:
    config, path = load(
        tmp_path,
        '[[health.tcp]]\nname = "café"\nhost = "db"\nport = 1\ntimeout = 0\n'
        '[[health.tcp]]\nname = "bad\\u001b[2J"\nhost = "db"\nport = 1\n',
    )
    assert config.problems[0] == (
        f'{path}: [[health.tcp]] #1 "café" timeout: must be a number of seconds from 0.1 to 120 (got 0); using 2'
    )
    assert config.problems[1] == (
        f"{path}: [[health.tcp]] #2 name: must be a non-empty text on one line (got 'bad\\x1b[2J'); check skipped"
    )
    assert [check.name for check in config.health.tcp] == ["café"]
