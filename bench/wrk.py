"""Load from wrk (a C load generator; Debian package `wrk`): scenarios are Lua scripts in `bench/lua/`
that build each request's body and a unique Idempotency-Key, so the generator costs far less CPU than
the server it measures (the earlier httpx clients took a large share of the same two cores).

Each run: wrk with `threads` threads and `connections` connections for `duration` seconds; the Lua
`done()` prints one JSON line (statuses, percentiles, whether the prepared requests ran out)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LUA = Path(__file__).parent / "lua"
MARK = "BENCH_WRK_JSON "
_SAFE = re.compile(r"^[A-Za-z0-9 _./:{}%+=-]*$")


class WrkMissing(RuntimeError):
    pass


def wrk_path() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise WrkMissing("wrk is not installed (Debian/Ubuntu: apt-get install wrk); the bench drives HTTP load with it")
    return path


def _lua(value: Any) -> str:
    """A Lua literal. Long integer lists go as one string parsed in Lua (LuaJIT limits constants)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        if not _SAFE.match(value):
            raise ValueError(f"unexpected characters for the Lua data file: {value!r}")
        return f'"{value}"'
    if isinstance(value, IntList):
        return f'ints("{",".join(map(str, value.values))}")'
    if isinstance(value, list | tuple):
        return "{" + ",".join(_lua(v) for v in value) + "}"
    if isinstance(value, dict):
        return "{" + ",".join(f"{k}={_lua(v)}" for k, v in value.items()) + "}"
    raise TypeError(type(value))


@dataclass(frozen=True)
class IntList:
    values: list[int]


def data_file(values: dict[str, Any], directory: Path) -> Path:
    path = directory / "data.lua"
    path.write_text('local function ints(s) local t = {} for x in string.gmatch(s, "-?%d+") do '
                    't[#t + 1] = tonumber(x) end return t end\nreturn ' + _lua(values) + "\n", encoding="utf-8")
    return path


def run(base_url: str, scenario: str, data: dict[str, Any], *, connections: int, duration: float,
        threads: int = 2, expect: int = 200, timeout_s: int = 30) -> dict:
    """Run one wrk load; returns the summary (requests/s of `expect` responses, latencies in ms)."""
    threads = max(1, min(threads, connections))
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as tmp:
        directory = Path(tmp)
        script = directory / "script.lua"
        script.write_text((LUA / "prelude.lua").read_text() + "\n" + (LUA / f"{scenario}.lua").read_text())
        values = {"threads": threads, "nonce": uuid.uuid4().hex[:12], "expect": expect, **data}
        cmd = [wrk_path(), "-t", str(threads), "-c", str(connections), "-d", f"{max(1, round(duration))}s",
               "--timeout", f"{timeout_s}s", "-s", str(script), base_url, "--", str(data_file(values, directory))]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + timeout_s + 60, check=False)
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith(MARK)), None)
    if line is None:
        raise RuntimeError(f"wrk gave no summary (exit {done.returncode}): {done.stdout[-800:]} {done.stderr[-800:]}")
    return summarise(json.loads(line[len(MARK):]), expect, connections, threads)


def summarise(raw: dict, expect: int, connections: int, threads: int) -> dict:
    """wrk's figures in the bench's shape. Latency percentiles are over every response (wrk keeps one
    histogram); `errors` counts responses other than `expect` and socket errors."""
    statuses = {k: v for k, v in sorted(raw["statuses"].items())}
    good = statuses.get(str(expect), 0)
    wall = raw["duration_us"] / 1e6
    # When the prepared requests ran out (approvals), the threads stopped early: rate over the time
    # they were actually sending, not over wrk's whole fixed duration.
    seconds = raw["active_seconds"] if raw["exhausted"] and raw["active_seconds"] else wall

    def ms(us: float | None) -> float | None:
        return None if us is None or raw["requests"] == 0 else round(us / 1000, 2)

    return {
        "generator": "wrk", "connections": connections, "threads": threads,
        "requests": good, "errors": raw["requests"] - good + raw["socket_errors"],
        "seconds": round(seconds, 3), "per_second": round(good / seconds, 1) if seconds > 0 else 0.0,
        "p50_ms": ms(raw["p50_us"]), "p95_ms": ms(raw["p95_us"]), "p99_ms": ms(raw["p99_us"]),
        "max_ms": ms(raw["max_us"]), "statuses": statuses, "timeouts": raw["timeouts"],
        "exhausted": raw["exhausted"], "first_error": raw["first_error"],
    }
