"""Sign in, sign out, the start page and one's own account (password change)."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.actor import Actor
from service.auth.guards import PUBLIC, requires
from service.auth.models import Role
from service.console import audit, forms, users
from service.console import session as sessions
from service.console.auth import safe_next
from service.console.i18n import LABELS, fmt_datetime, lang_of
from service.console.models import ConsoleLogin
from service.console.render import add_nav, page
from service.console.settings import ConsoleSettings
from service.schemas import Output

EVERYONE = tuple(Role)
# Page modules name the start page of a role here (the official's dashboard, the auditor's journal...).
START: dict[str, str] = {}
add_nav("/console/account", "my_account", *EVERYONE, order=1000)


@get("/login", opt=PUBLIC)
async def login_form(request: Request, next: str | None = None) -> Response:
    return page(request, "login.html", title=LABELS[lang_of(request)]["sign_in"], values={}, next=safe_next(next),
                message=None, failed=False)


@post("/login", opt=PUBLIC, status_code=200)
async def login(request: Request, state: State, cfg: ConsoleSettings) -> Response:
    values = await forms.read(request)
    username, password = str(values.get("username", "")), str(values.get("password", ""))
    lang = lang_of(request)
    t = LABELS[lang]
    outcome = await users.sign_in(state.db, username, password, cfg)
    if outcome.user is None:
        audit.event(request, "console_sign_in_failed", username=users.normalise(username)[:64],
                    reason=outcome.refusal)
        message = {"locked": t["account_locked"], "wait": t["account_wait"],
                   "disabled": t["account_disabled"]}.get(outcome.refusal or "", t["bad_credentials"])
        until = fmt_datetime(outcome.until, lang) if outcome.until else ""
        return page(request, "login.html", status=401 if outcome.refusal == "unknown" else 403,
                    title=t["sign_in"], values={"username": username}, next=safe_next(values.get("next")),
                    message=message.format(until=until), failed=True)
    await sessions.start(request, outcome.user.id, lang)
    audit.event(request, "console_sign_in", user_id=outcome.user.id, role=outcome.user.role)
    return Redirect(path=safe_next(values.get("next")), status_code=303)


@post("/logout", guards=[requires(*EVERYONE)], status_code=303)
async def logout(request: Request, actor: Actor) -> Response:
    audit.event(request, "console_sign_out", user_id=actor.user_id, role=actor.role)
    await sessions.end(request)
    return Redirect(path="/console/login?ok=signed_out", status_code=303)


@get("/", guards=[requires(*EVERYONE)])
async def home(request: Request, actor: Actor) -> Response:
    if actor.role in START:
        return Redirect(path=START[actor.role], status_code=303)
    return page(request, "home.html", title=LABELS[lang_of(request)]["welcome"])


async def _account(request: Request, session: AsyncSession, actor: Actor, errors: dict[str, str],
                   status: int = 200) -> Response:
    login = await session.get(ConsoleLogin, actor.user_id)
    return page(request, "account.html", status=status, title=LABELS[lang_of(request)]["my_account"],
                username=login.username if login else "", errors=errors)


@get("/account", guards=[requires(*EVERYONE)])
async def account(request: Request, session: AsyncSession, actor: Actor) -> Response:
    return await _account(request, session, actor, {})


class Done(Output):
    done: bool = True


@post("/account/password", guards=[requires(*EVERYONE)], status_code=200)
async def change_password(request: Request, session: AsyncSession, actor: Actor) -> Response:
    values = await forms.read(request)
    if values.get("new_password") != values.get("repeat_password"):
        return await _account(request, session, actor,
                              {"repeat_password": LABELS[lang_of(request)]["passwords_differ"]}, 422)

    async def op(s: AsyncSession, a: Actor) -> Done:
        await users.change_password(s, a, str(values.get("current_password", "")), str(values.get("new_password", "")))
        return Done()

    # the fingerprint names the form only: no password, even hashed, goes into the idempotency store
    outcome = await forms.submit(request, values, {"form": "password"}, op)
    if not outcome.ok:
        return await _account(request, session, actor, outcome.errors, outcome.status)
    audit.event(request, "console_password_changed", user_id=actor.user_id)
    return Redirect(path="/console/account?ok=password_changed", status_code=303)


routes: list[Any] = [login_form, login, logout, home, account, change_password]
