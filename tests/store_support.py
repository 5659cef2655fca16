"""What tests ask of a store and the product never does: every incident as a list, an incident's
number of events, one post-mortem section written on its own. Kept here, not on `Store`, so the
store holds only what the product uses."""

from __future__ import annotations

from ir_console.model import Incident, Section
from ir_console.model.postmortem import SectionSave
from ir_console.store import Store
from ir_console.store.rows import incident_from_row

WHICH = {"open": "WHERE status != 'Resolved'", "resolved": "WHERE status = 'Resolved'", "all": ""}


def every_incident(store: Store, which: str = "all") -> list[Incident]:
    """Most recently declared first. `which`: open, resolved or all."""
    with store.reading() as db:
        found = db.query(f"SELECT * FROM incidents {WHICH[which]} ORDER BY declared_at DESC, id DESC")
        return [incident_from_row(row) for row in found]


def count_events(store: Store, incident_id: int) -> int:
    return int(store.scalar("SELECT count(*) FROM events WHERE incident_id = ?", [incident_id]))


def write_section(
    store: Store, incident_id: int, section: Section, body: str, *, author: str = "", loaded: int | None = None
) -> SectionSave:
    """One section through the product's own `set_postmortem_sections`."""
    saved = store.set_postmortem_sections(
        incident_id, {section: body}, author=author, loaded=None if loaded is None else {section: loaded}
    )
    return saved[Section(section)]
