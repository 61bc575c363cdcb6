"""The committed OpenAPI document is exactly what the app generates (checked by a test)."""

from __future__ import annotations

import json

from service.app import create_app
from service.settings import Settings


def render() -> str:
    app = create_app(Settings(database_url="sqlite+aiosqlite:///:memory:"))
    return json.dumps(app.openapi_schema.to_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
