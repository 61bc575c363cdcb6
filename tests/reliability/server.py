"""The real service as a separate process (uvicorn on 127.0.0.1), for tests that need a real network
stack, real concurrency or a real crash (SIGKILL)."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from service.auth.tokens import create_user_token
from service.db import Database

ROOT = Path(__file__).resolve().parents[2]
HEAVY = os.environ.get("SHANSHUI_HEAVY") == "1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`python -m uvicorn service.asgi:app` against `database_url`; start, SIGKILL, restart."""

    def __init__(self, database_url: str, log_path: Path, **env: str) -> None:
        self.database_url = database_url
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.env = {**os.environ, "PYTHONPATH": str(ROOT), "SHANSHUI_DATABASE_URL": database_url, **env}
        self.proc: subprocess.Popen | None = None
        self.kills = 0

    def start(self) -> None:
        log = open(self.log_path, "ab")  # noqa: SIM115 - the child keeps it
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "service.asgi:app", "--host", "127.0.0.1", "--port", str(self.port),
             "--log-level", "warning", "--timeout-graceful-shutdown", "2"],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}: {self.log_path.read_text()[-3000:]}")
            try:
                if httpx.get(self.url + "/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError("server did not start: " + self.log_path.read_text()[-3000:])

    def kill(self) -> None:
        """SIGKILL: no shutdown hook, no flush, no rollback. Only the database's own durability remains."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)
        self.kills += 1

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


async def make_token(database_url: str, role: str, **scope: Any) -> dict[str, str]:
    return (await make_token_with_id(database_url, role, **scope))[0]


async def make_token_with_id(database_url: str, role: str, **scope: Any) -> tuple[dict[str, str], int]:
    db = Database(database_url)
    try:
        async with db.writing() as session:
            _, token, clear = await create_user_token(session, name=f"reliability {role}", role=role, **scope)
    finally:
        await db.dispose()
    return {"Authorization": f"Bearer {clear}"}, token.id


def run(coro):
    """Run a coroutine from synchronous test code (hypothesis-driven tests are synchronous)."""
    return asyncio.run(coro)
