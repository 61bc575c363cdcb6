"""Load the demo data set in `seed/`: the core parties and funds first, then each domain's story."""

from __future__ import annotations

import importlib
import importlib.util
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from service import money
from service.auth.actor import Actor
from service.auth.models import Role, User
from service.db import Database
from service.ledger import service as ledger
from service.parties import service as parties
from service.parties.models import Party
from service.parties.schemas import PartyIn
from service.settings import Settings


@dataclass
class SeedContext:
    """What every domain's loader gets: a transaction, the seed folder, and named references."""

    session: AsyncSession
    settings: Settings
    seed_dir: Path
    actors: dict[str, Actor] = field(default_factory=dict)  # "admin", "official:360827", "approver:360827", ...
    refs: dict[str, int] = field(default_factory=dict)  # seed key -> database id (parties, accounts, ...)

    def read_json(self, name: str) -> Any:
        return json.loads((self.seed_dir / name).read_text(encoding="utf-8"))

    async def user(self, name: str, role: Role, **scope: Any) -> Actor:
        u = User(name=name, role=role, **scope)
        self.session.add(u)
        await self.session.flush()
        return Actor(user_id=u.id, name=u.name, role=u.role, county_code=u.county_code, trust_id=u.trust_id,
                     party_id=u.party_id, request_id="seed")


async def load_core(ctx: SeedContext) -> None:
    """Counties, bureaus, villages, households, a funded county account and a few entries."""
    data = ctx.read_json("core.json")
    ctx.actors["admin"] = await ctx.user("Seed loader", Role.ADMIN)
    for county in data["counties"]:
        code = county["code"]
        ctx.actors[f"official:{code}"] = await ctx.user(county["official"], Role.OFFICIAL, county_code=code)
        ctx.actors[f"approver:{code}"] = await ctx.user(county["approver"], Role.APPROVER, county_code=code)
    for item in data["parties"]:
        item = dict(item)
        key = item.pop("key")
        if "parent" in item:
            item["parent_id"] = ctx.refs[item.pop("parent")]
        party = await parties.create(ctx.session, ctx.actors["admin"], PartyIn(**item), ctx.settings.secret)
        ctx.refs[key] = party.id
    for fund in data["funds"]:
        await _open_fund(ctx, fund)
    for entry in data["entries"]:
        await _replay_entry(ctx, entry)


async def _open_fund(ctx: SeedContext, fund: dict[str, Any]) -> None:
    account = await ledger.open_account(
        ctx.session, code=fund["code"], name=fund["name"], kind=fund["kind"],
        party_id=ctx.refs.get(fund.get("owner", "")), county_code=fund.get("county_code"),
    )
    ctx.refs[fund["code"]] = account.id


async def _account_id(ctx: SeedContext, ref: str) -> int:
    if ref.startswith("benefits:"):
        return await parties.benefit_account_id(ctx.session, ctx.refs[ref.removeprefix("benefits:")])  # type: ignore[return-value]
    return ctx.refs[ref]


async def _replay_entry(ctx: SeedContext, spec: dict[str, Any]) -> None:
    amount = money.parse(spec["amount"])
    legs = ledger.transfer(await _account_id(ctx, spec["from"]), await _account_id(ctx, spec["to"]), amount)
    entry = await ledger.record_entry(
        ctx.session, kind=spec["kind"], legs=legs, actor=ctx.actors[spec["by"]],
        effective_date=date.fromisoformat(spec["date"]), memo=spec["memo"], pending=spec.get("state") != "posted",
    )
    if spec.get("state") in ("approved", "reversed"):
        await ledger.post_pending(ctx.session, entry.id, ctx.actors[spec["approver"]])
    if spec.get("state") == "voided":
        await ledger.void_pending(ctx.session, entry.id, ctx.actors[spec["approver"]], spec["reason"])
    if spec.get("state") == "reversed":
        await ledger.reverse(ctx.session, entry.id, ctx.actors[spec["by"]], spec["reason"])


Loader = Callable[[SeedContext], Awaitable[None]]


# The demo story, in order. Each domain keeps its loader in `service/<domain>/seed.py` as `load(ctx)`.
# "roots" signs a head twice: after the county's compensation and enrollments, and at the end, so that
# the demo has two heads and a consistency proof between them (the later log extends the earlier one).
DOMAIN_ORDER = ("compensation", "enrollments", "roots", "trusts", "shares", "patrols", "certifications", "reports",
                "grievances", "roots")


def loaders() -> list[tuple[str, Loader]]:
    steps: list[tuple[str, Loader]] = [("core", load_core)]
    for domain in DOMAIN_ORDER:
        if importlib.util.find_spec(f"service.{domain}.seed") is not None:
            steps.append((domain, importlib.import_module(f"service.{domain}.seed").load))
    return steps


async def already_seeded(db: Database) -> bool:
    async with db.reading() as session:
        return (await session.execute(select(Party.id).limit(1))).first() is not None


async def load(db: Database, settings: Settings, progress: Callable[[str], None] = print,
               only: tuple[str, ...] | None = None) -> SeedContext:
    """Load every step (or `only` these) in one transaction: the demo data is there whole, or not at all."""
    async with db.writing() as session:
        ctx = SeedContext(session=session, settings=settings, seed_dir=settings.seed_dir)
        for name, step in loaders():
            if only is not None and name not in only:
                continue
            progress(f"seeding {name}")
            await step(ctx)
    return ctx
