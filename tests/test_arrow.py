"""Reading query results into frames through ADBC, on the real database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from concurrent.futures.process import BrokenProcessPool

import polars as pl
import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from service.ledger.models import Account
from service import arrow
from tests.helpers import create_party, open_account

SCHEMA = {"id": pl.Int64, "code": pl.String, "party_id": pl.Int64}


async def test_a_column_that_starts_null_keeps_its_type(database_url, client, admin):
    """The SQLite driver types columns from their first rows; a leading null must not make it fail."""
    party = await create_party(client, admin)
    first = await open_account(client, admin)  # no party: party_id is null
    second = await open_account(client, admin, kind="beneficiary", party_id=party["id"])
    q = (select(Account.id, Account.code, Account.party_id).where(Account.id.in_([first["id"], second["id"]]))
         .order_by(Account.id))
    frame = arrow.read_query(make_url(database_url), q, SCHEMA)
    assert frame.schema == pl.Schema(SCHEMA)
    assert frame["code"].to_list() == [first["code"], second["code"]]
    assert frame["party_id"].to_list() == [None, party["id"]]


async def test_a_killed_sqlite_reader_is_replaced(database_url, is_postgres):
    if is_postgres:
        pytest.skip("PostgreSQL reads run in the calling thread")
    url, q = make_url(database_url), select(Account.id, Account.code, Account.party_id)
    arrow.read_query(url, q, SCHEMA)
    for pid in list(arrow._pool()._processes):
        os.kill(pid, signal.SIGKILL)
    with pytest.raises(BrokenProcessPool):
        arrow.read_query(url, q, SCHEMA)
    assert arrow.read_query(url, q, SCHEMA).height >= 0  # a new reader answers


def test_the_reader_leaves_when_its_service_process_dies(tmp_path, database_url, is_postgres):
    """A killed server must not leave its SQLite reader behind."""
    if is_postgres:
        pytest.skip("PostgreSQL reads run in the calling thread")
    script = tmp_path / "server.py"
    script.write_text(
        "import sys, time\n"
        "from sqlalchemy import select\nfrom sqlalchemy.engine import make_url\n"
        "import polars as pl\nfrom service.ledger.models import Account\nfrom service import arrow\n"
        "if __name__ == '__main__':\n"
        "    arrow.read_query(make_url(sys.argv[1]), select(Account.id), {'id': pl.Int64})\n"
        "    print(list(arrow._pool()._processes)[0], flush=True)\n"
        "    time.sleep(60)\n")
    server = subprocess.Popen([sys.executable, str(script), database_url], stdout=subprocess.PIPE, text=True)
    reader = int(server.stdout.readline())
    server.kill()
    server.wait()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and _alive(reader):
        time.sleep(0.2)
    assert not _alive(reader), "the reader outlived its server"


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ")[1][0] != "Z"
    except FileNotFoundError:
        return False


def _meet(folder: str, others: int) -> int:
    """In a reader: say it is here, then wait (up to 30 s) until `others` more have said so."""
    from pathlib import Path

    Path(folder, str(os.getpid())).touch()
    deadline = time.monotonic() + 30
    while len(os.listdir(folder)) <= others and time.monotonic() < deadline:
        time.sleep(0.05)
    return os.getpid()


def _fail() -> None:
    raise ValueError("a reader's own error")


def test_two_pieces_of_work_at_once_run_in_two_reader_processes(tmp_path, is_postgres):
    """A full verification on SQLite checks two ranges at once, each in a reader process of its own;
    each piece here waits until the other has started, which one reader alone could never do."""
    if is_postgres:
        pytest.skip("PostgreSQL reads run in the calling thread")
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(2) as pool:
        pids = list(pool.map(lambda _: arrow.in_reader(_meet, str(tmp_path), 1), range(2)))
    assert len(set(pids)) == 2 and os.getpid() not in pids
    assert sorted(int(p) for p in os.listdir(tmp_path)) == sorted(pids)
    with pytest.raises(ValueError, match="a reader's own error"):
        arrow.in_reader(_fail)
