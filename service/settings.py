"""Settings, read once from SHANSHUI_* environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from service.resources import seed_dir


def _env(name: str, default: str) -> str:
    return os.environ.get(f"SHANSHUI_{name}", default)


@dataclass(frozen=True)
class Settings:
    database_url: str = field(default_factory=lambda: _env("DATABASE_URL", "sqlite+aiosqlite:///shanshui.db"))
    # Pepper for hashing national ID numbers and statement codes; set it in production.
    secret: str = field(default_factory=lambda: _env("SECRET", "change-me-in-production"))
    idempotency_retention_hours: int = field(default_factory=lambda: int(_env("IDEMPOTENCY_RETENTION_HOURS", "48")))
    # how often a running server forgets keys past their retention
    idempotency_prune_seconds: float = field(default_factory=lambda: float(_env("IDEMPOTENCY_PRUNE_SECONDS", "3600")))
    max_body_bytes: int = field(default_factory=lambda: int(_env("MAX_BODY_BYTES", str(20 * 1024 * 1024))))
    k_anonymity: int = field(default_factory=lambda: int(_env("K_ANONYMITY", "5")))
    cors_origins: tuple[str, ...] = field(
        default_factory=lambda: tuple(o for o in _env("CORS_ORIGINS", "").split(",") if o)
    )
    public_rate_limit_per_minute: int = field(default_factory=lambda: int(_env("PUBLIC_RATE_LIMIT", "60")))
    # a directory the server's workers share for the public rate limit ("" keeps it in memory, one process)
    rate_limit_dir: str = field(default_factory=lambda: _env("RATE_LIMIT_DIR", ""))
    seed_dir: Path = field(default_factory=lambda: Path(_env("SEED_DIR", "")) if _env("SEED_DIR", "") else seed_dir())
    log_sql: bool = field(default_factory=lambda: _env("LOG_SQL", "") == "1")
    # Reports, statements and exports read from here when set (a PostgreSQL streaming replica).
    reports_database_url: str = field(default_factory=lambda: _env("REPORTS_DATABASE_URL", ""))
    # A full ledger verification from genesis (the check that finds an entry altered before the newest
    # checkpoint) every this many hours in the running service; 0 turns it off (then run it from cron).
    full_verify_hours: float = field(default_factory=lambda: float(_env("FULL_VERIFY_HOURS", "24")))
    # Concurrent write requests share one transaction and one commit (service/group_commit.py).
    group_commit: bool = field(default_factory=lambda: _env("GROUP_COMMIT", "1") != "0")
    # The Ed25519 key that signs tree heads: a file outside the database (`shanshui keys create`).
    publishing_key: Path = field(default_factory=lambda: Path(_env("PUBLISHING_KEY", "publishing-key.pem")))
    # A live token is remembered this many seconds (0: every request reads the database); a token
    # revoked through another worker stays usable there at most this long.
    token_cache_seconds: float = field(default_factory=lambda: float(_env("TOKEN_CACHE_SECONDS", "2")))
    # Days a grievance may stay open before it escalates to the county's approvers.
    grievance_deadline_days: int = field(default_factory=lambda: int(_env("GRIEVANCE_DEADLINE_DAYS", "15")))

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    return Settings()
