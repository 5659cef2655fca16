"""Exporting a 10,000-event incident: the post-mortem as Markdown and the whole incident as JSON.

What `ir-console export ID` and `ir-console export ID --format json` do after opening the store:
read the record, render, serialise. Timed in process, each the median of `repeats` runs on a warm
connection (the first run is reported apart). The baseline is reading the same events with a plain
`SELECT * FROM events WHERE incident_id = ?` and joining their text: the least any export of them
costs.
"""

from __future__ import annotations

import time
from pathlib import Path

from benchmarks.data import build_incident
from benchmarks.report import Row, median, milliseconds, ratio
from ir_console.render.markdown import postmortem_markdown
from ir_console.store import Store
from ir_console.store.exchange import export_json

EVENTS = 10_000


def _timed(run, repeats: int) -> tuple[float, list[float]]:
    times = []
    for _ in range(repeats + 1):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return times[0], times[1:]


def measure(folder: Path, repeats: int = 10) -> tuple[list[Row], list[str]]:
    path = folder / "export.db"
    incident_id = build_incident(path, EVENTS)
    with Store.open(path, create=False) as store:
        raw = store.db.conn

        def baseline() -> str:
            rows = raw.execute(
                "SELECT * FROM events WHERE incident_id = ? ORDER BY occurred_at, id", [incident_id]
            ).fetchall()
            return "\n".join(str(row[6]) for row in rows)

        def markdown() -> str:  # as cli.export: the post-mortem drawn from the record digest
            return postmortem_markdown(store.record_digest(incident_id))

        def as_json() -> str:
            return export_json(store, incident_id)

        _, base = _timed(baseline, repeats)
        first_md, md = _timed(markdown, repeats)
        first_json, js = _timed(as_json, repeats)
        sizes = len(markdown().encode()), len(as_json().encode())
    rows = [
        Row(
            f"export post-mortem Markdown, {EVENTS:,}-event incident (median of {repeats})",
            milliseconds(md),
            milliseconds(base) + " (SELECT events)",
            ratio(median(md), median(base)),
            "≤ 1.5x",
        ),
        Row(
            f"export incident JSON, {EVENTS:,} events (median of {repeats})",
            milliseconds(js),
            milliseconds(base) + " (SELECT events)",
            ratio(median(js), median(base)),
            "≤ 3x",
        ),
    ]
    checks = [
        f"check: export sizes: Markdown {sizes[0] / 1024:.0f} KiB, JSON {sizes[1] / 1024:.0f} KiB; "
        f"first (cold) runs {first_md:.0f} ms and {first_json:.0f} ms"
    ]
    return rows, checks
