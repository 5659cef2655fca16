"""Sync through NATS JetStream (issue #13), against one local `nats-server` (skipped without it):

  propagation   a note committed on machine A (another connection, as the console's writer) until
                it is in machine B's file, each running the console's sync loop (`client.run`) on
                its own thread: file to file (B's console draws it at its next check, every 0.5 s)
  idle          a headless console with [sync] connected against the same console without sync,
                each a `python -m benchmarks.idle` child (signals off), CPU over `idle_seconds`
  initial sync  machine A holding the archive (benchmarks/archive.py's 1,000 incidents / 1,000,000
                events when run by `python -m benchmarks --only sync`) turns sync on, queues and
                sends it; a new, empty machine B receives until caught up (counts checked); against
                a plain nats-py consume of the same stream and a plain async publish of as many
                messages of the same sizes

`python -m benchmarks.sync` runs this part alone, on a 200-incident archive written here."""

from __future__ import annotations

import asyncio
import json
import os
import queue
import random
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from array import array
from pathlib import Path

from benchmarks import idle
from benchmarks.report import Row, median, ms, percentile, ratio
from ir_console.config import SyncConfig
from ir_console.model import EventKind, EventSource, Severity
from ir_console.store import Store
from ir_console.sync import client, outbox

PROPAGATIONS = 100
ARCHIVE_INCIDENTS = 200
ARCHIVE_EVENTS_EACH = 50


def _server(folder: Path) -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    binary = shutil.which("nats-server") or "/usr/sbin/nats-server"
    process = subprocess.Popen(
        [binary, "-js", "-sd", str(folder / "js"), "-a", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            break
        except OSError:
            time.sleep(0.05)
    return process, f"nats://127.0.0.1:{port}"


class Runner:
    """`client.run` on its own thread and loop, as the console runs it."""

    def __init__(self, path: Path, config: SyncConfig) -> None:
        self.path, self.config = path, config
        self.loop: asyncio.AbstractEventLoop | None = None
        self.stop_event: asyncio.Event | None = None
        self.live = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        store = Store.open(self.path, create=False)

        async def main() -> None:
            self.loop, self.stop_event = asyncio.get_running_loop(), asyncio.Event()
            await client.run(store, self.config, self.stop_event, lambda s: s.live and self.live.set())

        try:
            asyncio.run(main())
        finally:
            store.close()

    def stop(self) -> None:
        if not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self.stop_event.set)
        self.thread.join(10)


def propagation(folder: Path, url: str, count: int = PROPAGATIONS) -> list[float]:
    """Seconds from a committed note on machine A to the same note in machine B's file."""
    a_path, b_path = folder / "a.db", folder / "b.db"
    a = Store.open(a_path)
    incident = a.create_incident("Propagation", Severity(3))
    Store.open(b_path).close()
    runners = [
        Runner(path, SyncConfig(servers=(url,), subject="bench", machine=name))
        for path, name in ((a_path, "a"), (b_path, "b"))
    ]
    for runner in runners:
        runner.live.wait(10)
    reader = sqlite3.connect(b_path)
    delays = []
    try:
        for number in range(count):
            text = f"propagated #{number}"
            start = time.perf_counter()
            a.add_event(incident.id, text)
            while not reader.execute("SELECT 1 FROM events WHERE text = ?", [text]).fetchone():
                time.sleep(0.002)
                if time.perf_counter() - start > 10:
                    raise RuntimeError(f"{text} did not arrive within 10 s")
            delays.append(time.perf_counter() - start)
    finally:
        reader.close()
        for runner in runners:
            runner.stop()
        a.close()
    return delays


CONSOLE_MARK = "BENCH-SYNC "
CONSOLE_NOTES = 50


def console_propagation(folder: Path, url: str, cwd: str, count: int = CONSOLE_NOTES) -> list[float]:
    """Seconds from a note committed on machine A (by another connection, as `ir-console log` or
    the console's writer commits it; A's console sync loop running on a thread) until it is the
    last line drawn on the timeline of machine B's console: the app as `ir-console` builds it,
    headless, in a child process (`python -m benchmarks.sync console DB CONFIG`) that says when
    it shows each note (time.monotonic is one clock for both processes). The notes are spaced by a
    random 0-0.5 s, so they meet the console's check for changes at every point of its cycle."""
    a_path, b_path = folder / "console-a.db", folder / "console-b.db"
    a = Store.open(a_path)
    incident = a.create_incident("Console propagation", Severity(3))
    on_a = SyncConfig(servers=(url,), subject="consoles", machine="a")
    asyncio.run(client.sync_now(a, on_a))
    with Store.open(b_path) as b:  # B holds the incident before its console opens on it
        asyncio.run(client.sync_now(b, SyncConfig(servers=(url,), subject="consoles", machine="b")))
    config = folder / "console-b.toml"
    config.write_text(f'[signals]\ninterval = 0\n[sync]\nservers = ["{url}"]\nsubject = "consoles"\nmachine = "b"\n')
    runner = Runner(a_path, on_a)
    child = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.sync", "console", str(b_path), str(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=cwd,
        env={**os.environ, "IR_CONSOLE_USER": "bench"},
    )
    said: queue.Queue = queue.Queue()

    def reading() -> None:
        for line in child.stdout:
            if line.startswith(CONSOLE_MARK):
                said.put(json.loads(line[len(CONSOLE_MARK) :]))

    threading.Thread(target=reading, daemon=True).start()
    delays = []
    spacing = random.Random(13)
    try:
        ready = said.get(timeout=60)
        if ready.get("ready") is not True:
            raise RuntimeError(f"console B: {ready}")
        runner.live.wait(10)
        for number in range(count):
            time.sleep(spacing.uniform(0, 0.5))
            start = time.monotonic()
            a.add_event(incident.id, f"propagated #{number}")
            while True:
                shown = said.get(timeout=10)
                if shown.get("note") == number:
                    delays.append(shown["at"] - start)
                    break
    finally:
        child.terminate()
        try:
            child.wait(10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
        runner.stop()
        a.close()
    return delays


def console_main(db: Path, config_path: Path) -> None:
    """The child of `console_propagation`: machine B's console, saying when it is live and when
    each note is the last line on its timeline."""
    import re

    from ir_console.config import load_config
    from ir_console.tui.app import IrConsoleApp
    from ir_console.tui.screens.war_room import WarRoomScreen
    from ir_console.tui.widgets.timeline import TimelineView

    config = load_config(config_path)
    store = Store.open(db, create=False)
    app = IrConsoleApp(store, author="bench", config=config)
    state = {"ready": False, "last": -1}

    def say(what: dict) -> None:
        print(CONSOLE_MARK + json.dumps(what), flush=True)

    def look() -> None:
        try:
            screen = next(s for s in app.screen_stack if isinstance(s, WarRoomScreen))
            if not state["ready"]:
                if "sync live" not in str(screen.query_one("#header #sync").render()):
                    return
                state["ready"] = True
                say({"ready": True})
            view = screen.query_one("#timeline", TimelineView)
            y = view.count - 1 - round(view.scroll_offset.y)
            if view.count and 0 <= y < view.scrollable_content_region.height:
                found = re.search(r"propagated #(\d+)", view.render_line(y).text)
                if found and int(found[1]) > state["last"]:
                    state["last"] = int(found[1])
                    say({"note": state["last"], "at": time.monotonic()})
        except Exception:  # not laid out yet
            return

    app.call_later(lambda: app.set_interval(0.002, look))
    app.run(headless=True, size=(160, 48))
    store.close()


def idle_consoles(folder: Path, url: str, seconds: float, cwd: str) -> dict[str, dict]:
    """Idle CPU of the console with sync connected against the console without sync: each a fresh
    `python -m benchmarks.idle` child (the app as `ir-console` builds it, headless, signals off)
    on its own copy of the same 10-event database, `seconds` with no key touched."""
    source = folder / "idle-source.db"
    with Store.open(source) as store:
        incident = store.create_incident("Idle", Severity(3))
        for number in range(10):
            store.add_event(incident.id, f"idle note {number}")
    results = {}
    for mode, extra in (("nosync", ""), ("sync", f'[sync]\nservers = ["{url}"]\nsubject = "idle"\nmachine = "idle"\n')):
        config = folder / f"idle-{mode}.toml"
        config.write_text("[signals]\ninterval = 0\n" + extra)
        db = folder / f"idle-{mode}.db"
        shutil.copyfile(source, db)
        output = subprocess.run(
            [sys.executable, "-m", "benchmarks.idle", mode, str(db), str(config), str(seconds)],
            capture_output=True,
            text=True,
            cwd=cwd,
            timeout=seconds + 120,
            env={**os.environ, "IR_CONSOLE_USER": "bench"},
        )
        line = next((ln for ln in output.stdout.splitlines() if ln.startswith(idle.MARK)), None)
        if line is None:
            raise RuntimeError(f"idle {mode}: no result\n{output.stdout[-2000:]}\n{output.stderr[-2000:]}")
        results[mode] = json.loads(line[len(idle.MARK) :])
        if mode == "sync":
            with Store.open(db, create=False) as store:
                state = store.query_row("SELECT enabled, server, last_error FROM sync_state")
            if not (state["enabled"] and state["server"]):  # it must really have been connected
                raise RuntimeError(f"idle sync console never connected: {state}")
    return results


def small_archive(path: Path, incidents: int = ARCHIVE_INCIDENTS, each: int = ARCHIVE_EVENTS_EACH) -> Path:
    """An archive of `incidents` x `each` notes, written through the store (without `--archive`)."""
    with Store.open(path) as store:
        for number in range(incidents):
            incident = store.create_incident(f"Archived {number}", Severity(3))
            with store.transaction():
                for n in range(each):
                    store._event(
                        incident.id,
                        EventKind.NOTE,
                        f"event {n} of incident {number}",
                        "",
                        EventSource.CONSOLE,
                        store.clock(),
                    )
    return path


def _counts(store: Store) -> tuple[int, int]:
    return store.scalar("SELECT count(*) FROM incidents"), store.scalar("SELECT count(*) FROM events")


def initial_sync(folder: Path, url: str, source: Path, subject: str = "archive") -> dict:
    """Machine A holds `source` (a copy) and turns sync on: its whole archive is queued (the
    outbox, `outbox.enable`) and sent. Machine B, new and empty, then receives the whole history
    until caught up (`client.sync_now`, as `ir-console sync now` does). Against: a plain nats-py
    JetStream consume of the same stream, and a plain async publish of as many messages of the
    same sizes into another stream."""
    a_path = folder / f"{subject}-a.db"
    shutil.copyfile(source, a_path)
    a = Store.open(a_path, create=False)
    config = SyncConfig(servers=(url,), subject=subject, machine="a")

    async def send() -> tuple[float, float, int]:
        connection = client.Connection(a, config)
        await connection.connect()
        try:
            begun = time.perf_counter()
            outbox.enable(a)
            queued = time.perf_counter() - begun
            begun = time.perf_counter()
            sent = await connection.push()
            return queued, time.perf_counter() - begun, sent
        finally:
            await connection.close()

    queued, sent_seconds, sent = asyncio.run(send())
    a_counts = _counts(a)
    a.close()
    b = Store.open(folder / f"{subject}-b.db")
    begun = time.perf_counter()
    progress = asyncio.run(client.sync_now(b, SyncConfig(servers=(url,), subject=subject, machine="b")))
    received = time.perf_counter() - begun
    b_counts = _counts(b)
    b.close()

    async def plain() -> tuple[float, float, int]:
        import nats
        from nats.js import api

        nc = await nats.connect(url)
        js = nc.jetstream()
        sizes = array("I")
        sub = await js.pull_subscribe(  # as the console's consumer: no acks, in memory
            f"{subject}.>",
            stream=client.stream_name(subject),
            config=api.ConsumerConfig(ack_policy=api.AckPolicy.NONE, mem_storage=True, max_ack_pending=-1),
        )
        begun = time.perf_counter()
        while len(sizes) < sent:
            for msg in await sub.fetch(client.FETCH_BATCH, timeout=5):
                sizes.append(len(msg.data))
        consumed = time.perf_counter() - begun
        await js.add_stream(name=f"PLAIN_{client.stream_name(subject)}", subjects=[f"plain-{subject}.>"])
        bodies = {size: b"x" * size for size in set(sizes)}
        begun = time.perf_counter()
        pending = []
        for size in sizes:
            pending.append(await js.publish_async(f"plain-{subject}.events", bodies[size]))
            if len(pending) == client.PUSH_BATCH:
                await asyncio.gather(*pending)
                pending = []
        await asyncio.gather(*pending)
        published = time.perf_counter() - begun
        await nc.close()
        return consumed, published, sum(sizes)

    consumed, published, size = asyncio.run(plain())
    return {
        "messages": sent,
        "bytes": size,
        "queued": queued,
        "sent": sent_seconds,
        "received": received,
        "received_messages": progress.received,
        "plain_consume": consumed,
        "plain_publish": published,
        "a": a_counts,
        "b": b_counts,
    }


def measure(
    archive_path: Path | None = None, idle_seconds: float = 30.0, cwd: str | None = None
) -> tuple[list[Row], list[str]]:
    """`archive_path`: the archive machine A holds (benchmarks/archive.py's, from `python -m
    benchmarks`); without it, a 200-incident archive written here."""
    if not (shutil.which("nats-server") or Path("/usr/sbin/nats-server").exists()):
        return [Row("sync", "skipped: nats-server is not installed")], []
    cwd = cwd or str(Path(__file__).resolve().parent.parent)
    folder = Path(tempfile.mkdtemp(prefix="ir-console-sync-bench-"))
    process, url = _server(folder)
    try:
        delays = propagation(folder, url)
        on_screen = console_propagation(folder, url, cwd)
        idle_result = idle_consoles(folder, url, idle_seconds, cwd)
        source = archive_path or small_archive(folder / "small-archive.db")
        result = initial_sync(folder, url, source)
    finally:
        process.kill()
        process.wait()
        shutil.rmtree(folder, ignore_errors=True)
    n = result["messages"]
    (a_incidents, a_events), (b_incidents, b_events) = result["a"], result["b"]

    def rate(seconds: float) -> str:
        return f"{seconds:.1f} s ({n / seconds:,.0f}/s)"

    def share(mode: str) -> float:
        return 100 * idle_result[mode]["cpu"] / idle_result[mode]["wall"]

    wall = idle_result["sync"]["wall"]
    rows = [
        Row("Sync (NATS JetStream, loopback)", ""),
        Row(
            f"  propagation of a note, A's commit → in B's file, p50 / p99 ({len(delays)})",
            f"{ms(median(delays) * 1000)} / {ms(percentile(delays, 99) * 1000)}",
            target="< 1 s",
        ),
        Row(
            f"  propagation of a note, A's commit → drawn on B's console timeline, p50 / p99 ({len(on_screen)})",
            f"{ms(median(on_screen) * 1000)} / {ms(percentile(on_screen, 99) * 1000)}",
            "(B checks for changes every 0.5 s)",
            target="< 1 s",
        ),
        Row(
            f"  idle CPU, console with sync connected ({wall:.0f} s, % of one core)",
            f"{share('sync'):.2f}%",
            f"{share('nosync'):.2f}% (no sync)",
            ratio(share("sync"), share("nosync")),
        ),
        Row("    added by sync", f"{share('sync') - share('nosync'):+.2f}%", "–", "–", "≤ +0.5% of a core"),
        Row(
            f"  initial sync, {a_incidents:,} incidents / {a_events:,} events = {n:,} messages "
            f"({result['bytes'] / n:,.0f} B each)",
            "",
        ),
        Row("    A: queue the archive (outbox.enable)", f"{result['queued']:.1f} s"),
        Row(
            "    A: send (outbox → stream, acked)",
            rate(result["sent"]),
            "plain publish " + rate(result["plain_publish"]),
            ratio(result["sent"], result["plain_publish"]),
        ),
        Row(
            "    B: receive until caught up (new, empty)",
            rate(result["received"]),
            "plain consume " + rate(result["plain_consume"]),
            ratio(result["received"], result["plain_consume"]),
        ),
    ]
    same = (a_incidents, a_events) == (b_incidents, b_events) and result["received_messages"] == n
    checks = [
        f"check: sync: B holds {b_incidents:,} incidents / {b_events:,} events, A {a_incidents:,} / {a_events:,}; "
        f"B applied {result['received_messages']:,} of {n:,} messages: {'same' if same else 'DIFFERENT'}"
    ]
    return rows, checks


if __name__ == "__main__":
    from benchmarks.report import table

    if sys.argv[1:2] == ["console"]:
        console_main(Path(sys.argv[2]), Path(sys.argv[3]))
        sys.exit(0)
    rows, checks = measure()
    print(table(rows))
    print("\n".join(checks))
    sys.exit(0)
