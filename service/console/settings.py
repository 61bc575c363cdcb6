"""Console settings, read once from SHANSHUI_CONSOLE_* environment variables (kept apart from
service/settings.py so that the console can be merged without touching the shared settings)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field


def _env(name: str, default: str) -> str:
    return os.environ.get(f"SHANSHUI_CONSOLE_{name}", default)


@dataclass(frozen=True)
class ConsoleSettings:
    # Secure cookies need TLS: on behind a TLS proxy, off on a laptop demo over http://127.0.0.1.
    secure_cookies: bool = field(default_factory=lambda: _env("SECURE_COOKIES", "0") == "1")
    idle_minutes: int = field(default_factory=lambda: int(_env("IDLE_MINUTES", "30")))
    max_session_hours: int = field(default_factory=lambda: int(_env("MAX_SESSION_HOURS", "12")))
    # Failed sign-ins: from `slow_after` failures on, each further try must wait 2, 4, 8... seconds;
    # at `lock_after` the account is locked for `lock_minutes` (even the right password is refused).
    slow_after: int = field(default_factory=lambda: int(_env("SLOW_AFTER", "3")))
    lock_after: int = field(default_factory=lambda: int(_env("LOCK_AFTER", "6")))
    lock_minutes: int = field(default_factory=lambda: int(_env("LOCK_MINUTES", "15")))
