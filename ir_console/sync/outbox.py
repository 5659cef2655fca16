"""The sending side of sync, in SQLite: turning sync on, the outbox rows the triggers of migration
m006 write for every local change, each as the message that carries it, and the sync state that
`ir-console sync status` and the console's header show."""

from __future__ import annotations

from dataclasses import dataclass

from ir_console.store.schema import SYNCED_KEYS
from ir_console.store.store import Store

# Columns holding this database's own row ids, carried as the UUIDs of the rows they point to.
REFERENCES = {"incident_id": ("incidents", "incident_uuid"), "event_id": ("events", "event_uuid")}
MESSAGE_FORMAT = 1


@dataclass(frozen=True)
class SyncStatus:
    enabled: bool
    position: int
    waiting: int
    sent_unseen: int
    too_large: int
    server: str
    last_error: str
    last_sync_at: str


def enable(store: Store) -> bool:
    """Turn sync on for this database (once): from now on every change writes its outbox row, and
    every row already here is queued, so the stream (and a machine joining later) gets the whole
    archive. Returns whether it was off before."""
    with store.transaction() as db:
        if db.execute("SELECT enabled FROM sync_state WHERE id = 1").fetchone()[0]:
            return False
        for table, key in SYNCED_KEYS.items():
            db.execute(
                "INSERT INTO sync_outbox (msg_id, tbl, key, local_id, op) "
                f"SELECT lower(hex(randomblob(16))), '{table}', {key}, r.rowid, 'upsert' FROM {table} AS r "
                "ORDER BY r.rowid"
            )
        db.execute("UPDATE sync_state SET enabled = 1 WHERE id = 1")
    return True


def pending(store: Store, limit: int = 500) -> list[dict]:
    """Outbox rows not yet acknowledged by the server, oldest first."""
    return store.query_rows("SELECT * FROM sync_outbox WHERE sent = 0 ORDER BY seq LIMIT ?", [limit])


def message(store: Store, entry: dict, origin: str) -> dict:
    """The message for one outbox row: the row as it is now (a change made since is carried too,
    and again by its own message), without this database's ids; a row gone since is a deletion."""
    table = entry["tbl"]
    row = store.query_row(f"SELECT * FROM {table} WHERE rowid = ?", [entry["local_id"]])
    if row is not None and "uuid" in row and row["uuid"] != entry["key"]:
        row = None  # the row id was reused by another row: ours is gone
    carried = None
    if entry["op"] == "upsert" and row is not None:
        carried = {k: v for k, v in row.items() if k != "id" and k not in REFERENCES}
        for column, (target, name) in REFERENCES.items():
            if column in row:
                carried[name] = store.scalar(f"SELECT uuid FROM {target} WHERE id = ?", [row[column]])
    return {
        "v": MESSAGE_FORMAT,
        "id": entry["msg_id"],
        "base": entry["base"],
        "origin": origin,
        "table": table,
        "key": entry["key"],
        "row": carried,
    }


def mark_sent(store: Store, msg_ids: list[str]) -> None:
    """After the server's acknowledgement, never before: a crash in between resends the same
    message id, which the stream's duplicate window drops."""
    if not msg_ids:
        return
    with store.transaction() as db:
        db.execute(
            f"UPDATE sync_outbox SET sent = 1 WHERE msg_id IN ({', '.join('?' * len(msg_ids))})",
            msg_ids,
        )


def hold_back(store: Store, entry: dict, size: int, limit: int) -> None:
    """A change larger than the server takes (its max_payload) stays here, kept out of the stream
    (sent = 2), said in `sync status`, and the rest goes on."""
    with store.transaction() as db:
        db.execute("UPDATE sync_outbox SET sent = 2 WHERE msg_id = ?", [entry["msg_id"]])
        db.execute(
            "UPDATE sync_state SET last_error = ? WHERE id = 1",
            [
                f"skipped message {entry['msg_id'][:12]} ({entry['tbl']} row of {size:,} bytes; the server takes "
                f"{limit:,}): kept here only"
            ],
        )


def record_outcome(store: Store, *, server: str = "", error: str = "") -> None:
    """The server reached (none: unreachable) and why sync stopped (none: it did not). A message
    skipped as refused stays the last error until another error replaces it."""
    with store.transaction() as db:
        db.execute(
            "UPDATE sync_state SET server = ?, last_error = CASE WHEN ? = '' AND last_error LIKE 'skipped message%' "
            "THEN last_error ELSE ? END WHERE id = 1",
            [server, error, error],
        )


def status(store: Store) -> SyncStatus:
    state = store.query_row("SELECT * FROM sync_state WHERE id = 1")
    assert state is not None, "m006 writes the one sync_state row"
    return SyncStatus(
        enabled=bool(state["enabled"]),
        position=state["position"],
        waiting=store.scalar("SELECT count(*) FROM sync_outbox WHERE sent = 0"),
        sent_unseen=store.scalar("SELECT count(*) FROM sync_outbox WHERE sent = 1"),
        too_large=store.scalar("SELECT count(*) FROM sync_outbox WHERE sent = 2"),
        server=state["server"] or "",
        last_error=state["last_error"] or "",
        last_sync_at=state["last_sync_at"] or "",
    )
