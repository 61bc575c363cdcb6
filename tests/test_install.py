"""A non-editable install finds its migrations and demo data: `shanshui db upgrade` and `shanshui demo`
run from a built wheel, away from the source checkout."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).parent.parent


def test_a_built_wheel_migrates_and_loads_the_demo(tmp_path):
    wheels, site, work = tmp_path / "wheels", tmp_path / "site", tmp_path / "work"
    work.mkdir()
    run = lambda *args, **kw: subprocess.run(args, check=True, capture_output=True, text=True, **kw)  # noqa: E731
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(REPO))
    wheel = next(wheels.glob("shanshui_ledger-*.whl"))
    run(sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site), str(wheel))
    env = {**os.environ, "PYTHONPATH": str(site), "SHANSHUI_DATABASE_URL": f"sqlite+aiosqlite:///{work / 'x.db'}"}
    env.pop("SHANSHUI_SEED_DIR", None)
    where = run(sys.executable, "-c", "import service, service.resources as r; print(service.__file__, r.alembic_dir(),"
                " r.seed_dir())", env=env, cwd=work).stdout
    assert str(site) in where and str(REPO) not in where
    shanshui = [sys.executable, str(site / "bin" / "shanshui")]
    run(*shanshui, "db", "upgrade", env=env, cwd=work)
    run(*shanshui, "seed", env=env, cwd=work)  # what `shanshui demo` loads before it serves
    assert (work / "x.db").stat().st_size > 100_000
