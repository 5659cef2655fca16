"""Health checks against real loopback servers: a threaded HTTP server whose paths answer, fail,
redirect, stall or drip; a TLS server with a self-signed certificate; plain TCP listeners and
closed ports. Every round is bounded by `ROUND_LIMIT` so a hang fails the test instead of the run."""

from __future__ import annotations

import asyncio
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import psutil
import pytest

from ir_console.config import HealthConfig, HttpCheck, TcpCheck
from ir_console.signals.health import HealthChecker, HealthResult, HealthState

ROUND_LIMIT = 5.0  # seconds: no round in these tests may take longer
# For checks expected up: loopback answers in milliseconds, but a busy 2-core machine can stall a
# thread for a second, which the default timeout (2 s, degraded after 1 s) would call degraded.
ROOMY = 4.0
SECRET = "s3cr3t-Tok3n-9f8e"
START = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)


# -- the servers ---------------------------------------------------------------------------------


class Handler(BaseHTTPRequestHandler):
    server: Site

    def do_GET(self) -> None:
        self.server.requests.append((self.command, self.path, dict(self.headers)))
        ROUTES[urlsplit(self.path).path](self)

    do_HEAD = do_GET

    def answer(self, status: int, **headers: str) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def hold(self) -> None:
        """Answer 200 after ?seconds= (or when the test ends)."""
        delay = float(parse_qs(urlsplit(self.path).query).get("seconds", ["60"])[0])
        self.server.release.wait(delay)
        self.answer(200)

    def drip_headers(self) -> None:
        """A status line, then a header one byte every 50 ms: each read is quick, the whole is not."""
        self.wfile.write(b"HTTP/1.0 200 OK\r\nX-Drip: ")
        while not self.server.release.wait(0.05):
            self.wfile.write(b"a")

    def drip_body(self) -> None:
        """Headers at once, then a 10 MB body at 1 KB every 50 ms: downloading it takes minutes."""
        self.send_response(200)
        self.send_header("Content-Length", str(10 * 1024 * 1024))
        self.end_headers()
        while not self.server.release.wait(0.05):
            self.wfile.write(b"x" * 1024)

    def log_message(self, format: str, *args: object) -> None:
        pass


ROUTES: dict[str, Callable[[Handler], None]] = {
    "/ok": lambda handler: handler.answer(200),
    "/error": lambda handler: handler.answer(500),
    "/moved": lambda handler: handler.answer(301, Location="/ok"),
    "/headers": lambda handler: handler.answer(200),
    "/hold": Handler.hold,
    "/drip-headers": Handler.drip_headers,
    "/drip-body": Handler.drip_body,
}


class Site(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.release = threading.Event()
        self.requests: list[tuple[str, str, dict[str, str]]] = []  # method, path, headers
        self.scheme = "http"

    @property
    def port(self) -> int:
        return self.server_address[1]

    def url(self, path: str) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}{path}"

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # the checker hanging up on a stalled answer is what these tests do


def serve(site: Site) -> Iterator[Site]:
    thread = threading.Thread(target=site.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        site.release.set()
        site.shutdown()
        site.server_close()
        thread.join(timeout=5)


@pytest.fixture
def site() -> Iterator[Site]:
    yield from serve(Site())


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    if not shutil.which("openssl"):
        pytest.skip("openssl is not installed: no self-signed certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=30,
    )
    return cert, key


@pytest.fixture
def tls_site(certificate: tuple[Path, Path]) -> Iterator[Site]:
    site = Site()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    site.socket = context.wrap_socket(site.socket, server_side=True)
    site.scheme = "https"
    yield from serve(site)


def closed_port() -> int:
    """A port nothing listens on: bound to learn a free number, then closed."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# -- helpers -------------------------------------------------------------------------------------


class Ticks:
    """A clock that moves one minute each time it is read."""

    def __init__(self) -> None:
        self.reads = 0

    def __call__(self) -> datetime:
        self.reads += 1
        return START + timedelta(minutes=self.reads)


def checker_for(
    *checks: HttpCheck | TcpCheck, environ: dict[str, str] | None = None, clock: Callable[[], datetime] = lambda: START
) -> HealthChecker:
    config = HealthConfig(
        http=[c for c in checks if isinstance(c, HttpCheck)], tcp=[c for c in checks if isinstance(c, TcpCheck)]
    )
    return HealthChecker(config, clock=clock, environ=environ if environ is not None else {})


async def one_round(checker: HealthChecker) -> dict[str, HealthResult]:
    results = await asyncio.wait_for(checker.check_all(), ROUND_LIMIT)
    return {result.name: result for result in results}


async def until(condition: Callable[[], bool], what: str, within: float = 3.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, f"not within {within} s: {what}"
        await asyncio.sleep(0.01)


def connections_to(port: int) -> list:
    return [
        c
        for c in psutil.Process().net_connections("tcp")
        if c.raddr and c.raddr.port == port and c.status == psutil.CONN_ESTABLISHED
    ]


# -- HTTP ----------------------------------------------------------------------------------------


async def test_http_answers_are_judged_by_status_and_latency(site: Site) -> None:
    checker = checker_for(
        HttpCheck("ok", site.url("/ok"), timeout=ROOMY),
        HttpCheck("error", site.url("/error")),
        HttpCheck("moved", site.url("/moved")),
        HttpCheck("redirect expected", site.url("/moved"), expect_status=(200, 301), timeout=ROOMY),
        HttpCheck("stalled", site.url("/hold"), timeout=0.5),
        HttpCheck("slow", site.url("/hold?seconds=0.3"), timeout=ROOMY, degraded_after=0.1),
        HttpCheck("head", site.url("/ok"), method="HEAD", timeout=ROOMY),
    )
    try:
        results = await asyncio.wait_for(checker.check_all(), ROUND_LIMIT)
    finally:
        await checker.aclose()
    assert [r.name for r in results] == ["ok", "error", "moved", "redirect expected", "stalled", "slow", "head"]
    by_name = {r.name: r for r in results}

    ok = by_name["ok"]
    assert (ok.kind, ok.state, ok.status_code, ok.reason) == ("http", HealthState.UP, 200, "HTTP 200")
    assert ok.target == f"GET http://127.0.0.1:{site.port}/ok"
    assert ok.latency is not None and 0 < ok.latency < ROOMY / 2
    assert ok.checked_at == ok.since == START

    assert (by_name["error"].state, by_name["error"].reason) == (HealthState.DOWN, "HTTP 500 (expected 200)")
    assert by_name["error"].status_code == 500
    assert (by_name["moved"].state, by_name["moved"].reason) == (HealthState.DOWN, "HTTP 301 (expected 200)")
    redirect = by_name["redirect expected"]
    assert (redirect.state, redirect.reason) == (HealthState.UP, "HTTP 301")
    # Redirects are not followed: /ok was asked for only by the checks that name it.
    assert [path for _, path, _ in site.requests].count("/ok") == 2  # "ok" and "head"

    stalled = by_name["stalled"]
    assert (stalled.state, stalled.reason, stalled.latency) == (HealthState.DOWN, "timed out after 0.5 s", None)

    slow = by_name["slow"]
    assert slow.state is HealthState.DEGRADED and slow.status_code == 200
    assert slow.reason.startswith("slow: ") and slow.reason.endswith(" s (degraded after 0.1 s)")
    assert slow.latency is not None and 0.3 <= slow.latency < ROOMY

    assert by_name["head"].state is HealthState.UP
    assert ("HEAD", "/ok") in [(method, path) for method, path, _ in site.requests]


async def test_secret_header_is_sent_but_never_shown(site: Site) -> None:
    header = (("Authorization", "Bearer ${API_TOKEN}"),)
    checker = checker_for(
        HttpCheck("sent", site.url("/headers"), headers=header, timeout=ROOMY),
        HttpCheck("wrong status", site.url("/headers"), headers=header, expect_status=(204,)),
        HttpCheck("refused", f"http://127.0.0.1:{closed_port()}/", headers=header),
        HttpCheck("stalled", site.url("/hold"), headers=header, timeout=0.3),
        environ={"API_TOKEN": SECRET},
    )
    try:
        results = await one_round(checker)
    finally:
        await checker.aclose()
    received = [headers for _, path, headers in site.requests if path == "/headers"]
    assert len(received) == 2 and all(h["Authorization"] == f"Bearer {SECRET}" for h in received)
    assert results["sent"].state is HealthState.UP
    assert results["wrong status"].reason == "HTTP 200 (expected 204)"
    assert results["refused"].reason == "connection refused"
    assert results["stalled"].reason == "timed out after 0.3 s"
    for result in results.values():
        assert SECRET not in result.reason and SECRET not in result.target, result


async def test_header_value_that_would_inject_a_header_is_refused_unsent(site: Site) -> None:
    smuggled = f"{SECRET}\r\nX-Injected: yes"
    checker = checker_for(
        HttpCheck("api", site.url("/headers"), headers=(("X-Token", "${TOKEN}"),)), environ={"TOKEN": smuggled}
    )
    try:
        result = (await one_round(checker))["api"]
    finally:
        await checker.aclose()
    assert result.state is HealthState.DOWN
    assert result.reason == "header X-Token: its value has a line break or control character"
    assert SECRET not in result.reason and site.requests == []


async def test_unset_variable_is_down_naming_it_and_nothing_is_sent(site: Site) -> None:
    checker = checker_for(
        HttpCheck(
            "api", site.url("/headers"), headers=(("Authorization", "Bearer ${API_TOKEN}"), ("X-Org", "${ORG_ID}"))
        ),
        environ={"ORG_ID": "42"},
    )
    try:
        result = (await one_round(checker))["api"]
    finally:
        await checker.aclose()
    assert (result.state, result.reason, result.latency) == (HealthState.DOWN, "API_TOKEN is not set", None)
    assert site.requests == []


async def test_drips_are_bounded_and_bodies_are_not_downloaded(site: Site) -> None:
    checker = checker_for(
        HttpCheck("drip headers", site.url("/drip-headers"), timeout=0.5),
        HttpCheck("drip body", site.url("/drip-body"), timeout=ROOMY),
    )
    started = time.monotonic()
    try:
        results = await one_round(checker)
    finally:
        await checker.aclose()
    elapsed = time.monotonic() - started
    # Every byte of the headers arrives within httpx's read timeout; only the whole-check bound stops it.
    assert (results["drip headers"].state, results["drip headers"].reason) == (
        HealthState.DOWN,
        "timed out after 0.5 s",
    )
    # Reading the 10 MB body would take minutes: an UP answer means only the headers were read.
    assert (results["drip body"].state, results["drip body"].reason) == (HealthState.UP, "HTTP 200")
    assert elapsed < ROOMY - 1  # the drip-headers timeout, not the drip-body one


async def test_ten_stalled_endpoints_take_one_timeout_not_ten(site: Site) -> None:
    timeout = 0.5
    checker = checker_for(*(HttpCheck(f"api-{n}", site.url(f"/hold?n={n}"), timeout=timeout) for n in range(10)))
    started = time.monotonic()
    try:
        results = await one_round(checker)
    finally:
        await checker.aclose()
    elapsed = time.monotonic() - started
    assert len(results) == 10
    assert {(r.state, r.reason) for r in results.values()} == {(HealthState.DOWN, "timed out after 0.5 s")}
    assert elapsed < 4 * timeout, f"ten checks took {elapsed:.2f} s"


async def test_https_to_a_plain_http_server_is_a_tls_failure(site: Site) -> None:
    checker = checker_for(HttpCheck("api", f"https://127.0.0.1:{site.port}/ok"))
    try:
        result = (await one_round(checker))["api"]
    finally:
        await checker.aclose()
    assert result.state is HealthState.DOWN
    assert result.reason.startswith("TLS: ") and "\n" not in result.reason and "Traceback" not in result.reason


async def test_self_signed_certificate_fails_verification_unless_told_not_to(tls_site: Site) -> None:
    checker = checker_for(
        HttpCheck("verified", tls_site.url("/ok")),
        HttpCheck("unverified", tls_site.url("/ok"), verify_tls=False, timeout=ROOMY),
    )
    try:
        results = await one_round(checker)
    finally:
        await checker.aclose()
    assert results["verified"].state is HealthState.DOWN
    assert results["verified"].reason.startswith("TLS: certificate verify failed: self")
    assert (results["unverified"].state, results["unverified"].reason) == (HealthState.UP, "HTTP 200")


async def test_bad_url_is_down_with_a_reason() -> None:
    checker = checker_for(HttpCheck("ftp", "ftp://127.0.0.1/"), HttpCheck("empty", ""))
    try:
        results = await one_round(checker)
    finally:
        await checker.aclose()
    for result in results.values():
        assert result.state is HealthState.DOWN and result.reason.startswith("bad URL: "), result


async def test_credentials_in_the_url_are_not_shown(site: Site) -> None:
    checker = checker_for(HttpCheck("api", f"http://admin:{SECRET}@127.0.0.1:{site.port}/ok", timeout=ROOMY))
    try:
        result = (await one_round(checker))["api"]
    finally:
        await checker.aclose()
    assert result.state is HealthState.UP
    assert result.target == f"GET http://127.0.0.1:{site.port}/ok"


async def test_unresolvable_name_is_down() -> None:
    name = "nothing-here.invalid"  # RFC 6761: never resolves
    try:
        await asyncio.wait_for(asyncio.to_thread(socket.getaddrinfo, name, 80), 1.0)
    except socket.gaierror:
        pass
    except TimeoutError:
        pytest.skip("this machine's resolver is too slow to answer for .invalid in a second")
    checker = checker_for(HttpCheck("http", f"http://{name}/"), TcpCheck("tcp", name, 5432))
    try:
        results = await one_round(checker)
    finally:
        await checker.aclose()
    assert {(r.state, r.reason) for r in results.values()} == {(HealthState.DOWN, "name not resolved")}


# -- TCP -----------------------------------------------------------------------------------------


async def test_tcp_up_then_down_moves_since() -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    clock = Ticks()
    checker = checker_for(TcpCheck("db", "127.0.0.1", port, timeout=ROOMY), clock=clock)
    try:
        first = (await one_round(checker))["db"]
        second = (await one_round(checker))["db"]
        listener.close()
        third = (await one_round(checker))["db"]
        fourth = (await one_round(checker))["db"]
    finally:
        listener.close()
        await checker.aclose()
    assert (first.kind, first.target, first.state, first.reason) == (
        "tcp",
        f"127.0.0.1:{port}",
        HealthState.UP,
        "connected",
    )
    assert first.latency is not None and first.status_code is None
    assert first.since == first.checked_at == START + timedelta(minutes=1)
    assert second.state is HealthState.UP and second.checked_at == START + timedelta(minutes=2)
    assert second.since == first.checked_at
    assert (third.state, third.reason, third.latency) == (HealthState.DOWN, "connection refused", None)
    assert third.since == third.checked_at == START + timedelta(minutes=3)
    assert fourth.state is HealthState.DOWN and fourth.since == third.checked_at


async def test_results_follow_configuration_order_http_then_tcp(site: Site) -> None:
    port = closed_port()
    config = HealthConfig(
        http=[HttpCheck("b-web", site.url("/ok"), timeout=ROOMY), HttpCheck("a-web", site.url("/error"))],
        tcp=[TcpCheck("z-db", "127.0.0.1", port), TcpCheck("c-cache", "127.0.0.1", site.port, timeout=ROOMY)],
    )
    checker = HealthChecker(config, clock=lambda: START, environ={})
    try:
        results = await asyncio.wait_for(checker.check_all(), ROUND_LIMIT)
    finally:
        await checker.aclose()
    assert [(r.name, r.kind, r.state) for r in results] == [
        ("b-web", "http", HealthState.UP),
        ("a-web", "http", HealthState.DOWN),
        ("z-db", "tcp", HealthState.DOWN),
        ("c-cache", "tcp", HealthState.UP),
    ]


# -- cancellation --------------------------------------------------------------------------------


async def test_cancelled_round_leaves_no_task_connection_or_state(site: Site) -> None:
    clock = Ticks()
    checker = checker_for(*(HttpCheck(f"api-{n}", site.url(f"/hold?n={n}"), timeout=30) for n in range(3)), clock=clock)
    try:
        round_ = asyncio.create_task(checker.check_all())
        await until(lambda: len(site.requests) == 3, "the three requests reach the server")
        assert len(connections_to(site.port)) == 3
        round_.cancel()
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(round_, 2.0)
        assert asyncio.all_tasks() == {asyncio.current_task()}
        await until(lambda: not connections_to(site.port), "the cancelled requests' connections close", 2.0)
        assert clock.reads == 0  # the cancelled round stamped nothing

        site.release.set()  # the next round gets answers at once
        results = await one_round(checker)
    finally:
        await checker.aclose()
    assert {(r.state, r.since) for r in results.values()} == {(HealthState.UP, START + timedelta(minutes=1))}


async def test_a_round_of_checks_imports_nothing(site: Site) -> None:
    """httpcore asks `sniffio` which async library runs it, several times a request: without the
    package each ask was an import that failed after searching sys.path, every round (issue #14)."""
    looked_up: list[str] = []

    class Recorder:
        def find_spec(self, name: str, path: object = None, target: object = None) -> None:
            looked_up.append(name)

    checker = checker_for(HttpCheck("ok", site.url("/ok"), timeout=ROOMY))
    recorder = Recorder()
    try:
        await one_round(checker)  # the first round may import what it needs, once
        sys.meta_path.insert(0, recorder)
        try:
            results = await one_round(checker)
        finally:
            sys.meta_path.remove(recorder)
    finally:
        await checker.aclose()
    assert results["ok"].state is HealthState.UP
    assert looked_up == []
