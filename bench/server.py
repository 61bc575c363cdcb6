"""Start `shanshui serve` as a separate process (as in production), or one of the reference servers
(hello-world, the generator's ceiling), and stop it afterwards."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


CHECKOUT = Path(__file__).resolve().parent.parent


@contextmanager
def running_server(database_url: str, workers: int = 1, startup_timeout: float = 60.0) -> Iterator[str]:
    """Yield the base URL of a server on `database_url` with `workers` processes."""
    port = free_port()
    cmd = [sys.executable, "-c", "from service.cli import main; main()", "serve",
           "--port", str(port), "--workers", str(workers)]
    # the caller's working directory: a relative SQLite path names the same file for the server
    with _running(cmd, port, {"SHANSHUI_DATABASE_URL": database_url}, startup_timeout, cwd=None) as base:
        yield base


@contextmanager
def running_reference(kind: str, startup_timeout: float = 30.0) -> Iterator[str]:
    """`hello`: bench/hello.py under uvicorn (uvloop, httptools, one worker, like `shanshui serve`);
    `ceiling`: bench/ceiling.py, canned responses."""
    port = free_port()
    if kind == "hello":
        cmd = [sys.executable, "-m", "uvicorn", "bench.hello:app", "--port", str(port), "--loop", "uvloop",
               "--http", "httptools", "--no-access-log", "--log-level", "warning"]
    else:
        cmd = [sys.executable, "-m", "bench.ceiling", str(port)]
    path = os.pathsep.join(p for p in (str(CHECKOUT), os.environ.get("PYTHONPATH")) if p)
    with _running(cmd, port, {"PYTHONPATH": path}, startup_timeout, cwd=CHECKOUT) as base:
        yield base


@contextmanager
def _running(cmd: list[str], port: int, env: dict[str, str], startup_timeout: float,
             cwd: Path | None) -> Iterator[str]:
    # The server logs every request (audit trail) to stderr: into a file, never a pipe nobody reads
    # (a full pipe blocks the server's event loop in the log handler).
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(cmd, env={**os.environ, **env}, cwd=cwd, stdout=subprocess.DEVNULL,
                                stderr=log, start_new_session=True)
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_ready(proc, base, startup_timeout, log)
            yield base
        finally:
            _stop(proc)


def _wait_ready(proc: subprocess.Popen, base: str, timeout: float, log) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            log.seek(0)
            err = log.read().decode(errors="replace")
            raise RuntimeError(f"the server exited with code {proc.returncode}: {err[-2000:]}")
        try:
            if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the server did not answer /health within {timeout:.0f}s")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)  # its own session: the uvicorn supervisor and its workers
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
