"""Registering parties and deciding who may see them."""

from __future__ import annotations

import hashlib
import hmac

from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.actor import Actor
from service.auth.models import Role
from service.errors import Forbidden, InvalidField, NotFound
from service.ledger import service as ledger
from service.ledger.models import AccountKind
from service.parties.models import Party, PartyKind
from service.parties.repository import find_readable, readable
from service.parties.schemas import PartyIn


def hash_id_number(secret: str, id_number: str) -> str:
    """Keyed hash of a national ID number: lets a batch match a payee without keeping the number."""
    return hmac.new(secret.encode(), id_number.strip().upper().encode(), hashlib.sha256).hexdigest()


def benefit_account_code(party_id: int, currency: str = "CNY") -> str:
    return f"party:{party_id}:benefits:{currency}"


async def get_visible(session: AsyncSession, actor: Actor, party_id: int) -> Party:
    party = await find_readable(session, actor, party_id)
    if party is None:
        raise NotFound(f"party {party_id} not found")
    return party


async def create(session: AsyncSession, actor: Actor, data: PartyIn, secret: str) -> Party:
    parent = await find_readable(session, actor, data.parent_id) if data.parent_id else None
    if data.parent_id and parent is None:
        raise InvalidField("parent_id", f"unknown party {data.parent_id}")
    county = (data.division_code or "")[:6] or (parent.county_code if parent else None)
    if actor.role == Role.OFFICIAL and not actor.in_county(county):
        raise Forbidden(f"you may register parties only in county {actor.county_code}", field="division_code")
    if data.kind in (PartyKind.HOUSEHOLD, PartyKind.PERSON) and county is None:
        raise InvalidField("division_code", "a household or person needs a division_code or a parent village")
    party = Party(
        kind=data.kind, org_type=data.org_type, name=data.name, division_code=data.division_code,
        county_code=county, parent_id=data.parent_id, registration_code=data.registration_code,
        gender=data.gender, age_band=data.age_band, bank_account_tail=data.bank_account_tail,
        household_size=data.household_size, created_by=actor.user_id,
        id_number_hash=hash_id_number(secret, data.id_number) if data.id_number else None,
        id_number_tail=data.id_number[-4:] if data.id_number else None,
    )
    session.add(party)
    await session.flush()
    await ledger.open_account(
        session, code=benefit_account_code(party.id), name=f"Benefits received by {party.name}",
        kind=AccountKind.BENEFICIARY, party_id=party.id, county_code=county,
    )
    return party


async def benefit_account_id(session: AsyncSession, party_id: int) -> int | None:
    account = await ledger.account_by_code(session, benefit_account_code(party_id))
    return account.id if account else None


async def list_visible(
    session: AsyncSession, actor: Actor, *, kind: str | None, county_code: str | None, parent_id: int | None,
    q: str | None, limit: int, offset: int,
) -> list[Party]:
    stmt = readable(actor).order_by(Party.id)
    if kind:
        stmt = stmt.where(Party.kind == kind)
    if county_code:
        stmt = stmt.where(Party.county_code == county_code)
    if parent_id is not None:
        stmt = stmt.where(Party.parent_id == parent_id)
    if q:
        stmt = stmt.where(Party.name.contains(q, autoescape=True))
    return list((await session.execute(stmt.limit(limit).offset(offset))).scalars())
