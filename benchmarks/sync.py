"""Sync through NATS JetStream (issue #13): propagation between two machines on loopback (the
loop the console runs, on each side), and the initial sync of an archive against a plain
JetStream publish of the same number of messages. Needs `nats-server` (skipped without it).

`python -m benchmarks.sync` runs this part alone."""

from __future__ import annotations

import asyncio
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from benchmarks.report import Row, median, ms, percentile
from ir_console.config import SyncConfig
from ir_console.model import EventKind, EventSource, Severity
from ir_console.store import Store
from ir_console.sync import client

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


def idle_cpu(folder: Path, url: str, seconds: float = 5.0) -> float:
    """Share of a core the sync loop takes while nothing changes (this process does nothing else)."""
    path = folder / "idle.db"
    Store.open(path).close()
    runner = Runner(path, SyncConfig(servers=(url,), subject="idle", machine="idle"))
    runner.live.wait(10)
    time.sleep(1.0)
    cpu, started = time.process_time(), time.monotonic()
    time.sleep(seconds)
    share = (time.process_time() - cpu) / (time.monotonic() - started)
    runner.stop()
    return share * 100


def archive(folder: Path, url: str, incidents: int = ARCHIVE_INCIDENTS, each: int = ARCHIVE_EVENTS_EACH) -> dict:
    path = folder / "archive.db"
    store = Store.open(path)
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
    store.close()
    source = Store.open(path)
    started = time.perf_counter()
    asyncio.run(client.sync_now(source, SyncConfig(servers=(url,), subject="archive", machine="old")))
    sent = time.perf_counter() - started
    messages = source.scalar("SELECT position FROM sync_state")
    source.close()
    newcomer = Store.open(folder / "new.db")
    started = time.perf_counter()
    asyncio.run(client.sync_now(newcomer, SyncConfig(servers=(url,), subject="archive", machine="new")))
    received = time.perf_counter() - started
    newcomer.close()

    async def plain() -> float:
        import nats

        nc = await nats.connect(url)
        js = nc.jetstream()
        await js.add_stream(name="PLAIN", subjects=["plain.>"])
        body = b"x" * 400
        begun = time.perf_counter()
        futures = [await js.publish_async("plain.events", body) for _ in range(messages)]
        await asyncio.gather(*futures)
        took = time.perf_counter() - begun
        await nc.close()
        return took

    return {"messages": messages, "sent": sent, "received": received, "plain": asyncio.run(plain())}


def measure() -> tuple[list[Row], list[str]]:
    if not (shutil.which("nats-server") or Path("/usr/sbin/nats-server").exists()):
        return [Row("sync", "skipped: nats-server is not installed")], []
    folder = Path(tempfile.mkdtemp(prefix="ir-console-sync-bench-"))
    process, url = _server(folder)
    try:
        delays = propagation(folder, url)
        idle = idle_cpu(folder, url)
        result = archive(folder, url)
    finally:
        process.kill()
        process.wait()
        shutil.rmtree(folder, ignore_errors=True)
    n = result["messages"]
    rows = [
        Row("Sync (NATS JetStream, loopback)", ""),
        Row(
            f"  propagation of a note between two machines, p50 / p99 ({len(delays)})",
            f"{ms(median(delays) * 1000)} / {ms(percentile(delays, 99) * 1000)}",
            target="< 1 s",
        ),
        Row("  idle CPU of the sync loop (connected, nothing changing)", f"{idle:.2f}% of a core", target="< 1%"),
        Row(
            f"  initial sync, {n:,} messages: send / receive",
            f"{result['sent']:.1f} s ({n / result['sent']:,.0f}/s) / {result['received']:.1f} s "
            f"({n / result['received']:,.0f}/s)",
            f"plain publish {result['plain']:.1f} s ({n / result['plain']:,.0f}/s)",
        ),
    ]
    return rows, []


if __name__ == "__main__":
    from benchmarks.report import table

    rows, _ = measure()
    print(table(rows))
    sys.exit(0)
