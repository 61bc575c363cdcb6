"""A per-client sliding-window limit for public endpoints (in memory, per process).

Behind several workers the effective limit is the per-worker limit times the workers; a shared
limiter (Redis) is the step after that, not needed for a county-sized service.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict, deque

from litestar import Request
from litestar.exceptions import TooManyRequestsException

WINDOW = 60.0
MAX_CLIENTS = 100_000


class PublicLimiter:
    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._hits: dict[str, deque[float]] = defaultdict(deque)

    def check(self, client: str) -> None:
        now = time.monotonic()
        if len(self._hits) > MAX_CLIENTS:
            self._hits.clear()  # bounded memory: forget everyone rather than grow without limit
        hits = self._hits[client]
        while hits and hits[0] <= now - WINDOW:
            hits.popleft()
        if len(hits) >= self.per_minute:
            retry = max(1, math.ceil(hits[0] + WINDOW - now))
            raise TooManyRequestsException(
                f"at most {self.per_minute} verifications per minute; retry in {retry} s",
                headers={"Retry-After": str(retry)},
            )
        hits.append(now)


def check_public_limit(request: Request) -> None:
    state = request.app.state
    limiter = state.get("public_limiter")
    if limiter is None:
        limiter = PublicLimiter(state.settings.public_rate_limit_per_minute)
        state.public_limiter = limiter
    limiter.check(request.client.host if request.client else "unknown")
