"""What the figures were measured on: machine, Python, database and its version."""

from __future__ import annotations

import os
import platform
import resource
import sqlite3
import sys
from pathlib import Path

import asyncpg

from bench.load import pg_dsn


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def cpu_ticks() -> tuple[int, int] | None:
    """(busy, total) clock ticks of all cores since boot (Linux /proc/stat); None elsewhere."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields) - idle, sum(fields)


def busy_share(before: tuple[int, int] | None, after: tuple[int, int] | None) -> float | None:
    """How busy all cores together were between two `cpu_ticks` (0 to 1): near 1, the run was CPU-bound."""
    if before is None or after is None or after[1] <= before[1]:
        return None
    return round((after[0] - before[0]) / (after[1] - before[1]), 3)


def memory_bytes() -> int | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def peak_rss_bytes() -> int:
    """Peak resident memory of this process plus that of its largest finished child (the SQLite
    reader process, see service.arrow): an upper bound of what the work held at once.
    ru_maxrss is KiB on Linux, bytes on macOS."""
    peak = sum(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return peak if sys.platform == "darwin" else peak * 1024


async def database_version(url: str) -> str:
    if url.startswith("sqlite"):
        return f"SQLite {sqlite3.sqlite_version}"
    conn = await asyncpg.connect(pg_dsn(url))
    try:
        return await conn.fetchval("SELECT version()")
    finally:
        await conn.close()


async def describe(url: str) -> dict:
    return {
        "machine": {
            "cpu_count": os.cpu_count(),
            "cpu_model": cpu_model(),
            "memory_bytes": memory_bytes(),
            "platform": platform.platform(),
            "python": sys.version.split()[0],
            # other work on the machine skews every figure: compare runs only at a similar load
            "load_average_at_start": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        },
        "database": {"kind": "sqlite" if url.startswith("sqlite") else "postgresql",
                     "version": await database_version(url)},
    }
