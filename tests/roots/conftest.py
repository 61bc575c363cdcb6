"""A publishing key in the test's temporary directory, and a county with a paid household."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from service import seed as seeding
from service.roots import keys
from service.settings import Settings

SEED = Path(__file__).resolve().parents[2] / "seed"


@pytest.fixture
def settings(database_url: str, tmp_path) -> Settings:
    from tests.conftest import TEST_SECRET

    key = tmp_path / "publishing-key.pem"
    keys.create(key)
    return dataclasses.replace(Settings(database_url=database_url, secret=TEST_SECRET), publishing_key=key)


@pytest.fixture
async def world(db, settings, client):
    """The demo's core and compensation data; a fisher household of Yugan county with posted payments."""
    ctx = await seeding.load(db, settings, progress=lambda _: None, only=("core", "compensation"))
    households = json.loads((SEED / "compensation" / "households.json").read_text())
    hh = ctx.refs[[h for h in households if h["village"] == "xiaohu"][10]["key"]]
    return {"household": hh, "county": "360425"}


@pytest.fixture
def run_cli(database_url, settings, monkeypatch):
    """`shanshui ...` against the test database, with the test's publishing key."""
    from service import cli
    from service.settings import get_settings

    monkeypatch.setenv("SHANSHUI_DATABASE_URL", database_url)
    monkeypatch.setenv("SHANSHUI_PUBLISHING_KEY", str(settings.publishing_key))
    get_settings.cache_clear()
    yield lambda *args: CliRunner().invoke(cli.main, list(args))
    get_settings.cache_clear()
