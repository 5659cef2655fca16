"""The `ir-console` command line: open the console, or script the record from a shell.

The commands and their output are a contract that scripts and tests rely on. Errors are one line
on stderr: exit status 2 for a bad database, bad input or an unknown id, 1 for a write that failed
(disk full, locked too long), which is worth retrying.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ir_console import __version__, command_line
from ir_console.command_line import (
    LOG_HELP,
    LOG_OPTIONS,
    CommandError,
    current_user,
    event_json,
    json_document,
    log_entry,
    refuse_on_resolved,
)
from ir_console.debuglog import log, start_debug_log
from ir_console.locations import config_path, default_db_path, private_dir
from ir_console.model import (
    ContainmentAction,
    ContainmentState,
    EventSource,
    Incident,
    Milestone,
    Phase,
    Role,
    Severity,
    Status,
    Triage,
)
from ir_console.model.clock import format_duration, to_iso, utc_now
from ir_console.model.when import SYNTAX, parse_since, parse_until
from ir_console.render.text import one_line
from ir_console.store import Store, StoreError
from ir_console.store.opening import is_writable
from ir_console.store.store import SUMMARY_SORTS

if TYPE_CHECKING:
    from ir_console.model.archive import SearchHit

# Modules only some commands use are imported in those commands: `ir-console log`, which alert
# pipelines run once per alert, loads no renderer, clipboard, exchange or configuration code it
# does not need (README "Command line"; `python -m benchmarks --only process` measures it).


class Fail(click.ClickException):
    """One line on stderr, `ir-console: <message>`, and the given exit status."""

    def __init__(self, message: str, exit_code: int = 2):
        super().__init__(message)
        self.exit_code = exit_code  # type: ignore[misc]  # click declares it on the class; each Fail has its own

    def show(self, file=None) -> None:
        log.info("command failed (exit status %s): %s", self.exit_code, one_line(self.message))
        click.echo(f"ir-console: {one_line(self.message)}", err=True)


@contextmanager
def reported_errors() -> Iterator[None]:
    """The store's errors as one line (command_line.reported_errors), with their exit status."""
    with command_line.reported_errors(click.get_current_context().obj["db"]):
        yield


@contextmanager
def one_line_usage_errors() -> Iterator[None]:
    """Click's usage errors (bad option, missing argument) are one line too."""
    try:
        yield
    except click.UsageError as error:
        hint = f" (see `{error.ctx.command_path} --help`)" if error.ctx else ""
        raise Fail(" ".join(error.format_message().split()) + hint) from None


def open_store(ctx: click.Context, *, create: bool = False, reading: bool = False) -> Store:
    """`create`: the command may make a new database when there is none at the path (`new`,
    `import` and the console); every other command refuses a missing file in one line (exit 2), so
    a mistyped --db, or a database deleted under a running console, never gets an empty
    replacement. `reading`: the command only reads, so a database it cannot write (a backup on a
    read-only disk) is opened read-only instead of refused."""
    path = Path(ctx.obj["db"]).expanduser()
    read_only = reading and path.exists() and not is_writable(path)
    with reported_errors():
        store = Store.open(path, create=create and not read_only, read_only=read_only)
    ctx.call_on_close(store.close)
    if not read_only:
        publish_on_close(ctx, store)  # before the close above (callbacks run last first)
    return store


def complete_incident_ids(ctx: click.Context, param: click.Parameter, incomplete: str) -> list:
    """Shell completion of an incident id: the ids in the database (--db, IR_CONSOLE_DB or the
    default) starting with what is typed, open incidents first, each with its title. The file is
    opened read-only; a missing or unreadable one completes nothing and is never created."""
    from click.shell_completion import CompletionItem

    given = ctx.find_root().params.get("db")
    path = Path(given).expanduser() if given else default_db_path()
    if not path.is_file():
        return []
    try:
        store = Store.open(path, create=False, read_only=True)
    except Exception:  # completion must never print a traceback into the shell
        return []
    try:
        summaries = store.incident_summaries(now=utc_now())
    except Exception:
        return []
    finally:
        store.close()
    summaries.sort(key=lambda s: not s.status.is_open)  # stable: most recent first within each
    wanted = incomplete.casefold()
    return [
        CompletionItem(s.ref, help=one_line(f"{s.severity.label} {s.status.value}: {s.title}", 60))
        for s in summaries
        if s.ref.casefold().startswith(wanted)
    ]


parse_time = command_line.parse_time


# Options of the whole program that may also follow the command: `ir-console list --db x.db`.
GLOBAL_OPTIONS = ("--db", "--config")


def hoist_global_options(args: list[str]) -> list[str]:
    """`--db` and `--config` (with their value) moved before the command, where click reads them;
    nothing after `--` is touched."""
    front: list[str] = []
    rest: list[str] = []
    index = 0
    while index < len(args):
        arg = args[index]
        if arg == "--":
            rest.extend(args[index:])
            break
        if arg in GLOBAL_OPTIONS:
            front.extend(args[index : index + 2])
            index += 2
            continue
        (front if arg.startswith(tuple(f"{name}=" for name in GLOBAL_OPTIONS)) else rest).append(arg)
        index += 1
    return front + rest


class DefaultCommandGroup(click.Group):
    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, hoist_global_options(args))

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        formatter.write_usage(ctx.command_path, "[--db PATH] [--config PATH] [COMMAND [ARGS]...]")

    def make_context(self, *args, **kwargs) -> click.Context:
        with one_line_usage_errors():
            return super().make_context(*args, **kwargs)

    def invoke(self, ctx: click.Context):
        # Seen before click hands the command's arguments on: `--debug CMD --help` logs nothing.
        ctx.meta["help_asked"] = bool({"-h", "--help"} & set(ctx.args))
        try:
            with one_line_usage_errors():
                return super().invoke(ctx)
        except CommandError as error:  # the commands' shared code (command_line.py) refused
            raise Fail(error.message, error.exit_code) from None
        except Exception as error:
            if not isinstance(error, click.exceptions.Exit | click.ClickException):
                log.error("command stopped on an unexpected error", exc_info=error)
            raise


@click.group(
    cls=DefaultCommandGroup, invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]}
)
@click.option(
    "--db",
    "db",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="IR_CONSOLE_DB",
    help="Database file (default: incidents.db in the user data dir; env IR_CONSOLE_DB).",
)
@click.option(
    "--config",
    "config",
    type=click.Path(path_type=Path),
    envvar="IR_CONSOLE_CONFIG",
    help="Configuration file (default: config.toml in the user config dir; env IR_CONSOLE_CONFIG).",
)
@click.option(
    "--list",
    "start_with_incidents",
    is_flag=True,
    help="Open the console on the incidents list (filter, sort, search, stats).",
)
@click.option(
    "--debug",
    is_flag=True,
    help="Log what ir-console does, and any traceback, to ir-console-debug.log in the user log folder.",
)
@click.version_option(__version__, prog_name="ir-console")
@click.pass_context
def main(ctx: click.Context, db: Path | None, config: Path | None, start_with_incidents: bool, debug: bool) -> None:
    """A war-room console for production incidents.

    Without a command, opens the full-screen console on the database (it needs a terminal; the
    commands below work without one).
    """
    if debug and not ctx.meta.get("help_asked"):  # --help creates nothing, not even the log
        start_debug_log()
    ctx.ensure_object(dict)
    ctx.obj["db"] = db or default_db_path()
    ctx.obj["config"] = config.expanduser() if config else config_path()
    if ctx.invoked_subcommand is None:
        open_console(ctx, start_with_incidents=start_with_incidents)


def terminal_refusal() -> str | None:
    """Why the full-screen console cannot run here, or None: it needs a terminal on stdin and
    stdout that can draw (not TERM=dumb)."""
    for name, stream in (("stdin", sys.stdin), ("stdout", sys.stdout)):
        try:
            if not stream.isatty():
                return f"{name} is not a terminal"
        except (AttributeError, ValueError):  # closed, or replaced by something without isatty
            return f"{name} is not a terminal"
    if os.environ.get("TERM") == "dumb":
        return "TERM=dumb cannot draw it"
    return None


def refuse_without_terminal() -> None:
    """One line and exit status 2 where the console cannot run, pointing at the commands."""
    reason = terminal_refusal()
    if reason:
        raise Fail(
            f"the console needs a terminal ({reason}); without one, use the commands: "
            "`ir-console list`, `ir-console show ID`, `ir-console log TEXT` (`ir-console --help` lists them all)"
        )


def open_console(ctx: click.Context, *, start_with_incidents: bool = False) -> None:
    refuse_without_terminal()
    from ir_console.config import load_config
    from ir_console.store.sharing import share_with_group
    from ir_console.tui.app import run_console  # Textual loads only when the console opens

    store = open_store(ctx, create=True)
    with reported_errors():
        # What the war room reads first: a file too damaged for it is refused here in one line
        # (exit 2); damage further in is shown in a banner by the running console.
        store.latest_open_incident()
    config = load_config(ctx.obj["config"])
    if config.store_group:
        try:
            share_with_group(store.path, config.store_group)
        except (StoreError, OSError) as error:  # the console still opens; it says why it is private
            config.problems.append(f"[store] group: {error}")
    status = run_console(store, author=current_user(), config=config, start_with_incidents=start_with_incidents)
    if status:
        ctx.exit(status)


@main.command("demo")
@click.pass_context
def demo_command(ctx) -> None:
    """Open the console on a demo incident in a temporary database, deleted when you quit: try
    every key without touching your own record."""
    refuse_without_terminal()
    from ir_console.tui.app import run_app
    from ir_console.tui.demo import demo_console, open_demo

    with tempfile.TemporaryDirectory(prefix="ir-console-demo-") as folder:
        store, clock = open_demo(Path(folder) / "demo.db")
        try:
            status = run_app(demo_console(store, clock, author=current_user(), handle_signals=True))
        finally:
            store.close()
    if status:
        ctx.exit(status)


@main.command("new")
@click.argument("title")
@click.option("--sev", "severity", required=True, type=click.Choice(["1", "2", "3", "4"]), help="Severity 1-4.")
@click.option("--reporter", default="", help="Who noticed.")
@click.option("--happening", default="", help="What's happening (one sentence).")
@click.option("--affected", default="", help="Who's affected.")
@click.option("--changed", default="", help="What changed recently.")
@click.option("--detected", default=None, metavar="TIME", help=f"Time detected (default: now). TIME: {SYNTAX}.")
@click.option(
    "--impact-started",
    "impact_started",
    default=None,
    metavar="TIME",
    help=f"When impact started, the first symptom ({SYNTAX}); gives time to detect.",
)
@click.option("--by", "author", default=None, help="Who declares it (default: your user name).")
@click.option("--json", "as_json", is_flag=True, help="Print the incident as JSON (ir-console.incident-state).")
@click.pass_context
def new_incident(
    ctx, title, severity, reporter, happening, affected, changed, detected, impact_started, author, as_json
) -> None:
    """Declare an incident; prints its id alone."""
    detected_at = parse_time(detected, "--detected", past=True)
    impact_started_at = parse_time(impact_started, "--impact-started", past=True)
    store = open_store(ctx, create=True)
    with reported_errors():
        incident = store.create_incident(
            title,
            Severity(int(severity)),
            triage=Triage(reporter=reporter, happening=happening, affected=affected, changed=changed),
            detected_at=detected_at,
            impact_started_at=impact_started_at,
            author=author or current_user(),
            source=EventSource.CLI,
        )
    if as_json:
        echo_json("incident-state", incident_json(incident))
        return
    click.echo(incident.ref)


def with_options(options) -> Callable:
    """The click options of a command, from its table in command_line.py (one list for click and
    the small parser `ir-console log` runs without click)."""

    def decorate(command: Callable) -> Callable:
        for option in reversed(options):
            command = click.option(
                option.name,
                option.dest,
                is_flag=option.flag,
                **({} if option.flag else {"default": option.default}),
                metavar=option.metavar,
                help=option.help,
                shell_complete=complete_incident_ids if option.dest == "incident_key" else None,
            )(command)
        return command

    return decorate


@main.command("log", help=LOG_HELP)
@click.argument("text")
@with_options(LOG_OPTIONS)
@click.pass_context
def log_event(ctx, text, incident_key, kind, at, author, key_moment, correction, as_json) -> None:
    printed = log_entry(
        lambda: open_store(ctx),
        ctx.obj["db"],
        text=text,
        incident_key=incident_key,
        kind=kind,
        at=at,
        author=author,
        key_moment=key_moment,
        correction=correction,
        as_json=as_json,
    )
    click.echo(printed)


def parse_milestone(value: str):
    name, separator, when = value.partition("=")
    if not separator:
        raise Fail(f"--milestone: expected NAME=TIME (or NAME= to clear); got {value!r}")
    try:
        milestone = Milestone.parse(name)
    except ValueError as error:
        raise Fail(f"--milestone: {error}") from None
    return milestone, parse_time(when, f"--milestone {milestone.value}", past=True) if when else None


@main.command("set")
@click.argument("incident_key", metavar="ID", shell_complete=complete_incident_ids)
@click.option("--sev", "severity", type=click.Choice(["1", "2", "3", "4"]), help="New severity.")
@click.option("--reason", default=None, help="With --sev: why, recorded in the severity change.")
@click.option("--status", type=click.Choice([s.value for s in Status], case_sensitive=False))
@click.option("--phase", type=click.Choice([p.value for p in Phase], case_sensitive=False))
@click.option("--commander", default=None, help="Incident commander.")
@click.option("--scribe", default=None)
@click.option("--comms-lead", "comms_lead", default=None)
@click.option("--tech-lead", "tech_lead", default=None)
@click.option(
    "--milestone",
    "milestones",
    multiple=True,
    metavar="NAME=TIME",
    help=f"Repeatable; NAME= clears it. NAME: {', '.join(m.value for m in Milestone)}. TIME: {SYNTAX}.",
)
@click.option("--title", default=None, help="Correct the title.")
@click.option("--reporter", default=None, help="Who noticed.")
@click.option("--happening", default=None, help="What's happening (one sentence).")
@click.option("--affected", default=None, help="Who's affected.")
@click.option("--changed", default=None, help="What changed recently.")
@click.option(
    "--at",
    "at",
    default=None,
    metavar="TIME",
    help=f"When the severity, status, phase or role changes happened (default: now; a status stamps "
    f"its milestone then). TIME: {SYNTAX}.",
)
@click.option("--by", "author", default=None, help="Who makes the change (default: your user name).")
@click.option(
    "--json", "as_json", is_flag=True, help="Print the incident as changed, as JSON (ir-console.incident-state)."
)
@click.pass_context
def set_fields(
    ctx,
    incident_key,
    severity,
    reason,
    status,
    phase,
    commander,
    scribe,
    comms_lead,
    tech_lead,
    milestones,
    title,
    reporter,
    happening,
    affected,
    changed,
    at,
    author,
    as_json,
) -> None:
    """Change severity, status, phase, roles, milestones, the title or the triage fields; each
    change goes on the timeline.

    On a resolved incident, milestones, the title and the triage fields may be corrected for its
    review; severity, status, phase and roles are refused (`ir-console reopen ID` first)."""
    if reason is not None and not severity:
        raise Fail("--reason goes with --sev (why the severity changed)")
    if title is not None and not title.strip():
        raise Fail("--title: an incident needs a title")
    parsed_milestones = [parse_milestone(m) for m in milestones]
    when = parse_time(at, "--at", past=True)
    if when is not None and not (
        severity
        or status
        or phase
        or commander is not None
        or scribe is not None
        or comms_lead is not None
        or tech_lead is not None
    ):
        raise Fail("--at goes with --sev, --status, --phase or a role (milestones take NAME=TIME)")
    roles = {
        role: name
        for role, name in (
            (Role.COMMANDER, commander),
            (Role.SCRIBE, scribe),
            (Role.COMMS_LEAD, comms_lead),
            (Role.TECH_LEAD, tech_lead),
        )
        if name is not None
    }
    triage = {
        name: value
        for name, value in (
            ("reporter", reporter),
            ("happening", happening),
            ("affected", affected),
            ("changed", changed),
        )
        if value is not None
    }
    author = author if author is not None else current_user()
    store = open_store(ctx)
    changes = dict(author=author, source=EventSource.CLI)
    with reported_errors():
        incident = store.incident(incident_key)
        # What would move the incident rather than correct it (asking for what it already is changes nothing).
        asked = [
            ("--sev", Severity(int(severity)) if severity else None, incident.severity),
            ("--status", Status.parse(status) if status else None, incident.status),
            ("--phase", phase.lower() if phase else None, incident.phase.value.lower()),
        ]
        asked += [
            (f"--{role.value.replace('_', '-')}", name.strip(), incident.role(role)) for role, name in roles.items()
        ]
        moving = [option for option, value, current in asked if value is not None and value != current]
        if moving:  # refused before anything is written: all of the command, or none of it
            refuse_on_resolved(
                incident,
                f"changing {', '.join(moving)}",
                "corrections (--milestone, --title, triage fields) are allowed",
            )
        if title is not None or triage:
            store.update_triage(incident.id, title=title, **triage, **changes)
        if severity:
            store.set_severity(incident.id, Severity(int(severity)), reason=reason or "", at=when, **changes)
        if status:
            store.set_status(incident.id, Status.parse(status), at=when, **changes)
        if phase:
            store.set_phase(incident.id, next(p for p in Phase if p.value.lower() == phase.lower()), at=when, **changes)
        for role, name in roles.items():
            store.set_role(incident.id, role, name, at=when, **changes)
        if parsed_milestones:  # together, so their order is checked on the result
            store.set_milestones(incident.id, dict(parsed_milestones), **changes)
        if as_json:
            echo_json("incident-state", incident_json(store.incident(incident.id)))
            return
    click.echo(one_line(incident.ref))


def find_containment(store: Store, incident: Incident, name: str) -> ContainmentAction:
    """The incident's containment action by name (any case) or by its position number (1 = first)."""
    actions = store.containment(incident.id)
    wanted = name.strip()
    if wanted.isdigit():
        if 1 <= int(wanted) <= len(actions):
            return actions[int(wanted) - 1]
        raise ValueError(f"{incident.ref} has containment actions 1 to {len(actions)} (got {wanted})")
    for action in actions:
        if action.action.casefold() == wanted.casefold():
            return action
    raise ValueError(
        f"{incident.ref} has no containment action {name!r}: {', '.join(a.action for a in actions)}, or their numbers"
    )


def containment_line(incident: Incident, action: ContainmentAction) -> str:
    """`INC-20261127-001 Rollback deployment: done at 2026-11-27T03:14:00.000Z by sam — detail (owner: sam)`"""
    line = f"{incident.ref} {action.action}: {action.state.label}"
    if action.changed_at:
        line += f" at {to_iso(action.changed_at)}"
    if action.changed_by:
        line += f" by {action.changed_by}"
    if action.detail:
        line += f" — {action.detail}"
    if action.owner:
        line += f" (owner: {action.owner})"
    return one_line(line)


@main.command("contain")
@click.argument("incident_key", metavar="ID", shell_complete=complete_incident_ids)
@click.argument("action_name", metavar="ACTION")
@click.option("--state", default=None, help="pending, in_progress, done or not_applicable (n/a).")
@click.option("--at", "at", default=None, metavar="TIME", help=f"When it changed (default: now). TIME: {SYNTAX}.")
@click.option("--detail", default=None, help="What was done (which flag, which version).")
@click.option("--owner", default=None, help="Who owns the action.")
@click.option("--undo", is_flag=True, help="Undo the action's latest change of state.")
@click.option("--by", "author", default=None, help="Who makes the change (default: your user name).")
@click.option("--json", "as_json", is_flag=True, help="Print the action as JSON (ir-console.containment-action).")
@click.pass_context
def contain(ctx, incident_key, action_name, state, at, detail, owner, undo, author, as_json) -> None:
    """Set a containment action's state, detail or owner (ACTION: its name or number); one line out.
    With nothing to change, shows it."""
    if undo and (state or at or detail is not None or owner is not None):
        raise Fail("--undo goes alone: undo first, then set what you want")
    try:
        new_state = ContainmentState.parse(state) if state is not None else None
    except ValueError as error:
        raise Fail(f"--state: {error}") from None
    moment = parse_time(at, "--at", past=True)
    author = author if author is not None else current_user()
    store = open_store(ctx)
    with reported_errors():
        incident = store.incident(incident_key)
        action = find_containment(store, incident, action_name)
        if undo or (new_state is not None and new_state != action.state):
            # Under review its detail, owner and time may be corrected; its state is what happened.
            refuse_on_resolved(incident, "changing a containment action's state", "correct --detail, --owner or --at")
        changes = dict(author=author, source=EventSource.CLI)
        if undo:
            action = store.undo_containment(action.id, **changes)
        elif new_state is not None or moment is not None:
            action = store.set_containment_state(
                action.id, new_state or action.state, at=moment, detail=detail, owner=owner, **changes
            )
        elif detail is not None or owner is not None:
            action = store.update_containment(action.id, detail=detail, owner=owner, **changes)
        if as_json:
            number = next(n for n, a in enumerate(store.containment(incident.id), 1) if a.id == action.id)
            echo_json("containment-action", {"incident": incident.ref, **containment_json(action, number)})
            return
    click.echo(containment_line(incident, action))


@main.command("reopen")
@click.argument("incident_key", metavar="ID", shell_complete=complete_incident_ids)
@click.option("--reason", default="", help="Why: the problem is back (recorded on the timeline).")
@click.option("--by", "author", default=None, help="Who reopens it (default: your user name).")
@click.option("--json", "as_json", is_flag=True, help="Print the incident as JSON (ir-console.incident-state).")
@click.pass_context
def reopen_command(ctx, incident_key, reason, author, as_json) -> None:
    """Reopen a resolved incident for a real recurrence: back to Investigating, the resolved time
    cleared, the reopening a key moment on the timeline. Prints its id."""
    store = open_store(ctx)
    with reported_errors():
        incident = store.reopen_incident(
            store.incident(incident_key).id,
            reason=reason,
            author=author if author is not None else current_user(),
            source=EventSource.CLI,
        )
    if as_json:
        echo_json("incident-state", incident_json(incident))
        return
    click.echo(one_line(incident.ref))


def echo_json(name: str, body: dict) -> None:
    click.echo(json_document(name, body))


def containment_json(action: ContainmentAction, number: int) -> dict:
    return {
        "number": number,
        "action": action.action,
        "state": action.state.value,
        "changed_at": to_iso(action.changed_at) if action.changed_at else None,
        "changed_by": action.changed_by,
        "detail": action.detail,
        "owner": action.owner,
    }


def incident_json(incident: Incident) -> dict:
    return {
        "id": incident.ref,
        "uuid": incident.uuid,
        "title": incident.title,
        "severity": incident.severity.label,
        "status": incident.status.value,
        "phase": incident.phase.value,
        "triage": {name: getattr(incident.triage, name) for name in ("reporter", "happening", "affected", "changed")},
        "roles": {role.value: incident.role(role) for role in Role},
        "milestones": {
            m.value: to_iso(incident.milestones[m]) if m in incident.milestones else None for m in Milestone
        },
    }


# `list --status`: a group of statuses, or one.
STATUS_FILTERS = {
    "all": None,
    "open": [s for s in Status if s.is_open],
    "resolved": [Status.RESOLVED],
    **{s.value.lower(): [s] for s in Status if s.is_open},
}


def parse_window(value: str | None, option: str, *, end: bool = False):
    """A time, or a date (local): its start, or with `end` its end (so `--until 2026-01-31`
    takes in the whole 31st). Read by model.when, as the console reads its filters."""
    if value is None:
        return None
    try:
        return (parse_until if end else parse_since)(value, utc_now())
    except ValueError as error:
        raise Fail(f"{option}: {error}") from None


def window_options(command):
    """--since and --until: when incidents started (impact started, else detected, else declared)."""
    command = click.option(
        "--until",
        default=None,
        metavar="TIME",
        help="Only incidents that started before TIME; a date (local) takes in the whole day. TIME as for --since.",
    )(command)
    return click.option(
        "--since",
        default=None,
        metavar="TIME",
        help=f"Only incidents that started at or after TIME; a date means its local midnight. TIME: {SYNTAX}.",
    )(command)


@main.command("list")
@click.option(
    "--status", default="all", type=click.Choice(list(STATUS_FILTERS), case_sensitive=False), show_default=True
)
@click.option(
    "--severity",
    "severities",
    multiple=True,
    type=click.Choice(["1", "2", "3", "4"]),
    help="Only this severity (repeatable).",
)
@window_options
@click.option(
    "--sort", default="started", type=click.Choice(list(SUMMARY_SORTS)), show_default=True, help="Column to sort by."
)
@click.option("--ascending", is_flag=True, help="Smallest (oldest, first) first instead of largest.")
@click.option("--json", "as_json", is_flag=True, help="JSON instead of a table (ir-console.incident-list).")
@click.pass_context
def list_incidents(ctx, status, severities, since, until, sort, ascending, as_json) -> None:
    """List incidents, most recent first: id, severity, status, duration (to resolved, or to now
    while open; from when impact started, else detected), title."""
    status = status.lower()
    window = dict(since=parse_window(since, "--since"), until=parse_window(until, "--until", end=True))
    summaries = []
    if Path(ctx.obj["db"]).expanduser().exists():  # listing never creates a database
        store = open_store(ctx, create=False, reading=True)
        with reported_errors():
            summaries = store.incident_summaries(
                statuses=STATUS_FILTERS[status],
                severities=[Severity(int(s)) for s in severities] or None,
                sort=sort,
                descending=not ascending,
                now=utc_now(),
                **window,
            )
    if as_json:
        echo_json("incident-list", {"incidents": [incident_json(s.incident) for s in summaries]})
        return
    if not summaries:
        filtered = severities or since or until
        click.echo(
            "No matching incidents." if filtered else "No incidents." if status == "all" else f"No {status} incidents."
        )
        return
    for summary in summaries:
        click.echo(
            f"{one_line(summary.ref)}  {summary.severity.label}  {summary.status.value:<13} "
            f"{format_duration(summary.duration):>8}  {one_line(summary.title, 60)}"
        )


@main.command("show")
@click.argument("incident_key", metavar="ID", shell_complete=complete_incident_ids)
@click.option(
    "--json", "as_json", is_flag=True, help="JSON with the incident and its timeline (ir-console.incident-timeline)."
)
@click.pass_context
def show_incident(ctx, incident_key, as_json) -> None:
    """Show an incident and its timeline."""
    store = open_store(ctx, create=False, reading=True)
    with reported_errors():
        record = store.record(incident_key)
    incident = record.incident
    if as_json:
        echo_json("incident-timeline", {**incident_json(incident), "events": [event_json(e) for e in record.events]})
        return
    click.echo(f"{one_line(incident.ref)}  {incident.severity.label}  {incident.status.value}  {incident.phase.value}")
    click.echo(one_line(incident.title))
    for name, label in Triage.FIELD_LABELS.items():
        click.echo(f"  {label} {one_line(getattr(incident.triage, name))}")
    for role in Role:
        if incident.role(role):
            click.echo(f"  {role.label}: {one_line(incident.role(role))}")
    click.echo("")
    for event in record.events:
        flags = ("*" if event.key_moment else " ") + ("x" if event.is_retracted else " ")
        click.echo(f"{to_iso(event.occurred_at)} {flags} {event.kind.label:<15} {one_line(event.text)}")


@main.command("update")
@click.argument("incident_key", metavar="ID", shell_complete=complete_incident_ids)
@click.option(
    "--format",
    "fmt",
    default="markdown",
    type=click.Choice(["markdown", "text", "slack"]),
    show_default=True,
    help="markdown: the seed's template; text: plain text for chat; slack: Slack's *bold* markup.",
)
@click.option(
    "--copy",
    "copy",
    is_flag=True,
    help="Also copy it: the system clipboard, else OSC 52 (stdout a terminal over SSH or in tmux) "
    "and a file in the data dir; one line on stderr says which.",
)
@click.option(
    "--sent", is_flag=True, help="Record it as sent: stored exactly, on the timeline, next-update countdown restarted."
)
@click.option("--by", "author", default=None, help="With --sent: who sent it (default: your user name).")
@click.option("--json", "as_json", is_flag=True, help="The update and its fields as JSON (ir-console.status-update).")
@click.pass_context
def status_update_command(ctx, incident_key, fmt, copy, sent, author, as_json) -> None:
    """Print the status update drafted for ID (Status, Impact, Current action, ETA, Next update).

    Printing is not sending: nothing is recorded unless --sent is given. The next update is one
    interval of the severity's cadence ([updates] cadence_minutes in the config file) from now.
    """
    from ir_console.clipboard import copy_text, osc52_sequence
    from ir_console.config import load_config
    from ir_console.render.status import draft_status_update, status_update

    if author is not None and not sent:
        raise Fail("--by goes with --sent (who sent the update)")
    config = load_config(ctx.obj["config"])
    for problem in config.problems:
        click.echo(f"ir-console: warning: {one_line(problem)}", err=True)
    store = open_store(ctx, create=False, reading=not sent)
    with reported_errors():
        record = store.record(incident_key)
        draft = draft_status_update(record, utc_now(), config.update_cadence)
        text = status_update(draft, fmt)
        if sent:
            store.record_status_update(
                record.incident.id,
                text,
                status=draft.status,
                impact=draft.impact,
                current_action=draft.current_action,
                eta=draft.eta,
                next_update=draft.next_update,
                format=fmt,
                author=author if author is not None else current_user(),
                source=EventSource.CLI,
            )
    if as_json:
        fields = {name: getattr(draft, name) for name in ("status", "impact", "current_action", "eta", "next_update")}
        echo_json(
            "status-update", {"incident": record.incident.ref, "style": fmt, "sent": sent, "text": text, **fields}
        )
    else:
        click.echo(text)
    if copy:
        terminal = sys.stdout.isatty()

        def osc52(copied: str) -> None:
            sys.stdout.write(osc52_sequence(copied))
            sys.stdout.flush()

        result = copy_text(
            text,
            osc52=osc52 if terminal else None,
            suffix=".md" if fmt == "markdown" else ".txt",
            name=f"status-update-{record.incident.ref}",
        )
        click.echo(f"ir-console: {one_line(result.message)}", err=True)
        if result.severity == "error":
            ctx.exit(1)


def write_private(path: Path, text: str) -> None:
    """Write a regular file atomically (a crash leaves the old file or the new one), readable by
    the owner only. A symlink's target is written, the link kept; a FIFO, a terminal or
    /dev/stdout is written into, never replaced by a file."""
    path = path.expanduser()
    if path.is_dir():
        raise IsADirectoryError(errno.EISDIR, "is a folder", str(path))
    if path.exists() and not path.is_file():
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
        return
    path = path.resolve()
    fd, temp = tempfile.mkstemp(dir=path.parent or ".", prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


@main.command("export")
@click.argument("incident_key", metavar="ID", shell_complete=complete_incident_ids)
@click.option("--format", "fmt", default="markdown", type=click.Choice(["markdown", "json"]), show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE, not stdout.")
@click.pass_context
def export(ctx, incident_key, fmt, output) -> None:
    """Export the post-mortem as Markdown, or the whole incident as JSON."""
    from ir_console.render.markdown import postmortem_markdown
    from ir_console.store.exchange import export_json

    store = open_store(ctx, create=False, reading=True)
    with reported_errors():
        if fmt == "json":
            text = export_json(store, incident_key)
        else:  # the digest draws the post-mortem as the whole record does, without reading every event
            text = postmortem_markdown(store.record_digest(incident_key))
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        write_private(output, text)
    except OSError as error:
        raise Fail(f"{output}: cannot write: {error.strerror}", 1) from None
    click.echo(str(output), err=True)


@main.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path, allow_dash=True))
@click.option("--json", "as_json", is_flag=True, help="What was imported, as JSON (ir-console.import-result).")
@click.pass_context
def import_(ctx, file, as_json) -> None:
    """Import an incident exported with `export --format json`, merging by UUID."""
    from ir_console.store.exchange import import_incident

    try:
        raw = sys.stdin.read() if str(file) == "-" else file.read_text(encoding="utf-8")
        document = json.loads(raw)
    except OSError as error:
        raise Fail(f"{file}: cannot read: {error.strerror}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise Fail(f"{file}: not valid JSON ({error})") from None
    except RecursionError:
        raise Fail(f"{file}: not an ir-console export (nested too deeply)") from None
    store = open_store(ctx, create=True)  # an export is a whole incident: it may start a new database
    with reported_errors():
        try:
            result = import_incident(store, document, author=current_user())
        except (KeyError, TypeError, AttributeError) as error:  # JSON, but not shaped like an export
            raise Fail(f"{file}: not a valid ir-console export ({type(error).__name__}: {error})") from None
    if as_json:
        echo_json(
            "import-result",
            {"incident": result.ref, "created": result.created, "added": result.added, "updated": result.updated},
        )
        return
    added = sum(result.added.values())
    updated = sum(result.updated.values())
    verb = "imported" if result.created else "merged"
    click.echo(f"{one_line(result.ref)} {verb}: {added} records added, {updated} updated")


def hit_json(hit: SearchHit) -> dict:
    return {
        "incident": hit.incident_ref,
        "title": hit.incident_title,
        "severity": hit.incident_severity.label,
        "status": hit.incident_status.value,
        "where": hit.where,
        "source": hit.source.value,
        "field": hit.field,
        "event_id": hit.event_id,
        "hypothesis_id": hit.hypothesis_id,
        "at": to_iso(hit.at) if hit.at else None,
        "retracted": hit.retracted,
        "snippet": hit.snippet_text,
        "matches": [list(span) for span in hit.match_spans],
    }


def snippet_line(hit: SearchHit) -> str:
    """The snippet on one line, the matched words in bold (click drops the bold when not a terminal)."""
    return "".join(
        click.style(one_line(part.text), bold=True) if part.matched else one_line(part.text) for part in hit.snippet
    )


@main.command("search")
@click.argument("text")
@click.option("--limit", default=50, type=click.IntRange(1, 10_000), show_default=True, help="At most N matches.")
@click.option(
    "--incident", "incident_key", default=None, shell_complete=complete_incident_ids, help="Only in this incident."
)
@click.option("--json", "as_json", is_flag=True, help="JSON instead of lines (ir-console.search-results).")
@click.pass_context
def search_command(ctx, text, limit, incident_key, as_json) -> None:
    """Search titles, triage fields, timelines, hypotheses and post-mortems for every word of TEXT
    (words are taken literally). One line a match: id, time, where, snippet. Titles, triage,
    hypotheses and post-mortems come first, newest incident first; then timeline entries, the
    most recently written first."""
    from ir_console.store.search import search_words

    if not search_words(text):
        raise Fail("nothing to search for: TEXT needs a word (letters or digits)")
    hits = []
    if Path(ctx.obj["db"]).expanduser().exists():  # searching never creates a database
        store = open_store(ctx, create=False, reading=True)
        with reported_errors():
            incident_id = store.incident(incident_key).id if incident_key else None
            hits = store.search(text, limit=limit, incident_id=incident_id)
    if as_json:
        echo_json("search-results", {"query": text, "hits": [hit_json(h) for h in hits]})
        return
    if not hits:
        click.echo("No matches.")
        return
    for hit in hits:
        when = to_iso(hit.at) if hit.at else "—"
        click.echo(f"{one_line(hit.incident_ref)}  {when}  {one_line(hit.where)}  {snippet_line(hit)}")


@main.command("stats")
@window_options
@click.option("--json", "fmt", flag_value="json", help="JSON instead of charts (ir-console.stats).")
@click.option("--markdown", "fmt", flag_value="markdown", help="Markdown tables instead of charts.")
@click.pass_context
def stats_command(ctx, since, until, fmt) -> None:
    """Incidents by severity, and the mean and median time to detect, acknowledge, mitigate and
    resolve by severity, over the incidents that started in the window (default: all)."""
    from ir_console.render.stats import archive_stats, stats_json, stats_markdown, stats_text

    since, until = parse_window(since, "--since"), parse_window(until, "--until", end=True)
    summaries = []
    if Path(ctx.obj["db"]).expanduser().exists():
        store = open_store(ctx, create=False, reading=True)
        with reported_errors():
            summaries = store.incident_summaries(since=since, until=until)
    stats = archive_stats(summaries, since=since, until=until)
    if fmt == "json":
        echo_json("stats", stats_json(stats))
    elif fmt == "markdown":
        click.echo(stats_markdown(stats), nl=False)
    else:
        click.echo(stats_text(stats, shutil.get_terminal_size().columns), nl=False)


@main.group("config")
def config_group() -> None:
    """Write, check or locate the configuration file."""


@config_group.command("path")
@click.pass_context
def config_path_command(ctx) -> None:
    """Print the configuration file's path.

    The path in use: --config, else IR_CONSOLE_CONFIG, else config.toml in the user config dir.
    """
    click.echo(str(ctx.obj["config"]))


@config_group.command("init")
@click.option("--force", is_flag=True, help="Replace the file if there is one.")
@click.pass_context
def config_init(ctx, force) -> None:
    """Write the commented example; prints its path.

    Every setting in it is commented out, so it changes nothing until edited. An existing file
    is left alone unless --force is given.
    """
    from ir_console.config import EXAMPLE_CONFIG

    path: Path = ctx.obj["config"]
    if path.is_dir():
        raise Fail(f"{path} is a folder; choose a file with --config")
    if path.exists() and not force:
        raise Fail(f"{path} already exists; `ir-console config init --force` replaces it")
    try:
        private_dir(path.parent)
        write_private(path, EXAMPLE_CONFIG)
    except OSError as error:
        raise Fail(f"{path}: cannot write: {error.strerror or error}", 1) from None
    click.echo(str(path))


@config_group.command("check")
@click.option("--json", "as_json", is_flag=True, help="The file, its problems and what it configures, as JSON.")
@click.pass_context
def config_check(ctx, as_json) -> None:
    """Say what is wrong with the file and what it configures.

    Each problem on its own line, then one line of what is configured. Exit status 2 when there
    are problems, 0 otherwise (a missing file is fine: the defaults).
    """
    from ir_console.config import config_summary, load_config

    path: Path = ctx.obj["config"]
    if as_json:
        config = load_config(path)
        body = {"path": str(path), "exists": path.exists(), "problems": config.problems}
        echo_json("config-check", {**body, "summary": config_summary(config)})
        ctx.exit(2 if config.problems else 0)
    if not path.exists():
        click.echo(
            f"{one_line(str(path))}: no configuration file; using the defaults "
            "(`ir-console config init` writes an example)"
        )
    config = load_config(path)
    for problem in config.problems:
        click.echo(one_line(problem))
    click.echo(config_summary(config))
    if config.problems:
        ctx.exit(2)


from ir_console.cli_sync import publish_on_close, sync  # noqa: E402 (it uses the helpers above)

main.add_command(sync)
