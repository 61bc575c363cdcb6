"""The one door into the journal. Every money movement in the service goes through here.

Rules kept here (DESIGN.md, "The ledger core"): double entry per currency, append-only (posted
entries are never changed; pending ones are posted or voided once), no negative funds (checked
after locking the accounts, counting reservations), hash-chained sequence numbers, attribution.
Accounts are locked in id order and the chain head last, so concurrent writers cannot deadlock.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached, selectinload
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from service import bulk, money
from service.auth.actor import Actor
from service.db import canonical_json, utcnow
from service.driver import Driver, as_loaded, fixed, load_one
from service.ledger import dimensions
from service.errors import Conflict, Forbidden, InsufficientFunds, InvalidField, NotFound
from service.ledger.chain import canonical_bytes, canonical_many, json_value, link
from service.ledger.models import (
    GENESIS_HASH,
    Account,
    AccountKind,
    EntryStatus,
    JournalEntry,
    LedgerHead,
    Posting,
    Side,
    Totals,
)

MAX_LEGS = 10_000
T = TypeVar("T")


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
    return await load_one(session, Account, "by_code", lambda: select(Account).where(Account.code == bindparam("v_code")),
                          {"v_code": code})


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


@dataclass
class Locked(Totals):
    """An account row locked by this transaction: its totals, changed here and written back once."""

    id: int
    code: str
    name: str
    currency: str
    normal_side: str
    may_go_negative: bool
    debits_posted: int
    credits_posted: int
    debits_pending: int
    credits_pending: int


_ACCOUNTS = Account.__table__
_LOCK_COLUMNS = [_ACCOUNTS.c[name] for name in Locked.__dataclass_fields__]
_TOTALS = ("debits_posted", "credits_posted", "debits_pending", "credits_pending")


FEW = 64  # accounts, entries: up to this many go through the driver's fixed statements (service/driver.py)


_LOCK_MANY = (f"SELECT {', '.join(c.name for c in _LOCK_COLUMNS)} FROM accounts WHERE id{{ids}} ORDER BY id"
              " FOR UPDATE")


def _lock_query(where: Any) -> Any:
    return select(*_LOCK_COLUMNS).where(where).order_by(_ACCOUNTS.c.id).with_for_update()


async def _lock_accounts(session: AsyncSession, legs: Sequence[Leg]) -> dict[int, Locked]:
    """Lock every account the legs touch in one statement, in id order: every writer locks in the same
    order, so two writers wait for each other instead of deadlocking. Only the ledger locks accounts."""
    ids = sorted({leg.account_id for leg in legs})
    accounts: dict[int, Locked] = {}
    if len(ids) <= FEW:  # a request's entry: one statement compiled once per number of accounts
        driver = await Driver.of(session)
        stmt = fixed(driver.dialect, ("lock_accounts", len(ids)), lambda: _lock_query(
            _ACCOUNTS.c.id.in_([bindparam(f"a{i}") for i in range(len(ids))])))
        rows = await driver.rows(stmt, {f"a{i}": account_id for i, account_id in enumerate(ids)})
        accounts.update((r[0], Locked(*r)) for r in rows)
    if len(ids) > FEW:  # a batch: one statement, straight from the driver
        accounts.update((r[0], Locked(*r)) for r in await bulk.fetch_in(session, _LOCK_MANY, ids))
    for i, leg in enumerate(legs):
        account = accounts.get(leg.account_id)
        if account is None:
            raise InvalidField(f"postings[{i}].account_id", f"unknown account {leg.account_id}")
        if account.currency != leg.currency:
            raise InvalidField(
                f"postings[{i}].currency", f"account {account.code} holds {account.currency}, not {leg.currency}"
            )
    return accounts


async def _save_totals(session: AsyncSession, accounts: dict[int, Locked]) -> None:
    """Write the locked accounts' new totals back (one executemany), and into any Account object the
    session already holds, so that a read later in this transaction sees them."""
    if not accounts:
        return
    if len(accounts) > FEW:
        await _save_many_totals(session, accounts)
        return
    driver = await Driver.of(session)
    stmt = fixed(driver.dialect, "save_totals", lambda: update(_ACCOUNTS).where(_ACCOUNTS.c.id == bindparam("_id"))
                 .values({name: bindparam(f"_{name}") for name in _TOTALS}))
    await driver.run_many(stmt, [{"_id": a.id, **{f"_{n}": getattr(a, n) for n in _TOTALS}}
                                 for a in accounts.values()])
    for a in accounts.values():
        _sync(session, Account, a.id, {n: getattr(a, n) for n in _TOTALS})


async def _save_many_totals(session: AsyncSession, accounts: dict[int, Locked]) -> None:
    held = list(accounts.values())
    await bulk.update_columns(session, _ACCOUNTS, {"id": [a.id for a in held],
                                                   **{n: [getattr(a, n) for a in held] for n in _TOTALS}})
    _sync_many(session, Account, {a.id: {n: getattr(a, n) for n in _TOTALS} for a in held})


def _sync_many(session: AsyncSession, model: Any, changes: Mapping[int, Mapping[str, Any]]) -> None:
    """`_sync` for many rows: a walk over the few objects the session holds, not a look-up per row."""
    identity_map = session.sync_session.identity_map
    for key in list(identity_map.keys()):
        if key[0] is model and key[1][0] in changes:
            for name, value in changes[key[1][0]].items():
                set_committed_value(identity_map[key], name, value)


def _sync(session: AsyncSession, model: Any, row_id: int, values: dict[str, Any]) -> None:
    held = session.sync_session.identity_map.get(identity_key(model, (row_id,)))
    if held is not None:
        for name, value in values.items():
            set_committed_value(held, name, value)


def _decreases(account: Totals, amount: int) -> bool:
    return (amount > 0) == (account.normal_side == Side.CREDIT)


def _apply(account: Totals, amount: int, *, pending: bool, sign: int = 1) -> None:
    if pending:
        if amount > 0:
            account.debits_pending += sign * amount
        else:
            account.credits_pending += sign * -amount
    elif amount > 0:
        account.debits_posted += sign * amount
    else:
        account.credits_posted += sign * -amount


def _check_funds(accounts: dict[int, Locked], legs: Sequence[Leg]) -> None:
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


# --- the chain -------------------------------------------------------------------------------

_HEAD = LedgerHead.__table__


def chain_payload(row: Mapping[str, Any], postings: Iterable[tuple[int, str, int]]) -> bytes:
    """The chain payload of an entry, from its column values (`metadata`, not the model's `meta`).
    The one place that says which fields the hash covers; `verify` recomputes it with the same."""
    return canonical_bytes(
        sequence=row["sequence"], kind=row["kind"], effective_date=row["effective_date"], posted_at=row["posted_at"],
        memo=row["memo"], metadata=row["metadata"], entered_by=row["entered_by"], approved_by=row.get("approved_by"),
        reversal_of_id=row.get("reversal_of_id"), postings=postings,
    )


def entry_bytes(entry: Any, postings: Sequence[tuple[int, str, int]]) -> bytes:
    """The chain payload of an entry given as a JournalEntry, or a row with the same attribute names."""
    assert entry.sequence is not None and entry.posted_at is not None
    return chain_payload(
        {"sequence": entry.sequence, "kind": entry.kind, "effective_date": entry.effective_date,
         "posted_at": entry.posted_at, "memo": entry.memo, "metadata": entry.meta, "entered_by": entry.entered_by,
         "approved_by": entry.approved_by, "reversal_of_id": entry.reversal_of_id}, postings)


async def _chain(session: AsyncSession, rows: list[dict[str, Any]], legs: Sequence[Sequence[Leg]]) -> None:
    """Give newly posted entries (column dicts) the next sequence numbers and hashes, in order.
    The head row is locked last (after the accounts): whoever holds it is the only one numbering.
    A batch's payloads are encoded together (`chain.canonical_many`: what the entries share, once)."""
    driver = await Driver.of(session)
    lock = fixed(driver.dialect, "lock_head",
                 lambda: select(_HEAD.c.sequence, _HEAD.c.hash).where(_HEAD.c.id == 1).with_for_update())
    head = next(iter(await driver.rows(lock, {})), None)
    if head is None:  # a database created without the genesis row (migration 0002 inserts it)
        await session.execute(insert(_HEAD).values(id=1, sequence=0, hash=GENESIS_HASH))
        head = (0, GENESIS_HASH)
    sequence, prev = head
    for row in rows:
        sequence += 1
        row["sequence"] = sequence
    postings = [[(l.account_id, l.currency, l.amount) for l in entry_legs] for entry_legs in legs]
    payloads = (canonical_many(rows, postings) if len(rows) > FEW
                else [chain_payload(row, p) for row, p in zip(rows, postings, strict=True)])
    for row, payload in zip(rows, payloads, strict=True):
        row["prev_hash"] = prev
        row["hash"] = prev = link(prev, payload)
    save = fixed(driver.dialect, "save_head", lambda: update(_HEAD).where(_HEAD.c.id == 1)
                 .values(sequence=bindparam("s"), hash=bindparam("h")))
    await driver.rows(save, {"s": sequence, "h": prev})
    _sync(session, LedgerHead, 1, {"sequence": sequence, "hash": prev})


# --- writing entries: `record_entries` and `post_pendings` are the only writers ----------------


@dataclass(frozen=True)
class EntrySpec:
    """One entry to write: the fields `record_entry` takes."""

    kind: str
    legs: Sequence[Leg]
    effective_date: date | None = None
    memo: str = ""
    metadata: dict[str, Any] | None = None
    reversal_of_id: int | None = None


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
    """Write one balanced entry: posted now, or pending (reserving the funds it will move).

    Returns it with its postings loaded."""
    spec = EntrySpec(kind, legs, effective_date, memo, metadata, reversal_of_id)
    [row] = await _write_entries(session, [spec], [actor], pending)
    return _held_entry(session, row, legs)


async def record_entries_each(
    session: AsyncSession, specs: Sequence[EntrySpec], actors: Sequence[Actor], *, pending: bool = False
) -> list[JournalEntry]:
    """`record_entry` for many requests written together (a group commit): each entry by its own actor,
    its funds checked against the balances the entries before it left (as if written one after
    another), numbered in order. Any refusal raises and nothing is written.

    The entries returned are what was written, for the responses: the session does not hold them
    (nothing later in a group's transaction changes them, and holding them cost a tenth of its CPU)."""
    out: list[JournalEntry] = []
    for i in range(0, len(specs), FEW):
        part = specs[i:i + FEW]
        rows = await _write_entries(session, part, actors[i:i + FEW], pending, check_each=True)
        out += [_written_entry(row, spec.legs) for row, spec in zip(rows, part, strict=True)]
    return out


def _written_entry(row: dict[str, Any], legs: Sequence[Leg]) -> JournalEntry:
    """The entry just written with its postings, as if just loaded (no SQL), not held by a session."""
    entry = _loaded_entry(row)
    entry.__dict__["postings"] = _loaded_postings(row, legs)
    return entry


def _held_entry(session: AsyncSession, row: dict[str, Any], legs: Sequence[Leg]) -> JournalEntry:
    """The entry just written, held by the session as if just loaded (no SQL): a later post_pending or
    change in this transaction updates this very object. The postings are attached after `add`, so
    nothing cascades."""
    entry = _loaded_entry(row)
    make_transient_to_detached(entry)
    session.add(entry)
    set_committed_value(entry, "postings", _loaded_postings(row, legs))
    return entry


def _loaded_entry(row: dict[str, Any]) -> JournalEntry:
    return as_loaded(JournalEntry, {"approved_by": None, "voided_by": None, "voided_at": None, "void_reason": None,
                                    **{("meta" if k == "metadata" else k): v for k, v in row.items()}})


def _loaded_postings(row: dict[str, Any], legs: Sequence[Leg]) -> list[Posting]:
    return [as_loaded(Posting, {"entry_id": row["id"], "account_id": l.account_id, "currency": l.currency,
                                "amount": l.amount}) for l in legs]


async def record_entries(
    session: AsyncSession, specs: Sequence[EntrySpec], *, actor: Actor | Sequence[Actor], pending: bool = False
) -> list[int]:
    """Write many balanced entries in one go, with the same rules as `record_entry`; `actor` is the
    one who enters them all, or each entry's own (requests written together by a group commit).

    Accounts are locked once (in id order), all amounts applied, then funds are checked once: if
    the whole set would take a fund below zero, nothing is written. Posted entries are chained in
    the order given. Returns the new entry ids in that order.
    """
    actors = [actor] * len(specs) if isinstance(actor, Actor) else list(actor)
    if len(actors) != len(specs):
        raise ValueError(f"{len(specs)} entries, {len(actors)} actors")
    if len(specs) > FEW:
        return await _write_many(session, specs, actors, pending)
    return [row["id"] for row in await _write_entries(session, specs, actors, pending)]


async def _write_many(session: AsyncSession, specs: Sequence[EntrySpec], actors: Sequence[Actor],
                      pending: bool) -> list[int]:
    """`record_entries` for a batch: the same rules and rows as `_write_entries`, written as columns
    (service/bulk.py): each entry's metadata serialised once, its ids reserved, no per-row SQL."""
    for spec in specs:
        _validate(spec.legs)
    all_legs = [leg for spec in specs for leg in spec.legs]
    accounts = await _lock_accounts(session, all_legs)
    for leg in all_legs:
        _apply(accounts[leg.account_id], leg.amount, pending=pending)
    _check_funds(accounts, all_legs)
    await _save_totals(session, accounts)
    now, n = utcnow(), len(specs)
    today = now.date()  # one object: a column with one value for every row is sent once (service/bulk.py)
    texts = json_texts([s.metadata or {} for s in specs])
    # posted entries are hashed with their metadata as a reader will see it (JSON round trip); the
    # dimensions read the same from either (a tuple and its list print alike)
    metas = [json.loads(t) for t in texts] if not pending else [s.metadata or {} for s in specs]
    columns: dict[str, list[Any]] = {
        "kind": [s.kind for s in specs], "effective_date": [s.effective_date or today for s in specs],
        "posted_at": [None if pending else now] * n, "memo": [s.memo for s in specs],
        "entered_by": [a.user_id for a in actors], "reversal_of_id": [s.reversal_of_id for s in specs]}
    chained: dict[str, list[Any]] = {"sequence": [None] * n, "prev_hash": [None] * n, "hash": [None] * n}
    if not pending:  # only posted entries join the chain: as column dicts, the form `_chain` takes
        rows = [{**{k: v[i] for k, v in columns.items()}, "metadata": m} for i, m in enumerate(metas)]
        await _chain(session, rows, [s.legs for s in specs])
        chained = {k: [r[k] for r in rows] for k in chained}
    ids = await bulk.reserve_ids(session, _ENTRIES, n)
    await bulk.insert_columns(session, _ENTRIES, {
        "id": ids, **columns,
        "status": [(EntryStatus.PENDING if pending else EntryStatus.POSTED).value] * n, "recorded_at": [now] * n,
        "metadata": texts, "request_id": [a.request_id for a in actors], **chained,
        **dimension_columns(metas),
    }, raw=("metadata",))
    # one list per column (not `zip(*rows)` over 200,000 rows: that transposes through 200,000 iterators)
    entry_ids = [entry_id for entry_id, spec in zip(ids, specs, strict=True) for _ in spec.legs]
    account_ids = [l.account_id for spec in specs for l in spec.legs]
    currencies = [l.currency for spec in specs for l in spec.legs]
    amounts = [l.amount for spec in specs for l in spec.legs]
    await bulk.insert_columns(session, _POSTINGS, {
        "entry_id": entry_ids, "account_id": account_ids, "currency": currencies, "amount": amounts})
    return ids


def json_texts(docs: Sequence[Mapping[str, Any]]) -> list[str]:
    """`canonical_json(doc)` of each document, the same text. A batch's metadata documents share
    their keys and most of their values (program, period, county, batch): then the text is one
    template, each shared value encoded once and only the others per document."""
    first = docs[0] if docs else None
    if not first or type(first) is not dict or not all(type(k) is str for k in first):
        return [canonical_json(d) for d in docs]
    keys = first.keys()
    if not all(type(d) is dict and d.keys() == keys for d in docs):
        return [canonical_json(d) for d in docs]
    parts: list[str] = []
    varying: list[list[str]] = []
    for key in sorted(keys):
        values = [d[key] for d in docs]
        one = values[0]
        if all(v is one for v in values):
            parts.append(f"{canonical_json(key)}:{canonical_json(one)}".replace("%", "%%"))
        else:
            parts.append(canonical_json(key).replace("%", "%%") + ":%s")
            varying.append([json_value(v) for v in values])
    template = "{" + ",".join(parts) + "}"
    if not varying:
        return [template.replace("%%", "%")] * len(docs)
    return [template % row for row in zip(*varying, strict=True)]


def dimension_columns(metas: Sequence[Mapping[str, Any]]) -> dict[str, list[Any]]:
    """`dimensions.columns` for many entries, a column at a time (a key no entry has costs one pass)."""
    out: dict[str, list[Any]] = {}
    for col, key in dimensions.COLUMNS.items():
        values = [m.get(key) for m in metas]
        read = dimensions.as_text if col in dimensions.TEXT else dimensions.as_number
        same = str if col in dimensions.TEXT else int  # the common case, kept as it is without a call
        out[col] = [None if v is None else v if type(v) is same and (same is str or -dimensions.INT64 <= v < dimensions.INT64)
                    else read(v) for v in values]
    return out


async def _write_entries(
    session: AsyncSession, specs: Sequence[EntrySpec], actors: Sequence[Actor], pending: bool, *,
    check_each: bool = False,
) -> list[dict[str, Any]]:
    """`check_each`: funds checked after each entry (requests of a group), not once for the set (a batch)."""
    if not specs:
        return []
    for spec in specs:
        _validate(spec.legs)
    all_legs = [leg for spec in specs for leg in spec.legs]
    accounts = await _lock_accounts(session, all_legs)
    for spec in specs if check_each else []:
        for leg in spec.legs:
            _apply(accounts[leg.account_id], leg.amount, pending=pending)
        _check_funds(accounts, spec.legs)
    for leg in [] if check_each else all_legs:
        _apply(accounts[leg.account_id], leg.amount, pending=pending)
    _check_funds(accounts, all_legs)
    await _save_totals(session, accounts)
    now = utcnow()
    rows = [
        dict(kind=s.kind, status=EntryStatus.PENDING if pending else EntryStatus.POSTED,
             effective_date=s.effective_date or now.date(), recorded_at=now, posted_at=None if pending else now,
             memo=s.memo, metadata=json.loads(json.dumps(s.metadata or {}, sort_keys=True)),
             entered_by=actor.user_id, request_id=actor.request_id, reversal_of_id=s.reversal_of_id,
             sequence=None, prev_hash=None, hash=None)
        for s, actor in zip(specs, actors, strict=True)
    ]
    if not pending:
        await _chain(session, rows, [s.legs for s in specs])
    ids = await _insert_entries(session, rows)
    for row, entry_id in zip(rows, ids, strict=True):
        row["id"] = entry_id
    driver = await Driver.of(session)
    add_postings = fixed(driver.dialect, "insert_postings", lambda: insert(_POSTINGS).values(
        {c: bindparam(f"v_{c}") for c in _POSTING_COLUMNS}))
    await driver.run_many(add_postings, [
        dict(v_entry_id=row["id"], v_account_id=l.account_id, v_currency=l.currency, v_amount=l.amount)
        for row, spec in zip(rows, specs, strict=True) for l in spec.legs
    ])
    return rows


_POSTING_COLUMNS = ("entry_id", "account_id", "currency", "amount")


async def _insert_entries(session: AsyncSession, rows: list[dict[str, Any]]) -> list[int]:
    """Insert new entries, their report dimensions filled from the metadata; their ids in order."""
    if len(rows) > 1:  # dimensions computed once per row (the column defaults would decode them once per column)
        return await bulk.insert_with_ids(session, JournalEntry, [{**r, **dimensions.columns(r["metadata"])}
                                                                  for r in rows])
    driver = await Driver.of(session)
    names = [*rows[0], *dimensions.COLUMNS]
    stmt = fixed(driver.dialect, ("insert_entry", tuple(names)), lambda: insert(_ENTRIES).values(
        {n: bindparam(f"v_{n}") for n in names}).returning(_ENTRIES.c.id))
    [[entry_id]] = await driver.rows(stmt, {f"v_{k}": v for k, v in
                                            {**rows[0], **dimensions.columns(rows[0]["metadata"])}.items()})
    return [entry_id]


_ENTRIES = JournalEntry.__table__
_POSTINGS = Posting.__table__


_PENDING_SQL = ("SELECT id, kind, status, effective_date, memo, metadata, entered_by, reversal_of_id FROM journal_entries"
                " WHERE id{ids} ORDER BY id FOR UPDATE")
_LEGS_SQL = "SELECT entry_id, account_id, amount, currency FROM postings WHERE entry_id{ids} ORDER BY id"


async def _pending_entries(
    session: AsyncSession, entry_ids: Sequence[int], approvers: Mapping[int, Actor] | None
) -> tuple[dict[int, dict[str, Any]], dict[int, list[Leg]]]:
    """The entries (column dicts), locked (in id order), with their legs; each must exist and still be
    pending, and (to be posted: `approvers`, entry id -> who approves it) not be approved by whoever
    entered it. Read straight from the driver, one statement each however many entries."""
    ids = sorted(set(entry_ids))
    entries: dict[int, dict[str, Any]] = {}
    for i, kind, status, day, memo, meta, entered_by, reversal_of_id in await bulk.fetch_in(session, _PENDING_SQL, ids):
        entries[i] = dict(id=i, kind=kind, status=status, memo=memo, entered_by=entered_by,
                          reversal_of_id=reversal_of_id, effective_date=date.fromisoformat(day) if isinstance(day, str) else day,
                          metadata=json.loads(meta) if isinstance(meta, str) else meta)
    legs: dict[int, list[Leg]] = defaultdict(list)
    for entry_id, a, m, c in await bulk.fetch_in(session, _LEGS_SQL, list(entries)):
        legs[entry_id].append(Leg(a, m, c))
    verb = "posted" if approvers is not None else "voided"
    for entry_id in entry_ids:
        entry = entries.get(entry_id)
        if entry is None:
            raise NotFound(f"journal entry {entry_id} not found")
        if entry["status"] != EntryStatus.PENDING:
            raise Conflict(f"entry {entry_id} is {entry['status']}; only a pending entry can be {verb}", field="status")
        if approvers is not None and entry["entered_by"] == approvers[entry_id].user_id:
            raise Forbidden("four-eyes rule: you cannot approve an entry you entered yourself", field="approved_by")
    return entries, legs


async def _update_entries(session: AsyncSession, changes: list[dict[str, Any]]) -> None:
    """Write the entries' new status columns (one executemany) and into any object the session holds."""
    names = [k for k in changes[0] if k != "id"]
    if len(changes) > FEW:
        await bulk.update_columns(session, _ENTRIES, {n: [c[n] for c in changes] for n in ("id", *names)})
    else:
        driver = await Driver.of(session)
        stmt = fixed(driver.dialect, ("update_entries", tuple(names)), lambda: update(_ENTRIES).where(
            _ENTRIES.c.id == bindparam("_id")).values({n: bindparam(f"_{n}") for n in names}))
        await driver.run_many(stmt, [{"_id": c["id"], **{f"_{n}": c[n] for n in names}} for c in changes])
    _sync_many(session, JournalEntry, {c["id"]: {n: c[n] for n in names} for c in changes})


async def post_pendings(session: AsyncSession, entry_ids: Sequence[int], actor: Actor | Sequence[Actor]) -> None:
    """Approve pending entries, in the order given: each reservation becomes a posting and the entry
    joins the chain. A second person must do it (the four-eyes rule holds for each). `actor`: the one
    who approves them all, or each entry's own (approvals written together by a group commit)."""
    if not entry_ids:
        return
    actors = [actor] * len(entry_ids) if isinstance(actor, Actor) else list(actor)
    if len(actors) != len(entry_ids) or len(set(entry_ids)) != len(entry_ids):
        raise ValueError("one approver for each entry, and each entry once")
    by = dict(zip(entry_ids, actors, strict=True))
    entries, legs = await _pending_entries(session, entry_ids, by)
    all_legs = [leg for entry_id in entry_ids for leg in legs[entry_id]]
    accounts = await _lock_accounts(session, all_legs)
    for leg in all_legs:
        _apply(accounts[leg.account_id], leg.amount, pending=True, sign=-1)
        _apply(accounts[leg.account_id], leg.amount, pending=False)
    _check_funds(accounts, all_legs)
    await _save_totals(session, accounts)
    now = utcnow()
    rows = [dict(entries[i], posted_at=now, approved_by=by[i].user_id, status=EntryStatus.POSTED.value)
            for i in entry_ids]
    await _chain(session, rows, [legs[i] for i in entry_ids])
    await _update_entries(session, [{k: r[k] for k in ("id", "status", "approved_by", "posted_at", "sequence",
                                                       "prev_hash", "hash")} for r in rows])


async def post_pending(session: AsyncSession, entry_id: int, actor: Actor) -> JournalEntry:
    """Approve one pending entry (see `post_pendings`); returns it, as the session now holds it."""
    await post_pendings(session, [entry_id], actor)
    return await _held(session, entry_id)


async def void_pendings(session: AsyncSession, entry_ids: Sequence[int], actor: Actor, reason: str) -> None:
    """Reject pending entries: their reservations are released and they never reach the chain."""
    if not reason.strip():
        raise InvalidField("reason", "say why the entry is voided")
    if not entry_ids:
        return
    _, legs = await _pending_entries(session, entry_ids, None)
    all_legs = [leg for entry_id in entry_ids for leg in legs[entry_id]]
    accounts = await _lock_accounts(session, all_legs)
    for leg in all_legs:
        _apply(accounts[leg.account_id], leg.amount, pending=True, sign=-1)
    await _save_totals(session, accounts)
    now = utcnow()
    await _update_entries(session, [dict(id=i, status=EntryStatus.VOIDED.value, voided_by=actor.user_id, voided_at=now,
                                         void_reason=reason) for i in entry_ids])


async def void_pending(session: AsyncSession, entry_id: int, actor: Actor, reason: str) -> JournalEntry:
    """Reject one pending entry (see `void_pendings`)."""
    await void_pendings(session, [entry_id], actor, reason)
    return await _held(session, entry_id)


async def _held(session: AsyncSession, entry_id: int) -> JournalEntry:
    held = session.sync_session.identity_map.get(identity_key(JournalEntry, (entry_id,)))
    if held is not None:
        return held  # type: ignore[no-any-return]
    return (await session.execute(select(JournalEntry).where(JournalEntry.id == entry_id))).scalar_one()


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


