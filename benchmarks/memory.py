"""RSS growth over 8 hours of signals, simulated without waiting.

What the war room keeps running all shift, driven directly and as fast as it goes, with a fake
clock one second apart per sample: the resource sampler (real psutil readings: CPU, memory,
mounts, processes), the System pane's sparkline history (`SystemPane.record`, no drawing), the
signal watcher (thresholds, health states, rate limits), the health checker against a local HTTP
server (one endpoint always up, one that flaps between 200 and 503), and a log tail of a file
that grows by a line (some matching) every sample, its lines kept as the Signals pane keeps them.
The shipped intervals: a resource sample and a log poll every second (28,800 in 8 hours), a
round of health checks every 5 seconds (5,760).

RSS (VmRSS from /proc/self/status) is read after a warm-up hour's first 600 samples (imports,
httpx's pool, psutil's process table) and at the end, both after gc.collect(). tracemalloc then
follows 25 more simulated minutes (so that the bounded histories, the 200 log lines and the
sparklines, hold only objects it traced: what replaces an old entry then nets out) and names the
three source lines whose allocations grew most over the half hour after that.
"""

from __future__ import annotations

import asyncio
import gc
import http.server
import threading
import tracemalloc
from collections import deque
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchmarks.report import Row
from ir_console.config import Config, HttpCheck, LogSource
from ir_console.signals.health import HealthChecker
from ir_console.signals.logs import LogTail
from ir_console.signals.resources import ResourceSampler
from ir_console.signals.watch import SignalWatcher
from ir_console.tui.widgets.signals import KEPT_LOG_LINES
from ir_console.tui.widgets.system import SystemPane

SAMPLES = 28_800  # 8 hours at 1 Hz
WARMUP = 600
TRACED_WARMUP = 1_500  # traced before the first snapshot: the bounded histories refilled with traced objects
TRACED = 1_800  # then the half hour compared
HEALTH_EVERY = 5
TARGET_MIB = 5.0


class _Quiet(http.server.BaseHTTPRequestHandler):
    served = 0

    def do_GET(self) -> None:
        _Quiet.served += 1
        status = 503 if self.path == "/flap" and (_Quiet.served // 50) % 2 else 200
        body = b"ok\n"
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


def rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


class Shift:
    """The signals of one console, stepped one simulated second at a time."""

    def __init__(self, folder: Path, port: int) -> None:
        self.now = datetime(2026, 11, 30, 0, 0, tzinfo=UTC)
        clock = lambda: self.now  # noqa: E731
        config = Config()
        config.health.http = [
            HttpCheck(name="api", url=f"http://127.0.0.1:{port}/ok", timeout=2.0),
            HttpCheck(name="flappy", url=f"http://127.0.0.1:{port}/flap", timeout=2.0),
        ]
        self.log_path = folder / "memory-app.log"
        self.log_path.write_text("", encoding="utf-8")
        self.log = self.log_path.open("a", encoding="utf-8")
        self.sampler = ResourceSampler()
        self.pane = SystemPane()
        self.watcher = SignalWatcher(config.signals)
        self.checker = HealthChecker(config.health, clock=clock)
        self.tail = LogTail(LogSource(self.log_path), clock=clock)
        self.kept: deque = deque(maxlen=KEPT_LOG_LINES)  # as SignalsPane.log_lines keeps each tail
        self.runner = asyncio.Runner()
        self.steps = 0
        self.notices = 0

    def step(self) -> None:
        self.now += timedelta(seconds=1)
        sample = self.sampler.sample()
        self.pane.record(sample)
        self.notices += len(self.watcher.observe_resources(sample, self.now))
        level = "ERROR" if self.steps % 7 == 0 else "INFO"
        self.log.write(f"{self.now.isoformat()} {level} request {self.steps} took {self.steps % 997} ms\n")
        self.log.flush()
        self.kept.extend(self.tail.poll())
        if self.steps % HEALTH_EVERY == 0:
            results = self.runner.run(self.checker.check_all())
            self.notices += len(self.watcher.observe_health(results, self.now))
        self.watcher.held()
        self.steps += 1

    def close(self) -> None:
        self.runner.run(self.checker.aclose())
        self.runner.close()
        self.tail.close()
        self.log.close()


def measure(folder: Path, samples: int = SAMPLES) -> tuple[list[Row], list[str]]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    shift = Shift(folder, server.server_address[1])
    try:
        for _ in range(WARMUP):
            shift.step()
        gc.collect()
        before = rss_kib()
        for _ in range(samples - WARMUP):
            shift.step()
        gc.collect()
        after = rss_kib()

        tracemalloc.start()
        for _ in range(TRACED_WARMUP):
            shift.step()
        gc.collect()
        first = tracemalloc.take_snapshot()
        for _ in range(TRACED):
            shift.step()
        gc.collect()
        last = tracemalloc.take_snapshot()
        tracemalloc.stop()
    finally:
        shift.close()
        server.shutdown()
        server.server_close()
    growth = (after - before) / 1024
    top = [
        stat
        for stat in last.compare_to(first, "lineno")
        if stat.size_diff > 0 and "tracemalloc" not in stat.traceback[0].filename
    ][:3]
    grown = "; ".join(
        f"{Path(s.traceback[0].filename).name}:{s.traceback[0].lineno} {s.size_diff / 1024:+.1f} KiB" for s in top
    )
    rows = [
        Row(
            f"RSS growth over {samples / 3600:g} hours of signals ({samples:,} samples at 1 Hz, "
            f"health every {HEALTH_EVERY} s, log tail; simulated)",
            f"{growth:+.2f} MiB",
            f"{before / 1024:.1f} MiB after {WARMUP} samples",
            "–",
            f"≤ {TARGET_MIB:g} MiB",
        )
    ]
    checks = [
        f"check: memory run: {shift.steps:,} samples, {shift.steps // HEALTH_EVERY:,} health rounds, "
        f"{shift.tail.source.path.stat().st_size // 1024:,} KiB of log tailed, {len(shift.kept)} lines kept, "
        f"{shift.notices} notices; tracemalloc growth over a further half hour: {grown or 'none'}"
    ]
    return rows, checks
