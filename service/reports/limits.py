"""A per-client sliding-window limit for the public verification endpoints (one process)."""

from __future__ import annotations

import time
from collections import defaultdict, deque

from litestar import Request
from litestar.exceptions import TooManyRequestsException


class RateLimit:
    def __init__(self, window: float = 60.0) -> None:
        self.window = window
        self._hits: dict[str, deque[float]] = defaultdict(deque)

    def check(self, request: Request, limit: int) -> None:
        client = request.client.host if request.client else "unknown"
        now = time.monotonic()
        q = self._hits[client]
        while q and q[0] < now - self.window:
            q.popleft()
        if len(q) >= limit:
            raise TooManyRequestsException("too many verification requests; wait a minute")
        q.append(now)


public_limit = RateLimit()
