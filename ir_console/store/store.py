"""The incident record in SQLite. Every change of state and its timeline event share a transaction.

One `Store` wraps one connection; calls are serialised by a lock, so a store may be used from a
worker thread. In WAL mode readers never wait for writers, so a console keeps a second store for
reads on the event loop and does its writes in a worker.

The queries over many incidents (the list, its filters and counts) are in `archive.py`, search and
similar incidents in `search.py`: functions of a connection, which `Store` calls under its lock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from ir_console.model import (
    SEED_CONTAINMENT,
    ActionItem,
    ActionItemStatus,
    ContainmentAction,
    ContainmentState,
    EventKind,
    EventRevision,
    EventSource,
    Hypothesis,
    HypothesisResult,
    Incident,
    IncidentRecord,
    Milestone,
    Phase,
    Priority,
    Role,
    Section,
    Severity,
    Status,
    StatusUpdate,
    TimelineEvent,
    TimelineFilter,
    Triage,
)
from ir_console.model.archive import IncidentSummary, SearchHit, SimilarIncident
from ir_console.model.clock import parse_iso, to_iso
from ir_console.model.incident import (
    MILESTONE_FOR_STATUS,
    PHASE_FOR_STATUS,
    PHASE_ORDER,
    REQUIRED_MILESTONES,
    milestone_order_problem,
)
from ir_console.model.postmortem import SectionRevision, SectionSave, SectionState
from ir_console.model.record import ALERTS_LISTED
from ir_console.model.when import format_when, not_in_future
from ir_console.store import archive, rows, search
from ir_console.store.archive import SUMMARY_SORTS as SUMMARY_SORTS  # the CLI's --sort choices
from ir_console.store.core import ResolvedRefusal as ResolvedRefusal  # the console's and the CLI's rule
from ir_console.store.core import StoreCore, new_uuid
from ir_console.store.core import refuse_if_resolved as refuse_if_resolved
from ir_console.store.errors import NotFound
from ir_console.store.rows import milestone_column, storable

TRIAGE_FIELDS = ("reporter", "happening", "affected", "changed")
# A post-mortem section's text replaced by its own author within this long is a draft being typed:
# its autosaves are not each kept as a revision.
OWN_DRAFT_WINDOW = timedelta(minutes=5)

# What each timeline filter adds to a query of `events` (constants only: no user text).
EVENT_FILTERS = {
    TimelineFilter.ALL: "",
    TimelineFilter.NO_SIGNALS: f" AND kind != '{EventKind.SIGNAL.value}'",
    TimelineFilter.KEY_MOMENTS: " AND key_moment = 1",
}


class Notice(Protocol):
    """A signal notice as the store needs it (signals.watch.SignalNotice is one)."""

    @property
    def key(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def occurred_at(self) -> datetime: ...


@dataclass(frozen=True)
class HeldNotice:
    """A signal notice held back by the rate limiter, kept in the file until it is written."""

    key: str
    text: str
    occurred_at: datetime
    incident_id: int | None = None  # the incident open when its signal changed


def triage_change_text(name: str, old: str, new: str) -> str:
    """`Title: Checkout 500s → Checkout down`, `Who's affected? — → EU users` (— for empty)."""
    label = {**Triage.FIELD_LABELS, "title": "Title"}[name]
    separator = " " if label.endswith("?") else ": "
    return f"{label}{separator}{old or '—'} → {new or '—'}"


class Store(StoreCore):
    """The incident record: StoreCore (opening, transactions, an incident, appending an entry)
    and every other change of state and query."""

    # -- incidents ------------------------------------------------------------------------------

    def create_incident(
        self,
        title: str,
        severity: Severity,
        *,
        triage: Triage | None = None,
        detected_at: datetime | None = None,
        impact_started_at: datetime | None = None,
        author: str = "",
        source: EventSource = EventSource.CONSOLE,
        now: datetime | None = None,
    ) -> Incident:
        """Declare an incident: its milestones (impact started when known, detected, declared)
        each with the timeline event that records it, in one transaction."""
        now = now or self.clock()
        detected_at = detected_at or now
        triage = triage or Triage()
        title = storable(title).strip()
        if not title:
            raise ValueError("an incident needs a title")
        milestones = {Milestone.DETECTED: detected_at, Milestone.DECLARED: now}
        typed = {Milestone.DETECTED: detected_at}  # the reason speaks of what was typed last
        if impact_started_at is not None:
            milestones[Milestone.IMPACT_STARTED] = impact_started_at
            typed = {Milestone.IMPACT_STARTED: impact_started_at}
        self._check_milestones(milestones, typed, now)
        with self.transaction():
            incident_id = self._insert(
                "incidents",
                {
                    "ref": self.next_ref(now),
                    "uuid": new_uuid(),
                    "title": title,
                    "severity": int(severity),
                    "status": Status.INVESTIGATING.value,
                    "phase": Phase.TRIAGE.value,
                    **{name: storable(getattr(triage, name)) for name in TRIAGE_FIELDS},
                    **{role.value: "" for role in Role},
                    "impact_started_at": to_iso(impact_started_at) if impact_started_at else None,
                    "detected_at": to_iso(detected_at),
                    "declared_at": to_iso(now),
                    "created_at": to_iso(now),
                    "updated_at": to_iso(now),
                },
            )
            for position, template in enumerate(SEED_CONTAINMENT, start=1):
                self._insert_containment(incident_id, template.action, template.when_to_use, position, False, now)
            happening = f": {triage.happening}" if triage.happening else ""
            reporter = f" (reported by {triage.reporter})" if triage.reporter else ""
            if impact_started_at is not None:
                self._event(
                    incident_id,
                    EventKind.MILESTONE,
                    Milestone.IMPACT_STARTED.description,
                    author,
                    source,
                    now,
                    occurred_at=impact_started_at,
                    key_moment=True,
                    milestone=Milestone.IMPACT_STARTED,
                )
            self._event(
                incident_id,
                EventKind.MILESTONE,
                f"Detected{reporter}{happening}",
                author,
                source,
                now,
                occurred_at=detected_at,
                key_moment=True,
                milestone=Milestone.DETECTED,
            )
            self._event(
                incident_id,
                EventKind.MILESTONE,
                f"Incident declared: {severity.label} {title}",
                author,
                source,
                now,
                key_moment=True,
                milestone=Milestone.DECLARED,
            )
        return self.incident(incident_id)

    def next_ref(self, now: datetime) -> str:
        prefix = f"INC-{now:%Y%m%d}-"
        # By number, not by text: "INC-…-1000" sorts before "INC-…-999".
        last = self.db.execute(
            "SELECT max(CAST(substr(ref, ?) AS INTEGER)) FROM incidents WHERE ref LIKE ?",
            [len(prefix) + 1, prefix + "%"],
        ).fetchone()[0]
        number = (last or 0) + 1
        return f"{prefix}{number:03d}"

    def _update_incident(self, incident_id: int, changes: dict[str, Any], now: datetime) -> None:
        self.db.update("incidents", incident_id, {**changes, "updated_at": to_iso(now)})

    def set_severity(
        self,
        incident_id: int,
        severity: Severity,
        *,
        reason: str = "",
        at: datetime | None = None,
        author: str = "",
        source: EventSource = EventSource.CONSOLE,
    ) -> Incident:
        """Change the severity; the reason, if given, goes into the event: `Severity SEV-2 → SEV-1: why`.
        `at`: when it changed (back-filling), default now."""
        now = self.clock()
        if at is not None:
            not_in_future(at, now, "the time of the change")
        reason = " ".join(storable(reason).split())
        with self.transaction():
            before = self.incident(incident_id)
            if before.severity == severity:
                return before
            self._update_incident(incident_id, {"severity": int(severity)}, now)
            because = f": {reason}" if reason else ""
            self._event(
                incident_id,
                EventKind.SEVERITY_CHANGE,
                f"Severity {before.severity.label} → {severity.label}{because}",
                author,
                source,
                now,
                occurred_at=at,
                key_moment=True,
            )
        return self.incident(incident_id)

    def set_status(
        self,
        incident_id: int,
        status: Status,
        *,
        at: datetime | None = None,
        author: str = "",
        source: EventSource = EventSource.CONSOLE,
    ) -> Incident:
        """Change the status. A status that stamps a milestone (MILESTONE_FOR_STATUS) stamps it at
        `at`, default now; a milestone already set stays where it is unless `at` is given (someone
        chose the time), which moves it. Out of order, nothing is saved (ValueError)."""
        now = self.clock()
        if at is not None:
            not_in_future(at, now, "the time of the change")
        with self.transaction():
            before = self.incident(incident_id)
            if before.status == status:
                return before
            if at is not None:
                self._refuse_before_current_status(before, at)
            self._update_incident(incident_id, {"status": status.value}, now)
            # Not a key moment itself: the milestone it stamps is. Back-dated (`at`), the change and
            # the phase it moves to happened then, not when they were typed.
            self._event(
                incident_id,
                EventKind.STATUS_CHANGE,
                f"Status {before.status.value} → {status.value}",
                author,
                source,
                now,
                occurred_at=at,
            )
            milestone = MILESTONE_FOR_STATUS.get(status)
            if milestone and (milestone not in before.milestones or at is not None):
                self._set_milestones(before, {milestone: at or now}, author, source, now)
            self._advance_phase(before, PHASE_FOR_STATUS[status], author, source, now, at=at)
        return self.incident(incident_id)

    def _refuse_before_current_status(self, before: Incident, at: datetime) -> None:
        """A change dated before the current status began would read "Status Monitoring → …" at a
        time the incident was not yet Monitoring: a state that never was. (Its first status has no
        change of its own: it holds from the start, whenever that was.)"""
        since = self.scalar(
            "SELECT max(occurred_at) FROM events WHERE incident_id = ? AND kind = ? AND retracted_at IS NULL"
            " AND (text LIKE 'Status %' OR text LIKE 'Reopened%')",
            [before.id, EventKind.STATUS_CHANGE.value],
        )
        if since is not None and at < parse_iso(since):
            raise ValueError(
                f"the status has been {before.status.value} since {format_when(parse_iso(since))}: a change "
                f"dated {format_when(at)} would come before that. Date it then or later; to record when a "
                "milestone was reached, correct the milestone's time instead (m in the console)"
            )

    def set_phase(
        self,
        incident_id: int,
        phase: Phase,
        *,
        at: datetime | None = None,
        author: str = "",
        source: EventSource = EventSource.CONSOLE,
    ) -> Incident:
        now = self.clock()
        if at is not None:
            not_in_future(at, now, "the time of the change")
        with self.transaction():
            before = self.incident(incident_id)
            if before.phase != phase:
                self._write_phase(incident_id, before.phase, phase, author, source, now, at=at)
        return self.incident(incident_id)

    def _advance_phase(
        self,
        before: Incident,
        phase: Phase,
        author: str,
        source: EventSource,
        now: datetime,
        *,
        at: datetime | None = None,
    ) -> None:
        """Move the phase forward (never back); `at`: when what moved it happened."""
        if PHASE_ORDER.index(phase) > PHASE_ORDER.index(before.phase):
            self._write_phase(before.id, before.phase, phase, author, source, now, at=at)

    def _write_phase(
        self,
        incident_id: int,
        old: Phase,
        new: Phase,
        author: str,
        source: EventSource,
        now: datetime,
        *,
        at: datetime | None = None,
    ) -> None:
        self._update_incident(incident_id, {"phase": new.value}, now)
        self._event(
            incident_id,
            EventKind.STATUS_CHANGE,
            f"Phase {old.value} → {new.value}",
            author,
            source,
            now,
            occurred_at=at,
        )

    def set_milestone(
        self,
        incident_id: int,
        milestone: Milestone,
        when: datetime | None,
        *,
        author: str = "",
        source: EventSource = EventSource.CONSOLE,
    ) -> Incident:
        """Set (or with `when=None` clear) a milestone timestamp; back-filling is expected."""
        return self.set_milestones(incident_id, {milestone: when}, author=author, source=source)

    def set_milestones(
        self,
        incident_id: int,
        changes: dict[Milestone, datetime | None],
        *,
        author: str = "",
        source: EventSource = EventSource.CONSOLE,
    ) -> Incident:
        """Set, correct or clear (None) several milestones at once, each with its timeline event:
        a new milestone adds its event, a corrected one moves it (the earlier version kept in its
        history), a cleared one retracts it. The order is checked on the result (ValueError, one
        line, nothing saved). Allowed on resolved incidents: a review corrects times.

        Resolved and closed are set by resolving: on an open incident they are refused, so the
        record never says "Confirmed resolved" of an incident whose status says otherwise."""
        now = self.clock()
        with self.transaction():
            before = self.incident(incident_id)
            if before.is_open:
                for milestone in (Milestone.RESOLVED, Milestone.CLOSED):
                    if changes.get(milestone) is not None:
                        raise ValueError(
                            f"{before.ref} is {before.status.value}, not resolved: {milestone.value} "
                            "is stamped by resolving it (status Resolved), not set on its own"
                        )
            self._set_milestones(before, changes, author, source, now)
        return self.incident(incident_id)

    def _check_milestones(
        self, milestones: dict[Milestone, datetime], changes: Mapping[Milestone, datetime | None], now: datetime
    ) -> None:
        for milestone, when in changes.items():
            if when is None and milestone in REQUIRED_MILESTONES:
                raise ValueError(f"{milestone.label.lower()} cannot be cleared: every incident has one; correct it")
            if when is not None:
                not_in_future(when, now, milestone.label.lower())
        problem = milestone_order_problem(milestones, changes)
        if problem:
            raise ValueError(problem)

    def _set_milestones(
        self,
        before: Incident,
        changes: dict[Milestone, datetime | None],
        author: str,
        source: EventSource,
        now: datetime,
    ) -> None:
        after = dict(before.milestones)
        for milestone, when in changes.items():
            if when is None:
                after.pop(milestone, None)
            else:
                after[milestone] = when
        self._check_milestones(after, changes, now)
        for milestone, when in changes.items():
            if before.milestones.get(milestone) == when:
                continue
            self._update_incident(before.id, {milestone_column(milestone): to_iso(when) if when else None}, now)
            event = self._milestone_event(before.id, milestone)
            if when is None:
                if event is not None:
                    self._retract(event, author, f"{milestone.label} time cleared", now)
            elif event is None:
                self._event(
                    before.id,
                    EventKind.MILESTONE,
                    milestone.description,
                    author,
                    source,
                    now,
                    occurred_at=when,
                    key_moment=True,
                    milestone=milestone,
                )
            else:
                self._revise(event, {"occurred_at": to_iso(when)}, author, now)

    def _milestone_event(self, incident_id: int, milestone: Milestone) -> TimelineEvent | None:
        """The timeline event that records the milestone (the newest, should there be more)."""
        row = self.query_row(
            "SELECT * FROM events WHERE incident_id = ? AND milestone = ? AND retracted_at IS NULL "
            "ORDER BY id DESC LIMIT 1",
            [incident_id, milestone.value],
        )
        return rows.event_from_row(row) if row else None

    def set_role(
        self,
        incident_id: int,
        role: Role,
        name: str,
        *,
        at: datetime | None = None,
        author: str = "",
        source: EventSource = EventSource.CONSOLE,
    ) -> Incident:
        """Assign (or with "" unassign) a role; `at`: when (back-filling), default now. The first
        commander acknowledges the incident at that time."""
        now = self.clock()
        if at is not None:
            not_in_future(at, now, "the time of the change")
        name = storable(name).strip()
        with self.transaction():
            before = self.incident(incident_id)
            previous = before.role(role)
            if previous == name:
                return before
            self._update_incident(incident_id, {role.value: name}, now)
            was = f" (was {previous})" if previous else ""
            text = f"{role.label}: {name}{was}" if name else f"{role.label} unassigned{was}"
            self._event(incident_id, EventKind.ROLE, text, author, source, now, occurred_at=at)
            # The first commander taking the incident is when it was acknowledged.
            if role is Role.COMMANDER and name and Milestone.ACKNOWLEDGED not in before.milestones:
                self._set_milestones(before, {Milestone.ACKNOWLEDGED: at or now}, author, source, now)
        return self.incident(incident_id)

    def update_triage(
        self,
        incident_id: int,
        *,
        title: str | None = None,
        author: str = "",
        source: EventSource = EventSource.CONSOLE,
        **fields: str,
    ) -> Incident:
        """Change the title or triage fields (reporter, happening, affected, changed): a correction,
        allowed on a resolved incident too. Each change is a timeline note saying old → new."""
        unknown = set(fields) - set(TRIAGE_FIELDS)
        if unknown:
            raise ValueError(f"unknown triage fields: {sorted(unknown)}")
        now = self.clock()
        with self.transaction():
            before = self.incident(incident_id)
            changes = {
                name: storable(value)
                for name, value in fields.items()
                if storable(value) != getattr(before.triage, name)
            }
            if title is not None and storable(title).strip() and storable(title).strip() != before.title:
                changes["title"] = storable(title).strip()
            if not changes:
                return before
            self._update_incident(incident_id, changes, now)
            for name, value in changes.items():
                old = before.title if name == "title" else getattr(before.triage, name)
                self._event(incident_id, EventKind.NOTE, triage_change_text(name, old, value), author, source, now)
        return self.incident(incident_id)

    # -- timeline -------------------------------------------------------------------------------

    def edit_event(
        self,
        event_id: int,
        *,
        text: str | None = None,
        occurred_at: datetime | None = None,
        key_moment: bool | None = None,
        kind: EventKind | None = None,
        author: str = "",
    ) -> TimelineEvent:
        """Change an event; the version it replaces is kept in its history. An event that records a
        milestone moved in time moves the milestone with it (order checked, as `set_milestones`)."""
        if text is not None and not text.strip():
            raise ValueError("an entry needs some text")
        now = self.clock()
        with self.transaction():
            before = self.event(event_id)
            self._edit_event(before, author, now, text=text, occurred_at=occurred_at, key_moment=key_moment, kind=kind)
        return self.event(event_id)

    def _edit_event(
        self,
        before: TimelineEvent,
        author: str,
        now: datetime,
        *,
        text: str | None = None,
        occurred_at: datetime | None = None,
        key_moment: bool | None = None,
        kind: EventKind | None = None,
    ) -> None:
        """`edit_event` inside a transaction: what the event records (a milestone, a containment
        item's change of state) moves with it."""
        changes: dict[str, Any] = {}
        if text is not None:
            changes["text"] = storable(text)
        if occurred_at is not None:
            changes["occurred_at"] = to_iso(occurred_at)
            if before.milestone is not None and not before.is_retracted and occurred_at != before.occurred_at:
                incident = self.incident(before.incident_id)
                after = {**incident.milestones, before.milestone: occurred_at}
                self._check_milestones(after, {before.milestone: occurred_at}, now)
                self._update_incident(incident.id, {milestone_column(before.milestone): to_iso(occurred_at)}, now)
        if key_moment is not None:
            changes["key_moment"] = int(key_moment)
        if kind is not None:
            changes["kind"] = kind.value
        self._revise(before, changes, author, now)
        if occurred_at is not None:
            self._sync_containment_change(before, occurred_at=occurred_at, now=now)

    def _revise(self, before: TimelineEvent, changes: dict[str, Any], author: str, now: datetime) -> None:
        """Write `changes` to an event, keeping the version it replaces in event_revisions."""
        self._insert(
            "event_revisions",
            {
                "event_id": before.id,
                "revision": before.revision,
                "occurred_at": to_iso(before.occurred_at),
                "kind": before.kind.value,
                "text": before.text,
                "key_moment": int(before.key_moment),
                "replaced_at": to_iso(now),
                "replaced_by": storable(author),
            },
        )
        self.db.update("events", before.id, {**changes, "revision": before.revision + 1, "edited_at": to_iso(now)})

    def retract_event(self, event_id: int, *, author: str = "", reason: str = "") -> TimelineEvent:
        """Mark an event as retracted. It stays in the record, shown struck out. Retracting the event
        that records a milestone clears the milestone (detected and declared cannot be cleared);
        retracting an item's latest change of state undoes it."""
        now = self.clock()
        with self.transaction():
            before = self.event(event_id)
            if before.is_retracted:
                return before
            if before.milestone is not None:
                if before.milestone in REQUIRED_MILESTONES:
                    raise ValueError(
                        f"this event records when the incident was {before.milestone.value}: "
                        "correct its time instead of retracting it"
                    )
                self._update_incident(before.incident_id, {milestone_column(before.milestone): None}, now)
            self._sync_containment_change(before, retracted=True, author=author, now=now)
            self._retract(before, author, reason, now)
        return self.event(event_id)

    def _retract(self, event: TimelineEvent, author: str, reason: str, now: datetime) -> None:
        self.db.update(
            "events",
            event.id,
            {
                "retracted_at": to_iso(now),
                "retracted_by": storable(author),
                "retraction_reason": storable(reason),
            },
        )

    def event_history(self, event_id: int) -> list[EventRevision]:
        """Earlier versions of an event, oldest first."""
        return [
            rows.revision_from_row(r)
            for r in self.query_rows("SELECT * FROM event_revisions WHERE event_id = ? ORDER BY revision", [event_id])
        ]

    def events_page(
        self,
        incident_id: int,
        offset: int,
        limit: int,
        total: int | None = None,
        shown: TimelineFilter = TimelineFilter.ALL,
    ) -> list[TimelineEvent]:
        """Events in timeline order (when they happened, then when recorded), those `shown` only.

        With `total` (the count of those events) a page in the newer half is read from the end,
        newest first, so that the tail a console shows costs what the head does: OFFSET walks
        every row it skips.
        """
        where = f"incident_id = ?{EVENT_FILTERS[shown]}"
        if total is not None and limit >= 0 and offset > total // 2:
            start = max(0, total - offset - limit)
            found = self.query_rows(
                f"SELECT * FROM events WHERE {where} ORDER BY occurred_at DESC, id DESC LIMIT ? OFFSET ?",
                [incident_id, min(limit, total - offset), start],
            )
            return [rows.event_from_row(r) for r in reversed(found)]
        return [
            rows.event_from_row(r)
            for r in self.query_rows(
                f"SELECT * FROM events WHERE {where} ORDER BY occurred_at, id LIMIT ? OFFSET ?",
                [incident_id, limit, offset],
            )
        ]

    def events_added_since(
        self, incident_id: int, after_id: int, shown: TimelineFilter = TimelineFilter.ALL
    ) -> tuple[int, int, datetime | None]:
        """How many events (of those `shown`) the incident gained with a row id above `after_id`,
        the highest id of any event, and the earliest time one of those shown happened (to tell
        appended events from back-dated ones).

        Events are never deleted, so a console can keep its count by adding these instead of
        counting every row again; the rowid range makes it cost only the new rows.
        """
        # From the start, the incident's index is the short way; after a known id, the rowid range
        # is (`+incident_id` keeps the planner off the index, which would walk every event).
        condition = EVENT_FILTERS[shown].removeprefix(" AND ") or "1"
        columns = f"count(*) FILTER (WHERE {condition}), max(id), min(occurred_at) FILTER (WHERE {condition})"
        sql = (
            f"SELECT {columns} FROM events WHERE incident_id = ? AND id > ?"
            if after_id <= 0
            else f"SELECT {columns} FROM events WHERE +incident_id = ? AND id > ?"
        )
        with self.reading() as db:
            added, highest, earliest = db.execute(sql, [incident_id, after_id]).fetchone()
        return added, highest or after_id, parse_iso(earliest) if earliest else None

    def events_counted(self, incident_id: int, shown: TimelineFilter = TimelineFilter.ALL) -> tuple[int, int]:
        """How many events (of those `shown`) the incident has, and the highest event id in the
        file: what a timeline starts from, to go on with `events_added_since` after that id.

        Events are never deleted and a new row's id is above every id before it, so the
        incident's later events are exactly its events above the file's highest id now. Two plain
        reads in one statement: a bare count walks the incident's index without decoding it (a third of the time
        `events_added_since(.., 0)` takes, which reads every entry's id), and the highest id is the
        table's last row. The pages the count read are not kept in memory.
        """
        with self.reading() as db:
            # One statement, so one snapshot: a row another console adds meanwhile is either
            # counted and below the highest id, or neither (then `events_added_since` finds it).
            count, highest = db.execute(
                f"SELECT (SELECT count(*) FROM events WHERE incident_id = ?{EVENT_FILTERS[shown]}),"
                " (SELECT max(id) FROM events)",
                [incident_id],
            ).fetchone()
            # The count read every page of the incident's index (4 MB at 100,000 events): the
            # connection's cache kept 2 MB of them, for as long as the console runs. Let go.
            db.execute("PRAGMA shrink_memory")
        return count, highest or 0

    def events(self, incident_id: int) -> list[TimelineEvent]:
        return self.events_page(incident_id, 0, -1)

    def event_position(self, event_id: int, shown: TimelineFilter = TimelineFilter.ALL) -> int:
        """The event's index in its incident's timeline order, among the events `shown` (where it
        would be, when it is not one of them)."""
        event = self.event(event_id)
        position = self.scalar(
            "SELECT count(*) FROM events WHERE incident_id = ? AND (occurred_at < ? OR (occurred_at = ? AND id < ?))"
            + EVENT_FILTERS[shown],
            [event.incident_id, to_iso(event.occurred_at), to_iso(event.occurred_at), event.id],
        )
        return int(position)

    # -- hypotheses -----------------------------------------------------------------------------

    def add_hypothesis(
        self,
        incident_id: int,
        statement: str,
        *,
        evidence_for: str = "",
        evidence_against: str = "",
        test: str = "",
        author: str = "",
        source: EventSource = EventSource.CONSOLE,
        at: datetime | None = None,
    ) -> Hypothesis:
        """`at`: when it was formed (back-filling an outage), else now."""
        statement = storable(statement).strip()
        if not statement:
            raise ValueError("a hypothesis needs a statement")
        now = self.clock()
        if at is not None:
            not_in_future(at, now, "the time of the hypothesis")
        with self.transaction() as db:
            self.incident(incident_id)
            rank, number = db.execute(
                "SELECT coalesce(max(rank), 0) + 1, coalesce(max(number), 0) + 1 FROM hypotheses WHERE incident_id = ?",
                [incident_id],
            ).fetchone()
            hypothesis_id = self._insert(
                "hypotheses",
                {
                    "uuid": new_uuid(),
                    "incident_id": incident_id,
                    "statement": statement,
                    "evidence_for": storable(evidence_for),
                    "evidence_against": storable(evidence_against),
                    "test": storable(test),
                    "result": HypothesisResult.OPEN.value,
                    "rank": rank,
                    "number": number,
                    "author": storable(author),
                    "created_at": to_iso(now),
                    "updated_at": to_iso(now),
                },
            )
            self._event(
                incident_id,
                EventKind.HYPOTHESIS,
                f"Hypothesis H{number}: {statement}",
                author,
                source,
                now,
                occurred_at=at,
            )
        return self.hypothesis(hypothesis_id)

    def hypothesis(self, hypothesis_id: int) -> Hypothesis:
        row = self.query_row("SELECT * FROM hypotheses WHERE id = ?", [hypothesis_id])
        if row is None:
            raise NotFound(f"no hypothesis {hypothesis_id} in {self.path}")
        return rows.hypothesis_from_row(row)

    def hypotheses(self, incident_id: int) -> list[Hypothesis]:
        return [
            rows.hypothesis_from_row(r)
            for r in self.query_rows("SELECT * FROM hypotheses WHERE incident_id = ? ORDER BY rank, id", [incident_id])
        ]

    def update_hypothesis(
        self, hypothesis_id: int, *, author: str = "", source: EventSource = EventSource.CONSOLE, **fields: str
    ) -> Hypothesis:
        """Change statement, evidence_for, evidence_against or test."""
        allowed = {"statement", "evidence_for", "evidence_against", "test"}
        if set(fields) - allowed:
            raise ValueError(f"unknown hypothesis fields: {sorted(set(fields) - allowed)}")
        now = self.clock()
        with self.transaction():
            before = self.hypothesis(hypothesis_id)
            changes = {k: storable(v) for k, v in fields.items() if storable(v) != getattr(before, k)}
            if "statement" in changes and not changes["statement"].strip():
                raise ValueError("a hypothesis needs a statement")
            if not changes:
                return before
            self.db.update("hypotheses", hypothesis_id, {**changes, "updated_at": to_iso(now)})
            described = "; ".join(f"{name.replace('_', ' ')}: {value}" for name, value in changes.items())
            self._event(
                before.incident_id,
                EventKind.HYPOTHESIS,
                f"Hypothesis {before.label} updated: {described}",
                author,
                source,
                now,
            )
        return self.hypothesis(hypothesis_id)

    def set_hypothesis_result(
        self,
        hypothesis_id: int,
        result: HypothesisResult,
        *,
        author: str = "",
        source: EventSource = EventSource.CONSOLE,
        at: datetime | None = None,
    ) -> Hypothesis:
        """`at`: when the test settled it (back-filling an outage), else now."""
        now = self.clock()
        if at is not None:
            not_in_future(at, now, "the time of the result")
        with self.transaction():
            before = self.hypothesis(hypothesis_id)
            if before.result == result:
                return before
            self.db.update("hypotheses", hypothesis_id, {"result": result.value, "updated_at": to_iso(now)})
            self._event(
                before.incident_id,
                EventKind.HYPOTHESIS,
                f"Hypothesis {before.label} {result.value}: {before.statement}",
                author,
                source,
                now,
                occurred_at=at,
                key_moment=result is HypothesisResult.CONFIRMED,
            )
        return self.hypothesis(hypothesis_id)

    def move_hypothesis(self, hypothesis_id: int, offset: int) -> list[Hypothesis]:
        """Move a hypothesis up (negative) or down the ranking; ranks stay 1..n, numbers (H1, H2...) never change."""
        with self.transaction():
            moving = self.hypothesis(hypothesis_id)
            ordered = self.hypotheses(moving.incident_id)
            index = next(i for i, h in enumerate(ordered) if h.id == hypothesis_id)
            target = max(0, min(len(ordered) - 1, index + offset))
            ordered.insert(target, ordered.pop(index))
            for rank, hypothesis in enumerate(ordered, start=1):
                if hypothesis.rank != rank:
                    self.db.update("hypotheses", hypothesis.id, {"rank": rank, "updated_at": to_iso(self.clock())})
        return self.hypotheses(moving.incident_id)

    # -- containment ----------------------------------------------------------------------------

    def _insert_containment(
        self, incident_id: int, action: str, when_to_use: str, position: int, custom: bool, now: datetime
    ) -> int:
        return self._insert(
            "containment",
            {
                "uuid": new_uuid(),
                "incident_id": incident_id,
                "action": storable(action),
                "when_to_use": storable(when_to_use),
                "custom": int(custom),
                "state": ContainmentState.PENDING.value,
                "position": position,
                "changed_by": "",
                "changed_at": None,
                "updated_at": to_iso(now),
            },
        )

    def containment(self, incident_id: int) -> list[ContainmentAction]:
        return [
            rows.containment_from_row(r)
            for r in self.query_rows(
                "SELECT * FROM containment WHERE incident_id = ? ORDER BY position, id", [incident_id]
            )
        ]

    def containment_action(self, action_id: int) -> ContainmentAction:
        row = self.query_row("SELECT * FROM containment WHERE id = ?", [action_id])
        if row is None:
            raise NotFound(f"no containment action {action_id} in {self.path}")
        return rows.containment_from_row(row)

    def add_containment(
        self,
        incident_id: int,
        action: str,
        when_to_use: str = "",
        *,
        author: str = "",
        source: EventSource = EventSource.CONSOLE,
    ) -> ContainmentAction:
        action = storable(action).strip()
        if not action:
            raise ValueError("a containment action needs a name")
        now = self.clock()
        with self.transaction() as db:
            self.incident(incident_id)
            position = db.execute(
                "SELECT coalesce(max(position), 0) + 1 FROM containment WHERE incident_id = ?", [incident_id]
            ).fetchone()[0]
            action_id = self._insert_containment(incident_id, action, when_to_use, position, True, now)
            self._event(incident_id, EventKind.CONTAINMENT, f"Containment action added: {action}", author, source, now)
        return self.containment_action(action_id)

    def set_containment_state(
        self,
        action_id: int,
        state: ContainmentState,
        *,
        at: datetime | None = None,
        detail: str | None = None,
        owner: str | None = None,
        author: str = "",
        source: EventSource = EventSource.CONSOLE,
    ) -> ContainmentAction:
        """Set an item's state directly (any state from any state), with what was done and who owns
        it, at `at` (default now; back-dating is expected). One timeline event per change, carrying
        the item's UUID and both states so the change can be undone; only a change to done is a key
        moment. With the state unchanged, a new detail or owner is recorded as such, and `at`
        re-dates the item's latest change."""
        now = self.clock()
        if at is not None:
            not_in_future(at, now, "the time of the change")
        with self.transaction():
            before = self.containment_action(action_id)
            if before.state == state:
                self._update_containment(before, detail, owner, author, source, now)
                if at is not None and at != before.changed_at:
                    self._redate_latest_change(before, at, author, now)
                return self.containment_action(action_id)
            detail = before.detail if detail is None else storable(detail).strip()
            owner_changed = owner is not None and storable(owner).strip() != before.owner
            owner = before.owner if owner is None else storable(owner).strip()
            when = at or now
            self.db.update(
                "containment",
                action_id,
                {
                    "state": state.value,
                    "changed_by": storable(author),
                    "changed_at": to_iso(when),
                    "updated_at": to_iso(now),
                    "detail": detail,
                    "owner": owner,
                },
            )
            text = f"{before.action}: {before.state.label} → {state.label}"
            if detail:
                text += f" — {detail}"
            if owner_changed:
                text += f" (owner: {owner})" if owner else " (owner cleared)"
            self._containment_event(
                before,
                text,
                author,
                source,
                now,
                occurred_at=when,
                state_from=before.state,
                state_to=state,
                key_moment=state is ContainmentState.DONE,
            )
            if state.is_taken:
                self._advance_phase(self.incident(before.incident_id), Phase.CONTAINMENT, author, source, now, at=when)
        return self.containment_action(action_id)

    def advance_containment(
        self, action_id: int, *, author: str = "", source: EventSource = EventSource.CONSOLE
    ) -> ContainmentAction:
        """`space`: pending -> in progress -> done -> pending (n/a -> pending)."""
        current = self.containment_action(action_id)
        return self.set_containment_state(action_id, current.state.next, author=author, source=source)

    def update_containment(
        self,
        action_id: int,
        *,
        detail: str | None = None,
        owner: str | None = None,
        author: str = "",
        source: EventSource = EventSource.CONSOLE,
    ) -> ContainmentAction:
        """Change what was done and who owns it; the change is on the timeline."""
        now = self.clock()
        with self.transaction():
            before = self.containment_action(action_id)
            self._update_containment(before, detail, owner, author, source, now)
        return self.containment_action(action_id)

    def undo_containment(
        self, action_id: int, *, author: str = "", source: EventSource = EventSource.CONSOLE
    ) -> ContainmentAction:
        """Undo the item's latest change of state: its event is retracted (kept, marked "undone")
        and the item goes back to the state before it, with the previous change's who and when."""
        now = self.clock()
        with self.transaction():
            item = self.containment_action(action_id)
            changes = self._state_changes(item)
            if not changes:
                raise ValueError(f"nothing to undo: {item.action} has no recorded change of state")
            self._undo_change(item, changes, author, "undone", now)
        return self.containment_action(action_id)

    def _state_changes(self, item: ContainmentAction) -> list[TimelineEvent]:
        """The item's changes of state that stand (not retracted), latest first."""
        return [
            rows.event_from_row(row)
            for row in self.db.query(
                "SELECT * FROM events WHERE containment_uuid = ? AND state_to IS NOT NULL AND retracted_at IS NULL "
                "ORDER BY id DESC",
                [item.uuid],
            )
        ]

    def _undo_change(
        self, item: ContainmentAction, changes: list[TimelineEvent], author: str, reason: str, now: datetime
    ) -> None:
        """Retract `changes[0]` (the latest) and put the item back as the change before left it."""
        latest, previous = changes[0], changes[1] if len(changes) > 1 else None
        self.db.update(
            "events",
            latest.id,
            {
                "retracted_at": to_iso(now),
                "retracted_by": storable(author),
                "retraction_reason": reason,
            },
        )
        self.db.update(
            "containment",
            item.id,
            {
                "state": (latest.state_from or ContainmentState.PENDING).value,
                "changed_by": previous.author if previous else "",
                "changed_at": to_iso(previous.occurred_at) if previous else None,
                "updated_at": to_iso(now),
            },
        )

    def _update_containment(
        self,
        before: ContainmentAction,
        detail: str | None,
        owner: str | None,
        author: str,
        source: EventSource,
        now: datetime,
    ) -> None:
        changes, said = {}, []
        if detail is not None and storable(detail).strip() != before.detail:
            changes["detail"] = storable(detail).strip()
            said.append(f"what was done: {changes['detail']}" if changes["detail"] else "what was done: cleared")
        if owner is not None and storable(owner).strip() != before.owner:
            changes["owner"] = storable(owner).strip()
            said.append(f"owner: {changes['owner']}" if changes["owner"] else "owner: cleared")
        if not changes:
            return
        self.db.update("containment", before.id, {**changes, "updated_at": to_iso(now)})
        self._containment_event(before, f"{before.action} — {'; '.join(said)}", author, source, now)

    def _redate_latest_change(self, item: ContainmentAction, at: datetime, author: str, now: datetime) -> None:
        changes = self._state_changes(item)
        if not changes:
            raise ValueError(f"{item.action} has no change of state to date: set a state first")
        latest = changes[0]
        self._edit_event(latest, author, now, occurred_at=at)
        # The phase this change moved into Containment moved at the same moment: it goes with it.
        caused = self.query_row(
            "SELECT * FROM events WHERE incident_id = ? AND kind = ? AND text LIKE ? AND retracted_at IS NULL"
            " AND recorded_at = ? AND occurred_at = ? ORDER BY id LIMIT 1",
            [
                item.incident_id,
                EventKind.STATUS_CHANGE.value,
                f"Phase % → {Phase.CONTAINMENT.value}",
                to_iso(latest.recorded_at),
                to_iso(latest.occurred_at),
            ],
        )
        if caused is not None:
            self._edit_event(rows.event_from_row(caused), author, now, occurred_at=at)

    def _containment_event(
        self,
        item: ContainmentAction,
        text: str,
        author: str,
        source: EventSource,
        now: datetime,
        *,
        occurred_at: datetime | None = None,
        state_from: ContainmentState | None = None,
        state_to: ContainmentState | None = None,
        key_moment: bool = False,
    ) -> int:
        event_id = self._event(
            item.incident_id,
            EventKind.CONTAINMENT,
            text,
            author,
            source,
            now,
            occurred_at=occurred_at,
            key_moment=key_moment,
        )
        self.db.update(
            "events",
            event_id,
            {
                "containment_uuid": item.uuid,
                "state_from": state_from.value if state_from else None,
                "state_to": state_to.value if state_to else None,
            },
        )
        return event_id

    def _sync_containment_change(
        self,
        event: TimelineEvent,
        *,
        occurred_at: datetime | None = None,
        retracted: bool = False,
        author: str = "",
        now: datetime,
    ) -> None:
        """An event recording an item's latest change of state was re-dated (the item's time of
        change moves with it) or retracted (the change is undone)."""
        if not event.containment_uuid or event.state_to is None or event.is_retracted:
            return
        row = self.db.execute("SELECT id FROM containment WHERE uuid = ?", [event.containment_uuid]).fetchone()
        if row is None:
            return
        item = self.containment_action(row[0])
        changes = self._state_changes(item)
        if not changes or changes[0].id != event.id:
            return  # an earlier change: the item's state and time are a later one's
        if retracted:
            self._undo_change(item, changes, author, "", now)
        elif occurred_at is not None:
            self.db.update("containment", item.id, {"changed_at": to_iso(occurred_at), "updated_at": to_iso(now)})

    # -- signal notices held back by the rate limiter ------------------------------------------

    def held_notices(self) -> list[HeldNotice]:
        return [
            HeldNotice(r["key"], r["text"], parse_iso(r["occurred_at"]), r["incident_id"])
            for r in self.query_rows("SELECT * FROM held_notices ORDER BY occurred_at, key")
        ]

    def record_signal_notices(
        self, incident_id: int | None, passed: Iterable[Notice], held: Iterable[Notice] = ()
    ) -> list[Notice]:
        """In one transaction: write the notices the limits let through as `signal` events, and
        keep the ones still held back (latest per key) in the file.

        A notice that had been held belongs to the incident that was open when its signal changed
        (kept with it), written there even if that incident was resolved since; any other (or one
        held while no incident was open) to `incident_id`, the incident open now. A held row is
        deleted with the event it becomes.
        Returns the notices that belong to no incident (nothing was open): the caller keeps them
        for the next incident declared."""
        now = self.clock()
        orphans = []
        with self.transaction():
            waiting = {notice.key: notice for notice in self.held_notices()}
            for notice in passed:
                row = waiting.pop(notice.key, None)
                # Held while nothing was open: like any early notice, it goes to the incident open now.
                held_for = row.incident_id if row and row.occurred_at == notice.occurred_at else None
                target = held_for if held_for is not None else incident_id
                if row is not None:
                    self.db.execute("DELETE FROM held_notices WHERE key = ?", [notice.key])
                if target is None:
                    orphans.append(notice)
                else:
                    self._event(
                        target,
                        EventKind.SIGNAL,
                        notice.text,
                        "",
                        EventSource.SIGNAL,
                        now,
                        occurred_at=notice.occurred_at,
                    )
            for notice in held:
                row = waiting.get(notice.key)
                if row is None or row.occurred_at != notice.occurred_at:
                    self.db.table("held_notices").upsert(
                        {
                            "key": notice.key,
                            "incident_id": incident_id,
                            "text": storable(notice.text),
                            "occurred_at": to_iso(notice.occurred_at),
                            "held_at": to_iso(now),
                        },
                        pk="key",
                    )
        return orphans

    def release_held_notices(self) -> list[HeldNotice]:
        """A console starting: the notices an earlier run was holding back are written to their
        incidents now (their hold ended with that run), each with its own time, and deleted in the
        same transaction. Returns (and deletes) the ones that belong to no incident."""
        now = self.clock()
        with self.transaction():
            held = self.held_notices()
            for notice in held:
                if notice.incident_id is not None:
                    self._event(
                        notice.incident_id,
                        EventKind.SIGNAL,
                        notice.text,
                        "",
                        EventSource.SIGNAL,
                        now,
                        occurred_at=notice.occurred_at,
                    )
            self.db.execute("DELETE FROM held_notices")
        return [notice for notice in held if notice.incident_id is None]

    # -- status updates, action items, post-mortem ----------------------------------------------

    def record_status_update(
        self,
        incident_id: int,
        text: str,
        *,
        status: str = "",
        impact: str = "",
        current_action: str = "",
        eta: str = "",
        next_update: str = "",
        format: str = "markdown",
        author: str = "",
        source: EventSource = EventSource.CONSOLE,
    ) -> StatusUpdate:
        """Store the exact text sent, and put it on the timeline."""
        now = self.clock()
        with self.transaction():
            self.incident(incident_id)
            update_id = self._insert(
                "status_updates",
                {
                    "uuid": new_uuid(),
                    "incident_id": incident_id,
                    "status": storable(status),
                    "impact": storable(impact),
                    "current_action": storable(current_action),
                    "eta": storable(eta),
                    "next_update": storable(next_update),
                    "text": storable(text),
                    "format": format,
                    "sent_at": to_iso(now),
                    "author": storable(author),
                },
            )
            self._event(incident_id, EventKind.STATUS_UPDATE, f"Status update sent:\n{text}", author, source, now)
        return self.status_update(update_id)

    def status_update(self, update_id: int) -> StatusUpdate:
        row = self.query_row("SELECT * FROM status_updates WHERE id = ?", [update_id])
        if row is None:
            raise NotFound(f"no status update {update_id} in {self.path}")
        return rows.status_update_from_row(row)

    def status_updates(self, incident_id: int) -> list[StatusUpdate]:
        return [
            rows.status_update_from_row(r)
            for r in self.query_rows(
                "SELECT * FROM status_updates WHERE incident_id = ? ORDER BY sent_at, id", [incident_id]
            )
        ]

    def add_action_item(
        self, incident_id: int, action: str, *, owner: str = "", due_date: str = "", priority: Priority = Priority.P2
    ) -> ActionItem:
        action = storable(action).strip()
        if not action:
            raise ValueError("an action item needs an action")
        now = to_iso(self.clock())
        with self.transaction():
            self.incident(incident_id)
            item_id = self._insert(
                "action_items",
                {
                    "uuid": new_uuid(),
                    "incident_id": incident_id,
                    "action": action,
                    "owner": storable(owner),
                    "due_date": storable(due_date),
                    "priority": priority.value,
                    "status": ActionItemStatus.OPEN.value,
                    "created_at": now,
                    "updated_at": now,
                },
            )
        return self.action_item(item_id)

    def update_action_item(self, item_id: int, **fields: object) -> ActionItem:
        allowed = {"action", "owner", "due_date", "priority", "status"}
        if set(fields) - allowed:
            raise ValueError(f"unknown action item fields: {sorted(set(fields) - allowed)}")
        changes = {k: (v.value if hasattr(v, "value") else storable(str(v))) for k, v in fields.items()}
        with self.transaction():
            self.action_item(item_id)
            self.db.update("action_items", item_id, {**changes, "updated_at": to_iso(self.clock())})
        return self.action_item(item_id)

    def delete_action_item(self, item_id: int) -> None:
        """Remove an action item. Action items are the post-mortem's plan, not the timeline: an item
        added by mistake may go. (An older JSON export imported again brings it back.)"""
        with self.transaction():
            self.action_item(item_id)
            self.db.execute("DELETE FROM action_items WHERE id = ?", [item_id])

    def action_item(self, item_id: int) -> ActionItem:
        row = self.query_row("SELECT * FROM action_items WHERE id = ?", [item_id])
        if row is None:
            raise NotFound(f"no action item {item_id} in {self.path}")
        return rows.action_item_from_row(row)

    def action_items(self, incident_id: int) -> list[ActionItem]:
        return [
            rows.action_item_from_row(r)
            for r in self.query_rows(
                "SELECT * FROM action_items WHERE incident_id = ? ORDER BY priority, id", [incident_id]
            )
        ]

    def set_postmortem_sections(
        self,
        incident_id: int,
        bodies: Mapping[Section, str],
        *,
        author: str = "",
        loaded: Mapping[Section, int] | None = None,
    ) -> dict[Section, SectionSave]:
        """Write several post-mortem sections at once: all of them, or none. No text is lost: the
        text a section held is kept as a revision (see `write_postmortem_section`).

        `loaded`: the revision of each section the writer last saw (0: none written yet). A section
        changed since then is a conflict, resolved without dropping either text: if one text holds
        the other whole at its start or end, the longer one is the section; otherwise the writer's
        text becomes the section and the other kept as a revision, reported in `SectionSave.conflict`.
        A writer that saw nothing (the CLI, a script) replaces the text, the old one kept."""
        now = self.clock()
        with self.transaction():
            self.incident(incident_id)
            return {
                Section(section): self.write_postmortem_section(
                    incident_id,
                    Section(section),
                    body,
                    author=author,
                    now=now,
                    loaded=None if loaded is None else loaded.get(Section(section), 0),
                )
                for section, body in bodies.items()
            }

    def write_postmortem_section(
        self,
        incident_id: int,
        section: Section,
        body: str,
        *,
        author: str,
        now: datetime,
        loaded: int | None = None,
        reason: str = "edit",
    ) -> SectionSave:
        """One section, inside a transaction: THE rule for every writer (editor, CLI, import)."""
        body = storable(body)
        row = self.query_row(
            "SELECT * FROM postmortem_sections WHERE incident_id = ? AND section = ?", [incident_id, section.value]
        )
        if row is None:
            self.db.insert(
                "postmortem_sections",
                {
                    "incident_id": incident_id,
                    "section": section.value,
                    "body": body,
                    "revision": 1,
                    "updated_by": storable(author),
                    "updated_at": to_iso(now),
                },
            )
            return SectionSave(section, body, 1)
        current = row["body"] or ""
        if body == current:
            return SectionSave(section, current, row["revision"])
        under_you = loaded is not None and loaded != row["revision"]
        if under_you and (current.startswith(body) or current.endswith(body)):
            return SectionSave(section, current, row["revision"])  # theirs already holds yours whole
        holds_theirs = body.startswith(current) or body.endswith(current)
        conflict = under_you and not holds_theirs
        kept = None
        # Your own text replaced within minutes, by you, having seen it, is a draft in progress (an
        # autosave every pause): not kept. Everything else is.
        own_draft = (
            loaded is not None
            and not under_you
            and row["updated_by"] == storable(author)
            and reason == "edit"
            and row["updated_at"]
            and now - parse_iso(row["updated_at"]) < OWN_DRAFT_WINDOW
        )
        if current.strip() and not own_draft:
            kept = self._keep_section_revision(row, author, now, "conflict" if conflict else reason)
        self.db.execute(
            "UPDATE postmortem_sections SET body = ?, revision = ?, updated_by = ?, updated_at = ? "
            "WHERE incident_id = ? AND section = ?",
            [body, row["revision"] + 1, storable(author), to_iso(now), incident_id, section.value],
        )
        return SectionSave(section, body, row["revision"] + 1, kept if conflict else None)

    def _keep_section_revision(self, row: dict[str, Any], author: str, now: datetime, reason: str) -> SectionRevision:
        kept = {
            "incident_id": row["incident_id"],
            "section": row["section"],
            "revision": row["revision"],
            "body": row["body"] or "",
            "written_by": row["updated_by"] or "",
            "written_at": row["updated_at"],
            "replaced_by": storable(author),
            "replaced_at": to_iso(now),
            "reason": reason,
        }
        self._insert("postmortem_section_revisions", kept)
        return rows.section_revision_from_row(kept)

    def postmortem_sections(self, incident_id: int) -> dict[Section, str]:
        return {
            Section(r["section"]): r["body"]
            for r in self.query_rows(
                "SELECT section, body FROM postmortem_sections WHERE incident_id = ?", [incident_id]
            )
        }

    def postmortem_section_states(self, incident_id: int) -> dict[Section, SectionState]:
        """Each written section's text with its revision, read together (what an editor loads)."""
        return {
            Section(r["section"]): SectionState(
                r["body"] or "",
                r["revision"],
                r["updated_by"] or "",
                parse_iso(r["updated_at"]) if r["updated_at"] else None,
            )
            for r in self.query_rows("SELECT * FROM postmortem_sections WHERE incident_id = ?", [incident_id])
        }

    def postmortem_section_history(self, incident_id: int, section: Section) -> list[SectionRevision]:
        """The texts a section held before its current one, oldest first."""
        return [
            rows.section_revision_from_row(r)
            for r in self.query_rows(
                "SELECT * FROM postmortem_section_revisions WHERE incident_id = ? AND section = ?"
                " ORDER BY revision, id",
                [incident_id, Section(section).value],
            )
        ]

    def record(self, key: int | str) -> IncidentRecord:
        """Everything about one incident, read in one transaction so the parts agree."""
        with self.reading() as db, db.atomic():
            incident = self.incident(key)
            return IncidentRecord(
                incident=incident,
                events=self.events(incident.id),
                hypotheses=self.hypotheses(incident.id),
                containment=self.containment(incident.id),
                status_updates=self.status_updates(incident.id),
                action_items=self.action_items(incident.id),
                sections=self.postmortem_sections(incident.id),
            )

    def record_digest(self, key: int | str) -> IncidentRecord:
        """The record as the status update and the post-mortem (editor and export) draw it, without
        reading a long timeline whole: its `events` are only the key moments, the first alerts
        (`alert_count` counts all that stand), the latest action or decision with the containment
        changes after it, and each author's first event. Everything else is read as by `record`,
        in one transaction, and every draft and table renders from it as from `record`."""
        with self.reading() as db, db.atomic():
            incident = self.incident(key)
            where = "FROM events WHERE incident_id = :id"
            params = {"id": incident.id, "listed": ALERTS_LISTED}
            found: dict[int, dict[str, Any]] = {}

            def take(sql: str, extra: dict[str, Any] | None = None) -> list[dict[str, Any]]:
                got = self.query_rows(sql, {**params, **(extra or {})})
                found.update((row["id"], row) for row in got)
                return got

            # Each from an index of its own (m007), never a pass over the whole timeline: the key
            # moments, the count of the alerts that stand, and the first alerts.
            take(f"SELECT * {where} AND key_moment = 1")
            alert_count = int(
                self.scalar(f"SELECT count(*) {where} AND kind = 'alert' AND retracted_at IS NULL", params)
            )
            take(f"SELECT * {where} AND kind = 'alert' AND retracted_at IS NULL ORDER BY occurred_at, id LIMIT :listed")
            # `render.status.latest_action`: the latest action or decision that stands is the
            # current action unless a containment change after it still stands.
            latest = take(
                f"SELECT * {where} AND kind IN ('action', 'decision') AND retracted_at IS NULL "
                "ORDER BY occurred_at DESC, id DESC LIMIT 1"
            )
            after = latest[0] if latest else {"occurred_at": "", "id": 0}
            take(
                f"SELECT * {where} AND kind = 'containment' "
                "AND (occurred_at > :at OR (occurred_at = :at AND id > :after))",
                {"at": after["occurred_at"], "after": after["id"]},
            )
            # Responders in order of appearance: each author's first event, found by stepping from
            # one author to the next in the (incident, author, time) index.
            take(
                "WITH RECURSIVE authors(name) AS (SELECT min(author) FROM events WHERE incident_id = :id "
                "UNION ALL SELECT (SELECT min(author) FROM events WHERE incident_id = :id AND author > name) "
                "FROM authors WHERE name IS NOT NULL) "
                "SELECT events.* FROM authors JOIN events ON events.id = (SELECT id FROM events "
                "WHERE incident_id = :id AND author = authors.name ORDER BY occurred_at, id LIMIT 1)"
            )
            events = [rows.event_from_row(found[i]) for i in sorted(found, key=lambda i: (found[i]["occurred_at"], i))]
            return IncidentRecord(
                incident=incident,
                events=events,
                hypotheses=self.hypotheses(incident.id),
                containment=self.containment(incident.id),
                status_updates=self.status_updates(incident.id),
                action_items=self.action_items(incident.id),
                sections=self.postmortem_sections(incident.id),
                alert_count=alert_count,
            )

    # -- the archive: listing (archive.py), search and similar incidents (search.py) ------------

    def incident_summaries(
        self,
        *,
        statuses: Iterable[Status] | None = None,
        severities: Iterable[Severity] | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        sort: str = "started",
        descending: bool = True,
        now: datetime | None = None,
        event_counts: bool = False,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[IncidentSummary]:
        """Incidents for the list: filtered by status, severity and when they started
        (`since` <= started < `until`), sorted by one of SUMMARY_SORTS (ties: by id, the same way).
        Open incidents' durations run to `now` (default: the store's clock). `limit` and `offset`:
        one page of that list (a list on screen reads the rows in view).

        Event counts walk every event's index entry (50-100 ms at a million events), so they are
        counted only with `event_counts` or when sorting by them."""
        with self.reading() as db:
            return archive.incident_summaries(
                db,
                now=now or self.clock(),
                statuses=statuses,
                severities=severities,
                since=since,
                until=until,
                sort=sort,
                descending=descending,
                event_counts=event_counts,
                limit=limit,
                offset=offset,
            )

    def count_incident_summaries(
        self,
        *,
        statuses: Iterable[Status] | None = None,
        severities: Iterable[Severity] | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> int:
        """How many incidents `incident_summaries` lists with these filters."""
        with self.reading() as db:
            return archive.count_incident_summaries(
                db, statuses=statuses, severities=severities, since=since, until=until
            )

    def incident_summary_position(
        self,
        incident_id: int,
        *,
        statuses: Iterable[Status] | None = None,
        severities: Iterable[Severity] | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        sort: str = "started",
        descending: bool = True,
        now: datetime | None = None,
    ) -> int | None:
        """The incident's row in `incident_summaries` with these filters and sort (None: not listed)."""
        with self.reading() as db:
            return archive.incident_summary_position(
                db,
                incident_id,
                now=now or self.clock(),
                statuses=statuses,
                severities=severities,
                since=since,
                until=until,
                sort=sort,
                descending=descending,
            )

    def search(self, text: str, *, limit: int = 50, offset: int = 0, incident_id: int | None = None) -> list[SearchHit]:
        """Where the words of `text` (all of them, each taken literally) occur: titles, triage
        fields, hypotheses and post-mortem sections first, newest incident first, then timeline
        entries, most recently written first. Raises search.SearchUnavailable without FTS5."""
        with self.reading() as db:
            return search.search(db, self.path, text, limit=limit, offset=offset, incident_id=incident_id)

    def similar_incidents(self, text: str, *, exclude_incident_id: int | None, limit: int = 5) -> list[SimilarIncident]:
        """Other incidents sharing words with `text` (triage or hypothesis text), closest first,
        with their confirmed hypotheses and post-mortem root cause and resolution."""
        with self.reading() as db:
            return search.similar_incidents(db, self.path, text, exclude_incident_id=exclude_incident_id, limit=limit)

    # -- reviewing and reopening a resolved incident --------------------------------------------

    def events_of_kinds(self, incident_id: int, kinds: Iterable[EventKind]) -> list[TimelineEvent]:
        """The incident's events of these kinds, in timeline order (a resolved incident's recorded
        signals and evidence, without reading the rest of a long timeline)."""
        params: dict[str, Any] = {"incident_id": incident_id}
        found = self.query_rows(
            f"SELECT * FROM events WHERE incident_id = :incident_id AND "
            f"{archive.one_of('kind', [EventKind(kind).value for kind in kinds], params)} ORDER BY occurred_at, id",
            params,
        )
        return [rows.event_from_row(row) for row in found]

    def reopen_incident(
        self, incident_id: int, *, reason: str = "", author: str = "", source: EventSource = EventSource.CONSOLE
    ) -> Incident:
        """Take a resolved incident back to Investigating, in one transaction with its timeline event
        (a key moment saying who reopened it, why, and when it had been resolved). The resolved and
        closed times are cleared, so resolving it again stamps new ones, and the phase goes back
        from Post-Mortem to Resolution."""
        now = self.clock()
        reason = storable(reason).strip()
        with self.transaction():
            before = self.incident(incident_id)
            if before.is_open:
                raise ValueError(f"{before.ref} is not resolved ({before.status.value}): nothing to reopen")
            self._update_incident(incident_id, {"status": Status.INVESTIGATING.value}, now)
            # Cleared with their events retracted, so resolving again stamps new ones.
            self._set_milestones(before, {Milestone.RESOLVED: None, Milestone.CLOSED: None}, author, source, now)
            resolved = before.milestones.get(Milestone.RESOLVED)
            text = "Reopened" + (f" by {author}" if author else "")
            text += f": Status {before.status.value} → {Status.INVESTIGATING.value}"
            if resolved is not None:
                text += f" (had been resolved at {to_iso(resolved)})"
            if reason:
                text += f". Reason: {reason}"
            self._event(incident_id, EventKind.STATUS_CHANGE, text, author, source, now, key_moment=True)
            if before.phase is Phase.POST_MORTEM:
                self._write_phase(incident_id, before.phase, Phase.RESOLUTION, author, source, now)
        return self.incident(incident_id)
