"""Render the page templates to bytes (same data, same bytes), for the API, the pages and the CLI."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from service.pages.i18n import LABELS

TEMPLATES = Path(__file__).parent / "templates"


def group(value: object) -> str:
    """Digit grouping for amounts and counts, the same in both languages: "4080513.10" -> "4,080,513.10"."""
    if value is None:
        return ""
    text = str(value)
    sign, rest = ("-", text[1:]) if text.startswith("-") else ("", text)
    whole, dot, fraction = rest.partition(".")
    if not (whole.isascii() and whole.isdigit()):
        return text
    return f"{sign}{int(whole):,}{dot}{fraction}"


@lru_cache
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["group"] = group
    return env


def render(name: str, lang: str = "en", **context: Any) -> bytes:
    labels = LABELS[lang]
    return environment().get_template(name).render(t=labels, lang=lang, **context).encode()
