"""Sync between machines through a real NATS JetStream server (issue #13)."""

from __future__ import annotations

import asyncio
import json

import pytest
from nats_support import nats_servers  # noqa: F401 - the fixture

from ir_console.config import SyncConfig
from ir_console.model import Severity
from ir_console.store import Store
from ir_console.store.exchange import export_incident
from ir_console.sync import client, outbox

pytest.importorskip("nats", reason="sync needs nats-py (pip install 'ir-console[sync]')")


def machine(tmp_path, name: str) -> Store:
    return Store.open(tmp_path / f"{name}.db")


def config(server, name: str, **more) -> SyncConfig:
    servers = more.pop("servers", None) or (server.url,)
    return SyncConfig(servers=tuple(servers), subject="team", machine=name, **more)


def sync(store: Store, cfg: SyncConfig) -> client.Progress:
    return asyncio.run(client.sync_now(store, cfg))


def exported(store: Store) -> list[str]:
    return sorted(json.dumps(export_incident(store, i.id), sort_keys=True) for i in store.incidents("all"))


def test_a_change_reaches_another_machine(tmp_path, nats_servers):  # noqa: F811
    server = nats_servers()
    a, b = machine(tmp_path, "a"), machine(tmp_path, "b")
    incident = a.create_incident("Checkout down", Severity(1), author="alice")
    a.add_event(incident.id, "Rolled back deploy 412", author="alice")
    sync(a, config(server, "a"))
    sync(b, config(server, "b"))
    on_b = b.incident(incident.uuid)
    assert on_b.ref == incident.ref
    assert "Rolled back deploy 412" in [e.text for e in b.events(on_b.id)]
    assert exported(a) == exported(b)
    assert outbox.status(a).waiting == 0
