"""The report commands write the same bytes as the API."""

from __future__ import annotations

import json

import anyio
from click.testing import CliRunner

from service.cli import main
from service.settings import get_settings


def _invoke(monkeypatch, settings, args: list[str]):
    monkeypatch.setenv("SHANSHUI_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("SHANSHUI_SECRET", settings.secret)
    get_settings.cache_clear()
    try:
        return CliRunner().invoke(main, args, catch_exceptions=False)
    finally:
        get_settings.cache_clear()


async def test_cli_reports_match_the_api(client, demo, auditor, settings, monkeypatch, tmp_path):
    api = (await client.get("/api/v1/reports/transparency?format=csv")).content
    out = tmp_path / "t.csv"
    result = await anyio.to_thread.run_sync(
        lambda: _invoke(monkeypatch, settings, ["report", "transparency", "--format", "csv", "--out", str(out)]))
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == api
    hh = demo["refs"]["hh-daitang-1"]
    st_api = (await client.get(f"/api/v1/statements/{hh}?period=2026", headers=auditor)).content
    out2 = tmp_path / "s.json"
    result = await anyio.to_thread.run_sync(lambda: _invoke(
        monkeypatch, settings, ["report", "statement", "--party", str(hh), "--period", "2026", "--out", str(out2)]))
    assert result.exit_code == 0, result.output
    assert out2.read_bytes() == st_api
    out3 = tmp_path / "a.json"
    result = await anyio.to_thread.run_sync(
        lambda: _invoke(monkeypatch, settings, ["report", "audit", "--out", str(out3)]))
    assert result.exit_code == 0 and json.loads(out3.read_bytes())["trial_balance"]["balanced"]
