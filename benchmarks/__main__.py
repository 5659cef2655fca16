"""`python -m benchmarks [--write-results]`: build the databases, measure, print one table.

Progress goes to stderr; stdout is the table, the machine line and the checks. With
--write-results the same text is also written to benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import archive, data, export, idle, incidents_screen, keys, latency, startup, sync
from benchmarks.report import Row, machine, median, mib, ms, percentile, ratio, seconds, table, write_results

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
FIGURES = ("startup", "latency", "keys", "idle", "export", "archive", "incidents", "sync")
FIGURES += ("process", "memory")  # `ir-console log` as a whole process; RSS over 8 hours of signals
LARGE_ARCHIVE = 10_000  # incidents, for the incidents screen's second figure (10 events each)


def progress(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def newest_event_text(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT text FROM events ORDER BY occurred_at DESC, id DESC LIMIT 1").fetchone()[0]
    finally:
        conn.close()


def run_startup(dbs: data.Databases, repeats: int) -> dict[str, list[dict]]:
    configs = [("bare", None), ("empty", str(dbs.empty)), ("ten", str(dbs.ten)), ("large", str(dbs.large))]
    runs: dict[str, list[dict]] = {name: [] for name, _ in configs}
    for round_number in range(repeats + 1):  # round 0 warms the page cache and the .pyc files
        progress(f"startup round {round_number}/{repeats}" + (" (warm-up, discarded)" if round_number == 0 else ""))
        # Rotate the order each round so no configuration always runs right after another one.
        shift = round_number % len(configs)
        for name, db in configs[shift:] + configs[:shift]:
            result = startup.measure("bare" if db is None else "console", db, cwd=str(ROOT))
            if round_number:
                runs[name].append(result)
    return runs


def startup_rows(runs: dict[str, list[dict]], events: int) -> list[Row]:
    def values(name: str, key: str) -> list[float]:
        return [run[key] for run in runs[name]]

    bare_frame = values("bare", "spawn_to_frame")
    bare_rss = values("bare", "rss_kib")
    n = len(bare_frame)
    rows = []
    labels = [("large", f"{events:,} events"), ("ten", "10 events"), ("empty", "empty db, new-incident form")]
    for name, label in labels:
        frame = values(name, "spawn_to_frame")
        rows.append(
            Row(
                f"first frame, {label} (spawn→frame, median of {n})",
                seconds(frame),
                seconds(bare_frame),
                ratio(median(frame), median(bare_frame)),
                "≤ 1.6x" if name == "large" else "–",
            )
        )
    rows.append(
        Row(
            f"  CPU time at first frame, {events:,} events (process_time)",
            seconds(values("large", "cpu_to_frame")),
            seconds(values("bare", "cpu_to_frame")),
            ratio(median(values("large", "cpu_to_frame")), median(values("bare", "cpu_to_frame"))),
        )
    )
    for name, label in labels[:2]:
        rows.append(
            Row(
                f"  in process, {label}: Store.open+App()→frame / App()→frame",
                seconds(values(name, "app_to_frame")),
                seconds(values("bare", "app_to_frame")),
                ratio(median(values(name, "app_to_frame")), median(values("bare", "app_to_frame"))),
            )
        )
    rows.append(
        Row(
            f"  imports, {events:,} run (interpreter up→modules imported)",
            seconds(values("large", "imports")),
            seconds(values("bare", "imports")),
            ratio(median(values("large", "imports")), median(values("bare", "imports"))),
        )
    )
    rows.append(Row(f"  Store.open, {events:,} run", seconds(values("large", "store_open"))))
    for name, label in labels:
        rss = values(name, "rss_kib")
        rows.append(
            Row(
                f"peak RSS, {label} (median of {n})",
                mib(rss),
                mib(bare_rss),
                ratio(median(rss), median(bare_rss)),
                "≤ 1.4x" if name == "large" else "–",
            )
        )
    rows.append(
        Row(
            f"  RSS after imports, {events:,} run",
            mib(values("large", "rss_imported_kib")),
            mib(values("bare", "rss_imported_kib")),
            ratio(median(values("large", "rss_imported_kib")), median(values("bare", "rss_imported_kib"))),
        )
    )
    return rows


def latency_rows(result: latency.LatencyResult, events: int) -> list[Row]:
    console, base = result.console_ms, result.baseline_ms
    n = len(console)
    rows = [
        Row(
            f"Enter→visible p50 ({n} entries, {events:,} events)",
            ms(percentile(console, 50)),
            ms(percentile(base, 50)) + " (SQLite insert)",
            ratio(percentile(console, 50), percentile(base, 50)),
        ),
        Row(
            f"Enter→visible p99 ({n} entries, {events:,} events)",
            ms(percentile(console, 99)),
            ms(percentile(base, 99)) + " (SQLite insert)",
            ratio(percentile(console, 99), percentile(base, 99)),
            "≤ 33 ms",
        ),
    ]
    labels = {
        "dispatch": "key→write handed to writer thread",
        "write": "writer thread: add_event (fsync)",
        "refresh": "refresh_record() on the event loop",
        "wait": "→ frame starts (incl. 60 fps tick)",
        "render": "frame render",
        "pages": "of which events_page SQL",
    }
    for name, label in labels.items():
        parts = result.parts_ms.get(name) or []
        if parts:
            rows.append(
                Row(f"  {name}: {label}, p50 / p99", f"{ms(percentile(parts, 50))} / {ms(percentile(parts, 99))}")
            )
    if result.first_entry_ms is not None:
        rows.append(Row("  first entry (opens the writer connection; not in p50/p99)", ms(result.first_entry_ms)))
    return rows


def idle_rows(result: dict[str, dict]) -> list[Row]:
    """CPU share of one core, idle: signals at the shipped intervals and all at 1 Hz, against
    signals off (all in this run)."""

    def share(mode: str, key: str = "cpu") -> float:
        return 100 * result[mode][key] / result[mode]["wall"]

    wall = result["on"]["wall"]
    rows = []
    for mode, label, target in (
        ("defaults", "signals at the shipped intervals", "≤ +0.5% of a core"),
        ("on", "all signals at 1 Hz", "≤ +1% of a core"),
    ):
        rows += [
            Row(
                f"idle CPU, {label} ({wall:.0f} s, % of one core)",
                f"{share(mode):.2f}%",
                f"{share('off'):.2f}% (signals off)",
                ratio(share(mode), share("off")),
            ),
            Row("  added by the signals (console process)", f"{share(mode) - share('off'):+.2f}%", "–", "–", target),
            Row("  plus git log processes it spawned", f"{share(mode, 'children_cpu'):.2f}%"),
        ]
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--write-results", action="store_true", help="also write benchmarks/RESULTS.md")
    parser.add_argument("--repeats", type=int, default=5, help="startup runs per configuration (default 5)")
    parser.add_argument("--entries", type=int, default=200, help="timeline entries timed (default 200)")
    parser.add_argument("--events", type=int, default=100_000, help="events in the large incident")
    parser.add_argument(
        "--archive-incidents", type=int, default=archive.INCIDENTS, help="incidents in the archive (default 1,000)"
    )
    parser.add_argument(
        "--archive-events", type=int, default=archive.EVENTS, help="events in the archive (default 1,000,000)"
    )
    parser.add_argument(
        "--idle-seconds",
        type=float,
        default=30.0,
        help="seconds of idle console measured, signals on and off (default 30)",
    )
    parser.add_argument(
        "--only",
        action="append",
        choices=FIGURES,
        help="measure only these figures (repeatable; default all): " + ", ".join(FIGURES),
    )
    parser.add_argument("--tmpdir", type=Path, default=None, help="where to build the databases")
    parser.add_argument("--keep", action="store_true", help="keep the temporary databases")
    args = parser.parse_args(argv)

    started = time.monotonic()
    folder = Path(tempfile.mkdtemp(prefix="ir-console-bench-", dir=args.tmpdir))
    try:
        progress(f"building databases in {folder} ({args.events:,} events)")
        dbs = data.build_all(folder, args.events)
        newest = newest_event_text(dbs.large)

        only = set(args.only or FIGURES)
        rows: list[Row] = []
        checks: list[str] = []
        runs = lat = None
        if "startup" in only:
            runs = run_startup(dbs, args.repeats)
            rows += startup_rows(runs, args.events)

        if "latency" in only:
            progress(
                f"entry latency: {args.entries} entries (+{latency.WARMUP} warm-up) "
                f"on the {args.events:,}-event incident"
            )
            console_db = data.copy_database(dbs.large, folder / "latency-console.db")
            baseline_db = data.copy_database(dbs.large, folder / "latency-baseline.db")
            lat = latency.measure(console_db, baseline_db, dbs.large_incident, args.entries)
            rows += latency_rows(lat, args.events)

        if "keys" in only:
            progress(f"keys p, u and resolve on the {args.events:,}-event incident")
            key_rows, key_checks = keys.measure(
                data.copy_database(dbs.large, folder / "keys.db"), cwd=str(ROOT), repeats=args.repeats
            )
            rows += key_rows
            checks += key_checks

        if "idle" in only:
            progress(f"idle CPU: {args.idle_seconds:.0f} s each with signals off, at the defaults and at 1 Hz")
            idle_result = idle.measure(
                data.copy_database(dbs.ten, folder / "idle.db"), folder, args.idle_seconds, cwd=str(ROOT)
            )
            rows += idle_rows(idle_result)

        if "export" in only:
            progress(f"export of a {export.EVENTS:,}-event incident")
            export_rows, export_checks = export.measure(folder)
            rows += export_rows
            checks += export_checks

        if "process" in only:
            from benchmarks import process

            progress(f"`ir-console log` as a whole process, {process.RUNS} paired runs against a sqlite3 insert")
            process_rows, process_checks = process.measure(folder, cwd=str(ROOT))
            rows += process_rows
            checks += process_checks

        if "memory" in only:
            from benchmarks import memory

            progress(f"RSS over {memory.SAMPLES:,} simulated signal samples (8 hours at 1 Hz)")
            memory_rows, memory_checks = memory.measure(folder)
            rows += memory_rows
            checks += memory_checks

        if "archive" in only or "incidents" in only:
            progress(f"archive: {args.archive_incidents:,} incidents, {args.archive_events:,} events")
            built = archive.cached_archive(folder, args.archive_incidents, args.archive_events)
            if "archive" in only:
                archive_rows, archive_checks = archive.measure(built)
                rows += archive_rows
                checks += archive_checks
            if "incidents" in only:
                progress("incidents screen on the archive")
                screen_rows, screen_checks = incidents_screen.measure(built.path, cwd=str(ROOT))
                rows += screen_rows
                checks += screen_checks
                progress(f"incidents screen on {LARGE_ARCHIVE:,} incidents")
                large = archive.cached_archive(folder, LARGE_ARCHIVE, LARGE_ARCHIVE * 10)
                screen_rows, screen_checks = incidents_screen.measure(large.path, cwd=str(ROOT))
                rows += screen_rows
                checks += screen_checks

        if "sync" in only:
            built = archive.cached_archive(folder, args.archive_incidents, args.archive_events)
            progress(
                f"sync through a local nats-server: propagation, idle CPU ({args.idle_seconds:.0f} s each), "
                f"initial sync of the {built.incidents:,}-incident / {built.events:,}-event archive"
            )
            sync_rows, sync_checks = sync.measure(built.path, args.idle_seconds, cwd=str(ROOT))
            rows += sync_rows
            checks += sync_checks

        lines = [table(rows), "", machine(folder)]

        if runs is not None:
            first = runs["large"][-1]
            shown = first.get("timeline_last_row") or ""
            lines.append(
                f"check: first frame of the {args.events:,}-event incident: timeline count "
                f"{first.get('timeline_count')}, newest event on its bottom row: {'yes' if newest in shown else 'NO'} "
                f"(bottom row {shown.strip()[:60]!r}; newest is {newest!r})"
            )
        if lat is not None and lat.frames_per_entry:
            lines.append(
                f"check: frames rendered from Enter until the entry was on screen: "
                f"{min(lat.frames_per_entry)}–{max(lat.frames_per_entry)} (1 = the first frame after Enter showed it)"
            )
        if lat is not None and lat.timeouts:
            lines.append(
                f"check: {lat.timeouts} entries never became visible within {latency.TIMEOUT:.0f} s "
                "(left out of p50/p99)"
            )
        lines += checks
        lines.append(f"run took {time.monotonic() - started:.0f} s")
        text = "\n".join(lines)
        print(text)
        if args.write_results:
            write_results(RESULTS, text, "python -m benchmarks --write-results")
            progress(f"wrote {RESULTS}")
    finally:
        if args.keep:
            progress(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
