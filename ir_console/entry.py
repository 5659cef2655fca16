"""The `ir-console` program (the console script and `python -m ir_console`).

`ir-console log` with ordinary arguments runs without importing click (command_line.py: alert
pipelines run it once per alert, and click's import costs more than the rest); everything else,
and any `log` this small parser does not fully understand (`--help`, an unknown or incomplete
option, `--debug`, shell completion), goes to the click command line in cli.py, which gives the
same result or the error.
"""

from __future__ import annotations

import gc
import os
import sys

# The program's own options that may come before or after the command (cli.GLOBAL_OPTIONS), with
# the environment variable that gives each when it is absent.
GLOBAL_OPTIONS = {"--db": "IR_CONSOLE_DB", "--config": "IR_CONSOLE_CONFIG"}


def main() -> None:
    args = sys.argv[1:]
    if "log" in args and not any(name.startswith("_") and name.endswith("_COMPLETE") for name in os.environ):
        # A process that lives for one entry makes no garbage worth collecting: the cyclic GC stays
        # off while it imports and writes, and what it built is frozen before the exit, whose last
        # collections would otherwise look through every object (together ~10% of its CPU time).
        gc.disable()
        parsed = parse_log(args)
        if parsed is not None:
            from ir_console.command_line import run_log

            status = run_log(*parsed)
            gc.freeze()
            sys.exit(status)
        gc.enable()
    from ir_console.cli import main as click_main

    click_main()


def parse_log(args: list[str]) -> tuple[dict[str, str | None], dict[str, object]] | None:
    """`[global options] log TEXT [options]` (options and global options in any order, `--` ends
    them), read by the table of `log`'s options: the global options and the command's arguments;
    None for anything else, which click handles."""
    from ir_console.command_line import LOG_OPTIONS

    options = {option.name: option for option in LOG_OPTIONS}
    given: dict[str, str | None] = {}
    values: dict[str, object] = {o.dest: (False if o.flag else o.default) for o in LOG_OPTIONS}
    positional: list[str] = []
    command_seen = False
    index = 0
    only_positional = False
    while index < len(args):
        arg = args[index]
        index += 1
        if only_positional or arg == "-" or not arg.startswith("-"):
            if not command_seen:
                if arg != "log" or only_positional:
                    return None
                command_seen = True
            else:
                positional.append(arg)
            continue
        if arg == "--":
            if not command_seen:
                return None
            only_positional = True
            continue
        name, equals, inline = arg.partition("=")
        if name in GLOBAL_OPTIONS or (command_seen and name in options and not options[name].flag):
            if equals:
                value = inline
            elif index < len(args):
                value = args[index]
                index += 1
            else:
                return None  # a missing value: click says so
            if value in GLOBAL_OPTIONS or value.startswith(tuple(f"{g}=" for g in GLOBAL_OPTIONS)) or not value:
                return None  # click would move it before the command (cli.hoist_global_options), or take "" as "."
            if name in GLOBAL_OPTIONS:
                given[name] = value
            else:
                values[options[name].dest] = value
        elif command_seen and name in options and not equals:
            values[options[name].dest] = True
        else:
            return None  # --help, --debug, --version, --list, an unknown option, a flag with a value
    if not command_seen or len(positional) != 1:
        return None
    values["text"] = positional[0]
    for name, variable in GLOBAL_OPTIONS.items():
        if name not in given:
            given[name] = os.environ.get(variable) or None
    if given["--db"] is not None and os.path.isdir(given["--db"]):
        return None  # click refuses a folder for --db, in its words
    return given, values
