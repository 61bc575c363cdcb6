"""Console users: create, sign in (with slow-down and lock-out), change password, disable."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import anyio
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.actor import Actor
from service.auth.models import ApiToken, User
from service.auth.tokens import TokenCache, create_user
from service.console import passwords
from service.console.models import ConsoleLogin
from service.console.settings import ConsoleSettings
from service.db import Database, utcnow
from service.errors import Conflict, InvalidField, NotFound

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")


def normalise(username: str) -> str:
    return username.strip().lower()


async def create(
    session: AsyncSession, *, username: str, password: str, role: str, name: str | None = None,
    county_code: str | None = None, trust_id: int | None = None, party_id: int | None = None,
) -> tuple[User, ConsoleLogin]:
    """A user with a role and scope (the same rules as a token's user) and a password."""
    username = normalise(username)
    if not USERNAME.match(username):
        raise InvalidField("username", "use 2 to 64 letters, digits, dots, dashes or underscores")
    passwords.check_strength(password)
    if await session.scalar(select(ConsoleLogin.user_id).where(ConsoleLogin.username == username)):
        raise Conflict(f"the username {username} is taken", field="username")
    user = await create_user(session, name=name or username, role=role, county_code=county_code or None,
                             trust_id=trust_id, party_id=party_id)
    login = ConsoleLogin(user_id=user.id, username=username, password_hash=passwords.hash_password(password))
    session.add(login)
    await session.flush()
    return user, login


@dataclass(frozen=True)
class SignIn:
    """The outcome of one attempt: the user, or why not (`unknown`, `locked`, `wait`, `disabled`)."""

    user: User | None = None
    refusal: str | None = None
    until: datetime | None = None


async def sign_in(db: Database, username: str, password: str, cfg: ConsoleSettings) -> SignIn:
    """Check a password. The hash is checked in a worker thread, outside any transaction (argon2 takes
    tens of milliseconds and must hold neither the event loop nor SQLite's one writer); the outcome is
    then written in a short transaction that re-reads the row, so concurrent failures all count."""
    name = normalise(username)
    async with db.reading() as session:
        login = await session.scalar(select(ConsoleLogin).where(ConsoleLogin.username == name))
    if login is None:
        await anyio.to_thread.run_sync(passwords.verify, None, password)  # a wrong name costs the same time
        return SignIn(refusal="unknown")
    refused = _locked(login, utcnow(), cfg)
    if refused is not None:
        return refused
    good = await anyio.to_thread.run_sync(passwords.verify, login.password_hash, password)
    async with db.writing() as session:
        login = await session.scalar(
            select(ConsoleLogin).where(ConsoleLogin.username == name).with_for_update())
        if login is None:  # deleted while the password was being checked
            return SignIn(refusal="unknown")
        now = utcnow()
        refused = _locked(login, now, cfg)  # another attempt may have locked it meanwhile
        if refused is not None:
            return refused
        if not good:
            _count_failure(login, now, cfg)
            return SignIn(refusal="locked" if login.failed_count >= cfg.lock_after else "unknown",
                          until=login.locked_until)
        if login.disabled_at is not None:
            return SignIn(refusal="disabled")
        login.failed_count, login.locked_until, login.last_sign_in_at = 0, None, now
        if passwords.HASHER.check_needs_rehash(login.password_hash):
            login.password_hash = passwords.hash_password(password)
        return SignIn(user=await session.get(User, login.user_id))


def _locked(login: ConsoleLogin, now: datetime, cfg: ConsoleSettings) -> SignIn | None:
    if login.locked_until is not None and login.locked_until > now:
        return SignIn(refusal="locked" if login.failed_count >= cfg.lock_after else "wait", until=login.locked_until)
    return None


def _count_failure(login: ConsoleLogin, now: datetime, cfg: ConsoleSettings) -> None:
    login.failed_count += 1
    if login.failed_count >= cfg.lock_after:
        login.locked_until = now + timedelta(minutes=cfg.lock_minutes)
    elif login.failed_count >= cfg.slow_after:
        login.locked_until = now + timedelta(seconds=2 ** (login.failed_count - cfg.slow_after + 1))


async def change_password(session: AsyncSession, actor: Actor, current: str, new: str) -> None:
    login = await session.get(ConsoleLogin, actor.user_id, with_for_update=True)
    if login is None:
        raise NotFound("this user has no console password")
    if not passwords.verify(login.password_hash, current):
        raise InvalidField("current_password", "the current password is wrong")
    passwords.check_strength(new, "new_password")
    if new == current:
        raise InvalidField("new_password", "choose a password different from the current one")
    login.password_hash, login.password_changed_at = passwords.hash_password(new), utcnow()


async def set_disabled(session: AsyncSession, actor: Actor, user_id: int, disabled: bool,
                       token_cache: TokenCache) -> ConsoleLogin:
    """Disable (or enable again) a console user; disabling also revokes the user's API tokens."""
    login = await session.get(ConsoleLogin, user_id, with_for_update=True)
    if login is None:
        raise NotFound(f"console user {user_id} not found")
    if user_id == actor.user_id and disabled:
        raise InvalidField("user_id", "you cannot disable yourself")
    now = utcnow()
    login.disabled_at = now if disabled else None
    login.failed_count, login.locked_until = 0, None
    if disabled:
        ids = list(await session.scalars(select(ApiToken.id).where(
            ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))))
        await session.execute(update(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
                              .values(revoked_at=now))
        for token_id in ids:
            token_cache.forget(token_id)
    await session.flush()
    return login


async def live_user(session: AsyncSession, user_id: int) -> User | None:
    """The user behind a console session, or None when the user was disabled meanwhile."""
    row = (await session.execute(
        select(User, ConsoleLogin.disabled_at).join(ConsoleLogin, ConsoleLogin.user_id == User.id)
        .where(User.id == user_id))).first()
    if row is None or row[1] is not None:
        return None
    return row[0]


async def list_users(session: AsyncSession) -> list[tuple[User, ConsoleLogin]]:
    rows = await session.execute(select(User, ConsoleLogin).join(ConsoleLogin, ConsoleLogin.user_id == User.id)
                                 .order_by(ConsoleLogin.username))
    return [(u, c) for u, c in rows]
