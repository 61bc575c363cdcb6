"""Render console pages: one Jinja environment, the labels of the request's language, the signed-in
actor, the CSRF token, a fresh one-time form key, and the navigation for the actor's role."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from litestar import Request, Response
from litestar.types import Empty
from litestar.utils.scope.state import ScopeState

from service import money
from service.auth.actor import Actor
from service.console.i18n import LABELS, fmt_date, fmt_datetime, fmt_money, lang_of
from service.console.refusals import translate_errors

TEMPLATES = Path(__file__).parent / "templates"


@dataclass(frozen=True)
class NavItem:
    href: str
    label: str  # a label key
    roles: frozenset[str]
    order: int = 100


NAV: list[NavItem] = []


def add_nav(href: str, label: str, *roles: str, order: int = 100) -> None:
    """Page modules add their menu entries here (admins see every entry); lower `order` comes first."""
    NAV.append(NavItem(href, label, frozenset({"admin", *roles}), order))
    NAV.sort(key=lambda n: n.order)  # stable: same order keeps the order of registration


def nav_for(actor: Actor | None) -> list[NavItem]:
    return [n for n in NAV if actor is not None and actor.role in n.roles]


@lru_cache
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(money=fmt_money, minor=lambda minor, currency="CNY": money.format(minor, currency))
    return env


def new_form_key() -> str:
    return secrets.token_urlsafe(18)


def csrf_token(request: Request) -> str:
    token = ScopeState.from_scope(request.scope).csrf_token
    return "" if token is Empty else str(token)


def lang_url(request: Request, lang: str) -> str:
    query = {k: v for k, v in request.query_params.items() if k not in ("lang", "ok")}
    return f"{request.url.path}?{urlencode({**query, 'lang': lang})}"


def render(request: Request, template: str, **context: Any) -> str:
    lang = lang_of(request)
    user = request.scope.get("user")
    actor = user if isinstance(user, Actor) else None
    t = LABELS[lang]
    ok = request.query_params.get("ok")
    base: dict[str, Any] = dict(
        t=t, lang=lang, actor=actor, nav=nav_for(actor), path=request.url.path, csrf_token=csrf_token(request),
        form_key=new_form_key(), lang_url=lambda code: lang_url(request, code),
        date=lambda v: fmt_date(v, lang), datetime=lambda v: fmt_datetime(v, lang),
        notice=t[ok] if ok is not None and ok in t else None,
    )
    if isinstance(context.get("errors"), dict):
        context["errors"] = translate_errors(context["errors"], lang)
    return environment().get_template(template).render({**base, **context})  # a page may pass its own form_key


def page(request: Request, template: str, status: int = 200, **context: Any) -> Response[str]:
    return Response(render(request, template, **context), media_type="text/html", status_code=status,
                    headers={"Cache-Control": "no-store"})
