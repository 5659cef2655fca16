"""The signal panes as tabs (System, Health, Changes, Logs) and the workers and watches behind them.

Each kind of signal has one long-lived worker: resources, git and log tails in threads, health
checks async. A worker measures, hands the result to the event loop, then waits its interval: the
next run starts only when the last one has finished, so a slow endpoint or a slow disk cannot pile
runs up. One worker per signal rather than one per run: starting a worker (a thread, its state
messages) cost more CPU than the sampling itself, measured with `make bench`. Results are always
kept and watched (that is how
threshold crossings reach the timeline); a pane redraws only while it is the visible tab of the
current screen, and catches up when it is shown. New measurements are drawn on the war room's
clock tick (`draw_pending`), in the frame the header's clock repaints anyway: painting the pane in
a frame of its own cost an idle console about twice the CPU.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from collections.abc import Callable, Sequence
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from textual import getters, on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widget import Widget
from textual.widgets import TabbedContent, TabPane
from textual.worker import get_current_worker

from ir_console.config import Config
from ir_console.render.signals import changes_evidence, health_evidence, logs_evidence, system_evidence
from ir_console.signals.changes import RepoChanges, recent_commits
from ir_console.signals.health_state import HealthResult
from ir_console.signals.logs import LogLine, LogTail
from ir_console.signals.watch import SignalNotice, SignalWatcher
from ir_console.tui.widgets.changes import ChangesPane, changes_summary
from ir_console.tui.widgets.health import HealthPane, health_summary
from ir_console.tui.widgets.logs import LogsPane, logs_summary
from ir_console.tui.widgets.system import SystemPane

if TYPE_CHECKING:
    from ir_console.signals.health import HealthChecker
    from ir_console.signals.resources import ResourceSample  # psutil, behind it, loads with the sampler
    from ir_console.tui.app import IrConsoleApp

T = TypeVar("T")
KEPT_LOG_LINES = 200
# Seconds between priming psutil's CPU counters and the first sample (see `_sample_resources`).
CPU_PRIMING = 0.2
TABS = ("system", "health", "changes", "logs")
LATER_PANES: dict[str, type[Widget]] = {"health": HealthPane, "changes": ChangesPane, "logs": LogsPane}


class SignalsPane(Vertical):
    if TYPE_CHECKING:  # the App's services, typed; nothing changes at run time
        app = getters.app(IrConsoleApp)

    DEFAULT_CSS = """
    SignalsPane { height: 1fr; }
    SignalsPane TabbedContent { height: 1fr; }
    SignalsPane TabPane { padding: 0; height: 1fr; }
    SignalsPane ContentSwitcher { height: 1fr; }
    """

    class Noticed(Message):
        """Signals crossed a threshold or changed state: `notices` for the timeline now, `held`
        the ones the limits hold back (all of them, latest per key), to be kept until written."""

        def __init__(self, notices: list[SignalNotice], held: list[SignalNotice] | None = None) -> None:
            super().__init__()
            self.notices = notices
            self.held = held or []

    def __init__(self, config: Config, *, sample_interval: float, **kwargs) -> None:
        super().__init__(**kwargs)
        self.config = config
        self.sample_interval = sample_interval
        self.watcher = SignalWatcher(config.signals)
        self.sample: ResourceSample | None = None
        self.health: list[HealthResult] = []
        self.repos: list[RepoChanges] = []
        self.tails: list[LogTail] = []
        self.log_lines: list[deque[LogLine]] = [deque(maxlen=KEPT_LOG_LINES) for _ in config.logs.files]
        self.unseen_log_lines = 0
        self._checker: HealthChecker | None = None  # once a check is configured
        self._failure_shown = False
        self._stopping = threading.Event()
        self._sampler_ready = False  # the app's sampler made and primed (`_sample_resources`)
        self._pending: set[str] = set()  # tabs measured since they were last drawn
        self._held_told: list[SignalNotice] = []  # what the watcher held back when last told
        self._logs_polled = False  # the first poll is always handed over (the tabs' labels)
        self._changes_read: list[tuple] | None = None  # what the last read handed over found

    def _now(self) -> datetime:
        return self.clock()

    def compose(self) -> ComposeResult:
        with TabbedContent(id="signal-tabs"):
            with TabPane("System", id="system-tab"):
                yield SystemPane(self.config.signals.thresholds, id="system")
            # The hidden tabs' panes are built when first shown (`tab_shown`): not in the first frame.
            for tab in LATER_PANES:
                yield TabPane(tab.capitalize(), id=f"{tab}-tab")

    def on_mount(self) -> None:
        # Workers read the clock from their threads: take it from the app once, here.
        self.clock = self.app.clock
        self.tails = [LogTail(source, clock=self.clock) for source in self.config.logs.files]
        config = self.config
        if self.sample_interval > 0:
            # Its first sample (a scan of every process) shows in no first frame ("Sampling…"
            # either way): it starts once that frame is drawn, not competing with it for the CPU.
            self.call_after_refresh(
                self._watch_in_thread, "resources", self._sample_resources, self.record_sample, self.sample_interval
            )
        if config.health.interval > 0 and (config.health.http or config.health.tcp):
            from ir_console.signals.health import HealthChecker  # httpx loads only when a check is configured

            self._checker = HealthChecker(config.health, clock=self._now)
            self.run_worker(self._check_health(), group="health", exit_on_error=False)
        if config.changes.interval > 0 and config.changes.git:
            self._watch_in_thread("changes", self._read_changes, self.record_changes, config.changes.interval)
        if config.logs.interval > 0 and self.tails:
            self._watch_in_thread("logs", self._poll_logs, self.record_log_lines, config.logs.interval)
        self.redraw()

    async def on_unmount(self) -> None:
        self._stopping.set()
        if self._checker is not None:
            await self._checker.aclose()

    # -- what is visible ------------------------------------------------------------------------

    @property
    def active(self) -> str:
        return (self.query_one(TabbedContent).active or "system-tab").removesuffix("-tab")

    def is_shown(self, tab: str) -> bool:
        # Not `Screen.is_current`, which is also true of the war room behind a modal.
        return self.is_mounted and self.app.screen is self.screen and self._laid_out() and self.active == tab

    def _laid_out(self) -> bool:
        """Neither the pane nor a container of it is `display: none` (a tiny terminal hides it)."""
        return all(node.display for node in self.ancestors_with_self if isinstance(node, Widget))

    def on_show(self) -> None:
        self.redraw()  # shown again (the terminal grew): catch up on what was measured meanwhile

    def next_tab(self) -> None:
        tabs = self.query_one(TabbedContent)
        tabs.active = f"{TABS[(TABS.index(self.active) + 1) % len(TABS)]}-tab"

    @on(TabbedContent.TabActivated)
    async def tab_shown(self) -> None:
        tab = self.active
        holder = self.query_one(f"#{tab}-tab", TabPane)
        if tab in LATER_PANES and not holder.children:
            await holder.mount(LATER_PANES[tab](id=tab))
        if self.active == "logs":
            self.unseen_log_lines = 0
            self._label("logs", logs_summary(self._tail_views()))
        self.redraw()

    def draw_pending(self) -> None:
        """Draw the visible tab if something was measured for it since it was last drawn."""
        if self.active in self._pending and self.is_shown(self.active):
            self.redraw()

    def redraw(self) -> None:
        """Draw the visible tab from what was last measured (after a modal closed, or a tab switch)."""
        self._pending.discard(self.active)
        {
            "system": self._draw_system,
            "health": self._draw_health,
            "changes": self._draw_changes,
            "logs": self._draw_logs,
        }[self.active]()

    def _label(self, tab: str, label: str) -> None:
        tab_widget = self.query_one(TabbedContent).get_tab(f"{tab}-tab")
        if str(tab_widget.label) != label:
            tab_widget.label = label

    def evidence(self) -> str:
        """The visible tab's text, for the timeline, verbatim (control sequences stripped)."""
        now = self._now()
        if self.active == "system":
            return system_evidence(self.sample, now) if self.sample else ""
        if self.active == "health":
            return health_evidence(self.health, now)
        if self.active == "changes":
            return changes_evidence(self.repos, now)
        return logs_evidence(
            [(tail.source, lines, tail.problem) for tail, lines in zip(self.tails, self.log_lines)], now
        )

    # -- resources ------------------------------------------------------------------------------

    def record_sample(self, sample: ResourceSample) -> None:
        if not self.is_mounted:
            return  # measured while the console was closing
        self.sample = sample
        self.query_one(SystemPane).record(sample)
        self._notice(self.watcher.observe_resources(sample, self._now()))
        self._pending.add("system")

    def _draw_system(self) -> None:
        self.query_one(SystemPane).redraw()

    # -- health ---------------------------------------------------------------------------------

    async def _check_health(self) -> None:
        """The health worker: a round of checks, then the interval, until the pane goes away."""
        assert self._checker is not None
        while True:
            try:
                results = await self._checker.check_all()
            except Exception as error:
                self._failed("Health checks", error)
            else:
                self.record_health(results)
            await asyncio.sleep(self.config.health.interval)

    def record_health(self, results: list[HealthResult]) -> None:
        if not self.is_mounted:
            return
        self.health = results
        self._notice(self.watcher.observe_health(results, self._now()))
        self._label("health", health_summary(results))
        self._pending.add("health")

    def _built(self, tab: str) -> Any:
        """The tab's pane (each has its own `show`), or None while it is not built yet (it is drawn
        once it is)."""
        found = self.query(f"#{tab}")
        if not found:
            self._pending.add(tab)
            return None
        return found.first()

    def _draw_health(self) -> None:
        health = self.config.health
        if (pane := self._built("health")) is not None:
            pane.show(self.health, self._now(), configured=bool(health.http or health.tcp))

    # -- changes --------------------------------------------------------------------------------

    def _read_changes(self) -> list[RepoChanges] | None:
        """Every repository's recent commits; None when they and the problems are what the last
        read handed over (the event loop is then not woken: most reads find no new commit). The
        first read is always handed over."""
        repos = [recent_commits(source, clock=self.clock) for source in self.config.changes.git]
        found = [(repo.commits, repo.problem) for repo in repos]
        if found == self._changes_read:
            return None
        self._changes_read = found
        return repos

    def record_changes(self, repos: list[RepoChanges]) -> None:
        if not self.is_mounted:
            return  # measured while the console was closing
        self.repos = repos
        self._label("changes", changes_summary(repos))
        self._pending.add("changes")

    def _draw_changes(self) -> None:
        if (pane := self._built("changes")) is not None:
            pane.show(self.repos, configured=bool(self.config.changes.git))

    # -- logs -----------------------------------------------------------------------------------

    def _poll_logs(self) -> list[list[LogLine]] | None:
        """New lines of every tail; None when there are none and no tail's state changed (the
        event loop is then not woken: an idle console polls its logs for nothing most seconds)."""
        before = [(tail.problem, tail.notice) for tail in self.tails]
        fresh = [tail.poll() for tail in self.tails]
        if any(fresh) or before != [(tail.problem, tail.notice) for tail in self.tails] or not self._logs_polled:
            self._logs_polled = True
            return fresh
        return None

    def record_log_lines(self, fresh: list[list[LogLine]]) -> None:
        if not self.is_mounted:
            return  # measured while the console was closing
        for kept, lines in zip(self.log_lines, fresh):
            kept.extend(lines)
        added = sum(len(lines) for lines in fresh)
        if self.is_shown("logs"):
            self._pending.add("logs")
        elif added:
            self.unseen_log_lines += added
        self._label(
            "logs", f"Logs {self.unseen_log_lines} new" if self.unseen_log_lines else logs_summary(self._tail_views())
        )

    def _tail_views(self) -> list[tuple]:
        return [(tail.source, lines, tail.problem, tail.notice) for tail, lines in zip(self.tails, self.log_lines)]

    def _draw_logs(self) -> None:
        if (pane := self._built("logs")) is not None:
            pane.show(self._tail_views())

    # -- plumbing -------------------------------------------------------------------------------

    def _watch_in_thread(
        self, name: str, measure: Callable[[], T | None], record: Callable[[T], None], interval: float
    ) -> None:
        self.run_worker(
            partial(self._measure_loop, name, measure, record, interval),
            name=name,
            group=name,
            thread=True,
            exit_on_error=False,
        )

    def _sample_resources(self) -> ResourceSample:
        """On the resources worker's thread. The first call makes the app's sampler here, off the
        event loop (psutil loads, and its CPU counters are primed), and lets the counters run
        `CPU_PRIMING` seconds before the first sample, whose CPU figure measures that span."""
        if not self._sampler_ready:
            self.app.sampler  # noqa: B018 (made on first use)
            self._sampler_ready = True
            self._stopping.wait(CPU_PRIMING)
        return self.app.sampler.sample()

    def _measure_loop(
        self, name: str, measure: Callable[[], T | None], record: Callable[[T], None], interval: float
    ) -> None:
        """A worker thread: measure, hand the result to `record` on the event loop (and wait until it
        is recorded; a result of None, nothing new, is not), then wait `interval`; until the pane
        is unmounted."""
        worker = get_current_worker()
        handover: Callable[[Any], None]
        argument: object
        while not worker.is_cancelled and not self._stopping.is_set():
            try:
                result = measure()
            except Exception as error:
                handover, argument = partial(self._failed, name), error
            else:
                handover, argument = record, result
                if result is None:  # nothing new: the event loop is not woken
                    if self._stopping.wait(interval):
                        return
                    continue
            try:
                self.app.call_from_thread(handover, argument)
            except RuntimeError:
                return  # the app has stopped
            if self._stopping.wait(interval):
                return

    def _failed(self, what: str, error: Exception) -> None:
        self.log.error(f"{what} failed: {error!r}")
        if not self._failure_shown:
            self._failure_shown = True
            self.notify(
                f"Reading {what} failed ({type(error).__name__}: {error}); retrying.",
                title="Signals",
                severity="warning",
                markup=False,
            )

    def _notice(self, notices: Sequence[SignalNotice]) -> None:
        held = self.watcher.held()
        if notices or held != self._held_told:
            self._held_told = held
            self.post_message(self.Noticed(list(notices), held))
