"""The one door into the journal. Every money movement in the service goes through here.

Rules kept here (DESIGN.md, "The ledger core"): double entry per currency, append-only (posted
entries are never changed; pending ones are posted or voided once), no negative funds (checked
after locking the accounts, counting reservations), hash-chained sequence numbers, attribution.
Accounts are locked in id order and the chain head last, so concurrent writers cannot deadlock.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from service import money
from service.auth.actor import Actor
from service.db import chunks, utcnow
from service.errors import Conflict, Forbidden, InsufficientFunds, InvalidField, NotFound
from service.ledger.chain import canonical_bytes, link
from service.ledger.models import (
    GENESIS_HASH,
    Account,
    AccountKind,
    EntryStatus,
    JournalEntry,
    LedgerHead,
    Posting,
    Side,
)

MAX_LEGS = 10_000


@dataclass(frozen=True)
class Leg:
    """One side of an entry: positive amount is a debit (money leaves a fund), negative a credit."""

    account_id: int
    amount: int
    currency: str = "CNY"


def transfer(source_id: int, destination_id: int, amount: int, currency: str = "CNY") -> list[Leg]:
    """Move `amount` minor units from one account to another."""
    return [Leg(source_id, amount, currency), Leg(destination_id, -amount, currency)]


# --- accounts ---------------------------------------------------------------------------------


async def open_account(
    session: AsyncSession,
    *,
    code: str,
    name: str,
    kind: AccountKind | str,
    currency: str = "CNY",
    party_id: int | None = None,
    county_code: str | None = None,
    trust_id: int | None = None,
    may_go_negative: bool = False,
) -> Account:
    money.exponent(currency)
    kind = AccountKind(kind)
    account = Account(
        code=code, name=name, kind=kind, currency=currency,
        normal_side=Side.DEBIT if kind == AccountKind.SOURCE else Side.CREDIT,
        may_go_negative=may_go_negative, party_id=party_id, county_code=county_code, trust_id=trust_id,
        debits_posted=0, credits_posted=0, debits_pending=0, credits_pending=0,
    )
    session.add(account)
    await session.flush()
    return account


async def account_by_code(session: AsyncSession, code: str) -> Account | None:
    return (await session.execute(select(Account).where(Account.code == code))).scalar_one_or_none()


async def ensure_account(session: AsyncSession, *, code: str, **kwargs: Any) -> Account:
    """The account with this code, opened on first use."""
    return await account_by_code(session, code) or await open_account(session, code=code, **kwargs)


async def get_account(session: AsyncSession, account_id: int) -> Account:
    account = await session.get(Account, account_id)
    if account is None:
        raise NotFound(f"account {account_id} not found")
    return account


# --- validation and locking ------------------------------------------------------------------


def _validate(legs: Sequence[Leg]) -> None:
    if len(legs) < 2:
        raise InvalidField("postings", "an entry needs at least two postings")
    if len(legs) > MAX_LEGS:
        raise InvalidField("postings", f"at most {MAX_LEGS} postings per entry")
    sums: dict[str, int] = defaultdict(int)
    for i, leg in enumerate(legs):
        if leg.amount == 0:
            raise InvalidField(f"postings[{i}].amount", "must not be zero")
        if abs(leg.amount) > money.MAX_MINOR:
            raise InvalidField(f"postings[{i}].amount", "amount is out of range")
        sums[leg.currency] += leg.amount
    unbalanced = {c: s for c, s in sums.items() if s != 0}
    if unbalanced:
        detail = ", ".join(f"{c} off by {money.format(s, c)}" for c, s in unbalanced.items())
        raise InvalidField("postings", f"debits and credits must sum to zero per currency ({detail})")


async def _lock_accounts(session: AsyncSession, legs: Sequence[Leg]) -> dict[int, Account]:
    ids = sorted({leg.account_id for leg in legs})
    accounts: dict[int, Account] = {}
    for chunk in chunks(ids):  # ascending across chunks too: every writer locks in the same order
        rows = await session.execute(
            select(Account).where(Account.id.in_(chunk)).order_by(Account.id)
            .with_for_update().execution_options(populate_existing=True)
        )
        accounts.update((a.id, a) for a in rows.scalars())
    for i, leg in enumerate(legs):
        account = accounts.get(leg.account_id)
        if account is None:
            raise InvalidField(f"postings[{i}].account_id", f"unknown account {leg.account_id}")
        if account.currency != leg.currency:
            raise InvalidField(
                f"postings[{i}].currency", f"account {account.code} holds {account.currency}, not {leg.currency}"
            )
    return accounts


def _decreases(account: Account, amount: int) -> bool:
    return (amount > 0) == (account.normal_side == Side.CREDIT)


def _apply(account: Account, amount: int, *, pending: bool, sign: int = 1) -> None:
    if pending:
        if amount > 0:
            account.debits_pending += sign * amount
        else:
            account.credits_pending += sign * -amount
    elif amount > 0:
        account.debits_posted += sign * amount
    else:
        account.credits_posted += sign * -amount


def _check_funds(accounts: dict[int, Account], legs: Sequence[Leg]) -> None:
    for leg in legs:
        account = accounts[leg.account_id]
        if account.may_go_negative or not _decreases(account, leg.amount):
            continue
        if account.available_balance < 0:
            short = -account.available_balance
            raise InsufficientFunds(
                f"{account.name} ({account.code}) has {money.format(account.available_balance + abs(leg.amount), account.currency)} "
                f"available; {money.format(abs(leg.amount), account.currency)} was asked for, "
                f"{money.format(short, account.currency)} short",
                field="amount",
                account_id=account.id,
                available=money.format(account.available_balance + abs(leg.amount), account.currency),
                requested=money.format(abs(leg.amount), account.currency),
            )


async def _locked_head(session: AsyncSession) -> LedgerHead:
    """The chain head, locked: whoever holds it is the only one numbering entries."""
    head = (
        await session.execute(
            select(LedgerHead).where(LedgerHead.id == 1).with_for_update().execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()
    if head is None:  # a database created without the genesis row (migration 0002 inserts it)
        head = LedgerHead(id=1, sequence=0, hash=GENESIS_HASH)
        session.add(head)
    return head


async def _chain(session: AsyncSession, entry: JournalEntry, legs: Sequence[Leg]) -> None:
    """Give a newly posted entry the next sequence number and hash. Locks the head row last."""
    head = await _locked_head(session)
    entry.sequence = head.sequence + 1
    entry.prev_hash = head.hash
    entry.hash = link(head.hash, entry_bytes(entry, [(leg.account_id, leg.currency, leg.amount) for leg in legs]))
    head.sequence, head.hash = entry.sequence, entry.hash


def entry_bytes(entry: Any, postings: Sequence[tuple[int, str, int]]) -> bytes:
    """The chain payload of an entry (a JournalEntry, or a row with the same names)."""
    assert entry.sequence is not None and entry.posted_at is not None
    return canonical_bytes(
        sequence=entry.sequence, kind=entry.kind, effective_date=entry.effective_date, posted_at=entry.posted_at,
        memo=entry.memo, metadata=entry.meta, entered_by=entry.entered_by, approved_by=entry.approved_by,
        reversal_of_id=entry.reversal_of_id, postings=postings,
    )


# --- writing entries -------------------------------------------------------------------------


async def record_entry(
    session: AsyncSession,
    *,
    kind: str,
    legs: Sequence[Leg],
    actor: Actor,
    effective_date: date | None = None,
    memo: str = "",
    metadata: dict[str, Any] | None = None,
    pending: bool = False,
    reversal_of_id: int | None = None,
) -> JournalEntry:
    """Write one balanced entry: posted now, or pending (reserving the funds it will move)."""
    _validate(legs)
    accounts = await _lock_accounts(session, legs)
    for leg in legs:
        _apply(accounts[leg.account_id], leg.amount, pending=pending)
    _check_funds(accounts, legs)
    now = utcnow()
    entry = JournalEntry(
        kind=kind, status=EntryStatus.PENDING if pending else EntryStatus.POSTED,
        effective_date=effective_date or now.date(), recorded_at=now, posted_at=None if pending else now,
        memo=memo, meta=json.loads(json.dumps(metadata or {}, sort_keys=True)),
        entered_by=actor.user_id, request_id=actor.request_id, reversal_of_id=reversal_of_id,
    )
    if not pending:
        await _chain(session, entry, legs)
    session.add(entry)
    await session.flush()
    postings = [Posting(entry_id=entry.id, account_id=l.account_id, currency=l.currency, amount=l.amount) for l in legs]
    session.add_all(postings)
    await session.flush()
    # The caller usually answers with the entry and its postings: hand them over loaded, saving a re-read.
    set_committed_value(entry, "postings", postings)
    return entry


async def _locked_entry(session: AsyncSession, entry_id: int) -> JournalEntry:
    entry = (
        await session.execute(
            select(JournalEntry).where(JournalEntry.id == entry_id).with_for_update()
            .execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()
    if entry is None:
        raise NotFound(f"journal entry {entry_id} not found")
    return entry


async def _legs_of(session: AsyncSession, entry_id: int) -> list[Leg]:
    rows = await session.execute(
        select(Posting.account_id, Posting.amount, Posting.currency).where(Posting.entry_id == entry_id).order_by(Posting.id)
    )
    return [Leg(a, m, c) for a, m, c in rows]


async def post_pending(session: AsyncSession, entry_id: int, actor: Actor) -> JournalEntry:
    """Approve a pending entry: its reservation becomes a posting. A second person must do it."""
    entry = await _locked_entry(session, entry_id)
    if entry.status != EntryStatus.PENDING:
        raise Conflict(f"entry {entry_id} is {entry.status}; only a pending entry can be posted", field="status")
    if entry.entered_by == actor.user_id:
        raise Forbidden("four-eyes rule: you cannot approve an entry you entered yourself", field="approved_by")
    legs = await _legs_of(session, entry_id)
    accounts = await _lock_accounts(session, legs)
    for leg in legs:
        _apply(accounts[leg.account_id], leg.amount, pending=True, sign=-1)
        _apply(accounts[leg.account_id], leg.amount, pending=False)
    _check_funds(accounts, legs)
    entry.status, entry.approved_by, entry.posted_at = EntryStatus.POSTED, actor.user_id, utcnow()
    await _chain(session, entry, legs)
    await session.flush()
    return entry


async def void_pending(session: AsyncSession, entry_id: int, actor: Actor, reason: str) -> JournalEntry:
    """Reject a pending entry: its reservation is released and it never reaches the chain."""
    entry = await _locked_entry(session, entry_id)
    if entry.status != EntryStatus.PENDING:
        raise Conflict(f"entry {entry_id} is {entry.status}; only a pending entry can be voided", field="status")
    if not reason.strip():
        raise InvalidField("reason", "say why the entry is voided")
    legs = await _legs_of(session, entry_id)
    accounts = await _lock_accounts(session, legs)
    for leg in legs:
        _apply(accounts[leg.account_id], leg.amount, pending=True, sign=-1)
    entry.status, entry.voided_by, entry.voided_at, entry.void_reason = EntryStatus.VOIDED, actor.user_id, utcnow(), reason
    await session.flush()
    return entry


async def reverse(
    session: AsyncSession, entry_id: int, actor: Actor, memo: str, effective_date: date | None = None
) -> JournalEntry:
    """Correct a posted entry with a new entry of opposite postings that points at it."""
    entry = await _locked_entry(session, entry_id)
    if entry.status != EntryStatus.POSTED:
        raise Conflict(f"entry {entry_id} is {entry.status}; only a posted entry can be reversed", field="status")
    if entry.reversal_of_id is not None:
        raise Conflict("a reversal cannot itself be reversed; record a new entry instead", field="reversal_of")
    already = await session.scalar(select(JournalEntry.id).where(JournalEntry.reversal_of_id == entry_id))
    if already is not None:
        raise Conflict(f"entry {entry_id} was already reversed by entry {already}", field="reversal_of")
    legs = [Leg(l.account_id, -l.amount, l.currency) for l in await _legs_of(session, entry_id)]
    return await record_entry(
        session, kind="reversal", legs=legs, actor=actor, effective_date=effective_date,
        memo=memo or f"reversal of entry {entry_id}",
        metadata={"reverses_kind": entry.kind, "reverses_sequence": entry.sequence}, reversal_of_id=entry_id,
    )


# --- reading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Balance:
    account: Account
    posted: int
    pending_in: int
    pending_out: int
    available: int
    as_of_sequence: int | None = None
    as_of_date: date | None = None


async def balance(
    session: AsyncSession, account_id: int, *, as_of_sequence: int | None = None, as_of_date: date | None = None
) -> Balance:
    """Balance now (posted, pending and available) or the posted balance as of a sequence number or date."""
    account = await get_account(session, account_id)
    if as_of_sequence is None and as_of_date is None:
        return Balance(account, account.posted_balance, account.pending_in, account.pending_out, account.available_balance)
    q = (
        select(func.coalesce(func.sum(Posting.amount), 0))
        .join(JournalEntry, JournalEntry.id == Posting.entry_id)
        .where(Posting.account_id == account_id, JournalEntry.status == EntryStatus.POSTED)
    )
    if as_of_sequence is not None:
        q = q.where(JournalEntry.sequence <= as_of_sequence)
    if as_of_date is not None:
        q = q.where(JournalEntry.effective_date <= as_of_date)
    net = int(await session.scalar(q) or 0)
    posted = net if account.normal_side == Side.DEBIT else -net
    return Balance(account, posted, 0, 0, posted, as_of_sequence, as_of_date)


async def get_entry(session: AsyncSession, entry_id: int) -> JournalEntry:
    entry = (
        await session.execute(
            select(JournalEntry).where(JournalEntry.id == entry_id).options(selectinload(JournalEntry.postings))
        )
    ).scalar_one_or_none()
    if entry is None:
        raise NotFound(f"journal entry {entry_id} not found")
    return entry


async def list_entries(
    session: AsyncSession,
    *,
    account_id: int | None = None,
    kind: str | None = None,
    status: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    sequence_from: int | None = None,
    sequence_to: int | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[JournalEntry]:
    q = select(JournalEntry).options(selectinload(JournalEntry.postings)).order_by(JournalEntry.id)
    if account_id is not None:
        q = q.where(JournalEntry.id.in_(select(Posting.entry_id).where(Posting.account_id == account_id)))
    if kind:
        q = q.where(JournalEntry.kind == kind)
    if status:
        q = q.where(JournalEntry.status == status)
    if date_from:
        q = q.where(JournalEntry.effective_date >= date_from)
    if date_to:
        q = q.where(JournalEntry.effective_date <= date_to)
    if sequence_from is not None:
        q = q.where(JournalEntry.sequence >= sequence_from)
    if sequence_to is not None:
        q = q.where(JournalEntry.sequence <= sequence_to)
    return list((await session.execute(q.limit(limit).offset(offset))).scalars())


async def head(session: AsyncSession) -> tuple[int, str]:
    row = await session.get(LedgerHead, 1)
    return (row.sequence, row.hash) if row else (0, GENESIS_HASH)


# --- bulk writing (spreadsheet batches) ------------------------------------------------------


@dataclass(frozen=True)
class EntrySpec:
    """One entry of a bulk write: the same fields `record_entry` takes."""

    kind: str
    legs: Sequence[Leg]
    effective_date: date | None = None
    memo: str = ""
    metadata: dict[str, Any] | None = None


async def record_entries(
    session: AsyncSession, specs: Sequence[EntrySpec], *, actor: Actor, pending: bool = False
) -> list[int]:
    """Write many balanced entries in one go, with the same rules as `record_entry`.

    Accounts are locked once (in id order), all amounts applied, then funds are checked once: if
    the whole set would take a fund below zero, nothing is written. Posted entries are chained in
    the order given. Returns the new entry ids in that order.
    """
    if not specs:
        return []
    for spec in specs:
        _validate(spec.legs)
    all_legs = [leg for spec in specs for leg in spec.legs]
    accounts = await _lock_accounts(session, all_legs)
    for leg in all_legs:
        _apply(accounts[leg.account_id], leg.amount, pending=pending)
    _check_funds(accounts, all_legs)
    now = utcnow()
    rows = [
        dict(kind=s.kind, status=EntryStatus.PENDING if pending else EntryStatus.POSTED,
             effective_date=s.effective_date or now.date(), recorded_at=now, posted_at=None if pending else now,
             memo=s.memo, metadata=json.loads(json.dumps(s.metadata or {}, sort_keys=True)),
             entered_by=actor.user_id, request_id=actor.request_id, reversal_of_id=None,
             sequence=None, prev_hash=None, hash=None)
        for s in specs
    ]
    if not pending:
        await _chain_many(session, rows, [s.legs for s in specs])
    await session.flush()
    ids = await insert_ids(session, JournalEntry, rows)
    postings = [
        dict(entry_id=entry_id, account_id=l.account_id, currency=l.currency, amount=l.amount)
        for entry_id, spec in zip(ids, specs, strict=True) for l in spec.legs
    ]
    await session.execute(insert(Posting.__table__), postings)
    return ids


async def insert_ids(session: AsyncSession, model: Any, rows: list[dict[str, Any]]) -> list[int]:
    """Insert many rows (keyed by column name) and return their new ids in the order given.

    Core inserts, not the ORM's: nothing needs the objects, and the unit of work costs several times
    the insert itself per row. PostgreSQL: a batched INSERT .. RETURNING. SQLite would fall back to
    one INSERT per row for an ordered RETURNING, so there the rows go in as one executemany and the
    ids are read back: the write transaction holds the database lock (BEGIN IMMEDIATE), so they are
    the next ids, in order.
    """
    table = model.__table__
    if session.bind.dialect.name != "sqlite":
        return list(await session.scalars(insert(table).returning(table.c.id, sort_by_parameter_order=True), rows))
    before = await session.scalar(select(func.coalesce(func.max(table.c.id), 0)))
    await session.execute(insert(table), rows)
    ids = list(await session.scalars(select(table.c.id).where(table.c.id > before).order_by(table.c.id)))
    if len(ids) != len(rows):
        raise Conflict("another writer interleaved with a bulk insert; nothing was written, retry")
    return ids


async def _chain_many(session: AsyncSession, rows: list[dict[str, Any]], legs: Sequence[Sequence[Leg]]) -> None:
    """Chain many entries (given as column dicts) after the current head, in order."""
    head = await _locked_head(session)
    sequence, prev = head.sequence, head.hash
    for row, entry_legs in zip(rows, legs, strict=True):
        sequence += 1
        payload = canonical_bytes(
            sequence=sequence, kind=row["kind"], effective_date=row["effective_date"], posted_at=row["posted_at"],
            memo=row["memo"], metadata=row["metadata"], entered_by=row["entered_by"], approved_by=row.get("approved_by"),
            reversal_of_id=row.get("reversal_of_id"),
            postings=[(l.account_id, l.currency, l.amount) for l in entry_legs],
        )
        row["sequence"], row["prev_hash"], row["hash"] = sequence, prev, link(prev, payload)
        prev = row["hash"]
    head.sequence, head.hash = sequence, prev


async def post_pendings(session: AsyncSession, entry_ids: Sequence[int], actor: Actor) -> None:
    """Approve many pending entries at once, in the order given (the four-eyes rule holds for each)."""
    if not entry_ids:
        return
    entries: dict[int, JournalEntry] = {}
    for chunk in chunks(sorted(set(entry_ids))):
        rows = await session.execute(
            select(JournalEntry).where(JournalEntry.id.in_(chunk)).order_by(JournalEntry.id)
            .with_for_update().execution_options(populate_existing=True)
        )
        entries.update((e.id, e) for e in rows.scalars())
    legs: dict[int, list[Leg]] = defaultdict(list)
    for chunk in chunks(list(entries)):
        rows = await session.execute(
            select(Posting.entry_id, Posting.account_id, Posting.amount, Posting.currency)
            .where(Posting.entry_id.in_(chunk)).order_by(Posting.id)
        )
        for entry_id, a, m, c in rows:
            legs[entry_id].append(Leg(a, m, c))
    for entry_id in entry_ids:
        entry = entries.get(entry_id)
        if entry is None:
            raise NotFound(f"journal entry {entry_id} not found")
        if entry.status != EntryStatus.PENDING:
            raise Conflict(f"entry {entry_id} is {entry.status}; only a pending entry can be posted", field="status")
        if entry.entered_by == actor.user_id:
            raise Forbidden("four-eyes rule: you cannot approve an entry you entered yourself", field="approved_by")
    all_legs = [leg for entry_id in entry_ids for leg in legs[entry_id]]
    accounts = await _lock_accounts(session, all_legs)
    for leg in all_legs:
        _apply(accounts[leg.account_id], leg.amount, pending=True, sign=-1)
        _apply(accounts[leg.account_id], leg.amount, pending=False)
    _check_funds(accounts, all_legs)
    now = utcnow()
    rows = []
    for entry_id in entry_ids:
        e = entries[entry_id]
        rows.append(dict(id=e.id, kind=e.kind, effective_date=e.effective_date, posted_at=now, memo=e.memo,
                         metadata=e.meta, entered_by=e.entered_by, approved_by=actor.user_id,
                         reversal_of_id=e.reversal_of_id, status=EntryStatus.POSTED))
    await _chain_many(session, rows, [legs[i] for i in entry_ids])
    await session.flush()
    updates = [{k: r[k] for k in ("id", "status", "approved_by", "posted_at", "sequence", "prev_hash", "hash")}
               for r in rows]
    await session.execute(update(JournalEntry), updates)
    for e in entries.values():  # keep the identity map in step with the bulk update
        session.expire(e)

