"""System resources sampled with psutil: the seed's `top -bn1`, `df -h` and `free -h`, as figures.

CPU (total and per core), memory, swap, load average, disk usage per mount, disk and network I/O
rates, and the processes using the most CPU and memory. `ResourceSampler.sample()` blocks (it
stats every mount and reads /proc for every process): call it from a worker thread, one thread
at a time. A figure psutil may not read (permission, a vanished process, a missing counter) is
left out, None or empty, and never fails the sample.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

import psutil

TOP_PROCESSES = 5
# Measured on the 2-core development machine (about 100 processes, time.process_time): a sample
# costs about 0.4 ms of CPU without the process scan and 4.8 ms with it (~45 us a process: two
# small reads of /proc each; it was 6.4 ms through psutil's `Process.cpu_percent`, which asks the
# number of CPUs on every call). Scanning every third sample, as often as top refreshes, averages
# about 1.9 ms.
DEFAULT_PROCESS_EVERY = 3
# Mounts change rarely and their fullness slowly: listing them (/proc/self/mounts, a statvfs each)
# once in ten samples is soon enough; the samples in between repeat the last list.
DEFAULT_MOUNTS_EVERY = 10

T = TypeVar("T")


@dataclass(frozen=True)
class MountUsage:
    mountpoint: str
    fstype: str
    percent: float
    used: int  # bytes
    total: int  # bytes
    device: str = ""


@dataclass(frozen=True)
class ProcessUsage:
    pid: int
    name: str
    cpu_percent: float  # of one core, as top shows it: a busy process on 4 cores may read 400
    memory_percent: float
    rss: int  # bytes


@dataclass(frozen=True)
class ResourceSample:
    cpu_percent: float | None
    memory_percent: float | None
    swap_percent: float | None
    disk_percent: float | None  # the filesystem of the sampler's `disk_path` ("/" by default)
    load_average: tuple[float, float, float] | None
    cpu_count: int
    per_cpu: tuple[float, ...] = ()
    memory_used: int | None = None  # bytes: total - available, so it agrees with memory_percent
    memory_total: int | None = None
    mounts: tuple[MountUsage, ...] = ()  # real filesystems, one per device, fullest first
    disk_read_rate: float | None = None  # bytes/s since the previous sample; None on the first
    disk_write_rate: float | None = None
    net_recv_rate: float | None = None  # bytes/s on every interface but loopback
    net_sent_rate: float | None = None
    top_cpu: tuple[ProcessUsage, ...] = ()  # highest first
    top_memory: tuple[ProcessUsage, ...] = ()


@dataclass(frozen=True)
class _Counters:
    """I/O counters as read at one moment, to turn the next reading into rates."""

    at: float  # time.monotonic()
    disk: tuple[int, int] | None  # read, written bytes
    net: Mapping[str, tuple[int, int]] | None  # per interface: received, sent bytes


class ResourceSampler:
    def __init__(
        self,
        disk_path: str = "/",
        *,
        process_every: int = DEFAULT_PROCESS_EVERY,
        mounts_every: int = DEFAULT_MOUNTS_EVERY,
    ) -> None:
        """`process_every`: scan processes on one sample in this many (the scan is the costly
        part); `mounts_every`: list the mounts on one sample in this many. The samples in between
        repeat the last lists."""
        self.disk_path = disk_path
        self.process_every = max(1, process_every)
        self.mounts_every = max(1, mounts_every)
        self._mounts: tuple[MountUsage, ...] = ()
        self._previous: _Counters | None = None
        # Each process seen at the last scan, with its CPU time then (user + system, seconds) and when
        # (time.monotonic()): the next scan's CPU percentages measure since then.
        self._processes: dict[int, tuple[psutil.Process, float, float]] = {}
        self._samples_taken = 0
        self._next_scan = 0  # the sample number that scans processes next
        self._top: tuple[tuple[ProcessUsage, ...], tuple[ProcessUsage, ...]] = ((), ())
        self._loopback = quietly(_loopback_interfaces) or frozenset({"lo"})
        # The first calls prime psutil's counters and return 0.0.
        quietly(lambda: psutil.cpu_percent(interval=None))
        quietly(lambda: psutil.cpu_percent(interval=None, percpu=True))

    def sample(self) -> ResourceSample:
        memory = quietly(psutil.virtual_memory)
        cores: int | None = quietly(lambda: psutil.cpu_count())
        counters = _Counters(at=time.monotonic(), disk=quietly(_disk_bytes), net=quietly(_net_bytes))
        disk_rates = _disk_rates(self._previous, counters)
        net_rates = _net_rates(self._previous, counters, self._loopback)
        self._previous = counters
        if self._samples_taken >= self._next_scan:
            # The first scan only starts the processes' CPU clocks: the next sample measures them.
            priming = not self._processes
            self._top = self._scan_processes()
            self._next_scan = self._samples_taken + (1 if priming else self.process_every)
        if self._samples_taken % self.mounts_every == 0:
            self._mounts = tuple(quietly(mount_usages) or ())
        self._samples_taken += 1
        return ResourceSample(
            cpu_percent=quietly(lambda: psutil.cpu_percent(interval=None)),
            memory_percent=memory.percent if memory else None,
            swap_percent=quietly(lambda: psutil.swap_memory().percent),
            disk_percent=quietly(lambda: psutil.disk_usage(self.disk_path).percent),
            load_average=quietly(os.getloadavg),
            cpu_count=cores or 1,
            per_cpu=tuple(quietly(lambda: psutil.cpu_percent(interval=None, percpu=True)) or ()),
            memory_used=memory.total - memory.available if memory else None,
            memory_total=memory.total if memory else None,
            mounts=self._mounts,
            disk_read_rate=disk_rates[0],
            disk_write_rate=disk_rates[1],
            net_recv_rate=net_rates[0],
            net_sent_rate=net_rates[1],
            top_cpu=self._top[0],
            top_memory=self._top[1],
        )

    def _scan_processes(self) -> tuple[tuple[ProcessUsage, ...], tuple[ProcessUsage, ...]]:
        """CPU and resident memory of every process, then names only for the few shown (reading a
        name can cost a read of /proc/PID/cmdline)."""
        pids = quietly(psutil.pids)
        total_memory = quietly(lambda: psutil.virtual_memory().total)
        if pids is None or not total_memory:
            return (), ()
        running = set(pids)
        for gone in self._processes.keys() - running:
            del self._processes[gone]
        measured = bool(self._processes)  # CPU percentages mean something from the second scan on
        now = time.monotonic()
        readings = [reading for pid in sorted(running) if (reading := self._read_process(pid, now)) is not None]
        by_cpu = sorted(readings, key=lambda reading: -reading[1]) if measured else []  # stable: ties by pid
        by_memory = sorted(readings, key=lambda reading: -reading[2])
        return (self._top_named(by_cpu, total_memory), self._top_named(by_memory, total_memory))

    def _read_process(self, pid: int, now: float) -> tuple[psutil.Process, float, int] | None:
        """(process, CPU percent of one core since the last scan, rss), or None for a process that
        vanished or that we may not read (it is forgotten). The percentage is what
        `Process.cpu_percent` answers (user + system time over the wall time between two readings),
        worked out here from `cpu_times`: psutil's asks the number of CPUs on every call and the
        scan reads about a hundred processes. A process's first reading is 0.0, as psutil's is."""
        try:
            known = self._processes.get(pid)
            process = known[0] if known is not None else psutil.Process(pid)
            times = process.cpu_times()  # /proc/PID/stat
            rss = process.memory_info().rss  # /proc/PID/statm (no oneshot: the two read different files)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess, OSError):
            self._processes.pop(pid, None)
            return None
        busy = times.user + times.system
        self._processes[pid] = (process, busy, now)
        if known is None or now <= known[2]:
            return process, 0.0, rss
        return process, max(0.0, (busy - known[1]) / (now - known[2]) * 100), rss

    def _top_named(
        self,
        readings: list[tuple[psutil.Process, float, int]],
        total_memory: int,
    ) -> tuple[ProcessUsage, ...]:
        top: list[ProcessUsage] = []
        for process, cpu_percent, rss in readings:
            if len(top) == TOP_PROCESSES:
                break
            try:
                name = process.name()
            except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess, OSError):
                continue
            top.append(ProcessUsage(process.pid, name, cpu_percent, rss / total_memory * 100, rss))
        return tuple(top)


def mount_usages() -> list[MountUsage]:
    """`df -h` for real filesystems: one mount per device (its shortest mountpoint, so `/` wins
    over a file bind-mounted from the same disk), fullest first. A mount that cannot be statted
    (permission, a vanished mount) is left out."""
    first_by_device: dict[str, Any] = {}
    for partition in sorted(psutil.disk_partitions(all=False), key=lambda p: (len(p.mountpoint), p.mountpoint)):
        first_by_device.setdefault(partition.device, partition)
    mounts = []
    for partition in first_by_device.values():
        usage = quietly(partial(psutil.disk_usage, partition.mountpoint))
        if usage is not None:
            mounts.append(
                MountUsage(
                    partition.mountpoint, partition.fstype, usage.percent, usage.used, usage.total, partition.device
                )
            )
    return sorted(mounts, key=lambda mount: (-mount.percent, mount.mountpoint))


def _disk_bytes() -> tuple[int, int] | None:
    counters = psutil.disk_io_counters(perdisk=False)  # None on a machine without disks to count
    return (counters.read_bytes, counters.write_bytes) if counters else None


def _net_bytes() -> dict[str, tuple[int, int]]:
    return {name: (nic.bytes_recv, nic.bytes_sent) for name, nic in psutil.net_io_counters(pernic=True).items()}


def _loopback_interfaces() -> frozenset[str]:
    return frozenset(name for name, stats in psutil.net_if_stats().items() if "loopback" in stats.flags.split(","))


def _disk_rates(previous: _Counters | None, current: _Counters) -> tuple[float | None, float | None]:
    """Bytes read and written per second; None without two readings, or when a counter went back
    (it was reset)."""
    if previous is None or previous.disk is None or current.disk is None:
        return None, None
    read, written = (after - before for after, before in zip(current.disk, previous.disk))
    if read < 0 or written < 0:
        return None, None
    return _per_second(read, written, current.at - previous.at)


def _net_rates(
    previous: _Counters | None, current: _Counters, loopback: frozenset[str]
) -> tuple[float | None, float | None]:
    """Bytes received and sent per second, summed over the interfaces present in both readings,
    so a container's interface coming or going does not make the total jump; one whose counters
    went back adds nothing."""
    if previous is None or previous.net is None or current.net is None:
        return None, None
    received = sent = 0
    for name in (current.net.keys() & previous.net.keys()) - loopback:
        received += max(0, current.net[name][0] - previous.net[name][0])
        sent += max(0, current.net[name][1] - previous.net[name][1])
    return _per_second(received, sent, current.at - previous.at)


def _per_second(first: int, second: int, elapsed: float) -> tuple[float | None, float | None]:
    if elapsed <= 0:
        return None, None
    return first / elapsed, second / elapsed


def quietly(read: Callable[[], T]) -> T | None:
    """A figure psutil may not be allowed to read: None instead of an exception."""
    try:
        return read()
    except (psutil.Error, OSError, RuntimeError):
        return None
