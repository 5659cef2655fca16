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


def settle(*pairs: tuple[Store, SyncConfig]) -> None:
    """Each machine syncs until nothing waits anywhere (twice round: what one sent, all receive)."""
    for _ in range(2):
        for store, cfg in pairs:
            sync(store, cfg)


def stream_messages(server, subject: str = "team") -> int:
    async def count() -> int:
        import nats

        nc = await nats.connect(server.url)
        try:
            return (await nc.jetstream().stream_info(client.stream_name(subject))).state.messages
        finally:
            await nc.close()

    return asyncio.run(count())


def test_offline_then_back_nothing_lost_nothing_twice(tmp_path, nats_servers):  # noqa: F811
    server = nats_servers()
    a, b = machine(tmp_path, "a"), machine(tmp_path, "b")
    ca, cb = config(server, "a"), config(server, "b")
    incident = a.create_incident("Payments failing", Severity(2))
    settle((a, ca), (b, cb))
    server.stop()
    with pytest.raises(client.SyncError, match="server unreachable"):
        sync(a, ca)
    on_b = b.incident(incident.uuid)
    a.add_event(incident.id, "written on a while the server was down")
    b.add_event(on_b.id, "written on b while the server was down")
    assert outbox.status(a).waiting > 0 and outbox.status(a).last_error == "server unreachable"
    server.start()
    settle((a, ca), (b, cb))
    for store in (a, b):
        texts = [e.text for e in store.events(store.incident(incident.uuid).id)]
        assert texts.count("written on a while the server was down") == 1
        assert texts.count("written on b while the server was down") == 1
        assert outbox.status(store).waiting == 0
    assert exported(a) == exported(b)


def test_a_machine_killed_between_publish_and_marking_sent_sends_no_duplicate(tmp_path, nats_servers, monkeypatch):  # noqa: F811
    server = nats_servers()
    a, b = machine(tmp_path, "a"), machine(tmp_path, "b")
    ca = config(server, "a")
    incident = a.create_incident("Search slow", Severity(3))
    a.add_event(incident.id, "published, then the machine died")
    outbox.enable(a)
    queued = outbox.status(a).waiting

    def killed(store, msg_ids):
        raise SystemExit("killed after the server's ack, before marking sent")

    monkeypatch.setattr(outbox, "mark_sent", killed)
    with pytest.raises(SystemExit):
        sync(a, ca)
    monkeypatch.undo()
    assert outbox.status(a).waiting == queued  # nothing marked: all of it is sent again
    sync(a, ca)
    assert stream_messages(server) == queued
    sync(b, config(server, "b"))
    texts = [e.text for e in b.events(b.incident(incident.uuid).id)]
    assert texts.count("published, then the machine died") == 1
    assert exported(a) == exported(b)


def test_three_machines_partitioned_converge_whatever_their_clocks(tmp_path, nats_servers):  # noqa: F811
    from datetime import UTC, datetime, timedelta

    server = nats_servers()
    base = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
    skews = {"a": timedelta(0), "b": timedelta(hours=-3), "c": timedelta(minutes=7)}
    stores = {n: Store.open(tmp_path / f"{n}.db", clock=lambda s=s: base + s) for n, s in skews.items()}
    cfgs = {n: config(server, n) for n in stores}
    a, b, c = stores["a"], stores["b"], stores["c"]
    incident = a.create_incident("Queue backlog", Severity(2), now=base)
    settle(*((stores[n], cfgs[n]) for n in stores))
    ids = {n: s.incident(incident.uuid).id for n, s in stores.items()}
    first = a.events(ids["a"])[-1]
    server.stop()
    for name, store in stores.items():  # each edits the same event, the title, a section, and adds a note
        event = next(e for e in store.events(ids[name]) if e.uuid == first.uuid)
        store.edit_event(event.id, text=f"declared (wording from {name})", author=name)
        store.update_triage(ids[name], title=f"Queue backlog ({name})", author=name)
        store.set_postmortem_section(ids[name], "summary", f"summary by {name}", author=name)
        store.add_event(ids[name], f"note from {name}", author=name)
    server.start()
    settle((c, cfgs["c"]), (a, cfgs["a"]), (b, cfgs["b"]))
    assert exported(a) == exported(b) == exported(c)
    record = json.loads(exported(a)[0])
    kept = {r["text"] for r in record["event_revisions"]}
    current = next(e["text"] for e in record["events"] if e["uuid"] == first.uuid)
    # one wording won everywhere; the two others are kept in the event's history
    assert len({f"declared (wording from {n})" for n in stores} - kept - {current}) == 0
    summaries = {r["body"] for r in record["postmortem_section_revisions"]} | {
        s["body"] for s in record["postmortem_sections"]
    }
    assert {f"summary by {n}" for n in stores} <= summaries
    assert {r["reason"] for r in record["postmortem_section_revisions"]} == {"conflict"}
    for store in stores.values():
        assert outbox.status(store).waiting == 0


def test_incidents_declared_offline_the_same_day_keep_distinct_refs_everywhere(tmp_path, nats_servers):  # noqa: F811
    server = nats_servers()
    a, b = machine(tmp_path, "a"), machine(tmp_path, "b")
    ca, cb = config(server, "a"), config(server, "b")
    on_a = a.create_incident("Login errors", Severity(2))
    on_b = b.create_incident("Disk full on db-2", Severity(3))
    assert on_a.ref == on_b.ref  # both machines numbered their first incident of the day
    settle((a, ca), (b, cb))
    refs_a = {i.uuid: i.ref for i in a.incidents("all")}
    refs_b = {i.uuid: i.ref for i in b.incidents("all")}
    assert refs_a == refs_b
    assert len(set(refs_a.values())) == 2
    assert on_a.ref in refs_a.values()  # the first in the stream keeps its ref
    assert exported(a) == exported(b)
