"""The console's sync while it runs: a thread with its own asyncio loop and its own connection to
the database, pushing this machine's changes and applying the stream's (the console notices those
as it notices any other writer's, within a second). It tells the app its state in a few words."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from pathlib import Path

from ir_console.config import SyncConfig
from ir_console.store import Store


class SyncWorker:
    def __init__(self, path: Path, config: SyncConfig, on_state: Callable[[str, bool], None]) -> None:
        self.path = path
        self.config = config
        self.on_state = on_state  # (label, live), called on the worker's thread
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, name="ir-sync", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        if self._loop is not None and self._stop is not None:
            try:
                self._loop.call_soon_threadsafe(self._stop.set)
            except RuntimeError:  # its loop has already ended
                pass
        self._thread.join(timeout)

    def _run(self) -> None:
        try:
            from ir_console.sync import client
        except ImportError:
            self.on_state("sync off: needs nats-py", False)
            return
        if client.nats is None:
            self.on_state("sync off: needs nats-py", False)
            return
        store = Store.open(self.path, create=False)
        try:
            asyncio.run(self._main(client, store))
        except Exception as error:  # the console goes on without sync, and says why
            self.on_state(f"sync stopped: {' '.join(str(error).split())[:60]}", False)
        finally:
            store.close()

    async def _main(self, client, store: Store) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        await client.run(store, self.config, self._stop, lambda state: self.on_state(state.label(), state.live))
