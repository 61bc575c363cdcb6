"""Accounts, balances, journal entries (admin adjustments) and chain verification."""

from __future__ import annotations

from datetime import date

from litestar import Controller, Request, Response, get, post
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from service import money
from service.auth.actor import Actor
from service.auth.guards import READERS, requires
from service.auth.models import Role
from service.auth.parties import party_exists
from service.db import fetch_one
from service.errors import Conflict, InvalidField, NotFound
from service.ledger import service as ledger
from service.ledger.models import Account, Posting
from service.ledger.repository import readable_accounts
from service.ledger.schemas import (
    AccountIn, AccountOut, BalanceOut, EntryIn, EntryOut, HeadOut, ReverseIn, VerifyOut, VoidIn,
)
from service.ledger.verify import verify_ledger
from service.pagination import Id, Limit, Offset, OptionalId, OptionalSequenceNo, Page
from service.writes import perform


async def visible_account(session: AsyncSession, actor: Actor, account_id: int) -> Account:
    account = await fetch_one(session, readable_accounts(actor).where(Account.id == account_id))
    if account is None:
        raise NotFound(f"account {account_id} not found")
    return account


async def entry_in_scope(session: AsyncSession, actor: Actor, entry_id: int) -> None:
    """An approver decides only entries of their own county: one touching another county's account is a 404."""
    if actor.reads_everything or actor.role == Role.ADMIN:
        return
    rows = await session.execute(
        select(Account.county_code).join(Posting, Posting.account_id == Account.id).where(Posting.entry_id == entry_id)
    )
    if any(code is not None and not actor.in_county(code) for code in rows.scalars()):
        raise NotFound(f"journal entry {entry_id} not found")


class AccountController(Controller):
    path = "/api/v1/accounts"
    tags = ["ledger"]

    @get("/", guards=[requires(*READERS, Role.COMMUNITY)])
    async def list_accounts(
        self, session: AsyncSession, actor: Actor, party_id: OptionalId = None, kind: str | None = None,
        code: str | None = None, limit: Limit = 100, offset: Offset = 0,
    ) -> Page[AccountOut]:
        """Accounts in the caller's scope, filtered by owner party, kind or code."""
        q = readable_accounts(actor).order_by(Account.id)
        if code:
            q = q.where(Account.code == code)
        if party_id is not None:
            q = q.where(Account.party_id == party_id)
        if kind:
            q = q.where(Account.kind == kind)
        rows = (await session.execute(q.limit(limit).offset(offset))).scalars()
        return Page(items=[AccountOut.model_validate(a) for a in rows], limit=limit, offset=offset)

    @post("/", guards=[requires()], status_code=201)
    async def open_account(self, request: Request, data: AccountIn) -> Response[AccountOut]:
        """Open an account (admin). A source account records money entering the ledger from outside."""

        async def op(session: AsyncSession, actor: Actor) -> AccountOut:
            if await ledger.account_by_code(session, data.code):
                raise Conflict(f"an account with code {data.code!r} already exists", field="code")
            if data.party_id is not None and not await party_exists(session, data.party_id):
                raise InvalidField("party_id", f"unknown party {data.party_id}")
            return AccountOut.model_validate(await ledger.open_account(session, **data.model_dump()))

        return await perform(request, data, op)

    @get("/{account_id:int}", guards=[requires(*READERS, Role.COMMUNITY)])
    async def get_account(self, session: AsyncSession, actor: Actor, account_id: Id) -> AccountOut:
        """One account in the caller's scope."""
        return AccountOut.model_validate(await visible_account(session, actor, account_id))

    @get("/{account_id:int}/balance", guards=[requires(*READERS, Role.COMMUNITY)])
    async def get_balance(
        self, session: AsyncSession, actor: Actor, account_id: Id,
        as_of_sequence: OptionalSequenceNo = None, as_of_date: date | None = None,
    ) -> BalanceOut:
        """Posted, pending and available balance now; or the posted balance as of a sequence number or date."""
        await visible_account(session, actor, account_id)
        return BalanceOut.of(
            await ledger.balance(session, account_id, as_of_sequence=as_of_sequence, as_of_date=as_of_date)
        )


class LedgerController(Controller):
    path = "/api/v1/ledger"
    tags = ["ledger"]

    @post("/entries", guards=[requires()], status_code=201)
    async def create_entry(self, request: Request, data: EntryIn) -> Response[EntryOut]:
        """Admin adjustment: a balanced set of postings, posted now or pending (reserving funds)."""

        async def op(session: AsyncSession, actor: Actor) -> EntryOut:
            entry = await ledger.record_entry(
                session, kind=data.kind, legs=_legs(data), actor=actor, effective_date=data.effective_date,
                memo=data.memo, metadata=data.metadata, pending=data.pending,
            )
            return EntryOut.of(entry)  # record_entry returns it with its postings loaded

        return await perform(request, data, op, together=_enter_together)

    @post("/entries/{entry_id:int}/post", guards=[requires(Role.APPROVER)], status_code=200)
    async def post_entry(self, request: Request, entry_id: Id) -> Response[EntryOut]:
        """Post a pending entry. The person who entered it cannot post it."""

        async def op(session: AsyncSession, actor: Actor) -> EntryOut:
            await entry_in_scope(session, actor, entry_id)
            await ledger.post_pending(session, entry_id, actor)
            return EntryOut.of(await ledger.get_entry(session, entry_id))

        return await perform(request, None, op, status_code=200)

    @post("/entries/{entry_id:int}/void", guards=[requires(Role.APPROVER)], status_code=200)
    async def void_entry(self, request: Request, entry_id: Id, data: VoidIn) -> Response[EntryOut]:
        """Void a pending entry with a reason; its reservation is released and nothing is posted."""
        async def op(session: AsyncSession, actor: Actor) -> EntryOut:
            await entry_in_scope(session, actor, entry_id)
            await ledger.void_pending(session, entry_id, actor, data.reason)
            return EntryOut.of(await ledger.get_entry(session, entry_id))

        return await perform(request, data, op, status_code=200)

    @post("/entries/{entry_id:int}/reverse", guards=[requires()], status_code=201)
    async def reverse_entry(self, request: Request, entry_id: Id, data: ReverseIn) -> Response[EntryOut]:
        """Reverse a posted entry (admin): a new entry with the opposite postings, linked to it."""
        async def op(session: AsyncSession, actor: Actor) -> EntryOut:
            entry = await ledger.reverse(session, entry_id, actor, data.memo, data.effective_date)
            return EntryOut.of(await ledger.get_entry(session, entry.id))

        return await perform(request, data, op)

    @get("/entries", guards=[requires(Role.AUDITOR)])
    async def list_entries(
        self, session: AsyncSession, account_id: OptionalId = None, kind: str | None = None,
        status: str | None = None, date_from: date | None = None, date_to: date | None = None,
        sequence_from: OptionalSequenceNo = None, sequence_to: OptionalSequenceNo = None,
        limit: Limit = 100, offset: Offset = 0,
    ) -> Page[EntryOut]:
        """Journal entries, filtered by account, kind, status, dates or sequence numbers."""
        entries = await ledger.list_entries(
            session, account_id=account_id, kind=kind, status=status, date_from=date_from, date_to=date_to,
            sequence_from=sequence_from, sequence_to=sequence_to, limit=limit, offset=offset,
        )
        return Page(items=[EntryOut.of(e) for e in entries], limit=limit, offset=offset)

    @get("/entries/{entry_id:int}", guards=[requires(Role.AUDITOR)])
    async def get_entry(self, session: AsyncSession, entry_id: Id) -> EntryOut:
        """One journal entry with its postings and its place in the hash chain."""
        return EntryOut.of(await ledger.get_entry(session, entry_id))

    @get("/head", guards=[requires(*READERS, Role.COMMUNITY)])
    async def get_head(self, session: AsyncSession) -> HeadOut:
        """The chain's head: the last sequence number and its hash, to anchor an audit."""
        sequence, hash_ = await ledger.head(session)
        return HeadOut(sequence=sequence, hash=hash_)

    @get("/verify", guards=[requires(Role.AUDITOR)])
    async def verify(self, session: AsyncSession, full: bool = False) -> VerifyOut:
        """Recompute the hash chain and every account's totals from the newest verified checkpoint (with
        `full`, from genesis, checking every checkpoint too); name the first broken entry."""
        return VerifyOut.of(await verify_ledger(session, full=full))


def _legs(data: EntryIn) -> list[ledger.Leg]:
    return [ledger.Leg(p.account_id, money.parse(p.amount, p.currency, f"postings[{i}].amount", allow_negative=True),
                       p.currency) for i, p in enumerate(data.postings)]


async def _enter_together(session: AsyncSession, items: list[tuple[Actor, EntryIn]]) -> list[EntryOut]:
    """`create_entry` for a group of requests written as one (service/group_commit.py)."""
    pending = {data.pending for _, data in items}
    if len(pending) > 1:
        raise Conflict("posted and pending entries in one group: entered one by one")
    specs = [ledger.EntrySpec(data.kind, _legs(data), data.effective_date, data.memo, data.metadata)
             for _, data in items]
    entries = await ledger.record_entries_each(session, specs, [actor for actor, _ in items], pending=pending.pop())
    return [EntryOut.of(entry) for entry in entries]
