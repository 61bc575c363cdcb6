"""Latency and throughput summaries (pure functions)."""

from __future__ import annotations

import math
from collections.abc import Sequence


def percentile(values: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile of `values` (q in 0..100); None when there are none."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def summarise(latencies: Sequence[float], seconds: float, errors: int = 0) -> dict[str, float | int | None]:
    """Requests per second and p50/p95/p99 in milliseconds from latencies in seconds."""

    def ms(q: float) -> float | None:
        p = percentile(latencies, q)
        return None if p is None else round(p * 1000, 2)

    return {
        "requests": len(latencies),
        "errors": errors,
        "seconds": round(seconds, 3),
        "per_second": round(len(latencies) / seconds, 1) if seconds > 0 else 0.0,
        "p50_ms": ms(50),
        "p95_ms": ms(95),
        "p99_ms": ms(99),
    }


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    if not numerator or not denominator:
        return None
    return round(numerator / denominator, 3)
