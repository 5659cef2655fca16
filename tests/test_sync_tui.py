"""The console syncs while it runs: another machine's change reaches its screen, and its header
says whether sync is live or offline (issue #13), against a real nats-server."""

from __future__ import annotations

import asyncio

import pytest
from nats_support import nats_servers  # noqa: F401 - the fixture
from tui_support import console, declare_checkout_incident, header, last_line, run, wait_until

from ir_console.config import Config, SyncConfig
from ir_console.store import Store
from ir_console.sync import client

pytest.importorskip("nats", reason="sync needs nats-py (pip install 'ir-console[sync]')")


async def test_another_machines_note_reaches_the_console_and_the_header_says_live(
    store,
    clock,
    tmp_path,
    nats_servers,  # noqa: F811
):
    server = nats_servers()
    incident = declare_checkout_incident(store, clock)
    sync = SyncConfig(servers=(server.url,), subject="team", machine="console")
    app = console(store, clock, config=Config(sync=sync))
    other = Store.open(tmp_path / "other.db")
    try:
        async with run(app) as pilot:
            await wait_until(pilot, lambda: header(app, "sync") == "sync live", "the header to say sync is live")
            on_other = SyncConfig(servers=(server.url,), subject="team", machine="laptop-2")
            await asyncio.to_thread(lambda: asyncio.run(client.sync_now(other, on_other)))
            theirs = other.incident(incident.uuid)
            other.add_event(theirs.id, "Scribe on laptop-2: rollback finished", author="bob")
            await asyncio.to_thread(lambda: asyncio.run(client.sync_now(other, on_other)))
            await wait_until(
                pilot, lambda: "rollback finished" in last_line(app), "the other machine's note on the timeline"
            )
            server.stop()
            await wait_until(pilot, lambda: header(app, "sync").startswith("sync offline"), "the header to say offline")
    finally:
        other.close()
