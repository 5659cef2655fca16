"""Time to first frame and peak RSS, each measurement in a fresh subprocess.

Parent: `measure(kind, db, cwd=...)` runs `python -m benchmarks.startup KIND SPAWN_CLOCK [DB]` and
reads back one JSON line. Child (`main()` below): imports what the app needs, builds it, runs it
headless at 160x48 and exits as soon as the first frame exists.

The console child does what `ir-console` (cli.open_console) does: import `ir_console.store` and
`ir_console.tui.app`, `Store.open(db)`, `IrConsoleApp(store)` with its defaults (real clock, psutil
sampler), run. It does not import `ir_console.cli` (click parsing); click itself is imported anyway,
by sqlite-utils. The bare app: Header, Footer and four Static panes in a 2x2 grid.

Clocks: time.monotonic() is CLOCK_MONOTONIC, one clock for every process on Linux, so the parent
passes the reading it took just before spawning and the child subtracts it. What comes back:

  spawn   from just before the parent spawned the child to the first frame: interpreter start,
          imports, opening the store, building the app, mounting, layout and the first render.
          This is what a user waits for after pressing Enter in a shell.
  cpu     the child's CPU time (time.process_time(), all its threads) when the first frame
          exists: the same work as `spawn` less the waiting, so less sensitive to a busy machine.
  app     from just before the store is opened (console) / the App is constructed (bare app) to
          the first frame, in the child; the imports are not in it.

First frame: the first time the top screen's compositor hands a rendered update to
`App._display` (Screen._compositor_refresh). Headless, `_display` then writes nothing; the strips
of every widget have been rendered (render_line included) by then, only the conversion to escape
codes and the terminal write are left out, for both apps alike. The app exits on the `Ready`
event, which Textual posts right after that first refresh.

Peak RSS: the child's own high-water mark after the app has exited, interpreter and imports
included: VmHWM from /proc/self/status on Linux. Not getrusage(RUSAGE_SELF).ru_maxrss: Linux keeps
ru_maxrss across fork and exec, so a child of a big parent reports the parent's size (this parent
has built the 100,000-event database). ru_maxrss is the fallback where /proc is missing.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time

T_MAIN = time.monotonic()  # the child's first line (interpreter up, before any heavy import)

SIZE = (160, 48)
MARK = "BENCH-STARTUP "


def _probe(base):
    class Probe(base):
        first_frame: float | None = None
        first_rows: list[str] = []
        timeline_row: str | None = None
        timeline_count: int | None = None

        def _display(self, screen, renderable) -> None:
            if renderable is not None and self.first_frame is None:
                self.first_frame = time.monotonic()
                self.first_frame_cpu = time.process_time()
                # After the clock was read: keep the frame's text to check what it showed.
                self.first_rows = ["".join(strip.text for strip in line) for line in getattr(renderable, "strips", [])]
            super()._display(screen, renderable)

        def on_ready(self) -> None:
            self.ready = time.monotonic()
            # What the first frame showed on the timeline's last row (console only).
            timelines = self.screen_stack[0].query("#timeline") if self.screen_stack else []
            for timeline in timelines:
                self.timeline_count = timeline.count
                region = timeline.content_region
                y = region.bottom - 1
                if 0 <= y < len(self.first_rows):
                    self.timeline_row = self.first_rows[y][region.x : region.right].rstrip()
            self.exit()

    return Probe


def peak_rss_kib() -> int:
    """This process's peak resident set size in KiB (see the module docstring)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def imported() -> dict:
    """Clock and high-water mark once the app's modules are imported, before anything runs."""
    return {"t_imported": time.monotonic(), "rss_imported_kib": peak_rss_kib()}


def run_bare() -> dict:
    from textual.app import App, ComposeResult
    from textual.widgets import Footer, Header, Static

    marks = imported()

    class BareApp(App[None]):
        """Header, Footer and four Static panes in a grid: the floor for any Textual app this size."""

        CSS = """
        Screen { layout: grid; grid-size: 2 2; grid-columns: 2fr 1fr; }
        Static { border: round $panel-lighten-2; height: 1fr; }
        """

        def compose(self) -> ComposeResult:
            yield Header()
            for name in ("Timeline", "Hypotheses", "Containment", "System"):
                pane = Static(f"{name}: nothing yet")
                pane.border_title = name
                yield pane
            yield Footer()

    t_app = time.monotonic()
    app = _probe(BareApp)()
    app.run(headless=True, size=SIZE)
    return {
        **marks,
        "t_app": t_app,
        "first_frame": app.first_frame,
        "ready": getattr(app, "ready", None),
        "cpu_to_frame": getattr(app, "first_frame_cpu", None),
    }


def run_console(db: str) -> dict:
    from ir_console.store import Store
    from ir_console.tui.app import IrConsoleApp

    marks = imported()
    t_app = time.monotonic()
    store = Store.open(db, create=False)  # what `ir-console` does before building the app
    t_opened = time.monotonic()
    app = _probe(IrConsoleApp)(store)
    app.run(headless=True, size=SIZE)
    store.close()
    return {
        **marks,
        "t_app": t_app,
        "store_open": t_opened - t_app,
        "first_frame": app.first_frame,
        "ready": getattr(app, "ready", None),
        "cpu_to_frame": getattr(app, "first_frame_cpu", None),
        "timeline_count": app.timeline_count,
        "timeline_last_row": app.timeline_row,
    }


def main() -> None:
    kind, spawned = sys.argv[1], float(sys.argv[2])
    result = run_bare() if kind == "bare" else run_console(sys.argv[3])
    rss_kib = peak_rss_kib()
    frame = result["first_frame"]
    out = {
        "kind": kind,
        "spawn_to_frame": None if frame is None else frame - spawned,
        "app_to_frame": None if frame is None else frame - result["t_app"],
        "cpu_to_frame": result["cpu_to_frame"],
        "spawn_to_main": T_MAIN - spawned,
        "imports": result["t_imported"] - T_MAIN,
        "store_open": result.get("store_open"),
        "rss_imported_kib": result["rss_imported_kib"],
        "frame_to_ready": None if frame is None or result["ready"] is None else result["ready"] - frame,
        "rss_kib": rss_kib,
        "timeline_count": result.get("timeline_count"),
        "timeline_last_row": result.get("timeline_last_row"),
    }
    sys.stdout.write(MARK + json.dumps(out) + "\n")
    sys.stdout.flush()


# -- parent side ------------------------------------------------------------------------------------


def child_env() -> dict:
    """The parent's environment without Textual's own switches (devtools, FPS, screenshots), and
    without PYTHONDONTWRITEBYTECODE: an installed ir-console has its .pyc files, as Textual has
    (the warm-up round writes them). With it set, every console child compiled the package's
    modules from source (~80 ms) while the bare app loaded Textual's compiled ones."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TEXTUAL") and k != "PYTHONDONTWRITEBYTECODE"}
    return env


def measure(kind: str, db: str | None, *, cwd: str, timeout: float = 60) -> dict:
    args = [sys.executable, "-m", "benchmarks.startup", kind]
    spawned = time.monotonic()
    args.append(repr(spawned))
    if db is not None:
        args.append(db)
    done = subprocess.run(
        args, cwd=cwd, env=child_env(), stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith(MARK)]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"startup child {kind} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return json.loads(lines[-1][len(MARK) :])


if __name__ == "__main__":
    main()
