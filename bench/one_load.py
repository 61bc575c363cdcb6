"""One write load on a fresh quick-size ledger, for before/after comparisons and profiles of the
write path: the server's own CPU per request is printed beside wrk's figures (on a shared or
throttled machine it is steadier than requests per second).

    python -m bench.one_load sqlite+aiosqlite:////tmp/one.db payment            # entry | payment | approve
    python -m bench.one_load sqlite+aiosqlite:////tmp/one.db payment pay.raw    # and a py-spy profile

Point PYTHONPATH at another checkout (a git worktree) to measure its code on the same machine, back to
back. The database is wiped first.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time

from bench import load, scenarios, synth, wrk
from bench.run import _pending, _tokens
from bench.server import running_server
from service.db import Database


def _cpu_seconds(pid: int) -> float:
    """The process's user + system CPU time so far (Linux /proc; every thread of it)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _schema(url: str) -> None:
    db = Database(url)
    try:
        await load.prepare_schema(db, True)
    finally:
        await db.dispose()


def main() -> None:
    url, scenario = sys.argv[1], sys.argv[2]
    profile = sys.argv[3] if len(sys.argv) > 3 else None
    asyncio.run(_schema(url))
    layout, _ = asyncio.run(load.generate(url, synth.Sizes.plan(45_000, 40_000, 9)))
    tokens = asyncio.run(_tokens(url, layout))
    with running_server(url) as base:
        wrk.run(base, "entry", scenarios.entry_data(layout, tokens.admin), duration=2, expect=201, connections=32)
        if scenario == "approve":  # payments to approve
            wrk.run(base, "payment", scenarios.payment_data(scenarios.spread_plan(layout), tokens.officials),
                    duration=6, expect=201, connections=32)
        pid = int(subprocess.check_output(["pgrep", "-f", "from service.cli import main; main()"]).split()[0])
        spy = subprocess.Popen(["py-spy", "record", "-r", "250", "-d", "8", "-f", "raw", "-o", profile,
                                "-p", str(pid)]) if profile else None
        time.sleep(0.5)
        cpu = _cpu_seconds(pid)
        if scenario == "entry":
            r = wrk.run(base, "entry", scenarios.entry_data(layout, tokens.admin), duration=8, expect=201, connections=32)
        elif scenario == "payment":
            r = wrk.run(base, "payment", scenarios.payment_data(scenarios.spread_plan(layout, year=2026),
                                                                tokens.officials), duration=8, expect=201, connections=32)
        else:
            pending = asyncio.run(_pending(url, layout))
            r = wrk.run(base, "approve", scenarios.approve_data(pending, tokens.approvers), duration=8, expect=200,
                        connections=32)
        cpu = _cpu_seconds(pid) - cpu
        if spy:
            spy.wait()
    print({"scenario": scenario, "per_second": r["per_second"], "p99_ms": r["p99_ms"], "errors": r["errors"],
           "server_cpu_ms_per_request": round(cpu * 1000 / max(r["requests"], 1), 3)})


if __name__ == "__main__":
    main()
