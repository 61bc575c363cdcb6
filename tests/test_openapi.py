"""The committed OpenAPI document is what the code generates; money is always a string in it."""

from __future__ import annotations

import json
from pathlib import Path

from service.openapi import render

COMMITTED = Path(__file__).resolve().parent.parent / "openapi" / "openapi.json"


def test_committed_openapi_is_current():
    assert COMMITTED.read_text(encoding="utf-8") == render(), "regenerate it with `shanshui openapi`"


def _walk(node, path=""):
    if isinstance(node, dict):
        for key, value in node.items():
            yield path + "/" + key, key, value
            yield from _walk(value, path + "/" + key)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk(value, f"{path}/{i}")


def test_money_fields_are_strings_never_numbers():
    doc = json.loads(render())
    money_names = {"amount", "posted", "available", "pending_in", "pending_out", "balance", "total"}
    for path, key, value in _walk(doc["components"]["schemas"]):
        if "/properties/" in path and key in money_names and isinstance(value, dict):
            kinds = {value.get("type")} | {v.get("type") for v in value.get("anyOf", []) + value.get("oneOf", [])}
            assert "number" not in kinds and "integer" not in kinds, path

