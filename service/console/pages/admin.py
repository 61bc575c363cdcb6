"""The administrator's user list: create console users, disable or enable them."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.actor import Actor
from service.auth.guards import requires
from service.auth.models import Role
from service.console import audit, forms, users
from service.console.i18n import LABELS, lang_of
from service.console.render import add_nav, page
from service.errors import InvalidField
from service.pagination import Id
from service.schemas import Output

add_nav("/console/admin/users", "users", order=900)


class UserCreated(Output):
    user_id: int
    username: str


def _int(values: dict[str, Any], name: str) -> int | None:
    text = str(values.get(name) or "")
    if not text:
        return None
    if not text.isdigit() or len(text) > 18:
        raise InvalidField(name, "a whole number")
    return int(text)


async def _list(request: Request, session: AsyncSession, values: dict[str, Any], errors: dict[str, str],
                status: int = 200) -> Response:
    t = LABELS[lang_of(request)]
    return page(request, "admin_users.html", status=status, title=t["users"], users=await users.list_users(session),
                roles=[(r.value, t[f"role_{r.value}"]) for r in Role], values=values, errors=errors)


@get("/admin/users", guards=[requires()])
async def user_list(request: Request, session: AsyncSession) -> Response:
    return await _list(request, session, {"role": "official"}, {})


@post("/admin/users", guards=[requires()], status_code=200)
async def create_user(request: Request, session: AsyncSession) -> Response:
    values = await forms.read(request)

    async def op(s: AsyncSession, actor: Actor) -> UserCreated:
        user, login = await users.create(
            s, username=str(values.get("username", "")), password=str(values.get("password", "")),
            role=str(values.get("role", "")), name=str(values.get("name") or "") or None,
            county_code=str(values.get("county_code") or "") or None, trust_id=_int(values, "trust_id"),
            party_id=_int(values, "party_id"))
        return UserCreated(user_id=user.id, username=login.username)

    shown = forms.fields({k: v for k, v in values.items() if k != "password"})
    outcome = await forms.submit(request, values, shown, op)
    if not outcome.ok:
        return await _list(request, session, shown, outcome.errors, outcome.status)
    audit.event(request, "console_user_created", user_id=outcome.saved["user_id"], by=request.user.user_id)
    return Redirect(path="/console/admin/users?ok=saved", status_code=303)


async def _set_disabled(request: Request, user_id: int, disabled: bool) -> Response:
    values = await forms.read(request)

    async def op(s: AsyncSession, actor: Actor) -> UserCreated:
        login = await users.set_disabled(s, actor, user_id, disabled, request.app.state.token_cache)
        return UserCreated(user_id=login.user_id, username=login.username)

    outcome = await forms.submit(request, values, {"user_id": user_id, "disabled": disabled}, op)
    if not outcome.ok:
        async with request.app.state.db.reading() as session:
            return await _list(request, session, {}, outcome.errors, outcome.status)
    audit.event(request, "console_user_disabled" if disabled else "console_user_enabled", user_id=user_id,
                by=request.user.user_id)
    return Redirect(path="/console/admin/users?ok=saved", status_code=303)


@post("/admin/users/{user_id:int}/disable", guards=[requires()], status_code=200)
async def disable_user(request: Request, user_id: Id) -> Response:
    return await _set_disabled(request, user_id, True)


@post("/admin/users/{user_id:int}/enable", guards=[requires()], status_code=200)
async def enable_user(request: Request, user_id: Id) -> Response:
    return await _set_disabled(request, user_id, False)


routes: list[Any] = [user_list, create_user, disable_user, enable_user]
