"""Talking to NATS JetStream (nats-py, asyncio): connect with the configured credentials and TLS,
make sure the team's stream exists (nothing discarded), publish the outbox, fetch what the stream
holds after this database's position. Every failure becomes a one-line `SyncError` a person can act
on; the local record is never touched by one."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import socket
import ssl
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ir_console.config import SyncConfig, expand_env
from ir_console.store.store import Store
from ir_console.sync import apply, outbox

try:
    import nats
    from nats.errors import Error as NatsError
    from nats.js import api
    from nats.js.errors import Error as JetStreamError
except ImportError:  # the optional extra: ir-console[sync]
    nats = None  # type: ignore[assignment]

FETCH_BATCH = 2000
# Outbox rows read, published and acknowledged as one batch (nats-py lets 4,000 wait for an ack).
PUSH_BATCH = 2000
# How long a connection attempt, and a wait for the server's answer, may take.
CONNECT_TIMEOUT = 2.0
# How long a JetStream request (stream info, a new consumer) may take: a cluster electing a leader,
# or a busy machine, needs more than a connection does.
API_TIMEOUT = 5.0
DUPLICATE_WINDOW = 120.0  # seconds: a resend within this is dropped by the server


class SyncError(Exception):
    """Sync cannot go on (wrong credentials, an untrusted certificate, no server): one line."""


def stream_name(subject: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "_", subject).upper()


def machine_name(config: SyncConfig) -> str:
    return config.machine or socket.gethostname()


def reason(error: BaseException) -> str:
    """What went wrong, in a few words a person can act on."""
    text = " ".join(str(error).split()).lower()
    if "authorization" in text or "authentication" in text:
        return "wrong credentials (the server refused them)"
    if "permissions violation" in text or "permission" in text:
        return "permission denied by the server"
    if isinstance(error, ssl.SSLCertVerificationError) or "certificate verify failed" in text:
        return "untrusted certificate (check tls_ca)"
    if isinstance(error, ssl.SSLError) or "ssl" in text or "tls" in text:
        return f"TLS failed ({' '.join(str(error).split())[:60]})"
    if isinstance(error, ConnectionResetError):
        return "the server closed the connection"
    if isinstance(error, (OSError, asyncio.TimeoutError)) or "no servers" in text or "timeout" in text:
        return "server unreachable"
    return " ".join(f"{type(error).__name__}: {error}".split())[:100]


def _tls_context(config: SyncConfig) -> ssl.SSLContext | None:
    if not (config.tls_ca or config.tls_cert or any(s.startswith("tls://") for s in config.servers)):
        return None
    context = ssl.create_default_context(cafile=str(config.tls_ca) if config.tls_ca else None)
    if config.tls_cert and config.tls_key:
        context.load_cert_chain(str(config.tls_cert), str(config.tls_key))
    return context


@dataclass
class Progress:
    sent: int = 0
    received: int = 0


class Connection:
    """One connection to the servers, for one store."""

    def __init__(self, store: Store, config: SyncConfig) -> None:
        if nats is None:
            raise SyncError("sync needs nats-py: pip install 'ir-console[sync]'")
        self.store = store
        self.config = config
        self.origin = machine_name(config)
        self.stream = stream_name(config.subject)
        self.nc: Any = None  # nats.aio.client.Client once connected
        self.js: Any = None  # its JetStream context
        self._sub: Any = None  # the pull subscription
        self._sub_position: int = 0
        self._pending: int = 0  # messages the server said follow the last one this consumer gave
        self._errors: list[BaseException] = []

    async def connect(self) -> None:
        """Try each server (twice); a lost connection ends this one (`run` makes a new one)."""
        options: dict = {
            "servers": list(self.config.servers),
            "connect_timeout": CONNECT_TIMEOUT,
            "allow_reconnect": False,
            "max_reconnect_attempts": 1,  # nats-py: 0 would mean without end
            "reconnect_time_wait": 0.2,
            "error_cb": self._error,
            "name": f"ir-console {self.origin}",
        }
        for key in ("user", "password", "token"):
            value = getattr(self.config, key)
            if value:
                options[key] = expand_env(value, os.environ)[0]
        if self.config.creds:
            options["user_credentials"] = str(self.config.creds)
        if self.config.nkey:
            options["nkeys_seed"] = str(self.config.nkey)
        try:
            context = _tls_context(self.config)
            if context is not None:
                options["tls"] = context
            self.nc = await nats.connect(**options)
            self.js = self.nc.jetstream(timeout=max(self.config.publish_timeout, API_TIMEOUT))
            await self._ensure_stream()
        except (TimeoutError, NatsError, JetStreamError, OSError, ssl.SSLError, ValueError) as error:
            message = self.explain(error)
            await self.close()
            raise SyncError(message) from None

    async def _error(self, error: BaseException) -> None:
        self._errors.append(error)

    def explain(self, error: BaseException) -> str:
        """Why sync stopped: what the server said (credentials, permissions, TLS) before the
        timeout or the closed connection it caused, when it said anything."""
        if isinstance(error, SyncError):
            return str(error)
        said = [reason(e) for e in self._errors if reason(e) != "server unreachable"]
        if said and said[-1] == "the server closed the connection" and _tls_context(self.config) is not None:
            return "the server closed the connection (does it require a client certificate? tls_cert, tls_key)"
        if said:
            return said[-1]
        if isinstance(error, TimeoutError) and self.nc is not None and self.nc.is_connected:
            return "stream unavailable (connected, but JetStream did not answer)"
        why = reason(error)
        if why == "server unreachable" and _tls_context(self.config) is not None and not self.config.tls_cert:
            # A server that requires a client certificate may drop the handshake before saying why:
            # the client then sees only a connection that failed, as if nobody had answered.
            return (
                "server unreachable, or it closed the TLS connection "
                "(does it require a client certificate? tls_cert, tls_key)"
            )
        return why

    async def _ensure_stream(self) -> None:
        """The team's stream: every subject under the prefix, kept on disk with no limit (nothing
        discarded), replicated as configured."""
        try:
            await self.js.stream_info(self.stream)
            return
        except nats.js.errors.NotFoundError:
            pass
        await self.js.add_stream(
            api.StreamConfig(
                name=self.stream,
                subjects=[f"{self.config.subject}.>"],
                retention=api.RetentionPolicy.LIMITS,
                discard=api.DiscardPolicy.OLD,
                max_msgs=-1,
                max_bytes=-1,
                max_age=0,
                storage=api.StorageType.FILE,
                num_replicas=self.config.replicas,
                duplicate_window=DUPLICATE_WINDOW,
            )
        )

    async def close(self) -> None:
        if self.nc is not None:
            try:
                await self.nc.close()
            except Exception:
                pass
        self.nc = self.js = self._sub = None

    async def push(self) -> int:
        """Publish the outbox in order (a batch in flight at once, on one connection, so in order);
        each row is marked sent after the server's ack, never before."""
        sent = 0
        while True:
            entries = outbox.pending(self.store, PUSH_BATCH)
            if not entries:
                return sent
            outbox.prefetch(self.store, entries)
            acked: list[str] = []
            try:
                futures = []
                published = []
                for entry in entries:
                    body = json.dumps(outbox.message(self.store, entry, self.origin)).encode()
                    if len(body) > self.nc.max_payload - 1024:  # room for the headers
                        outbox.hold_back(self.store, entry, len(body), self.nc.max_payload)
                        continue
                    subject = f"{self.config.subject}.{entry['tbl']}"
                    published.append(entry)
                    futures.append(
                        await self.js.publish_async(
                            subject, body, stream=self.stream, headers={"Nats-Msg-Id": entry["msg_id"]}
                        )
                    )
                timeout = max(self.config.publish_timeout, CONNECT_TIMEOUT) + len(entries) / 1000
                if futures:
                    await asyncio.wait(futures, timeout=timeout)
                # Marked sent: the acknowledged ones before the first that was not (it and what
                # follows it are sent again, and a copy the server has is dropped as a duplicate).
                for entry, future in zip(published, futures, strict=True):
                    if not future.done():
                        raise TimeoutError("no acknowledgement from the server")
                    future.result()  # the server's refusal, raised
                    acked.append(entry["msg_id"])
            finally:
                outbox.mark_sent(self.store, acked)
                sent += len(acked)

    async def pull(self, *, wait: float = 0.0) -> int:
        """Apply what the stream holds after this database's position; returns how many messages,
        all applied. `wait`: how long to wait for the first one when none is there yet.

        A batch is applied on a worker thread (the store's connection is shared under its lock)
        while the next one is fetched; it is waited for before the next is applied, so batches are
        applied in order and a failed one stops the pull (the position stays before it)."""
        position = self.store.scalar("SELECT position FROM sync_state WHERE id = 1")
        if self._sub is None or self._sub_position != position:
            await self._subscribe(position)
        total = 0
        applying: asyncio.Future | None = None
        try:
            while True:
                timeout = max(wait, 0.05) if not total else 0.05
                if self._pending:
                    # The server said more follow: wait for them as long as for any answer (a loaded
                    # machine's fetch can take longer than the short wait), never take this as caught up.
                    timeout = max(timeout, API_TIMEOUT)
                try:
                    msgs = await self._sub.fetch(FETCH_BATCH, timeout=timeout)
                except (TimeoutError, nats.errors.TimeoutError):
                    return total
                if not msgs:
                    return total
                messages, last, gap = [], self._sub_position, False
                for msg in msgs:
                    sequence = msg.metadata.sequence.stream
                    if sequence <= last:
                        continue  # delivered twice
                    if sequence != last + 1:
                        # Messages delivered to a fetch that had already given up are lost to this
                        # consumer: start a new one from the position, never skip past a change.
                        gap = True
                        break
                    last = sequence
                    try:
                        message = json.loads(msg.data)
                    except ValueError:
                        continue  # not one of ours: skipped, its position passed
                    if not isinstance(message, dict):
                        continue
                    if message.get("v", 0) > outbox.MESSAGE_FORMAT:
                        raise SyncError("the stream holds changes from a newer ir-console: upgrade this one")
                    messages.append(message)
                if last != self._sub_position:
                    if applying is not None:
                        await applying
                    applying = asyncio.ensure_future(
                        asyncio.to_thread(apply.apply_messages, self.store, messages, last)
                    )
                    total += last - self._sub_position
                    self._sub_position = last
                if gap:
                    await self._subscribe(last)
                    continue
                self._pending = msgs[-1].metadata.num_pending
                if self._pending == 0 and last == msgs[-1].metadata.sequence.stream:
                    return total
        finally:
            if applying is not None:
                await applying

    async def _subscribe(self, position: int) -> None:
        if self._sub is not None:
            try:
                await self._sub.unsubscribe()
            except Exception:
                pass
        config = api.ConsumerConfig(
            deliver_policy=api.DeliverPolicy.BY_START_SEQUENCE if position else api.DeliverPolicy.ALL,
            opt_start_seq=position + 1 if position else None,
            ack_policy=api.AckPolicy.NONE,
            inactive_threshold=10.0,
            mem_storage=True,  # only a reader of the stream: nothing of it to keep on the server's disk
            max_ack_pending=-1,
        )
        self._sub = await self.js.pull_subscribe(f"{self.config.subject}.>", stream=self.stream, config=config)
        self._sub_position = position
        try:
            self._pending = (await self._sub.consumer_info()).num_pending
        except (NatsError, JetStreamError, TimeoutError):  # an account allowed to read, not to ask
            self._pending = 0  # known from the first batch on


async def sync_now(store: Store, config: SyncConfig) -> Progress:
    """Push the outbox, pull until caught up, close."""
    outbox.enable(store)
    connection = Connection(store, config)
    progress = Progress()
    try:
        await connection.connect()
        progress.sent = await connection.push()
        progress.received = await connection.pull(wait=0.2)
        outbox.record_outcome(store, server=_server(connection))
    except (TimeoutError, SyncError, NatsError, JetStreamError, OSError) as error:
        message = connection.explain(error)
        outbox.record_outcome(store, error=message)
        raise SyncError(message) from None
    finally:
        await connection.close()
    return progress


def _server(connection: Connection) -> str:
    url = connection.nc.connected_url if connection.nc else None
    return f"{url.hostname}:{url.port}" if url else ""


@dataclass(frozen=True)
class LiveState:
    """What the console's header shows: live, or offline with changes waiting, and why."""

    live: bool
    waiting: int
    reason: str = ""

    def label(self) -> str:
        if self.live:
            return "sync live" if not self.waiting else f"sync live, {self.waiting} sending"
        waiting = f", {self.waiting} waiting" if self.waiting else ""
        short = self.reason.split(" (")[0]  # the header has a few characters: `sync status` says more
        return f"sync offline{waiting}: {short}" if short else f"sync offline{waiting}"


async def run(
    store: Store,
    config: SyncConfig,
    stop: asyncio.Event,
    on_state: Callable[[LiveState], None] = lambda state: None,
    *,
    retry: float = 2.0,
) -> None:
    """Sync until `stop` is set: push what waits, apply what arrives (within a second), and when
    the server is gone, keep trying every `retry` seconds while the record goes on locally."""
    outbox.enable(store)
    last: LiveState | None = None

    def tell(state: LiveState) -> None:
        nonlocal last
        if state != last:
            last = state
            on_state(state)

    while not stop.is_set():
        connection = Connection(store, config)
        try:
            await connection.connect()
            outbox.record_outcome(store, server=_server(connection))
            await _live(connection, stop, tell)
        except (TimeoutError, SyncError, NatsError, JetStreamError, OSError) as error:
            message = connection.explain(error)
            outbox.record_outcome(store, error=message)
            tell(LiveState(False, outbox.status(store).waiting, message))
        except Exception as error:  # whatever else: said, and tried again, while the record goes on
            message = reason(error)
            outbox.record_outcome(store, error=message)
            tell(LiveState(False, outbox.status(store).waiting, message))
        finally:
            await connection.close()
        try:
            await asyncio.wait_for(stop.wait(), timeout=retry)
        except TimeoutError:
            pass


# How the live loop notices a local change to send (another connection's commit: the console's
# writer, a command): woken by inotify when the database or its WAL is written, with a look every
# CHANGE_FALLBACK seconds in case the file system says nothing (a network file system); where
# there is no inotify (not Linux, no watch left), a look every CHANGE_POLL seconds. Each look is a
# cheap PRAGMA. A fetch waits FETCH_WAIT seconds on the server for the next remote change, which it
# returns as soon as it comes.
CHANGE_POLL = 0.05
CHANGE_FALLBACK = 1.0
# A commit writes its last frame to the WAL, syncs it and only then marks it committed (in the
# shared memory, which inotify does not see): after a write, looked at again after these delays.
CHANGE_SETTLE = (0.005, 0.02, 0.1, 0.5)
FETCH_WAIT = 1.0


async def local_changes(path: Path) -> AsyncGenerator[None, None]:
    """Yields at once, then whenever the database at `path` may have been changed by another
    connection (this one's own writes wake it too: `Store.data_version` tells them apart). Nothing
    runs between changes: an idle console costs no wake-ups but the fallback's."""
    yield
    try:
        from asyncinotify import Inotify, Mask

        inotify = Inotify()
    except (ImportError, OSError, TypeError, AttributeError):  # not Linux, or no inotify instance left
        inotify = None
    if inotify is not None:
        names = {path.name, f"{path.name}-wal"}
        with inotify:
            try:
                # The folder, not the files: the WAL comes and goes, and a checkpoint writes the file.
                inotify.add_watch(path.parent, Mask.MODIFY | Mask.CREATE | Mask.MOVED_TO)
            except OSError:  # no watch left: looked at instead
                pass
            else:
                again: list[float] = []  # the looks still due after the last write
                while True:
                    try:  # (not wait_for: on 3.11 it can swallow a cancel that meets an event)
                        async with asyncio.timeout(again[0] if again else CHANGE_FALLBACK):
                            event = await inotify.get()
                    except TimeoutError:
                        again = again[1:]
                        yield
                        continue
                    if event.name is not None and str(event.name) in names:
                        again = list(CHANGE_SETTLE)
                        yield
    while True:
        await asyncio.sleep(CHANGE_POLL)
        yield


async def _live(connection: Connection, stop: asyncio.Event, tell: Callable[[LiveState], None]) -> None:
    """Two tasks on one connection until `stop` or a failure: one sends the outbox whenever another
    connection (the console's writer, a command) has committed, one applies the stream as it comes."""
    store = connection.store

    async def sending() -> None:
        seen = None
        async with contextlib.aclosing(local_changes(store.path)) as changes:
            async for _ in changes:
                if stop.is_set():
                    return
                version = store.data_version()
                if version != seen:
                    seen = version
                    await connection.push()
                    tell(LiveState(True, 0))

    # Both tasks also look at `stop` themselves: they are cancelled when it is set, but on Python
    # 3.11 a cancel that meets a result inside `asyncio.wait_for` (the NATS client's fetch uses
    # it) is swallowed, and the loop would go on, holding up the console's exit.
    async def receiving() -> None:
        while not stop.is_set():
            await connection.pull(wait=FETCH_WAIT)
            if not connection.nc.is_connected:
                raise SyncError("server unreachable")

    tasks = [asyncio.create_task(sending()), asyncio.create_task(receiving()), asyncio.create_task(stop.wait())]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    for task in done:
        if not task.cancelled():
            error = task.exception()
            if error is not None:
                raise error


async def push_now(store: Store, config: SyncConfig) -> int:
    """Send what waits in the outbox if the server answers within a short time (a CLI command's
    change); otherwise it stays in the outbox for the next sync. Returns how many were sent."""
    outbox.enable(store)
    connection = Connection(store, config)

    async def push() -> int:
        await connection.connect()
        return await connection.push()

    try:
        return await asyncio.wait_for(push(), timeout=max(1.0, 2 * config.publish_timeout))
    except (TimeoutError, SyncError, NatsError, JetStreamError, OSError):
        return 0
    finally:
        await connection.close()
