"""The configuration: `settings` holds the dataclasses the console runs on (no I/O), `reading`
reads and checks the TOML file into them, and `example.toml` (package data) is the example that
`ir-console config init` writes, documenting every key.

Everything the rest of the package uses is imported from here: `from ir_console.config import Config`.
"""

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (an ordinary `ir-console log` need not)
if TYPE_CHECKING:
    EXAMPLE_CONFIG: str  # example.toml's text, read when first asked for (__getattr__ below)
    from ir_console.config.reading import (
        EXAMPLE_FILE,
        HTTP_METHODS,
        INTERVAL_RANGE,
        TIMEOUT_RANGE,
        WINDOW_RANGE,
        compile_log_pattern,
        config_summary,
        example_config,
        expand_env,
        load_config,
        minutes,
        redact_credentials,
    )
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
        default_cadence,
        default_thresholds,
    )

# Each name and the module of ours that defines it, imported when first asked for (PEP 562):
# `ir-console log` with a configuration file only asks sync_servers.py whether it names sync
# servers, and the whole reader (settings' dataclasses, json, grp) would cost it more than its work.
_HOME = {
    "EXAMPLE_FILE": "reading",
    "HTTP_METHODS": "reading",
    "INTERVAL_RANGE": "reading",
    "TIMEOUT_RANGE": "reading",
    "WINDOW_RANGE": "reading",
    "compile_log_pattern": "reading",
    "config_summary": "reading",
    "example_config": "reading",
    "expand_env": "reading",
    "load_config": "reading",
    "minutes": "reading",
    "redact_credentials": "reading",
    "DEFAULT_LOG_PATTERN": "settings",
    "DEFAULT_SINCE": "settings",
    "KNOWN_KEYS": "settings",
    "MAX_CADENCE_MINUTES": "settings",
    "TABLES": "settings",
    "ChangesConfig": "settings",
    "Config": "settings",
    "GitSource": "settings",
    "HealthConfig": "settings",
    "HttpCheck": "settings",
    "LogsConfig": "settings",
    "LogSource": "settings",
    "SignalsConfig": "settings",
    "SyncConfig": "settings",
    "TcpCheck": "settings",
    "Threshold": "settings",
    "default_cadence": "settings",
    "default_thresholds": "settings",
}


def __getattr__(name: str) -> object:
    """A name of reading.py or settings.py, imported when first asked for; `EXAMPLE_CONFIG`, what
    `ir-console config init` writes: example.toml, read once, when first asked for."""
    if name == "EXAMPLE_CONFIG":
        from ir_console.config.reading import example_config

        value: object = example_config()
    elif name in _HOME:
        # __import__ as in model/__init__.py: `python -X importtime` lists what comes through it.
        value = getattr(__import__(f"{__name__}.{_HOME[name]}", fromlist=[name]), name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value  # asked once
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOME, "EXAMPLE_CONFIG"})


__all__ = [
    "DEFAULT_LOG_PATTERN",
    "DEFAULT_SINCE",
    "EXAMPLE_CONFIG",
    "EXAMPLE_FILE",
    "HTTP_METHODS",
    "INTERVAL_RANGE",
    "KNOWN_KEYS",
    "MAX_CADENCE_MINUTES",
    "TABLES",
    "TIMEOUT_RANGE",
    "WINDOW_RANGE",
    "ChangesConfig",
    "Config",
    "GitSource",
    "HealthConfig",
    "HttpCheck",
    "LogSource",
    "LogsConfig",
    "SignalsConfig",
    "SyncConfig",
    "TcpCheck",
    "Threshold",
    "compile_log_pattern",
    "config_summary",
    "default_cadence",
    "default_thresholds",
    "example_config",
    "expand_env",
    "load_config",
    "minutes",
    "redact_credentials",
]
