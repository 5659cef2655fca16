"""The Textual application: thin. It owns the two store connections, the writer thread and the
theme; the war room itself is a screen. `run_console` is how the command line starts it: signals
that end it restore the terminal, and an unexpected error leaves a crash log, not a traceback."""

from __future__ import annotations

import asyncio
import gc
import signal
import sys
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from datetime import datetime
from typing import TYPE_CHECKING, TypeVar
from weakref import WeakSet

from textual import events, on
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.driver import Driver
from textual.message import Message
from textual.screen import Screen
from textual.widget import Widget

from ir_console.config import Config, load_config
from ir_console.crash import CRASH_EXIT_STATUS, crash_line, write_crash_log
from ir_console.debuglog import log
from ir_console.locations import config_path, drafts_path, stylesheet_dir
from ir_console.model.clock import utc_now
from ir_console.preferences import load_preferences, save_preference
from ir_console.render.text import display_text
from ir_console.store import Store
from ir_console.store.opening import database_replaced
from ir_console.tui.drafts import Drafts
from ir_console.tui.screens.war_room import WarRoomScreen
from ir_console.tui.sync_worker import SyncWorker
from ir_console.tui.themes import SEVERITY_DEFAULTS, WAR_ROOM_DARK, WAR_ROOM_LIGHT
from ir_console.tui.widgets.header import IncidentHeader

if TYPE_CHECKING:
    from ir_console.signals.resources import ResourceSampler

T = TypeVar("T")

# Signals that end the console as ctrl+q does: pending writes saved, the terminal restored. The
# exit status is the shell's for a process the signal killed (128 + its number: 143, 129).
EXIT_SIGNALS = (signal.SIGTERM, signal.SIGHUP)
# Seconds a binding waits for the keys typed before it to land in their field (a safety net: a
# widget takes its keys in within a few turns of the event loop).
TYPED_KEYS_WAIT = 0.5


def takes_key_itself(widget: Widget, key: events.Key) -> bool:
    """Whether `widget` uses `key` in its own key handler rather than through a binding: what it
    types (printable characters), and a text area's Enter (a new line)."""
    if widget.check_consume_key(key.key, key.character):
        return True
    # TextArea (with Textual's document model) loads with the first dialog that has one, not to
    # start the console: until then no widget can be one.
    text_area = sys.modules.get("textual.widgets._text_area")
    return (
        text_area is not None and isinstance(widget, text_area.TextArea) and not widget.read_only and key.key == "enter"
    )


class IrConsoleApp(App[None]):
    TITLE = "ir-console"
    # The layout, one sheet an area (styles/); later sheets win a tie. Widgets keep their own DEFAULT_CSS.
    # The war room's is read to start; each other area's as the first screen it styles opens
    # (`LATER_SHEETS`, `_load_screen_css`), not parsed before the first frame.
    CSS_PATH = [stylesheet_dir() / "app.tcss"]
    # The sheet each kind of screen needs, by a class it is (or derives from): every ModalScreen (the
    # dialogs, help, previews) dialogs.tcss. Each sheet's rules name only its screens' widgets.
    LATER_SHEETS = {
        "ModalScreen": "dialogs.tcss",
        "IncidentsScreen": "incidents.tcss",
        "PostMortemScreen": "postmortem.tcss",
    }
    BINDINGS = [
        # Priority: taken when the key arrives, not after it has bubbled up from the focused field,
        # so letters typed right after a Tab in one burst land in the next field, not this one.
        Binding("tab", "app.focus_next", "Focus next", show=False, priority=True),
        Binding("shift+tab", "app.focus_previous", "Focus previous", show=False, priority=True),
        Binding("f1", "help", "Help", id="help"),
        Binding("ctrl+q", "quit", "Quit", id="quit", priority=True),
    ]

    def __init__(
        self,
        store: Store,
        *,
        clock: Callable[[], datetime] = utc_now,
        sampler: ResourceSampler | None = None,
        author: str = "",
        live_interval: float = 0.5,
        sample_interval: float | None = None,
        config: Config | None = None,
        start_with_incidents: bool = False,
        handle_signals: bool = False,
    ) -> None:
        super().__init__()
        # Only the real console takes SIGTERM and SIGHUP (a test runner's handlers are its own).
        self.handle_signals = handle_signals
        # The first unexpected exception, which ended the app (see `run_console`).
        self.crash: BaseException | None = None
        # `ir-console --list`: open on the incidents screen, over the war room.
        self.start_with_incidents = start_with_incidents
        # The configuration file (`[updates]` cadence); what it got wrong is shown once started.
        self.config = config if config is not None else load_config(config_path())
        self.reader = store
        self.drafts = Drafts(drafts_path(), str(store.path.resolve()))
        self.clock = clock
        # The resource sampler (psutil): the real one is made on first use, by the signals pane's
        # worker thread once the first frame is drawn (`sampler`).
        self._sampler = sampler
        self.author = author
        self.live_interval = live_interval
        # Seconds between resource samples: `[signals] interval` unless given (0: no sampling).
        self.sample_interval = sample_interval if sample_interval is not None else self.config.signals.interval
        # Set while a binding's focus change is still queued: keys typed after it wait for it.
        self._holding_keys = False
        self._held_keys: deque[events.Key] = deque()
        # Keys that had no binding as they arrived, on their way through the focused widget.
        self._unbound_keys: WeakSet[events.Key] = WeakSet()
        # The widget given typed keys that it may not have taken in yet: a binding waits for them
        # (`ctrl+s` right after typing saves what was typed).
        self._typing_into: Widget | None = None
        self._typed_keys: asyncio.Event | None = None
        # One writer thread with its own connection: writes never block the event loop, and they
        # reach the database in the order the user made them.
        self._writer_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ir-writer")
        self._writer: Store | None = None
        # And one reader thread with its own connection, for the reads that may take longer than
        # a frame (a long incident's documents): the event loop keeps drawing meanwhile.
        self._reader_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ir-reader")
        self._background_reader: Store | None = None
        self.register_theme(WAR_ROOM_DARK)
        self.register_theme(WAR_ROOM_LIGHT)
        remembered = load_preferences().get("theme")
        self._start_with_theme(remembered if remembered in self.available_themes else WAR_ROOM_DARK.name)

    def _start_with_theme(self, name: str) -> None:
        """`self.theme = name` before anything is styled: what Textual's theme watcher does, less
        the full re-parse of every stylesheet and restyle of every widget it queues, which at
        start-up repeated the first parse (~40 ms before the first frame). The stylesheet, made in
        `App.__init__` with the default theme's colours, takes this theme's before it is parsed."""
        self.set_reactive(IrConsoleApp.theme, name)
        theme = self.current_theme
        classes = {old: False for old in self.classes if old.startswith("-theme-")}
        classes.update({f"-theme-{theme.name}": True, "-dark-mode": theme.dark, "-light-mode": not theme.dark})
        self.update_classes(classes, update=False)
        self._refresh_truecolor_filter(self.ansi_theme)
        self.stylesheet.set_variables(self.get_css_variables())

    @property
    def sampler(self) -> ResourceSampler:
        if self._sampler is None:
            from ir_console.signals.resources import ResourceSampler  # with psutil

            self._sampler = ResourceSampler()
        return self._sampler

    @sampler.setter
    def sampler(self, sampler: ResourceSampler) -> None:
        self._sampler = sampler

    def get_theme_variable_defaults(self) -> dict[str, str]:
        """The severity colours for every theme, Textual's built-in ones too (without them their
        `$sev-1` is undefined and choosing one in the palette ended the console)."""
        return dict(SEVERITY_DEFAULTS)

    def _remember_theme(self, theme: object) -> None:
        if not save_preference("theme", self.theme):
            self.notify(
                "The theme is in use but could not be remembered for next time.", severity="warning", markup=False
            )

    def on_load(self) -> None:
        # Building the war room allocates tens of thousands of objects that live as long as the
        # app: collecting them before the first frame only delays it (~25 ms, a full collection
        # among them). The collector is paused until that frame is drawn (`_started`).
        gc.disable()

    def on_mount(self) -> None:
        self.theme_changed_signal.subscribe(self, self._remember_theme)
        self.call_after_refresh(self._started)
        if self.handle_signals:
            loop = asyncio.get_running_loop()
            for signum in EXIT_SIGNALS:
                loop.add_signal_handler(signum, self.exit_on_signal, signum)
        for problem in self.config.problems:
            self.notify(problem, title="Configuration", severity="warning", timeout=20, markup=False)
        if self.config.sync.enabled:  # [sync]: shared with other machines while the console runs
            self._loop_for_sync = asyncio.get_running_loop()
            self._sync = SyncWorker(self.reader.path, self.config.sync, self._sync_state_from_thread)
            self._sync.start()

    # What the header shows of sync ("" without it), and whether it is live.
    sync_state: tuple[str, bool] = ("", False)
    _sync: SyncWorker | None = None

    def _sync_state_from_thread(self, label: str, live: bool) -> None:
        """On the sync thread: never waits for the app (which may be stopping it)."""
        try:
            self._loop_for_sync.call_soon_threadsafe(self._show_sync_state, label, live)
        except RuntimeError:  # the app has already stopped
            pass

    def _show_sync_state(self, label: str, live: bool) -> None:
        self.sync_state = (label, live)
        for screen in self.screen_stack:
            for header in screen.query(IncidentHeader):
                header.show_sync(label, live)

    def exit_on_signal(self, signum: int) -> None:
        """SIGTERM or SIGHUP: leave as ctrl+q does. The writer thread finishes its queue before
        the store closes (`on_unmount`), and Textual restores the terminal (alternate screen,
        mouse tracking and bracketed paste off) before the process ends."""
        log.info("signal %s: leaving", signal.Signals(signum).name)
        self.exit(return_code=128 + signum)

    def _handle_exception(self, error: Exception) -> None:
        log.error("unexpected error", exc_info=error)
        if self.crash is None:
            self.crash = error
        super()._handle_exception(error)

    async def run_action(self, action, default_namespace=None, namespaces=None) -> bool:
        log.debug("action %s", (action if isinstance(action, str) else action[0]).split("(", 1)[0])  # no arguments
        return await super().run_action(action, default_namespace, namespaces)

    def _fatal_error(self) -> None:
        """Textual prints the traceback, with local variables (incident text among them), over the
        restored terminal and exits 0. Here the app only closes; `run_console` writes the
        traceback to a crash log and says where in one line."""
        self.bell()
        self._close_messages_no_wait()

    async def on_ready(self) -> None:
        if self.sync_state[0]:  # sync said how it is before the war room's header was there
            self._show_sync_state(*self.sync_state)
        if self.start_with_incidents:
            await self.run_war_room_action("incidents")

    class KeysResume(Message):
        """Behind what a binding scheduled (a focus change is a callback on this queue): keys held
        since go on from here, in order."""

    @on(KeysResume)
    async def keys_resume(self) -> None:
        self._holding_keys = False
        # The keys held meanwhile, in the order typed, ahead of any typed since; one of them may
        # be a binding that holds the rest again.
        while self._held_keys and not self._holding_keys:
            await self._take_key(self._held_keys.popleft())

    async def _typed_keys_taken(self) -> None:
        """Wait until the widget given typed keys has taken them in (a binding runs after them, so
        `ctrl+s` right after typing saves what was typed). The widget runs in its own task; not for
        ever: a widget closed meanwhile never takes them."""
        taken, widget = self._typed_keys, self._typing_into
        self._typed_keys = self._typing_into = None
        if taken is None or widget is None or taken.is_set() or not widget.is_attached:
            return
        with suppress(TimeoutError):
            await asyncio.wait_for(taken.wait(), TYPED_KEYS_WAIT)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and event.is_forwarded and event in self._unbound_keys:
            # Bubbled back up from the focused widget, after the keys behind it were taken: it had
            # no binding when it arrived, and the screen a later key opened must not take it now
            # (`escape i` from the checklist: i opened the incidents screen, then this escape closed it).
            return
        if isinstance(event, events.Key) and not event.is_forwarded:
            if self._holding_keys or self._held_keys:
                # Held, behind the focus change the last binding asked for, in a list of our own:
                # queued again, they went behind keys that arrived after them (`a 4 Tab` then
                # `-1m`: the `1` reached the status list before the Tab that leaves it).
                self._held_keys.append(event)
                return
            await self._take_key(event)
            return
        if isinstance(event, events.Paste) and not event.is_forwarded:
            # Pasted text is data: its terminal control sequences never reach an editor (which
            # would echo them to the terminal) nor the record. Lines end in CR, CRLF or LF as the
            # terminal sends them (tmux's paste sends CR): all three are the same block of lines.
            lines = event.text.replace("\r\n", "\n").replace("\r", "\n")
            event = events.Paste(display_text(lines))
        await super().on_event(event)

    async def _take_key(self, event: events.Key) -> None:
        """A key typed, in its turn: to the focused widget that takes it itself, else its binding
        (then the keys behind it are held until what the binding did has happened), else on."""
        focused = self.focused
        if focused is not None and takes_key_itself(focused, event):
            await super().on_event(event)  # into the widget's own queue
            self._typed_keys, self._typing_into = asyncio.Event(), focused
            focused.call_later(self._typed_keys.set)  # runs behind the key just given
            return
        await self._typed_keys_taken()
        if await self._binding_first(event):
            self._holding_keys = True
            self.post_message(self.KeysResume())
            return
        await super().on_event(event)

    def get_driver_class(self) -> type[Driver]:
        """Textual's driver for this terminal; on Linux and macOS the one whose bracketed pastes
        keep their order (`tui.driver`)."""
        driver_class = super().get_driver_class()
        if driver_class.__module__ == "textual.drivers.linux_driver":  # imported only where it exists
            from ir_console.tui.driver import PasteSafeLinuxDriver

            return PasteSafeLinuxDriver
        return driver_class

    async def _binding_first(self, key: events.Key) -> bool:
        """Run the key's binding as the key arrives, unless the focused widget takes the key itself.

        Textual runs a binding only once its key has bubbled up from the focused widget; a burst of
        keys (fast typing, SSH catching up) has by then handed the next keys to that same widget,
        so after `escape x 2` the `x2` landed in the entry line just left. Taken here, in order,
        each key goes where the keys before it have put the focus."""
        focused = self.focused
        if focused is None or takes_key_itself(focused, key):
            return False
        if self.screen.maximized is not None and key.key == "escape":
            return False  # Textual's own: escape restores a maximized widget
        if await self._check_bindings(key.key, priority=True) or await self._check_bindings(key.key):
            return True
        self._unbound_keys.add(key)
        return False

    def _load_screen_css(self, screen: Screen) -> None:
        """As a screen opens, before its widgets mount: the sheet its kind needs, read the first
        time one opens. Its rules join those parsed already (kept parsed); the screen itself, styled
        as it was made, is styled again, and nothing else: no widget shown is one they name."""
        read = False
        for kind in type(screen).__mro__:
            name = self.LATER_SHEETS.get(kind.__name__)
            if name is not None:
                path = stylesheet_dir() / name
                if not self.stylesheet.has_source(str(path)):
                    self.stylesheet.read(path)
                    read = True
        if read:
            self.stylesheet.parse()  # the sheets parsed already come from its cache
            self.stylesheet.update_nodes([screen], animate=False)
        super()._load_screen_css(screen)

    def get_default_screen(self) -> Screen:
        return WarRoomScreen()

    async def write(self, change: Callable[[Store], T]) -> T:
        """Run `change(writer_store)` on the writer thread and wait for it without blocking."""
        return await self.submit_write(change)

    def submit_write(self, change: Callable[[Store], T]) -> asyncio.Future[T]:
        """Queue `change(writer_store)` for the writer thread now, behind the writes already queued,
        and return its future: what is submitted first is written first."""
        return asyncio.get_running_loop().run_in_executor(self._writer_pool, self._run_write, change)

    def _run_write(self, change: Callable[[Store], T]) -> T:
        """On the writer thread. Refused (DatabaseReplaced) when the file at the path is no longer
        the one the console opened: what is written then would be lost with the old file. Checked
        again after the write, so a write that raced the removal is not acknowledged either."""
        self.reader.check_file()
        if self._writer is None:
            writer = Store.open(self.reader.path, create=False, clock=self.clock)
            if writer.file_key != self.reader.file_key:  # replaced between the check and the open
                writer.close()
                raise database_replaced(self.reader.path)
            self._writer = writer
        self._writer.check_file()
        log.debug("write %s", getattr(change, "__qualname__", type(change).__name__))
        result = change(self._writer)
        self._writer.check_file()
        return result

    def read_apart(self, load: Callable[[Store], T]) -> asyncio.Future[T]:
        """Run `load(store)` on the reader thread, on its own connection, and return its future:
        await it in a worker, and draw what it returns."""
        return asyncio.get_running_loop().run_in_executor(self._reader_pool, self._run_read, load)

    def _run_read(self, load: Callable[[Store], T]) -> T:
        if self._background_reader is None:
            self._background_reader = Store.open(self.reader.path, create=False, clock=self.clock)
        return load(self._background_reader)

    def _started(self) -> None:
        """After the first frame: what start-up built lives as long as the app, and moving it out
        of the collector's view keeps full collections (the long tail of entry latency) short."""
        gc.freeze()
        gc.enable()

    def on_unmount(self) -> None:
        gc.enable()  # an app that ended before its first frame
        if self._sync is not None:
            self._sync.stop()
        self._writer_pool.submit(self._close_writer).result(timeout=10)
        self._writer_pool.shutdown(wait=True)
        self._reader_pool.submit(self._close_background_reader).result(timeout=10)
        self._reader_pool.shutdown(wait=True)

    def _close_background_reader(self) -> None:
        if self._background_reader is not None:
            self._background_reader.close()

    def _close_writer(self) -> None:
        if self._writer is not None:
            self._writer.close()

    def action_help(self) -> None:
        from ir_console.tui.dialogs.help import HelpScreen  # loaded when first opened

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Every key binding of the war room is also a command in the palette."""
        yield from super().get_system_commands(screen)
        for binding in WarRoomScreen.BINDINGS:
            if isinstance(binding, Binding) and binding.description:
                yield SystemCommand(
                    binding.description,
                    f"{binding.tooltip or binding.description} (key: {binding.key})",
                    lambda action=binding.action: self.run_war_room_action(action),
                )

    async def run_war_room_action(self, action: str) -> None:
        war_room = next((s for s in self.screen_stack if isinstance(s, WarRoomScreen)), None)
        if war_room is not None:
            await war_room.run_action(action)


def run_console(
    store: Store, *, author: str = "", config: Config | None = None, start_with_incidents: bool = False
) -> int:
    """Run the console on the terminal; returns the process's exit status: 0 after ctrl+q, 128 +
    the signal's number after SIGTERM or SIGHUP, CRASH_EXIT_STATUS after an unexpected error,
    whose traceback is written to a crash log named in one line on stderr."""
    return run_app(
        IrConsoleApp(
            store, author=author, config=config, start_with_incidents=start_with_incidents, handle_signals=True
        )
    )


def run_app(app: IrConsoleApp) -> int:
    """`run_console`'s way of running a console app on the terminal (`ir-console demo` runs its own)."""
    log.info("console starting on %s", app.reader.path)
    try:
        app.run()
    except Exception as error:  # raised outside Textual's own handling (starting or stopping the driver)
        app.crash = app.crash or error
    if app.crash is not None:
        log.error("console stopped on an unexpected error", exc_info=app.crash)
        print(crash_line(app.crash, write_crash_log(app.crash)), file=sys.stderr, flush=True)
        return CRASH_EXIT_STATUS
    log.info("console ended, exit status %s", app.return_code or 0)
    return app.return_code or 0
