"""Issue #14: the first frame does only what it needs (first frame ≤ 1.6x, peak RSS ≤ 1.4x a bare app).

No timing is asserted: `python -m benchmarks --only startup` measures. These tests check what the
console loads and does before its first frame, and that the first frame is the same: the dialogs
and RE2 load when first used, the first resource sample is taken once the first frame is drawn
(which says "Sampling…" either way), and the remembered theme is applied without parsing every
stylesheet twice, in the same colours as choosing it in the palette.
"""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

from textual.css.stylesheet import Stylesheet
from tui_support import console, declare_checkout_incident, run, settle, wait_until, war_room

from ir_console.demo import FixedSampler
from ir_console.locations import state_path, stylesheet_dir
from ir_console.store import Store
from ir_console.tui.app import IrConsoleApp
from ir_console.tui.widgets.system import SystemPane

ROOT = Path(__file__).resolve().parents[1]

# Runs the console headless on a database, as `ir-console` does, until its first frame is drawn,
# then prints what it had imported by then and the first frame's text.
FIRST_FRAME = """
import json, sys
from ir_console.store import Store
from ir_console.tui.app import IrConsoleApp

class FirstFrame(IrConsoleApp):
    rows = None
    def _display(self, screen, renderable):
        if renderable is not None and self.rows is None:
            self.rows = ["".join(s.text for s in line) for line in renderable.strips]
            self.modules = sorted(sys.modules)
            import ir_console.config
            self.example_read = "EXAMPLE_CONFIG" in vars(ir_console.config)
        super()._display(screen, renderable)
    def on_ready(self):
        self.exit()

store = Store.open(sys.argv[1], create=False)
app = FirstFrame(store)
app.run(headless=True, size=(160, 48))
store.close()
print(json.dumps({"modules": app.modules, "rows": app.rows, "example_read": app.example_read}))
"""


def first_frame(db: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", FIRST_FRAME, str(db)], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_first_frame_loads_no_dialog_nor_text_area_nor_re2(store: Store, clock) -> None:
    declare_checkout_incident(store, clock)
    shown = first_frame(store.path)
    assert any("Checkout API returning 500s" in row for row in shown["rows"])  # the war room, drawn
    assert any("Sampling…" in row for row in shown["rows"])
    modules = set(shown["modules"])
    assert "ir_console.tui.screens.war_room" in modules
    dialogs = sorted(name for name in modules if name.startswith("ir_console.tui.dialogs."))
    assert dialogs == [], dialogs  # each loads when first opened
    assert "re2" not in modules  # loads with the first log filter (no [[logs.file]] here)
    assert "textual.widgets._text_area" not in modules  # with the first dialog that has one
    assert "psutil" not in modules  # with the resource sampler, on its thread, after the first frame
    assert not shown["example_read"]  # example.toml is read for `config init`, not to start


class WatchedSampler(FixedSampler):
    """Notes, at each sample, how many frames the console had drawn."""

    def __init__(self, app_frames: list[int]) -> None:
        super().__init__()
        self.app_frames = app_frames
        self.frames_at_sample: list[int] = []

    def sample(self):
        self.frames_at_sample.append(self.app_frames[0])
        return super().sample()


class CountingFrames(IrConsoleApp):
    def __init__(self, *args, frames: list[int], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.frames = frames

    def _display(self, screen, renderable) -> None:
        if renderable is not None:
            self.frames[0] += 1
        super()._display(screen, renderable)


async def test_the_first_resource_sample_is_taken_after_the_first_frame(store: Store, clock) -> None:
    declare_checkout_incident(store, clock)
    frames = [0]
    sampler = WatchedSampler(frames)
    app = CountingFrames(store, clock=clock, sampler=sampler, author="tester", sample_interval=0.05, frames=frames)
    async with run(app) as pilot:
        await wait_until(pilot, lambda: len(sampler.frames_at_sample) >= 2, "two samples")
        pane = war_room(app).query_one(SystemPane)
        await wait_until(pilot, lambda: "CPU" in pane.plain, "the sample drawn")
    assert sampler.frames_at_sample[0] >= 1, sampler.frames_at_sample


async def test_a_remembered_theme_is_applied_with_one_parse_of_the_stylesheets(
    store: Store, clock, monkeypatch
) -> None:
    """Setting `App.theme` in `__init__` queued Textual's full re-parse of every stylesheet (and a
    restyle of every widget) for after the first parse: the same work twice before the first frame."""
    declare_checkout_incident(store, clock)
    state_path().parent.mkdir(parents=True, exist_ok=True)
    state_path().write_text('{"theme": "war-room-light"}')
    reparses: list[int] = []
    original = Stylesheet.reparse

    def counting_reparse(self) -> None:
        reparses.append(1)
        original(self)

    monkeypatch.setattr(Stylesheet, "reparse", counting_reparse)

    app = console(store, clock)
    async with run(app) as pilot:
        await settle(pilot)
        assert app.theme == "war-room-light"
        assert app.has_class("-theme-war-room-light", "-light-mode")
    assert reparses == []


def colours(app: IrConsoleApp) -> dict[str, str]:
    """The resolved colours of what the war room shows first: screen, header, severity badge,
    panes and their borders, the timeline, the entry line."""
    room = war_room(app)
    seen = {"screen": room, "app-classes": None}
    for selector in ("#header", "#header #severity", "#timeline-pane", "#timeline", "#entry", "#signals-pane"):
        seen[selector] = room.query_one(selector)
    result = {}
    for name, node in seen.items():
        if node is None:
            result[name] = " ".join(sorted(c for c in app.classes if c.startswith("-")))
            continue
        styles = node.styles
        result[name] = f"{styles.background} {styles.color} {styles.border_top} {node.rich_style}"
    return result


async def test_a_remembered_theme_looks_as_the_theme_chosen_in_the_palette(store: Store, clock) -> None:
    declare_checkout_incident(store, clock)
    for name in ("war-room-light", "nord"):
        chosen = console(store, clock)
        async with run(chosen) as pilot:
            await settle(pilot)
            chosen.theme = name  # through Textual's own watcher (this also remembers it)
            await settle(pilot)
            expected = colours(chosen)
        assert json.loads(state_path().read_text())["theme"] == name

        remembered = console(store, clock)
        async with run(remembered) as pilot:
            await settle(pilot)
            assert remembered.theme == name
            assert colours(remembered) == expected, name


class FirstFrameCollections(IrConsoleApp):
    """Counts the collector's runs from the app's start (its Load event) to its first frame."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.collections: list[int] = []
        self.counting = False
        self.at_first_frame: int | None = None
        self.enabled_after_first_frame: bool | None = None

    def _collected(self, phase: str, info: dict) -> None:
        if phase == "start" and self.counting:
            self.collections.append(info["generation"])

    def _on_load(self, event) -> None:  # before the app's own on_load
        self.counting = True
        gc.callbacks.append(self._collected)

    def _display(self, screen, renderable) -> None:
        if renderable is not None and self.at_first_frame is None:
            self.at_first_frame = len(self.collections)
            self.counting = False
        super()._display(screen, renderable)


async def test_no_collection_runs_before_the_first_frame_and_the_collector_runs_again_after(
    store: Store, clock
) -> None:
    declare_checkout_incident(store, clock)
    app = FirstFrameCollections(store, clock=clock, sampler=FixedSampler(), author="tester", sample_interval=0)
    try:
        async with run(app) as pilot:
            await settle(pilot)
            assert app.at_first_frame == 0, app.collections
            assert gc.isenabled()
            assert war_room(app).query_one("#timeline").count > 0  # the war room was drawn
    finally:
        gc.callbacks.remove(app._collected)
    assert gc.isenabled()


async def test_the_real_sampler_is_made_off_the_event_loop_after_the_first_frame(
    store: Store, clock, monkeypatch
) -> None:
    """psutil loads, and its CPU counters are primed, on the resources worker's thread; the
    System pane then draws the real machine's figures."""
    from ir_console.signals import resources

    declare_checkout_incident(store, clock)
    made_on: list[str] = []
    original = resources.ResourceSampler.__init__

    def noting_init(self, *args, **kwargs) -> None:
        made_on.append(threading.current_thread().name)
        original(self, *args, **kwargs)

    monkeypatch.setattr(resources.ResourceSampler, "__init__", noting_init)
    frames = [0]
    app = CountingFrames(store, clock=clock, author="tester", sample_interval=0.05, frames=frames)
    assert made_on == []  # not by the app's constructor
    async with run(app) as pilot:
        pane = war_room(app).query_one(SystemPane)
        await wait_until(pilot, lambda: "CPU" in pane.plain, "the machine's figures drawn")
    assert len(made_on) == 1 and made_on[0] != threading.main_thread().name, made_on


class StyledBeforeFirstFrame(IrConsoleApp):
    """Notes each node the stylesheet styles, until the first frame is drawn."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.styled: list[object] | None = []

    def _display(self, screen, renderable) -> None:
        if renderable is not None and self.styled is not None:
            self.first_styled, self.styled = self.styled, None
        super()._display(screen, renderable)


def war_room_look(room) -> dict[object, tuple]:
    """What each widget's styles draw: shown or not, layout, borders, colours, sizes, text style."""
    return {
        node: (
            node.display,
            node.styles.layout and node.styles.layout.name,
            node.styles.border,
            node.styles.background,
            node.styles.color,
            node.styles.width,
            node.styles.height,
            node.styles.padding,
            node.styles.text_style,
            node.rich_style,
        )
        for node in room.walk_children(with_self=True)
    }


async def test_the_war_room_is_styled_once_before_its_first_frame(store: Store, clock, monkeypatch) -> None:
    """Textual restyled every widget of the war room again as it was first shown, after each had
    been styled as it mounted (~60 widgets, twice before the first frame). Each is styled once now
    (again only where a class or the focus changed before the frame), in the same styles as a full
    restyle gives, at a wide and a narrow size."""
    declare_checkout_incident(store, clock)
    original = Stylesheet.apply

    for size in ((160, 48), (100, 30)):
        app = StyledBeforeFirstFrame(store, clock=clock, sampler=FixedSampler(), author="tester", sample_interval=0)

        def noting(self, node, *args, app=app, **kwargs):
            if app.styled is not None:
                app.styled.append(node)
            return original(self, node, *args, **kwargs)

        monkeypatch.setattr(Stylesheet, "apply", noting)
        async with run(app, size=size) as pilot:
            await settle(pilot)
            room = war_room(app)
            widgets = list(room.walk_children())
            twice = [repr(node) for node in widgets if app.first_styled.count(node) > 1]
            # Again only what changed before the frame: the header's labels take their classes, the
            # focused timeline's pane (focus-within) and the active signal tab.
            assert len(twice) <= 12, (len(widgets), twice)
            for quiet in ("#hypotheses-pane", "#hypotheses", "#containment-pane", "#signals-pane", "QuickFooter"):
                assert app.first_styled.count(room.query_one(quiet)) == 1, quiet
            shown = war_room_look(room)
            room.update_node_styles(animate=False)  # a full restyle changes nothing: every rule was applied
            await settle(pilot)
            assert war_room_look(room) == shown


async def test_the_other_screens_sheets_are_read_as_the_first_screen_they_style_opens(store: Store, clock) -> None:
    """dialogs.tcss, incidents.tcss and postmortem.tcss are not parsed before the first frame
    (~8 ms); each is read as the first dialog, the incidents screen or the editor opens, which
    then looks as with every sheet read to start, and the war room under it is not restyled."""
    declare_checkout_incident(store, clock)
    sheets = {name: str(stylesheet_dir() / name) for name in ("dialogs.tcss", "incidents.tcss", "postmortem.tcss")}

    def read(app: IrConsoleApp) -> set[str]:
        return {name for name, path in sheets.items() if app.stylesheet.has_source(path)}

    looks: dict[str, dict] = {}
    for every_sheet_to_start in (False, True):
        app = console(store, clock)
        if every_sheet_to_start:  # as before: every sheet in CSS_PATH
            app.css_path = [*app.css_path, *(Path(path) for path in sheets.values())]
        async with run(app) as pilot:
            await settle(pilot)
            assert read(app) == (set(sheets) if every_sheet_to_start else set())
            for key, sheet in (("s", "dialogs.tcss"), ("i", "incidents.tcss"), ("p", "postmortem.tcss")):
                await pilot.press(key)
                await wait_until(pilot, lambda: app.screen is not war_room(app), f"{key} open")
                await settle(pilot)
                assert sheet in read(app)
                seen = {
                    repr(node): (
                        node.display,
                        node.styles.border,
                        node.styles.background,
                        node.styles.color,
                        node.styles.width,
                        node.styles.height,
                        node.styles.padding,
                        node.styles.margin,
                    )
                    for node in app.screen.walk_children(with_self=True)
                }
                looks.setdefault(key, seen)
                assert seen == looks[key], (
                    key,
                    {k: (v, looks[key].get(k)) for k, v in seen.items() if looks[key].get(k) != v},
                )
                await pilot.press("escape")
                await wait_until(pilot, lambda: app.screen is war_room(app), f"{key} closed")
                await settle(pilot)
