"""The archive's queries: read-only, over many incidents.

The incidents list (its filters, sorts, counts and a row's position; `stats` reads the list of
its window), every incident and the latest open one. Each function takes the connection it reads
and returns model objects; `Store` serialises the calls (`Store.reading`) and delegates here, so
its callers never see this module. Full-text search and similar incidents are in `search.py`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ir_console.model import Incident, Milestone, Severity, Status
from ir_console.model.archive import IncidentSummary
from ir_console.model.clock import to_iso
from ir_console.store import rows
from ir_console.store.rows import milestone_column

if TYPE_CHECKING:
    from ir_console.store.connection import Db

# When an incident started, by the rule of `Incident.started_at`: impact started when known, else
# detected, else declared (else when the row was made). An empty text is no time, as it is to the
# model (an export from elsewhere may hold "" for a milestone it lacks).
STARTED_FROM = (Milestone.IMPACT_STARTED, Milestone.DETECTED, Milestone.DECLARED)
STARTED = (
    "coalesce("
    + ", ".join(f"nullif({column}, '')" for column in [*map(milestone_column, STARTED_FROM), "created_at"])
    + ")"
)
STATUS_ORDER = "CASE status " + " ".join(f"WHEN '{s.value}' THEN {i}" for i, s in enumerate(Status)) + " END"
# The list's sort columns.
SUMMARY_SORTS = {
    "id": "id",
    "ref": "ref",
    "title": "title COLLATE NOCASE",
    "severity": "severity",
    "status": STATUS_ORDER,
    "started": STARTED,
    "duration": f"julianday(coalesce(nullif(resolved_at, ''), :now)) - julianday({STARTED})",
    "commander": "commander COLLATE NOCASE",
    "events": "event_count",
}
EVENT_COUNT = "(SELECT count(*) FROM events WHERE events.incident_id = incidents.id)"


def one_of(column: str, values: list[Any], params: dict[str, Any]) -> str:
    """`column IN (:column0, ...)`, its values added to the named `params`."""
    names = [f"{column}{number}" for number in range(len(values))]
    params.update(zip(names, values, strict=True))
    return f"{column} IN ({', '.join(':' + name for name in names)})"


def summary_filter(
    params: dict[str, Any],
    statuses: Iterable[Status] | None,
    severities: Iterable[Severity] | None,
    since: datetime | None,
    until: datetime | None,
) -> str:
    """The WHERE clause of the incidents list's filters (its values added to `params`)."""
    conditions = []
    if statuses is not None:
        conditions.append(one_of("status", [Status(s).value for s in statuses], params))
    if severities is not None:
        conditions.append(one_of("severity", [int(s) for s in severities], params))
    if since is not None:
        conditions.append(f"{STARTED} >= :since")
        params["since"] = to_iso(since)
    if until is not None:
        conditions.append(f"{STARTED} < :until")
        params["until"] = to_iso(until)
    return f"WHERE {' AND '.join(conditions)}" if conditions else ""


def check_sort(sort: str) -> None:
    if sort not in SUMMARY_SORTS:
        raise ValueError(f"sort must be one of {', '.join(SUMMARY_SORTS)} (got {sort!r})")


def incident_summaries(
    db: Db,
    *,
    now: datetime,
    statuses: Iterable[Status] | None = None,
    severities: Iterable[Severity] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    sort: str = "started",
    descending: bool = True,
    event_counts: bool = False,
    limit: int | None = None,
    offset: int = 0,
) -> list[IncidentSummary]:
    """See `Store.incident_summaries`; open incidents' durations run to `now`."""
    check_sort(sort)
    params: dict[str, Any] = {"now": to_iso(now), "limit": -1 if limit is None else limit, "offset": offset}
    where = summary_filter(params, statuses, severities, since, until)
    direction = "DESC" if descending else "ASC"
    count = EVENT_COUNT if event_counts or sort == "events" else "NULL"
    order = f"ORDER BY {SUMMARY_SORTS[sort]} {direction}, id {direction}"
    if limit is None:
        sql = f"SELECT *, {count} AS event_count FROM incidents {where} {order}"
    else:
        # A page: the sort sees only the ids (and what it sorts by), then the page's rows are read
        # whole. Sorting whole rows, triage text and all, took 25 ms for 10,000 incidents; this 5.
        ranked = f"{EVENT_COUNT} AS event_count" if sort == "events" else "NULL"
        sql = (
            f"SELECT incidents.*, {count} AS event_count FROM "
            f"(SELECT id AS page_id, {ranked} FROM incidents {where} {order} LIMIT :limit OFFSET :offset) "
            f"JOIN incidents ON incidents.id = page_id {order}"
        )
    found = db.query(sql, params)
    return [IncidentSummary.of(rows.incident_from_row(row), now, row["event_count"]) for row in found]


def count_incident_summaries(
    db: Db,
    *,
    statuses: Iterable[Status] | None = None,
    severities: Iterable[Severity] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> int:
    """How many incidents `incident_summaries` lists with these filters."""
    params: dict[str, Any] = {}
    where = summary_filter(params, statuses, severities, since, until)
    return int(db.execute(f"SELECT count(*) FROM incidents {where}", params).fetchone()[0])


def incident_summary_position(
    db: Db,
    incident_id: int,
    *,
    now: datetime,
    statuses: Iterable[Status] | None = None,
    severities: Iterable[Severity] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    sort: str = "started",
    descending: bool = True,
) -> int | None:
    """The incident's row in `incident_summaries` with these filters and sort (None: not listed)."""
    check_sort(sort)
    params: dict[str, Any] = {"now": to_iso(now), "id": incident_id}
    where = summary_filter(params, statuses, severities, since, until)
    direction = "DESC" if descending else "ASC"
    order = EVENT_COUNT if sort == "events" else SUMMARY_SORTS[sort]
    found = db.execute(
        f"SELECT position FROM (SELECT id, row_number() OVER (ORDER BY {order} {direction}, id {direction}) - 1 "
        f"AS position FROM incidents {where}) WHERE id = :id",
        params,
    ).fetchone()
    return int(found[0]) if found else None


def latest_open_incident(db: Db) -> Incident | None:
    """The open incident declared last (the one the console opens on)."""
    found = list(
        db.query("SELECT * FROM incidents WHERE status != 'Resolved' ORDER BY declared_at DESC, id DESC LIMIT 1")
    )
    return rows.incident_from_row(found[0]) if found else None
