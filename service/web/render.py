"""Render the page templates to bytes (same data, same bytes), for the API, the pages and the CLI."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from service.web.i18n import LABELS

TEMPLATES = Path(__file__).parent / "templates"


@lru_cache
def environment() -> Environment:
    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def render(name: str, lang: str = "en", **context: Any) -> bytes:
    labels = LABELS[lang]
    return environment().get_template(name).render(t=labels, lang=lang, **context).encode()
