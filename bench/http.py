"""Many concurrent HTTP clients for a bounded time; every request timed."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from bench.stats import summarise

# (method, path, json body or None, extra headers or None), made fresh for each request
RequestMaker = Callable[[int], tuple[str, str, Any, dict[str, str] | None]]


@dataclass
class LoadResult:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    status_counts: dict[int, int] = field(default_factory=dict)
    seconds: float = 0.0
    first_error: str | None = None

    def summary(self) -> dict:
        return {**summarise(self.latencies, self.seconds, self.errors),
                "statuses": {str(k): v for k, v in sorted(self.status_counts.items())},
                "first_error": self.first_error}


async def run_load(base_url: str, headers: dict[str, str], make: RequestMaker, *, clients: int,
                   duration: float, expect: int, max_requests: int | None = None) -> LoadResult:
    """`clients` concurrent loops send requests for `duration` seconds (or `max_requests` in all)."""
    result = LoadResult()
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    counter = iter(range(10**12))
    async with httpx.AsyncClient(base_url=base_url, headers=headers, limits=limits, timeout=60) as http:
        started = time.perf_counter()
        deadline = started + duration

        async def client() -> None:
            while time.perf_counter() < deadline:
                n = next(counter)
                if max_requests is not None and n >= max_requests:
                    return
                method, path, body, extra = make(n)
                t0 = time.perf_counter()
                try:
                    r = await http.request(method, path, json=body, headers=extra)
                    status = r.status_code
                except httpx.HTTPError as exc:
                    status, r = 0, None
                    result.first_error = result.first_error or repr(exc)
                result.status_counts[status] = result.status_counts.get(status, 0) + 1
                if status == expect:
                    result.latencies.append(time.perf_counter() - t0)
                else:
                    result.errors += 1
                    if r is not None and result.first_error is None:
                        result.first_error = f"{status}: {r.text[:300]}"

        await asyncio.gather(*(client() for _ in range(clients)))
        result.seconds = time.perf_counter() - started
    return result
