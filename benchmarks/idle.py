"""CPU used by an idle console: signals at the shipped intervals and every signal at 1 Hz, versus
signals off, each in a fresh subprocess.

Parent: `measure(db, folder, seconds)` serves a loopback HTTP endpoint and a TCP listener, makes a
git repository and a log file, then runs `python -m benchmarks.idle MODE DB CONFIG SECONDS` three
times (MODE `off`, `defaults`, `on`) and reads back one JSON line from each.

Child (`main()` below): the console as `ir-console` builds it (real clock, psutil sampler, the
given configuration), headless at 160x48, on the 10-event incident. After a warm-up it measures
its own CPU time (`time.process_time()`: every thread, so the sampler, the writer and the event
loop) and its children's (`git log`, which the console spawns for the Changes pane) over
`SECONDS` of wall time in which nobody touches a key, then exits.
"""

from __future__ import annotations

import json
import os
import resource
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

MARK = "BENCH-IDLE "
WARMUP = 3.0  # seconds: imports settled, first samples and first checks done


MODES = ("off", "defaults", "on")


def _config_text(mode: str, http_port: int, tcp_port: int, repo: Path, log: Path) -> str:
    """`off`: no signals; `defaults`: the same sources at the shipped intervals (samples and logs
    every 1 s, health every 5 s, git every 30 s); `on`: every signal at 1 Hz."""
    if mode == "off":
        return "[signals]\ninterval = 0\n"
    if mode == "defaults":
        return f"""
[[health.http]]
name = "api"
url = "http://127.0.0.1:{http_port}/health"

[[health.tcp]]
name = "db"
host = "127.0.0.1"
port = {tcp_port}

[[changes.git]]
path = "{repo}"

[[logs.file]]
path = "{log}"
"""
    return f"""
[signals]
interval = 1.0

[health]
interval = 1.0

[[health.http]]
name = "api"
url = "http://127.0.0.1:{http_port}/health"

[[health.tcp]]
name = "db"
host = "127.0.0.1"
port = {tcp_port}

[changes]
interval = 1.0

[[changes.git]]
path = "{repo}"

[logs]
interval = 1.0

[[logs.file]]
path = "{log}"
"""


class _Healthy(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"ok"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def _make_repo(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "bench",
        "GIT_AUTHOR_EMAIL": "b@example.com",
        "GIT_COMMITTER_NAME": "bench",
        "GIT_COMMITTER_EMAIL": "b@example.com",
    }
    for args in (["init", "-q"], ["commit", "-q", "--allow-empty", "-m", "Deploy v2.41.0"]):
        subprocess.run(["git", "-C", str(path), *args], check=True, env=env, capture_output=True)


def measure(db: Path, folder: Path, seconds: float, cwd: str) -> dict[str, dict]:
    """Run the idle console with signals off and on; their CPU figures by mode."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Healthy)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    listener = socket.create_server(("127.0.0.1", 0))
    listener.listen(64)
    accepting = threading.Thread(target=lambda: _accept_forever(listener), daemon=True)
    accepting.start()
    repo, log = folder / "idle-repo", folder / "idle.log"
    _make_repo(repo)
    log.write_text("started\nERROR first\n")
    results = {}
    try:
        for mode in MODES:
            config = folder / f"idle-{mode}.toml"
            config.write_text(_config_text(mode, server.server_address[1], listener.getsockname()[1], repo, log))
            output = subprocess.run(
                [sys.executable, "-m", "benchmarks.idle", mode, str(db), str(config), str(seconds)],
                capture_output=True,
                text=True,
                cwd=cwd,
                timeout=seconds + 120,
                env={**os.environ, "IR_CONSOLE_USER": "bench"},
            )
            line = next((ln for ln in output.stdout.splitlines() if ln.startswith(MARK)), None)
            if line is None:
                raise RuntimeError(f"idle {mode}: no result\n{output.stdout[-2000:]}\n{output.stderr[-2000:]}")
            results[mode] = json.loads(line[len(MARK) :])
    finally:
        server.shutdown()
        listener.close()
    return results


def _accept_forever(listener: socket.socket) -> None:
    while True:
        try:
            connection, _ = listener.accept()
        except OSError:
            return
        connection.close()


def main() -> None:
    mode, db, config_path, seconds = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), float(sys.argv[4])
    from ir_console.config import load_config
    from ir_console.store import Store
    from ir_console.tui.app import IrConsoleApp

    config = load_config(config_path)
    if config.problems:
        raise SystemExit(f"configuration problems: {config.problems}")
    store = Store.open(db, create=False)
    app = IrConsoleApp(store, author="bench", config=config)
    marks: dict[str, float] = {}

    def start() -> None:
        marks["cpu"], marks["wall"] = time.process_time(), time.monotonic()
        marks["children"] = _children_cpu()
        app.set_timer(seconds, stop)

    def stop() -> None:
        marks["cpu_end"], marks["wall_end"] = time.process_time(), time.monotonic()
        marks["children_end"] = _children_cpu()
        app.exit()

    app.call_later(lambda: app.set_timer(WARMUP, start))
    app.run(headless=True, size=(160, 48))
    store.close()
    wall = marks["wall_end"] - marks["wall"]
    result = {
        "mode": mode,
        "wall": wall,
        "cpu": marks["cpu_end"] - marks["cpu"],
        "children_cpu": marks["children_end"] - marks["children"],
    }
    print(MARK + json.dumps(result), flush=True)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


if __name__ == "__main__":
    main()
