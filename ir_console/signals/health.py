"""Health checks for the Health pane: the seed's `curl -sI URL` and `pg_isready`, for any service.

`HealthChecker.check_all()` runs every configured HTTP and TCP check at once (a round takes about
the slowest check's time, never the sum) and returns one `HealthResult` each: up, degraded (the
right answer, but slow) or down, with one line a person understands. It never raises, and a round
cancelled by the caller leaves nothing running. Call it from an async worker; `aclose()` when done.

At most `MAX_CONCURRENT_CHECKS` run at a time, and the HTTP clients' connection pools hold as many
connections, so a check that has its turn never waits for a connection of our own. A check's
timeout and latency start when its turn does: waiting behind other checks is never reported as the
endpoint being slow or down (with 150 checks the last ones simply start a little later).

Header values keep their `${VAR}` references in the configuration and are expanded at request
time only. No reason or target ever contains a header value: they are secrets.
"""

from __future__ import annotations

import asyncio
import os
import re
import socket
import ssl
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime

import httpx

from ir_console.config import HealthConfig, HttpCheck, TcpCheck, expand_env
from ir_console.model.clock import utc_now
from ir_console.signals.health_state import HealthResult, HealthState

__all__ = ["HealthChecker", "HealthResult", "HealthState"]

MAX_REASON_CHARS = 200
# Control characters in a header value would let it smuggle another header or fail in h11 with
# an error message that quotes the value (the secret).
_CONTROL_CHARACTER = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
# Checks running at once; more wait for a turn (their clock not yet running).
MAX_CONCURRENT_CHECKS = 64
_OPENSSL_NOISE = re.compile(r"^\[[^\]]*\]\s*|\s*\(_ssl\.c:\d+\)$")


@dataclass(frozen=True)
class _Outcome:
    """What one check found, before the round stamps it with times."""

    state: HealthState
    reason: str
    latency: float | None = None
    status_code: int | None = None


class HealthChecker:
    def __init__(
        self,
        config: HealthConfig,
        *,
        clock: Callable[[], datetime] = utc_now,
        environ: Mapping[str, str] = os.environ,
    ) -> None:
        self.config = config
        self._clock = clock
        self._environ = environ
        # httpx sets TLS verification per client: one client per `verify_tls` value.
        self._clients: dict[bool, httpx.AsyncClient] = {}
        self._states: dict[tuple[str, str], tuple[HealthState, datetime]] = {}

    async def check_all(self) -> list[HealthResult]:
        """Every check concurrently; results in configuration order (HTTP, then TCP). Never raises
        (a failed check is a DOWN result); only the caller's cancellation propagates."""
        checks: list[HttpCheck | TcpCheck] = [*self.config.http, *self.config.tcp]
        turns = asyncio.Semaphore(MAX_CONCURRENT_CHECKS)
        # A TaskGroup cancelled from outside cancels and awaits its checks: nothing outlives it.
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(self._take_turn(turns, check)) for check in checks]
        checked_at = self._clock()
        results = [self._stamp(check, task.result(), checked_at) for check, task in zip(checks, tasks)]
        self._forget_all_but(checks)
        return results

    async def aclose(self) -> None:
        """Close the HTTP clients; a later round opens new ones."""
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.aclose()

    async def _take_turn(self, turns: asyncio.Semaphore, check: HttpCheck | TcpCheck) -> _Outcome:
        async with turns:  # the check's timeout starts inside: the wait for a turn is not the endpoint's
            return await self._run(check)

    async def _run(self, check: HttpCheck | TcpCheck) -> _Outcome:
        secrets: list[str] = []
        try:
            if isinstance(check, HttpCheck):
                return await self._probe_http(check, secrets)
            return await _probe_tcp(check)
        except Exception as error:
            # Redacted before it is cut to one line, so no part of a secret survives the cut.
            return _Outcome(HealthState.DOWN, _one_line(_redact(describe_error(error, check.timeout), secrets)))

    async def _probe_http(self, check: HttpCheck, secrets: list[str]) -> _Outcome:
        headers, problem = expand_headers(check, self._environ, secrets)
        if problem:
            return _Outcome(HealthState.DOWN, problem)
        client = self._client(check.verify_tls)
        async with asyncio.timeout(check.timeout):  # also bounds a server that drips its headers
            started = time.perf_counter()
            # Streamed and closed unread: only the status line and headers are downloaded.
            # pool=None: with a turn there is always a free connection; if one is not free at once,
            # the wait is ours, not the endpoint's (the whole check stays bounded by the line above).
            async with client.stream(
                check.method, check.url, headers=headers, timeout=httpx.Timeout(check.timeout, pool=None)
            ) as response:
                latency = time.perf_counter() - started
                status = response.status_code
        if status not in check.expect_status:
            return _Outcome(
                HealthState.DOWN, f"HTTP {status} (expected {_either(check.expect_status)})", latency, status
            )
        return _judge_latency(latency, http_degraded_after(check), f"HTTP {status}", status)

    def _client(self, verify: bool) -> httpx.AsyncClient:
        if verify not in self._clients:
            # A connection for every check that may run at once (httpx's default is 100 in all).
            size = max(1, min(len(self.config.http), MAX_CONCURRENT_CHECKS))
            limits = httpx.Limits(max_connections=size, max_keepalive_connections=size)
            self._clients[verify] = httpx.AsyncClient(verify=verify, follow_redirects=False, limits=limits)
        return self._clients[verify]

    def _stamp(self, check: HttpCheck | TcpCheck, outcome: _Outcome, checked_at: datetime) -> HealthResult:
        key = (check_kind(check), check.name)
        previous = self._states.get(key)
        since = previous[1] if previous and previous[0] is outcome.state else checked_at
        self._states[key] = (outcome.state, since)
        return HealthResult(
            name=check.name,
            kind=key[0],
            target=check_target(check),
            state=outcome.state,
            status_code=outcome.status_code,
            latency=outcome.latency,
            reason=outcome.reason,
            checked_at=checked_at,
            since=since,
        )

    def _forget_all_but(self, checks: list[HttpCheck | TcpCheck]) -> None:
        keep = {(check_kind(check), check.name) for check in checks}
        for key in set(self._states) - keep:
            del self._states[key]


async def _probe_tcp(check: TcpCheck) -> _Outcome:
    async with asyncio.timeout(check.timeout):
        started = time.perf_counter()
        _, writer = await asyncio.open_connection(check.host, check.port)
        latency = time.perf_counter() - started
        writer.close()  # before any await: a cancellation from here on cannot leak the socket
        try:
            await writer.wait_closed()
        except OSError:
            pass  # the peer reset it: the connection was open, which is what was asked
    return _judge_latency(latency, check.timeout / 2, "connected", None)


def _judge_latency(latency: float, degraded_after: float, answer: str, status: int | None) -> _Outcome:
    if latency > degraded_after:
        reason = f"slow: {seconds(latency)} s (degraded after {seconds(degraded_after)} s)"
        return _Outcome(HealthState.DEGRADED, reason, latency, status)
    return _Outcome(HealthState.UP, answer, latency, status)


def expand_headers(check: HttpCheck, environ: Mapping[str, str], secrets: list[str]) -> tuple[dict[str, str], str]:
    """The headers to send, and a problem ("" when none). Every value is appended to `secrets`."""
    headers: dict[str, str] = {}
    missing: list[str] = []
    for name, template in check.headers:
        value, unset = expand_env(template, environ)
        secrets.append(value)
        missing.extend(variable for variable in unset if variable not in missing)
        if _CONTROL_CHARACTER.search(value):
            return headers, f"header {name}: its value has a line break or control character"
        headers[name] = value
    if missing:
        verb = "is" if len(missing) == 1 else "are"
        return headers, f"{', '.join(missing)} {verb} not set"
    return headers, ""


def http_degraded_after(check: HttpCheck) -> float:
    return check.timeout / 2 if check.degraded_after is None else check.degraded_after


def check_kind(check: HttpCheck | TcpCheck) -> str:
    return "http" if isinstance(check, HttpCheck) else "tcp"


def check_target(check: HttpCheck | TcpCheck) -> str:
    """`GET https://host/health` (any user:password in the URL left out) or `db.internal:5432`."""
    if isinstance(check, TcpCheck):
        host = f"[{check.host}]" if ":" in check.host else check.host
        return f"{host}:{check.port}"
    try:
        url = str(httpx.URL(check.url).copy_with(userinfo=b""))
    except (httpx.InvalidURL, TypeError, ValueError):
        url = re.sub(r"//[^/@]*@", "//", check.url)
    return f"{check.method} {url}"


def describe_error(error: BaseException, timeout: float) -> str:
    """What went wrong, for a person, from the most telling exception in the chain."""
    chain = list(_exception_chain(error))
    for kind, describe in _DESCRIPTIONS:
        for link in chain:
            if isinstance(link, kind):
                return describe(link, timeout)
    return f"{type(error).__name__}: {error}"


def _exception_chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _tls_reason(error: BaseException, _: float) -> str:
    if isinstance(error, ssl.SSLCertVerificationError):
        return f"TLS: certificate verify failed: {error.verify_message}"
    text = _OPENSSL_NOISE.sub("", str(getattr(error, "strerror", None) or error))
    if isinstance(error, ssl.SSLError) and error.reason == "WRONG_VERSION_NUMBER":
        text += " (does the server speak TLS on this port?)"
    return f"TLS: {text}"


def _os_reason(error: BaseException, _: float) -> str:
    text = getattr(error, "strerror", None) or str(error)
    return text[:1].lower() + text[1:]


# Most telling first: a timeout wraps nothing useful, a TLS failure is wrapped in a ConnectError.
_DESCRIPTIONS: list[
    tuple[type[BaseException] | tuple[type[BaseException], ...], Callable[[BaseException, float], str]]
] = [
    ((TimeoutError, httpx.TimeoutException), lambda _, timeout: f"timed out after {seconds(timeout)} s"),
    (ssl.SSLError, _tls_reason),
    (socket.gaierror, lambda *_: "name not resolved"),
    (ConnectionRefusedError, lambda *_: "connection refused"),
    (ConnectionResetError, lambda *_: "connection reset by the server"),
    ((httpx.InvalidURL, httpx.UnsupportedProtocol), lambda error, _: f"bad URL: {error}"),
    (httpx.RemoteProtocolError, lambda error, _: f"protocol error: {error}"),
    (httpx.LocalProtocolError, lambda error, _: f"cannot send the request: {error}"),
    (OSError, _os_reason),
]


def _redact(text: str, secrets: list[str]) -> str:
    """`text` with every secret, as it is or as Python would quote it, replaced by `***`."""
    for secret in secrets:
        forms = {secret, repr(secret)[1:-1], repr(secret.encode("utf-8", "replace"))[2:-1]}
        for form in sorted(filter(None, forms), key=len, reverse=True):
            text = text.replace(form, "***")
    return text


def _either(statuses: tuple[int, ...]) -> str:
    names = [str(status) for status in statuses]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def seconds(value: float) -> str:
    """`0.35`, `1.4`, `2`, `12`: two significant figures are plenty for a latency."""
    return f"{value:.0f}" if value >= 10 else f"{value:.2g}"


def _one_line(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_REASON_CHARS else text[: MAX_REASON_CHARS - 1] + "…"
