"""What every benchmark prints first: the machine, its load, and the versions measured.

The benchmarks run as scripts (``python benchmarks/bench_x.py``), so this sits beside
them and they import it by name.
"""

from __future__ import annotations

import os
import platform
from pathlib import Path


def _proc_line(path: str, key: str) -> str | None:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(key):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def load_average() -> str:
    """``"load average 0.52 0.80 1.10"``, or "" where the system does not say."""
    try:
        return "load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    except (AttributeError, OSError):
        return ""


def describe(*versions: str, memory: bool = False) -> str:
    """CPU model, usable cores (and RAM), the load average now, then Python and
    *versions* (``"numpy 2.1"``, ...)."""
    model = _proc_line("/proc/cpuinfo", "model name") or platform.processor() or "unknown cpu"
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    parts = [model, f"{cores} cores"]
    if memory and (mem := _proc_line("/proc/meminfo", "MemTotal")):
        parts.append(f"{int(mem.split()[0]) / 2**20:.1f} GiB RAM")
    if load := load_average():
        parts.append(load)
    return ", ".join(parts) + "; " + ", ".join([f"Python {platform.python_version()}", *versions])
