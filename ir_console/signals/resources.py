"""System resources sampled with psutil: CPU, memory, swap, disk, load average.

`ResourceSampler.sample()` is blocking-safe but not free (it stats the disk); call it from a
worker thread. A psutil permission error leaves that figure out rather than failing the sample.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import psutil


@dataclass(frozen=True)
class ResourceSample:
    cpu_percent: float | None
    memory_percent: float | None
    swap_percent: float | None
    disk_percent: float | None
    load_average: tuple[float, float, float] | None
    cpu_count: int


class ResourceSampler:
    def __init__(self, disk_path: str = "/") -> None:
        self.disk_path = disk_path
        psutil.cpu_percent(interval=None)  # the first call primes the counter and returns 0.0

    def sample(self) -> ResourceSample:
        return ResourceSample(
            cpu_percent=quietly(lambda: psutil.cpu_percent(interval=None)),
            memory_percent=quietly(lambda: psutil.virtual_memory().percent),
            swap_percent=quietly(lambda: psutil.swap_memory().percent),
            disk_percent=quietly(lambda: psutil.disk_usage(self.disk_path).percent),
            load_average=quietly(os.getloadavg),
            cpu_count=psutil.cpu_count() or 1,
        )


def quietly(read):  # noqa: ANN001, ANN201 - a tiny adapter
    """A figure psutil may not be allowed to read: None instead of an exception."""
    try:
        return read()
    except (psutil.Error, OSError, RuntimeError):
        return None
