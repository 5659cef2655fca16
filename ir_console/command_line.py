"""What the commands share that needs no click, and `ir-console log` itself.

`ir-console log` is what alert pipelines run, once per alert: importing click costs more than the
rest of the command. So `log` is defined here once, its options in one table (`LOG_OPTIONS`, from
which cli.py builds the click command) and its work in one function (`log_entry`), and
`ir_console.entry` runs it with a small parser of that table when the arguments are ordinary. The
click command and the small parser give the same rows, output, errors and exit statuses (tests/
test_log_command.py runs both); anything else (`--help`, an unknown option, `--debug`, shell
completion) goes to click.
"""

from __future__ import annotations

import os
import sqlite3
import sys
from collections import namedtuple
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from ir_console.model import EventKind, EventSource, Incident, TimelineEvent
from ir_console.model.clock import to_iso, utc_now
from ir_console.model.when import SYNTAX, not_in_future, parse_when
from ir_console.render.text import one_line
from ir_console.store.core import ResolvedRefusal, StoreCore, refuse_if_resolved
from ir_console.store.errors import NotFound, StoreError, WriteFailed
from ir_console.store.opening import describe_database_error


class CommandError(Exception):
    """A command's one-line refusal, `ir-console: <message>` on stderr, and its exit status: 2 for
    bad input, a bad database or an unknown id, 1 for a write that failed and is worth retrying."""

    def __init__(self, message: str, exit_code: int = 2):
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


@contextmanager
def reported_errors(db: Path | str) -> Iterator[None]:
    """The store's errors as CommandErrors; `db` is the database as given (for a damaged read)."""
    try:
        yield
    except WriteFailed as error:
        raise CommandError(str(error), 1) from None
    except (StoreError, ValueError) as error:
        raise CommandError(str(error)) from None
    except sqlite3.Error as error:  # a read found the file damaged (writes raise WriteFailed)
        raise CommandError(describe_database_error(Path(db), error)) from None


def current_user() -> str:
    user = os.environ.get("IR_CONSOLE_USER")
    if user:
        return user
    import getpass  # here: a pipeline's `log` names its author (IR_CONSOLE_USER or --by)

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""


def parse_time(value: str | None, option: str, *, past: bool = False) -> datetime | None:
    """A time given to `option`, in the one syntax (model.when: -5m, 02:58, 13:45Z, ISO 8601,
    `2026-11-29 23:58`). `past`: it happened, so it cannot be in the future."""
    if value is None:
        return None
    now = utc_now()
    try:
        moment = parse_when(value, now)
        return not_in_future(moment, now) if past else moment
    except ValueError as error:
        raise CommandError(f"{option}: {error}") from None


def resolve_incident(store: StoreCore, key: str | None) -> Incident:
    if key:
        return store.incident(key)
    latest = store.latest_open_incident()
    if latest is None:
        raise NotFound("no open incident; declare one with `ir-console new` or pass --incident")
    return latest


def refuse_on_resolved(incident: Incident, what: str, hint: str) -> None:
    """The store's rule for a resolved incident, with the command line's way on."""
    try:
        refuse_if_resolved(incident, what)
    except ResolvedRefusal as refusal:
        raise CommandError(f"{refusal}; {hint}, or `ir-console reopen {incident.ref}` for a recurrence") from None


# Every JSON document a command prints names its format and version, first (README, "Machine
# output"); a version changes only when a field is removed or changes meaning.
JSON_FORMAT_VERSION = 1


def json_document(name: str, body: dict) -> str:
    import json  # here: an ordinary `log` prints one line, not JSON

    document = {"format": f"ir-console.{name}", "version": JSON_FORMAT_VERSION, **body}
    return json.dumps(document, indent=2, ensure_ascii=True)


def event_json(event: TimelineEvent) -> dict:
    return {
        "id": event.id,
        "uuid": event.uuid,
        "occurred_at": to_iso(event.occurred_at),
        "recorded_at": to_iso(event.recorded_at),
        "kind": event.kind.value,
        "text": event.text,
        "author": event.author,
        "source": event.source.value,
        "key_moment": event.key_moment,
        "revision": event.revision,
        "retracted": event.is_retracted,
    }


def publish_change(store: StoreCore, config: Path) -> None:
    """After a command that may have written: send the change at once when sync is configured and
    the server answers within a short time; else it waits in the outbox for the next sync."""
    try:
        config.stat()
    except FileNotFoundError:  # no configuration file: the defaults, and sync is off
        return
    except OSError:
        pass  # names_sync_servers finds it unreadable: the defaults, and sync is off
    from ir_console.config.sync_servers import names_sync_servers

    if not names_sync_servers(config):  # [sync] has no servers: sync is off (load_config would read it all)
        return
    from ir_console.config import load_config

    sync = load_config(config).sync
    if not sync.enabled or store.db.conn is None:
        return
    try:
        waiting = store.scalar("SELECT count(*) FROM sync_outbox WHERE sent = 0")
        enabled = store.scalar("SELECT enabled FROM sync_state WHERE id = 1")
    except Exception:  # a read-only or damaged file: nothing to send from here
        return
    if waiting or not enabled:
        import asyncio

        from ir_console.store.store import Store
        from ir_console.sync import client

        # The sync client takes the whole Store; `log` opened only its core (run_log): a second
        # connection to the same file, for the push alone.
        whole: Store | None = None
        try:
            whole = store if isinstance(store, Store) else Store.open(store.path, create=False)
            asyncio.run(client.push_now(whole, sync))
        except Exception:  # the command succeeded here; what waits goes with the next sync
            return
        finally:
            if whole is not None and whole is not store:
                whole.close()


# -- ir-console log ---------------------------------------------------------------------------


# One option of a command: what click is told, and what the small parser reads. A namedtuple (name,
# dest, help, flag, default, metavar): as frozen as a dataclass, and built in a tenth of the time
# (`log` builds it in every process).
Option = namedtuple("Option", "name dest help flag default metavar", defaults=(False, None, None))


LOG_HELP = """Append TEXT to the timeline (`-` reads it from stdin).

A resolved incident takes no new entries: mark a late addition for its review with
--correction, or reopen the incident (`ir-console reopen ID`) when the problem is back."""

LOG_OPTIONS = (
    Option("--incident", "incident_key", "Incident id (default: the most recent open one)."),
    Option("--kind", "kind", "note, alert, action, decision, evidence, ...", default="note"),
    Option("--at", "at", f"When it happened (default: now). TIME: {SYNTAX}.", metavar="TIME"),
    Option("--by", "author", "Author (default: your user name)."),
    Option("--key", "key_moment", "Mark as a key moment.", flag=True),
    Option(
        "--correction",
        "correction",
        'A correction added in the review of a resolved incident; its text starts "Correction: ".',
        flag=True,
    ),
    Option("--json", "as_json", "Print the event as JSON (ir-console.event).", flag=True),
)


def log_entry(
    open_store: Callable[[], StoreCore],
    db: Path | str,
    *,
    text: str,
    incident_key: str | None,
    kind: str,
    at: str | None,
    author: str | None,
    key_moment: bool,
    correction: bool,
    as_json: bool,
) -> str:
    """`ir-console log`: append the entry; what it prints. `open_store` opens the database as the
    caller's commands do (and arranges the publish and the close after the command)."""
    if text == "-":
        text = sys.stdin.read().rstrip("\n")
    occurred_at = parse_time(at, "--at", past=True)
    store = open_store()
    with reported_errors(db):
        incident = resolve_incident(store, incident_key)
        if not correction:
            refuse_on_resolved(incident, "a new entry", "add it to the review with --correction")
        event = store.add_event(
            incident.id,
            text,
            kind=EventKind.parse(kind),
            occurred_at=occurred_at,
            author=author if author is not None else current_user(),
            source=EventSource.CLI,
            key_moment=key_moment,
            correction=correction,
        )
    if as_json:
        return json_document("event", {"incident": incident.ref, **event_json(event)})
    return f"{one_line(incident.ref)} #{event.id}"


def run_log(given: dict[str, str | None], values: dict[str, object]) -> int:
    """`ir-console log` without click (entry.py parsed `given`, the global options, and `values`,
    the command's arguments): the click command's work, output, errors and exit status."""
    from ir_console.locations import config_path, default_db_path

    db: Path | str = given["--db"] or default_db_path()
    config = Path(given["--config"]).expanduser() if given["--config"] else config_path()
    opened: list[StoreCore] = []

    def open_store() -> StoreCore:  # as cli.open_store for a command that writes: the same class's core
        with reported_errors(db):
            opened.append(StoreCore.open(Path(db).expanduser(), create=False))
        return opened[0]

    try:
        print(log_entry(open_store, db, **values))  # type: ignore[arg-type]
        return 0
    except CommandError as error:
        print(f"ir-console: {one_line(error.message)}", file=sys.stderr)
        return error.exit_code
    except BrokenPipeError:  # as click: the reader went away (`| head`); status 1, no traceback
        sys.stdout = None  # nothing left to flush at exit
        return 1
    finally:
        for store in opened:  # as click's close callbacks: publish, then close
            try:
                publish_change(store, config)
            finally:
                store.close()
