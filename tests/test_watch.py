"""Auto-capture watches: thresholds with hysteresis, health changes, per-signal and global limits.
Times are explicit; nothing here waits."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from ir_console.config import SignalsConfig, Threshold
from ir_console.signals.health import HealthResult, HealthState
from ir_console.signals.resources import MountUsage, ResourceSample
from ir_console.signals.watch import RateLimiter, SignalNotice, SignalWatcher, ThresholdWatch

T0 = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)
MINUTE = timedelta(seconds=60)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def cpu_watch(sustained: timedelta = MINUTE) -> ThresholdWatch:
    return ThresholdWatch("cpu", "CPU", Threshold(75, 90), sustained=sustained)


def feed(watch: ThresholdWatch, values: Iterable[float | None], start: int = 0) -> list[SignalNotice]:
    """One value a second from `start`."""
    return [
        notice for second, value in enumerate(values, start) if (notice := watch.observe(value, at(second))) is not None
    ]


def sample(
    cpu: float | None = None,
    memory: float | None = None,
    swap: float | None = None,
    mounts: Iterable[tuple[str, float]] = (),
) -> ResourceSample:
    return ResourceSample(
        cpu_percent=cpu,
        memory_percent=memory,
        swap_percent=swap,
        disk_percent=None,
        load_average=None,
        cpu_count=2,
        mounts=tuple(MountUsage(point, "ext4", percent, 0, 0) for point, percent in mounts),
    )


def health(name: str, state: HealthState, second: float, reason: str = "", since: float | None = None) -> HealthResult:
    return HealthResult(
        name=name,
        kind="http",
        target=f"GET https://{name}.internal/health",
        state=state,
        status_code=None,
        latency=None,
        reason=reason,
        checked_at=at(second),
        since=at(second if since is None else since),
    )


# -- ThresholdWatch ------------------------------------------------------------------------------


def test_a_sustained_crossing_fires_once_dated_when_it_first_crossed() -> None:
    watch = cpu_watch()
    notices = feed(watch, [50] * 10 + [97] * 600)  # crosses at second 10, stays there ten minutes

    assert notices == [SignalNotice("cpu", "CPU above 90% for 1m 00s (now 97%)", at(10))]


def test_a_dip_before_the_sustained_time_starts_over() -> None:
    watch = cpu_watch()
    assert feed(watch, [95] * 59 + [89] + [95] * 59) == []
    assert feed(watch, [95], start=119) == []  # 60 s since second 60 is second 120
    assert feed(watch, [95], start=120) == [SignalNotice("cpu", "CPU above 90% for 1m 00s (now 95%)", at(60))]


def test_a_dip_shorter_than_sustained_does_not_re_arm_and_clearing_needs_the_margin() -> None:
    watch = cpu_watch()
    assert len(feed(watch, [95] * 61)) == 1
    # back under 90 but not under 85: still the same episode, however long
    assert feed(watch, [86] * 600 + [95] * 10, start=61) == []
    # under 85 for 30 s, then up again: not cleared, so not fired again
    assert feed(watch, [40] * 30 + [95] * 120, start=671) == []
    # under 85 for a whole minute: cleared, dated when it went under
    assert feed(watch, [40] * 61, start=821) == [SignalNotice("cpu", "CPU back below 85% (now 40%)", at(821))]
    # and armed again
    assert feed(watch, [93] * 61, start=882) == [SignalNotice("cpu", "CPU above 90% for 1m 00s (now 93%)", at(882))]


def test_missing_values_neither_reset_nor_advance() -> None:
    watch = cpu_watch()
    assert feed(watch, [95] * 30 + [None] * 100) == []
    assert feed(watch, [95], start=130) == [SignalNotice("cpu", "CPU above 90% for 2m 10s (now 95%)", at(0))]


def test_a_disk_fires_at_once_and_clears_below_the_margin() -> None:
    watch = ThresholdWatch("disk:/var", "Disk /var", Threshold(85, 95), sustained=timedelta(0), suffix=" full")
    assert feed(watch, [94.9, 96.2]) == [SignalNotice("disk:/var", "Disk /var 96% full (critical at 95%)", at(1))]
    assert feed(watch, [91, 99, 90], start=2) == []
    # 89.97 is below 90, and the text must not say "now 90%"
    assert feed(watch, [89.97], start=5) == [SignalNotice("disk:/var", "Disk /var back below 90% (now 89.97%)", at(5))]


def test_a_value_flapping_around_the_limit_for_an_hour() -> None:
    # every second across the critical level, never under the clear level: one notice
    assert len(feed(cpu_watch(timedelta(0)), [89, 91] * 1800)) == 1
    # every second across both levels with a sustained time: never continuously anything, nothing
    assert feed(cpu_watch(), [40, 99] * 1800) == []


# -- RateLimiter ---------------------------------------------------------------------------------


def test_the_rate_limiter_allows_one_per_window_and_counts_the_rest() -> None:
    limiter = RateLimiter(timedelta(seconds=300))
    assert limiter.allow("cpu", at(0)) == (True, 0)
    assert limiter.allow("cpu", at(10)) == (False, 1)
    assert limiter.allow("memory", at(20)) == (True, 0)  # per key
    assert limiter.allow("cpu", at(299)) == (False, 2)
    assert limiter.allow("cpu", at(300)) == (True, 2)
    assert limiter.allow("cpu", at(301)) == (False, 1)


# -- SignalWatcher: resources --------------------------------------------------------------------


def test_resources_are_watched_with_the_configured_thresholds_and_mounts_as_they_appear() -> None:
    watcher = SignalWatcher(SignalsConfig(sustained=30))
    assert watcher.observe_resources(sample(cpu=95, memory=50, swap=0), at(0)) == []
    noticed = watcher.observe_resources(sample(cpu=95, memory=95, swap=90, mounts=[("/", 40), ("/var", 96)]), at(30))

    assert sorted((notice.key, notice.text, notice.occurred_at) for notice in noticed) == [
        ("cpu", "CPU above 90% for 30s (now 95%)", at(0)),
        ("disk:/var", "Disk /var 96% full (critical at 95%)", at(30)),
    ]
    assert [n.text for n in watcher.observe_resources(sample(cpu=95, memory=95, swap=90), at(60))] == [
        "Memory above 90% for 30s (now 95%)",
        "Swap above 80% for 30s (now 90%)",
    ]


def test_a_figure_without_a_threshold_is_not_watched() -> None:
    watcher = SignalWatcher(SignalsConfig(sustained=0, thresholds={"memory": Threshold(80, 90)}))
    noticed = watcher.observe_resources(sample(cpu=100, memory=99, swap=100, mounts=[("/", 100)]), at(0))
    assert [notice.key for notice in noticed] == ["memory"]


def run_flapping_cpu(watcher: SignalWatcher, seconds: int) -> list[tuple[datetime, SignalNotice]]:
    logged = []
    for second in range(seconds):
        value = 99 if second % 2 == 0 else 10
        logged += [(at(second), notice) for notice in watcher.observe_resources(sample(cpu=value), at(second))]
    return logged


def test_cpu_flapping_every_second_for_an_hour_is_rate_limited_and_ends_in_its_true_state() -> None:
    watcher = SignalWatcher(SignalsConfig(sustained=0, rate_limit=300))
    logged = run_flapping_cpu(watcher, 3600)
    # then it settles under the clear level
    for second in range(3600, 4000):
        logged += [(at(second), n) for n in watcher.observe_resources(sample(cpu=10), at(second))]

    assert 12 <= len(logged) <= 3600 // 300 + 2
    times = [when for when, _ in logged]
    assert all(later - earlier >= timedelta(seconds=300) for earlier, later in zip(times, times[1:]))
    assert logged[0][1] == SignalNotice("cpu", "CPU 99% (critical at 90%)", at(0))
    # every later one says how many changes it stands for: one per second in between, less itself
    assert logged[1][1].text.endswith("(299 changes suppressed)")
    # the last word is the truth: back below, dated when it went back, logged when its turn came
    last_when, last = logged[-1]
    assert last.text.startswith("CPU back below 85% (now 10%)")
    assert last.occurred_at == at(3599) and last_when == at(3600)


def test_never_more_than_ten_notices_in_any_minute_whatever_flaps() -> None:
    mounts = [f"/srv/{number}" for number in range(30)]
    watcher = SignalWatcher(SignalsConfig(sustained=0, rate_limit=0))
    logged: list[tuple[datetime, SignalNotice]] = []
    for second in range(600):
        high = second % 2 == 0
        flapping = sample(
            cpu=99 if high else 1,
            memory=99 if high else 1,
            swap=99 if high else 1,
            mounts=[(point, 99 if high else 1) for point in mounts],
        )
        logged += [(at(second), notice) for notice in watcher.observe_resources(flapping, at(second))]

    times = [when for when, _ in logged]
    assert len(logged) >= 10 * 9  # the cap is used, not just something that never lets anything through
    for index, start in enumerate(times):
        assert sum(1 for when in times[index:] if when - start < MINUTE) <= 10
    # every signal got its say, none was starved by the others
    assert {notice.key for _, notice in logged} == {"cpu", "memory", "swap", *(f"disk:{p}" for p in mounts)}


# -- SignalWatcher: health -----------------------------------------------------------------------


def test_first_seen_down_fires_first_seen_up_does_not() -> None:
    watcher = SignalWatcher(SignalsConfig())
    noticed = watcher.observe_health(
        [
            health("api", HealthState.DOWN, 0, "HTTP 500 (expected 200)"),
            health("db", HealthState.UP, 0, "connected in 3 ms"),
        ],
        at(0),
    )
    assert noticed == [SignalNotice("health:api", "api down: HTTP 500 (expected 200)", at(0))]


def test_health_changes_of_state_are_logged_when_they_happened() -> None:
    watcher = SignalWatcher(SignalsConfig(rate_limit=0))
    assert watcher.observe_health([health("api", HealthState.UP, 0)], at(0)) == []
    assert watcher.observe_health([health("api", HealthState.UP, 5)], at(5)) == []
    assert watcher.observe_health([health("api", HealthState.DEGRADED, 10, "1.8 s\nslow")], at(10)) == [
        SignalNotice("health:api", "api degraded: 1.8 s slow", at(10))
    ]
    assert watcher.observe_health([health("api", HealthState.DOWN, 70, "connection refused")], at(70)) == [
        SignalNotice("health:api", "api down: connection refused", at(70))
    ]
    assert watcher.observe_health([health("api", HealthState.DOWN, 100, "connection refused", since=70)], at(100)) == []
    assert watcher.observe_health([health("api", HealthState.UP, 260)], at(260)) == [
        SignalNotice("health:api", "api up again after 4m 10s down", at(260))
    ]


def test_health_flapping_every_second_is_rate_limited_with_a_suppressed_count() -> None:
    watcher = SignalWatcher(SignalsConfig(rate_limit=300))
    logged: list[SignalNotice] = []
    for second in range(901):
        state = HealthState.UP if second % 2 == 0 else HealthState.DOWN
        logged += watcher.observe_health([health("api", state, second, "HTTP 503 (expected 200)")], at(second))

    assert [notice.text for notice in logged] == [
        "api down: HTTP 503 (expected 200)",  # second 1 (second 0 was up, the first seen)
        "api down: HTTP 503 (expected 200) (299 changes suppressed)",  # second 301
        "api down: HTTP 503 (expected 200) (299 changes suppressed)",  # second 601
    ]
    assert [notice.occurred_at for notice in logged] == [at(1), at(301), at(601)]
    # second 900 (up) waits for its turn at 901, one second after the window; nothing more after
    final = watcher.observe_health([health("api", HealthState.UP, 901, since=900)], at(901))
    assert final == [SignalNotice("health:api", "api up again after 1s down (298 changes suppressed)", at(900))]
    assert watcher.observe_health([health("api", HealthState.UP, 2000, since=900)], at(2000)) == []
