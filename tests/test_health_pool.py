"""More HTTP checks than httpx's default connection pool (100): every healthy endpoint is UP.

A check waiting for a connection of our own pool must never be reported as DOWN or degraded: that
would write a false fact to the timeline. 150 checks against one loopback server that answers each
request after 1.2 s, with a 4 s timeout (degraded after 2 s): healthy, but slow enough that a
check which counted its wait for one of our own connections behind 100 others (1.2 s) would be
called degraded. (With the default 2 s timeout and 0.6 s answers the 0.4 s margin was too thin for
150 server threads on a loaded 2-core machine: healthy answers took 1 s there.)"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ir_console.config import HealthConfig, HttpCheck
from ir_console.signals.health import HealthChecker, HealthState

CHECKS = 150
ANSWER_AFTER = 1.2  # seconds: under the 2 s that makes an answer degraded
TIMEOUT = 4.0


class SlowishHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        time.sleep(ANSWER_AFTER)
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


class SlowishSite(ThreadingHTTPServer):
    daemon_threads = True
    # Every check's connection is accepted at once: the listen backlog is not what is under test.
    request_queue_size = 1024


@pytest.fixture
def site() -> Iterator[SlowishSite]:
    server = SlowishSite(("127.0.0.1", 0), SlowishHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


async def test_150_checks_of_a_healthy_server_are_all_up(site: SlowishSite) -> None:
    port = site.server_address[1]
    checks = [HttpCheck(f"api-{n}", f"http://127.0.0.1:{port}/health?n={n}", timeout=TIMEOUT) for n in range(CHECKS)]
    checker = HealthChecker(HealthConfig(http=checks), environ={})
    try:
        for _ in range(2):  # a second round reuses the clients
            results = await asyncio.wait_for(checker.check_all(), 60)
            wrong = [f"{r.name}: {r.state.value} {r.reason}" for r in results if r.state is not HealthState.UP]
            assert len(results) == CHECKS
            assert wrong == [], f"{len(wrong)} healthy endpoints reported otherwise: {wrong[:5]}"
    finally:
        await checker.aclose()
