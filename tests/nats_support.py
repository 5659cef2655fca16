"""Real `nats-server` processes for the sync tests: each on free loopback ports, with its own
temporary JetStream storage, stopped (by its own process id) when the test ends. Tests skip with a
clear reason when the binary is absent (`.ci/run` installs Debian's `nats-server`)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

NATS_SERVER = shutil.which("nats-server") or (
    "/usr/sbin/nats-server" if Path("/usr/sbin/nats-server").exists() else None
)

needs_nats = pytest.mark.skipif(
    NATS_SERVER is None, reason="nats-server is not installed (apt-get install nats-server)"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nats-server did not listen on {port}")


@dataclass
class NatsServer:
    """One server: `start()` again after `stop()` keeps its port and its storage."""

    folder: Path
    port: int = field(default_factory=free_port)
    extra: str = ""  # more configuration (authorization, tls, cluster)
    name: str = "n1"
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self) -> NatsServer:
        self.folder.mkdir(parents=True, exist_ok=True)
        conf = self.folder / "server.conf"
        conf.write_text(
            f'server_name: "{self.name}"\nlisten: "127.0.0.1:{self.port}"\n'
            f'jetstream {{ store_dir: "{self.folder / "js"}" }}\n{self.extra}\n'
        )
        self.process = subprocess.Popen(
            [NATS_SERVER, "-c", str(conf)],
            stdout=subprocess.DEVNULL,
            stderr=open(self.folder / "server.log", "ab"),
        )
        wait_for_port(self.port)
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None


@pytest.fixture
def nats_servers(tmp_path: Path):
    """Make servers with `nats_servers(extra=...)`; all are stopped when the test ends."""
    if NATS_SERVER is None:
        pytest.skip("nats-server is not installed (apt-get install nats-server)")
    started: list[NatsServer] = []

    def make(extra: str = "", name: str = "n1", port: int | None = None) -> NatsServer:
        server = NatsServer(tmp_path / f"nats-{name}-{len(started)}", extra=extra, name=name)
        if port is not None:
            server.port = port
        started.append(server)
        return server.start()

    yield make
    for server in started:
        server.stop()
