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


def prefetch(store: Store, entries: list[dict]) -> None:
    """Read the rows of a batch of outbox entries at once (a few queries per table, not one per
    entry), each as `message` carries it, kept on its entry as `row` (None: gone)."""
    by_table: dict[str, list[dict]] = {}
    for entry in entries:
        if entry["op"] == "upsert":
            by_table.setdefault(entry["tbl"], []).append(entry)
        else:
            entry["row"] = None
    with store.reading() as db:
        for table, group in by_table.items():
            rows: dict[int, dict] = {}
            for start in range(0, len(group), CHUNK):
                ids = [entry["local_id"] for entry in group[start : start + CHUNK]]
                cursor = db.execute(
                    f"SELECT rowid AS [rowid:], * FROM {table} WHERE rowid IN ({', '.join('?' * len(ids))})", ids
                )
                names = [c[0] for c in cursor.description]
                for found in cursor:
                    row = dict(zip(names, found, strict=True))
                    rows[row.pop("rowid:")] = row
            uuids: dict[str, dict[int, str]] = {}
            for column, (target, _) in REFERENCES.items():
                wanted = sorted({row[column] for row in rows.values() if row.get(column) is not None})
                uuids[column] = {}
                for start in range(0, len(wanted), CHUNK):
                    ids = wanted[start : start + CHUNK]
                    uuids[column].update(
                        db.execute(f"SELECT id, uuid FROM {target} WHERE id IN ({', '.join('?' * len(ids))})", ids)
                    )
            for entry in group:
                found_row = rows.get(entry["local_id"])
                carried = dict(found_row) if found_row is not None else None
                if carried is not None:
                    for column in REFERENCES:
                        if column in carried:
                            carried[column] = uuids[column].get(carried[column])
                entry["row"] = _carried(carried, entry)


CHUNK = 500  # ids in one IN (...)


def _carried(row: dict | None, entry: dict) -> dict | None:
    """What a message carries of `row` (its references already UUIDs): None for a deletion."""
    if row is not None and "uuid" in row and row["uuid"] != entry["key"]:
        row = None  # the row id was reused by another row: ours is gone
    if entry["op"] != "upsert" or row is None:
        return None
    carried = {k: v for k, v in row.items() if k != "id" and k not in REFERENCES}
    for column, (_, name) in REFERENCES.items():
        if column in row:
            carried[name] = row[column]
    return carried


def message(store: Store, entry: dict, origin: str) -> dict:
    """The message for one outbox row: the row as it is now (a change made since is carried too,
    and again by its own message), without this database's ids; a row gone since is a deletion.
    The row `prefetch` read for the entry, when it did."""
    table = entry["tbl"]
    if "row" in entry:
        carried = entry["row"]
    else:
        row = store.query_row(f"SELECT * FROM {table} WHERE rowid = ?", [entry["local_id"]])
        if row is not None:
            for column, (target, _) in REFERENCES.items():
                if column in row:
                    row[column] = store.scalar(f"SELECT uuid FROM {target} WHERE id = ?", [row[column]])
        carried = _carried(row, entry)
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
