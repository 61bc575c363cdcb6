"""Where the migrations (alembic/) and the demo data (seed/) are: next to the package in a source
checkout or an editable install, under <prefix>/share/shanshui in an installed wheel."""

from __future__ import annotations

import sys
import sysconfig
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent


def _candidates() -> list[Path]:
    return [CHECKOUT, Path(sysconfig.get_path("data")) / "share" / "shanshui", Path(sys.prefix) / "share" / "shanshui",
            CHECKOUT / "share" / "shanshui"]  # `pip install --target DIR`: the package and share/ side by side


def resource_root(name: str) -> Path:
    """The directory that holds `name` (alembic, seed, alembic.ini)."""
    for root in _candidates():
        if (root / name).exists():
            return root
    raise FileNotFoundError(f"{name} not found next to the package or under share/shanshui; reinstall shanshui-ledger")


def alembic_dir() -> Path:
    return resource_root("alembic") / "alembic"


def alembic_ini() -> Path:
    return resource_root("alembic.ini") / "alembic.ini"


def seed_dir() -> Path:
    return resource_root("seed") / "seed"
