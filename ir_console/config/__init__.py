"""The configuration: `settings` holds the dataclasses the console runs on (no I/O), `reading`
reads and checks the TOML file into them, and `example.toml` (package data) is the example that
`ir-console config init` writes, documenting every key.

Everything the rest of the package uses is imported from here: `from ir_console.config import Config`.
"""

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


def __getattr__(name: str) -> str:
    """`EXAMPLE_CONFIG`, what `ir-console config init` writes: example.toml, read once, when first
    asked for (not by every start of the console)."""
    if name == "EXAMPLE_CONFIG":
        globals()[name] = text = example_config()
        return text
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
