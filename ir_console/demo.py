"""A realistic incident with fixed times, for screenshots, snapshot tests and trying the console."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ir_console.config import Config, GitSource, HttpCheck, LogSource, TcpCheck
from ir_console.model import (
    ContainmentState,
    EventKind,
    HypothesisResult,
    Incident,
    Milestone,
    Role,
    Severity,
    Status,
    Triage,
)
from ir_console.signals.changes import Commit, RepoChanges
from ir_console.signals.health_state import HealthResult, HealthState
from ir_console.signals.logs import LogLine
from ir_console.signals.resources import MountUsage, ProcessUsage, ResourceSample
from ir_console.store import Store

DEMO_START = datetime(2026, 11, 27, 3, 2, 0, tzinfo=UTC)


class SteppingClock:
    """A clock that moves forward by `step` each time it is read: fixed, yet ordered."""

    def __init__(self, start: datetime = DEMO_START, step: timedelta = timedelta(seconds=41)) -> None:
        self.now = start
        self.step = step

    def __call__(self) -> datetime:
        current = self.now
        self.now += self.step
        return current


class FixedClock:
    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


class RunningClock:
    """A clock that runs in real time from `start`: `ir-console demo` lives on the incident's night."""

    def __init__(self, start: datetime) -> None:
        self.start = start
        self.began = time.monotonic()

    def __call__(self) -> datetime:
        return self.start + timedelta(seconds=time.monotonic() - self.began)


GIB = 1 << 30
# CPU climbing as the connection pool starves: the sparkline's last minutes in the screenshots.
DEMO_CPU = (22.0, 24.5, 23.0, 31.0, 38.5, 47.0, 58.0, 66.5, 74.0, 81.0, 88.5, 91.0, 93.5)


class FixedSampler:
    """System figures that follow the same fixed course on every machine, for screenshots and tests."""

    def __init__(self) -> None:
        self.taken = 0

    def sample(self) -> ResourceSample:
        cpu = DEMO_CPU[min(self.taken, len(DEMO_CPU) - 1)]
        self.taken += 1
        return ResourceSample(
            cpu_percent=cpu,
            memory_percent=78.2,
            swap_percent=4.0,
            disk_percent=61.0,
            load_average=(3.92, 2.41, 1.10),
            cpu_count=2,
            per_cpu=(cpu + 3.5, cpu - 3.5),
            memory_used=int(6.1 * GIB),
            memory_total=int(7.8 * GIB),
            mounts=(
                MountUsage("/var/lib/postgresql", "ext4", 88.4, int(442 * GIB), int(500 * GIB)),
                MountUsage("/", "ext4", 61.0, int(30.5 * GIB), int(50 * GIB)),
            ),
            disk_read_rate=1.2e6 + self.taken * 1e5,
            disk_write_rate=4.5e5,
            net_recv_rate=3.1e6,
            net_sent_rate=2.2e6,
            top_cpu=(
                ProcessUsage(4121, "payments-svc", 141.0, 22.5, int(1.7 * GIB)),
                ProcessUsage(988, "postgres", 23.0, 8.1, int(0.6 * GIB)),
                ProcessUsage(1502, "nginx", 4.0, 0.4, 31 << 20),
            ),
            top_memory=(
                ProcessUsage(4121, "payments-svc", 141.0, 22.5, int(1.7 * GIB)),
                ProcessUsage(988, "postgres", 23.0, 8.1, int(0.6 * GIB)),
                ProcessUsage(733, "redis-server", 0.5, 2.0, 160 << 20),
            ),
        )


def demo_signals(now: datetime) -> tuple[list[HealthResult], list[RepoChanges], list[list[LogLine]]]:
    """What the Health, Changes and Logs panes of `demo_config()` show in the screenshots."""
    config = demo_config()
    api, postgres = config.health.http[0], config.health.tcp[0]
    health = [
        HealthResult(
            api.name,
            "http",
            f"GET {api.url}",
            HealthState.DOWN,
            500,
            0.184,
            "HTTP 500 (expected 200)",
            now,
            DEMO_START - timedelta(minutes=6, seconds=40),
        ),
        HealthResult(
            postgres.name,
            "tcp",
            f"{postgres.host}:{postgres.port}",
            HealthState.UP,
            None,
            0.002,
            "connected",
            now,
            DEMO_START - timedelta(hours=3),
        ),
    ]
    repo = config.changes.git[0]
    commits = (
        Commit(
            "5d1c2e9a7b3f40c8e6d2a1b9c8f7e6d5a4b3c2d1",
            "Release v2.41.0: retry card auth on timeout",
            "sam",
            DEMO_START - timedelta(minutes=7),
        ),
        Commit(
            "a3f09e1c2b4d5e6f708192a3b4c5d6e7f8091a2b",
            "Raise payment client timeout to 5 s",
            "priya",
            DEMO_START - timedelta(minutes=52),
        ),
    )
    changes = [RepoChanges(repo, commits, "", now)]
    source = config.logs.files[0]
    logs = [
        [
            LogLine(text, DEMO_START - timedelta(minutes=minutes), source)
            for minutes, text in (
                (5, "ERROR pool: connection pool exhausted (max=20), waited 5000 ms"),
                (4, "ERROR checkout: POST /checkout 500 card_auth_retry"),
                (2, "FATAL worker 7: too many open connections"),
            )
        ]
    ]
    return health, changes, logs


def demo_config() -> Config:
    """A configuration naming the demo's endpoints, repository and log (nothing is contacted:
    screenshots show `demo_signals`)."""
    config = Config()
    config.health.http.append(HttpCheck("checkout-api", "https://checkout.internal/health"))
    config.health.tcp.append(TcpCheck("postgres", "db.internal", 5432))
    config.changes.git.append(GitSource(Path("/srv/payments-svc"), name="payments-svc"))
    config.logs.files.append(LogSource(Path("/var/log/payments/error.log"), name="payments"))
    config.health.interval = config.changes.interval = config.logs.interval = 0
    return config


def show_demo_signals(signals, sampler: FixedSampler, now: datetime) -> None:
    """Feed a console's signals pane (`tui.widgets.signals.SignalsPane`) the demo's measurements."""
    for _ in DEMO_CPU:
        signals.record_sample(sampler.sample())
    health, changes, logs = demo_signals(now)
    signals.record_health(health)
    signals.record_changes(changes)
    signals.record_log_lines(logs)


def build_demo(store: Store, clock: SteppingClock | None = None) -> Incident:
    """Checkout 500s after a deploy: triage, containment under way, one hypothesis confirmed.
    `clock`: the stepping clock the store writes with (its `now` is then just after the last entry)."""
    store.clock = clock if clock is not None else SteppingClock()
    incident = store.create_incident(
        "Checkout API returning 500s",
        Severity.SEV1,
        triage=Triage(
            reporter="PagerDuty: checkout-5xx alert",
            happening="30% of POST /checkout fail with 500",
            affected="All users paying by card",
            changed="Deploy v2.41.0 of payments-svc at 02:55",
        ),
        detected_at=DEMO_START - timedelta(minutes=3),
        author="pager",
    )
    store.set_milestone(incident.id, Milestone.IMPACT_STARTED, DEMO_START - timedelta(minutes=7), author="dana")
    store.set_role(incident.id, Role.COMMANDER, "dana", author="dana")
    store.set_role(incident.id, Role.SCRIBE, "lee", author="dana")
    store.add_event(
        incident.id, "5xx rate at 31% on checkout dashboard", kind=EventKind.ALERT, author="lee", key_moment=True
    )
    store.add_event(
        incident.id, "Error log: [payments] connection pool exhausted (max=20)", kind=EventKind.EVIDENCE, author="sam"
    )
    store.add_event(incident.id, "Freeze deploys to payments-svc", kind=EventKind.DECISION, author="dana")
    likely = store.add_hypothesis(
        incident.id,
        "v2.41.0 leaks DB connections on card retries",
        evidence_for="Pool exhausted since 02:56; deploy at 02:55",
        evidence_against="Staging soak test passed",
        test="Roll back one canary pod",
        author="sam",
    )
    store.add_hypothesis(
        incident.id,
        "Database primary is degraded",
        evidence_against="DB latency normal",
        test="pg_isready and slow query log",
        author="sam",
    )
    rollback = store.containment(incident.id)[0]
    store.set_containment_state(rollback.id, ContainmentState.IN_PROGRESS, author="sam")
    store.set_status(incident.id, Status.IDENTIFIED, author="dana")
    store.set_hypothesis_result(likely.id, HypothesisResult.CONFIRMED, author="sam")
    store.set_containment_state(rollback.id, ContainmentState.DONE, author="sam")
    store.add_event(incident.id, "Error rate back under 1% after rollback", kind=EventKind.ACTION, author="sam")
    return store.incident(incident.id)


def open_demo(path: Path) -> tuple[Store, RunningClock]:
    """A new database at `path` holding the demo incident, and the clock its console runs on:
    real time from just after the demo's last entry, so what is typed follows it on the timeline."""
    store = Store.open(path, create=True)
    stepping = SteppingClock()
    build_demo(store, stepping)
    clock = RunningClock(stepping.now)
    store.clock = clock
    return store, clock
