"""System resources: real psutil readings of this machine, real child processes, real files."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from collections import namedtuple
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil
import pytest

from ir_console.signals.resources import ResourceSample, ResourceSampler, mount_usages

DEADLINE = 5.0  # seconds any wait in these tests may take


def wait_for(condition: Callable[[], bool], timeout: float = DEADLINE, every: float = 0.2) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(every)
    return condition()


@pytest.fixture
def cpu_burner() -> Iterator[subprocess.Popen]:
    child = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        yield child
    finally:
        child.kill()
        child.wait(timeout=DEADLINE)


def test_the_first_sample_has_no_rates_and_the_next_ones_do(tmp_path: Path) -> None:
    sampler = ResourceSampler()
    first = sampler.sample()
    assert (first.disk_read_rate, first.disk_write_rate, first.net_recv_rate, first.net_sent_rate) == (None,) * 4

    # Something to count: 4 MiB written and flushed to the disk between two samples.
    with open(tmp_path / "written", "wb") as file:
        file.write(os.urandom(4 * 1024 * 1024))
        file.flush()
        os.fsync(file.fileno())
    second = sampler.sample()

    assert second.net_recv_rate is not None and second.net_recv_rate >= 0
    assert second.net_sent_rate is not None and second.net_sent_rate >= 0
    if psutil.disk_io_counters() is None:
        assert second.disk_write_rate is None  # this machine counts no disk I/O
    else:
        assert second.disk_read_rate is not None and second.disk_read_rate >= 0
        assert second.disk_write_rate is not None and second.disk_write_rate > 0


def test_figures_of_this_machine() -> None:
    sample = ResourceSampler().sample()
    assert len(sample.per_cpu) == psutil.cpu_count() == sample.cpu_count
    assert all(0 <= value <= 100 for value in sample.per_cpu)
    assert sample.memory_total == psutil.virtual_memory().total
    assert sample.memory_used is not None and 0 < sample.memory_used <= sample.memory_total
    # used is total - available, so it agrees with the percentage shown beside it
    assert sample.memory_used / sample.memory_total * 100 == pytest.approx(sample.memory_percent, abs=2)
    assert sample.disk_percent == pytest.approx(psutil.disk_usage("/").percent, abs=1)


def _device_holding(path: Path) -> str:
    """The device behind the mount holding `path`, per /proc/mounts (all of them)."""
    holding = max(
        (p for p in psutil.disk_partitions(all=True) if path.is_relative_to(p.mountpoint)),
        key=lambda p: len(p.mountpoint),
    )
    return holding.device


def test_mounts_are_real_filesystems_fullest_first_including_the_one_of_tmp_path(tmp_path: Path) -> None:
    device = _device_holding(tmp_path)
    if not (os.path.exists(device) and stat.S_ISBLK(os.stat(device).st_mode)):
        pytest.skip(f"{tmp_path} is on {device}, not a disk: psutil's real filesystems leave it out")
    mounts = ResourceSampler().sample().mounts

    percents = [mount.percent for mount in mounts]
    assert percents == sorted(percents, reverse=True)
    assert len({mount.device for mount in mounts}) == len(mounts)
    holding = [mount for mount in mounts if os.stat(mount.mountpoint).st_dev == os.stat(tmp_path).st_dev]
    assert len(holding) == 1
    usage = psutil.disk_usage(str(tmp_path))
    assert holding[0].total == usage.total
    assert holding[0].percent == pytest.approx(usage.percent, abs=1)
    assert holding[0].fstype


Partition = namedtuple("Partition", "device mountpoint fstype opts")


def test_a_device_mounted_twice_is_shown_once_at_its_shortest_mountpoint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inner = tmp_path / "bind"
    inner.mkdir()
    partitions = [
        Partition("/dev/fake1", str(inner), "ext4", "rw"),
        Partition("/dev/fake1", str(tmp_path), "ext4", "rw"),
        Partition("/dev/gone", str(tmp_path / "missing"), "xfs", "rw"),
    ]
    monkeypatch.setattr(psutil, "disk_partitions", lambda all=False: partitions)

    mounts = mount_usages()

    # the vanished mount cannot be statted and is left out, not an error
    assert [(mount.device, mount.mountpoint) for mount in mounts] == [("/dev/fake1", str(tmp_path))]


def test_a_process_burning_cpu_shows_up_at_the_top(cpu_burner: subprocess.Popen) -> None:
    sampler = ResourceSampler(process_every=1)
    seen: list[ResourceSample] = []

    def burner_on_top() -> bool:
        seen.append(sampler.sample())
        return any(process.pid == cpu_burner.pid for process in seen[-1].top_cpu)

    assert wait_for(burner_on_top), [[(p.name, p.cpu_percent) for p in s.top_cpu] for s in seen]
    burner = next(process for process in seen[-1].top_cpu if process.pid == cpu_burner.pid)
    assert burner.cpu_percent > 10
    assert burner.name == psutil.Process(cpu_burner.pid).name()
    assert burner.rss > 0
    assert seen[0].top_cpu == ()  # the first scan only starts the processes' clocks
    top = seen[-1]
    assert [p.cpu_percent for p in top.top_cpu] == sorted((p.cpu_percent for p in top.top_cpu), reverse=True)
    assert [p.rss for p in top.top_memory] == sorted((p.rss for p in top.top_memory), reverse=True)
    assert 0 < len(top.top_memory) <= 5 and len(top.top_cpu) <= 5
    assert top.top_memory[0].memory_percent == pytest.approx(
        top.top_memory[0].rss / psutil.virtual_memory().total * 100
    )


def test_a_process_that_exits_is_forgotten(cpu_burner: subprocess.Popen) -> None:
    sampler = ResourceSampler(process_every=1)
    sampler.sample()
    assert cpu_burner.pid in sampler._processes
    cpu_burner.kill()
    cpu_burner.wait(timeout=DEADLINE)

    sample = sampler.sample()

    assert cpu_burner.pid not in sampler._processes
    assert cpu_burner.pid not in {process.pid for process in (*sample.top_cpu, *sample.top_memory)}


def test_processes_are_scanned_every_few_samples_and_the_lists_kept_between(monkeypatch: pytest.MonkeyPatch) -> None:
    scans = []
    real_pids = psutil.pids
    monkeypatch.setattr(psutil, "pids", lambda: scans.append(1) or real_pids())
    sampler = ResourceSampler(process_every=3)

    samples = [sampler.sample() for _ in range(8)]

    assert len(scans) == 4  # samples 0 (starting the clocks), 1, 4 and 7
    assert samples[2].top_cpu is samples[1].top_cpu and samples[3].top_memory is samples[1].top_memory
    assert samples[1].top_cpu


def test_access_denied_leaves_that_figure_out(monkeypatch: pytest.MonkeyPatch) -> None:
    def denied(*args: object, **kwargs: object) -> None:
        raise psutil.AccessDenied(pid=None)

    def refused() -> None:
        raise PermissionError("not allowed")

    monkeypatch.setattr(psutil, "swap_memory", denied)
    monkeypatch.setattr(psutil, "virtual_memory", denied)
    monkeypatch.setattr(psutil, "disk_io_counters", denied)
    monkeypatch.setattr(psutil, "net_io_counters", denied)
    monkeypatch.setattr(psutil, "disk_partitions", denied)
    monkeypatch.setattr(os, "getloadavg", refused)
    sampler = ResourceSampler()
    sampler.sample()
    sample = sampler.sample()

    assert sample.swap_percent is None
    assert (sample.memory_percent, sample.memory_used, sample.memory_total) == (None, None, None)
    assert (sample.disk_read_rate, sample.disk_write_rate, sample.net_recv_rate, sample.net_sent_rate) == (None,) * 4
    assert sample.mounts == ()
    assert sample.load_average is None
    assert sample.top_cpu == sample.top_memory == ()  # no memory total, no percentages
    assert sample.cpu_percent is not None and sample.disk_percent is not None  # the rest is still there


def test_a_process_we_may_not_read_is_skipped(monkeypatch: pytest.MonkeyPatch, cpu_burner: subprocess.Popen) -> None:
    real_cpu_times = psutil.Process.cpu_times

    def cpu_times(process: psutil.Process) -> object:
        if process.pid == cpu_burner.pid:
            raise psutil.AccessDenied(process.pid)
        return real_cpu_times(process)

    monkeypatch.setattr(psutil.Process, "cpu_times", cpu_times)
    sampler = ResourceSampler(process_every=1)
    samples = [sampler.sample() for _ in range(3)]

    shown = {process.pid for sample in samples for process in (*sample.top_cpu, *sample.top_memory)}
    assert cpu_burner.pid not in shown
    assert samples[-1].top_cpu and samples[-1].top_memory


def test_a_process_scan_reads_each_process_without_asking_the_cpu_count_each_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """psutil's `Process.cpu_percent` asks the number of CPUs on every call (a sysconf that reads
    /sys): a scan of a hundred processes asked it a hundred times a sample."""
    asked: list[int] = []
    real_cpu_count = psutil.cpu_count
    monkeypatch.setattr(psutil, "cpu_count", lambda *args, **kwargs: asked.append(1) or real_cpu_count(*args, **kwargs))
    sampler = ResourceSampler(process_every=1)
    sampler.sample()
    asked.clear()

    sample = sampler.sample()

    assert len(psutil.pids()) > 5 and sample.top_memory  # the scan ran over every process
    assert len(asked) <= 1  # the sample's own `cpu_count` figure
