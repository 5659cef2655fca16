"""Automatic capture: resource samples and health results turned into timeline "signal" events.

A figure is logged when it has been critical for `SignalsConfig.sustained` seconds (disks at
once: they fill, they do not flap), dated when it first crossed, the first symptom; it is logged
again only once it has come back below `critical - clear_margin` for as long (hysteresis). A
health check is logged when its state changes.

However a signal flaps, the record stays readable:
- per signal (key), at most one notice every `SignalsConfig.rate_limit` seconds;
- in total, at most `max_per_minute` notices (10) in any 60 seconds.
A notice held back is not lost: the latest one per key waits and is emitted as soon as both
limits allow, with its own time, so the record ends in the signal's true state. `held()` lists
what waits, for the console to keep in its file (a restart must not lose it either). A newer notice
for the same key replaces a waiting one, which counts as suppressed: the next notice logged for
that key says "(N changes suppressed)". Waiting notices are served oldest first, so a flapping
signal cannot starve the others of the global cap.

Pure logic: times are passed in, nothing is read or written here.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from ir_console.config import SignalsConfig, Threshold
from ir_console.model.clock import format_duration
from ir_console.signals.health_state import HealthResult, HealthState

if TYPE_CHECKING:  # the sample's type only: psutil, behind it, loads with the sampler
    from ir_console.signals.resources import ResourceSample

DISK_SUSTAINED = timedelta(0)
MAX_PER_MINUTE = 10
MINUTE = timedelta(minutes=1)


@dataclass(frozen=True)
class SignalNotice:
    key: str  # "cpu", "memory", "swap", "disk:/var", "health:api"
    text: str  # one line for the timeline
    occurred_at: datetime  # when it started, not when it was noticed


class ThresholdWatch:
    """One figure against its critical level, with hysteresis: fires once when the value has
    been >= critical for `sustained`, then once "back below" when it has been under
    `critical - clear_margin` for `sustained`. A missing value (None) changes nothing."""

    def __init__(
        self,
        key: str,
        label: str,
        threshold: Threshold,
        *,
        sustained: timedelta,
        clear_margin: float = 5.0,
        suffix: str = "",
    ) -> None:
        """`suffix` follows the percentage when `sustained` is zero: " full" gives
        "Disk /var 96% full (critical at 95%)"."""
        self.key = key
        self.label = label
        self.critical = threshold.critical
        self.clear_below = threshold.critical - clear_margin
        self.sustained = sustained
        self.suffix = suffix
        self.alerted = False
        self._run_since: datetime | None = None  # start of the current run towards a change

    def observe(self, value: float | None, now: datetime) -> SignalNotice | None:
        if value is None:
            return None
        heading_for_change = value < self.clear_below if self.alerted else value >= self.critical
        if not heading_for_change:
            self._run_since = None
            return None
        if self._run_since is None:
            self._run_since = now
        if now - self._run_since < self.sustained:
            return None
        started, self._run_since = self._run_since, None
        self.alerted = not self.alerted
        text = self._alert_text(value, now - started) if self.alerted else self._clear_text(value)
        return SignalNotice(self.key, text, started)

    def _alert_text(self, value: float, held: timedelta) -> str:
        now = _rounded(value, lambda shown: shown >= self.critical)
        if not self.sustained:
            return f"{self.label} {now}%{self.suffix} (critical at {self.critical:g}%)"
        return f"{self.label} above {self.critical:g}% for {format_duration(held)} (now {now}%)"

    def _clear_text(self, value: float) -> str:
        now = _rounded(value, lambda shown: shown < self.clear_below)
        return f"{self.label} back below {self.clear_below:g}% (now {now}%)"


class RateLimiter:
    """At most one allowed notice per key in each `window`; the others are counted."""

    def __init__(self, window: timedelta) -> None:
        self.window = window
        self._last_allowed: dict[str, datetime] = {}
        self._suppressed: dict[str, int] = {}

    def ready(self, key: str, now: datetime) -> bool:
        last = self._last_allowed.get(key)
        return last is None or now - last >= self.window

    def allow(self, key: str, now: datetime) -> tuple[bool, int]:
        """(allowed, notices suppressed since the last allowed one, this one included if not
        allowed)."""
        if not self.ready(key, now):
            return False, self.suppress(key)
        self._last_allowed[key] = now
        return True, self._suppressed.pop(key, 0)

    def suppress(self, key: str) -> int:
        """Count a notice held back for another reason (the global cap)."""
        self._suppressed[key] = self._suppressed.get(key, 0) + 1
        return self._suppressed[key]


class _Budget:
    """At most `limit` notices in any `per`: the global cap."""

    def __init__(self, limit: int, per: timedelta) -> None:
        self.limit = limit
        self.per = per
        self._spent: deque[datetime] = deque()

    def has_room(self, now: datetime) -> bool:
        while self._spent and now - self._spent[0] >= self.per:
            self._spent.popleft()
        return len(self._spent) < self.limit

    def spend(self, now: datetime) -> None:
        self._spent.append(now)


@dataclass
class _HealthTrack:
    state: HealthState
    trouble_since: datetime | None  # when it stopped being up; None while up
    worst: HealthState  # the worst state since then


class SignalWatcher:
    """Every watch of the console behind the two limits. Call `observe_resources` with each
    sample and `observe_health` with each round of checks, from one thread."""

    def __init__(self, config: SignalsConfig, *, max_per_minute: int = MAX_PER_MINUTE) -> None:
        """A health check is watched from its first result, whatever its name."""
        self.config = config
        self.sustained = timedelta(seconds=config.sustained)
        self.limiter = RateLimiter(timedelta(seconds=config.rate_limit))
        self.budget = _Budget(max_per_minute, MINUTE)
        self.watches: dict[str, ThresholdWatch] = {}
        self._health: dict[str, _HealthTrack] = {}
        self._waiting: dict[str, SignalNotice] = {}  # held back, latest per key

    def observe_resources(self, sample: ResourceSample, now: datetime) -> list[SignalNotice]:
        """CPU, memory, swap and every mount in the sample; a mount's watch is made when the
        mount first appears."""
        figures: list[tuple[ThresholdWatch | None, float | None]] = [
            (self._watch("cpu", "CPU", "cpu"), sample.cpu_percent),
            (self._watch("memory", "Memory", "memory"), sample.memory_percent),
            (self._watch("swap", "Swap", "swap"), sample.swap_percent),
        ]
        for mount in sample.mounts:
            figures.append(
                (
                    self._watch(
                        f"disk:{mount.mountpoint}",
                        f"Disk {mount.mountpoint}",
                        "disk",
                        sustained=DISK_SUSTAINED,
                        suffix=" full",
                    ),
                    mount.percent,
                )
            )
        noticed = [
            notice
            for watch, value in figures
            if watch is not None and (notice := watch.observe(value, now)) is not None
        ]
        return self._pass(noticed, now)

    def observe_health(self, results: Iterable[HealthResult], now: datetime) -> list[SignalNotice]:
        """A change of state of a check; the first result of a check only when it is not up."""
        noticed = [notice for result in results if (notice := self._health_change(result)) is not None]
        return self._pass(noticed, now)

    def _watch(
        self, key: str, label: str, threshold_name: str, *, sustained: timedelta | None = None, suffix: str = ""
    ) -> ThresholdWatch | None:
        """The key's watch, made on first use; None when the configuration has no threshold for it."""
        if key not in self.watches:
            threshold = self.config.thresholds.get(threshold_name)
            if threshold is None:
                return None
            self.watches[key] = ThresholdWatch(
                key, label, threshold, suffix=suffix, sustained=self.sustained if sustained is None else sustained
            )
        return self.watches[key]

    def _health_change(self, result: HealthResult) -> SignalNotice | None:
        state = HealthState(result.state)
        track = self._health.get(result.name)
        if track is None:
            self._health[result.name] = _HealthTrack(state, None if state is HealthState.UP else result.since, state)
            return None if state is HealthState.UP else self._trouble_notice(result, state)
        if state is track.state:
            return None
        previous, track.state = track.state, state
        if state is HealthState.UP:
            started = track.trouble_since or result.since
            track.trouble_since = None
            return SignalNotice(
                f"health:{result.name}",
                f"{result.name} up again after {format_duration(result.since - started)} {track.worst.value}",
                result.since,
            )
        if previous is HealthState.UP:
            track.trouble_since, track.worst = result.since, state
        elif state is HealthState.DOWN:
            track.worst = state
        return self._trouble_notice(result, state)

    @staticmethod
    def _trouble_notice(result: HealthResult, state: HealthState) -> SignalNotice:
        reason = " ".join(result.reason.split())  # one line, whatever the check said
        text = f"{result.name} {state.value}: {reason}" if reason else f"{result.name} {state.value}"
        return SignalNotice(f"health:{result.name}", text, result.since)

    def held(self) -> list[SignalNotice]:
        """The notices held back now, latest per key, oldest first: the console keeps them in its
        file so that neither a restart nor a resolved incident loses them."""
        return list(self._waiting.values())

    # -- the limits ------------------------------------------------------------------------------

    def _pass(self, noticed: list[SignalNotice], now: datetime) -> list[SignalNotice]:
        """What may be logged now. Every notice joins the queue, replacing (and counting as
        suppressed) one of its key still waiting there; then the queue is served oldest first
        while the limits allow, so a busy signal cannot starve the others of the global cap."""
        for notice in noticed:
            if notice.key in self._waiting:
                self.limiter.suppress(notice.key)
            self._waiting[notice.key] = notice  # a replaced key keeps its place in the queue
        passed = []
        for key, waiting in list(self._waiting.items()):
            if not self.budget.has_room(now):
                break
            if self.limiter.ready(key, now):
                del self._waiting[key]
                _, suppressed = self.limiter.allow(key, now)
                self.budget.spend(now)
                passed.append(_with_suppressed(waiting, suppressed))
        return passed


def _rounded(value: float, still_true: Callable[[float], bool]) -> str:
    """The value with as few decimals as keep the sentence true: 84.97 is "back below 85%" as
    84.97, not 85."""
    for decimals in (0, 1, 2):
        shown = f"{value:.{decimals}f}"
        if still_true(float(shown)):
            return shown
    return repr(value)


def _with_suppressed(notice: SignalNotice, suppressed: int) -> SignalNotice:
    if suppressed <= 0:
        return notice
    return replace(notice, text=f"{notice.text} ({suppressed} change{'' if suppressed == 1 else 's'} suppressed)")
