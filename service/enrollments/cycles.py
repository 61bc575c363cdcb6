"""Payment cycles: a program's period computed from the enrollments' basis in force, as Polars columns.

The dry run reads the enrollments and basis lines of the program in two queries, works out each
household's basis on its basis date (the period's first day, or the enrollment's start if later),
prices every distinct basis once with the program's rule (compensation.rules, the only copy of it),
and lists the exceptions. The commit hands the payable lines to the compensation batch machinery as
one batch (pending entries reserving the fund), which then goes through the batch approval, bank
export, mark-paid and reconciliation like any uploaded batch.
"""

from __future__ import annotations

import calendar
import functools
import hashlib
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple, cast

import anyio
import polars as pl
from sqlalchemy import or_, select
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncSession

from service import bulk, money
from service.auth.actor import Actor
from service.compensation import batches, rules
from service.compensation.models import Payment, Program
from service.compensation.service import eligibility_problem, rule_of, visible_program
from service.db import utcnow
from service.enrollments.models import (
    BasisKind,
    BasisLine,
    ChangeRequest,
    ChangeStatus,
    Cycle,
    CycleLine,
    Enrollment,
)
from service.enrollments.schemas import (
    CycleException,
    CycleIn,
    CycleLineOut,
    CycleOut,
    CycleReport,
)
from service.errors import Conflict, InsufficientFunds, InvalidField, NotFound
from service.ledger import service as ledger
from service.parties.models import Party
from service.arrow import read_query

LINES_MAX = 500
RULE_TEXT_MAX = 300  # comp_payments.rule


@dataclass
class Plan:
    program: Program
    period: str
    start: date
    end: date
    frame: pl.DataFrame  # one row per enrollment in the cycle
    payees: dict[int, Payee]  # the households and their villages
    exceptions: list[CycleException] = field(default_factory=list)
    available: int = 0

    @property
    def payable(self) -> pl.DataFrame:
        return self.frame.filter(~pl.col("held"))

    @property
    def total(self) -> int:
        return int(self.payable["amount"].sum() or 0)

    @property
    def fund_short(self) -> bool:
        return self.total > self.available


def period_dates(period: str) -> tuple[date, date]:
    (y1, m1), (y2, m2) = rules.period_bounds(period)
    return date(y1, m1, 1), date(y2, m2, calendar.monthrange(y2, m2)[1])


async def plan(session: AsyncSession, actor: Actor, program_id: int, period: str) -> Plan:
    program = await visible_program(session, actor, program_id)
    if not actor.in_county(program.county_code):
        raise NotFound(f"program {program_id} not found")
    start, end = period_dates(period)
    enrolled, lines, people = await anyio.to_thread.run_sync(read_frames, session.bind.url, program.id, start, end)
    frame, changed, duplicates = basis_in_force(with_period_start(enrolled, start), lines, end)
    frame = _price(frame, program)
    payees = dict(zip(people["id"].to_list(), map(Payee._make, zip(*(people[c].to_list() for c in PAYEES))), strict=True))
    pending = set(await session.scalars(select(ChangeRequest.enrollment_id).where(
        ChangeRequest.program_id == program.id, ChangeRequest.status == ChangeStatus.PENDING)))
    taken = set(await session.scalars(select(Payment.payee_party_id).where(
        Payment.program_id == program.id, Payment.period == period, Payment.live_key.is_not(None))))
    p = Plan(program, period, start, end, frame, payees)
    _exceptions(p, changed, duplicates, pending, taken)
    p.available = (await ledger.get_account(session, program.fund_account_id)).available_balance
    if p.fund_short:
        c = program.currency
        p.exceptions.append(CycleException(
            enrollment_id=None, household_party_id=None, kind="fund_short", held=False,
            detail=f"the cycle needs {money.format(p.total, c)} and the program fund has {money.format(p.available, c)} "
                   f"available: fund the program before committing"))
    return p


ENROLLED = {"enrollment_id": pl.Int64, "party_id": pl.Int64, "start_date": pl.Date, "end_date": pl.Date}
LINES = {"enrollment_id": pl.Int64, "kind": pl.String, "key": pl.String, "area_centimu": pl.Int64,
         "quantity": pl.Int64, "valid_from": pl.Date, "valid_until": pl.Date}
PAYEES = {"id": pl.Int64, "name": pl.String, "kind": pl.String, "division_code": pl.String, "county_code": pl.String,
          "parent_id": pl.Int64, "bank_account_tail": pl.String}


def read_frames(url: URL, program_id: int, start: date, end: date) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """The program's enrollments, basis lines and households (with their villages) overlapping the
    period, as three plain reads through ADBC (Arrow): no Python object per row."""
    enrolled = select(Enrollment.id, Enrollment.household_party_id, Enrollment.start_date, Enrollment.end_date).where(
        Enrollment.program_id == program_id, Enrollment.start_date <= end,
        or_(Enrollment.end_date.is_(None), Enrollment.end_date > start))
    lines = select(BasisLine.enrollment_id, BasisLine.kind, BasisLine.key, BasisLine.area_centimu, BasisLine.quantity,
                   BasisLine.valid_from, BasisLine.valid_until).where(
        BasisLine.program_id == program_id, BasisLine.valid_from <= end,
        or_(BasisLine.valid_until.is_(None), BasisLine.valid_until > start))
    homes = select(Enrollment.household_party_id).where(Enrollment.program_id == program_id)
    villages = select(Party.parent_id).where(Party.id.in_(homes))
    payees = select(Party.id, Party.name, Party.kind, Party.division_code, Party.county_code, Party.parent_id,
                    Party.bank_account_tail).where(or_(Party.id.in_(homes), Party.id.in_(villages)))
    return (read_query(url, enrolled, ENROLLED).sort("enrollment_id"), read_query(url, lines, LINES),
            read_query(url, payees, PAYEES))


def basis_in_force(enrolled: pl.DataFrame, lines: pl.DataFrame, end: date) -> tuple[pl.DataFrame, set[int], dict[int, list[int]]]:
    """Each enrollment's basis on its basis date (`start_date`, see with_period_start); which enrollments' basis changes later in the period;
    which share a person with another household (enrollment -> the others)."""
    frame = enrolled.rename({"start_date": "basis_date"})
    joined = lines.join(frame.select("enrollment_id", "basis_date"), on="enrollment_id", how="inner")
    until, since, day = pl.col("valid_until"), pl.col("valid_from"), pl.col("basis_date")
    live = joined.filter((since <= day) & (until.is_null() | (until > day))).sort("enrollment_id", "key")
    changed = set(joined.filter(((since > day) & (since <= end)) | (until.is_not_null() & (until > day) & (until <= end)))
                  ["enrollment_id"].to_list())
    parcel, kind = pl.col("kind") == BasisKind.PARCEL, pl.col("kind")
    agg = live.group_by("enrollment_id", maintain_order=True).agg(
        area=pl.col("area_centimu").filter(parcel).sum(),
        persons=(kind == BasisKind.PERSON).sum().cast(pl.Int64),
        months=pl.col("quantity").filter(kind == BasisKind.MONTHS).sum(),
        parcels=pl.col("key").filter(parcel),
        parcel_areas=pl.col("area_centimu").filter(parcel),
    )
    frame = frame.join(agg, on="enrollment_id", how="left").with_columns(
        pl.col("area", "persons", "months").fill_null(0))
    people = live.filter(kind == BasisKind.PERSON).group_by("key").agg(pl.col("enrollment_id").unique())
    duplicates: dict[int, list[int]] = {}
    for ids in people.filter(pl.col("enrollment_id").list.len() > 1)["enrollment_id"].to_list():
        for eid in ids:
            duplicates.setdefault(eid, []).extend(sorted(set(ids) - {eid}))
    return frame, changed, duplicates


def with_period_start(enrolled: pl.DataFrame, start: date) -> pl.DataFrame:
    """The basis date: the period's first day, or the enrollment's start when it began later."""
    return enrolled.with_columns(start_date=pl.max_horizontal(pl.col("start_date"), pl.lit(start))).filter(
        pl.col("end_date").is_null() | (pl.col("end_date") > pl.col("start_date")))


def _price(frame: pl.DataFrame, program: Program) -> pl.DataFrame:
    """Every distinct basis priced once by the program's rule; a refusal becomes the line's exception."""
    rule = rule_of(program)
    distinct = frame.select("area", "persons", "months").unique()
    amounts: list[int | None] = []
    texts: list[str | None] = []
    errors: list[str | None] = []
    for area, persons, months in distinct.iter_rows():
        try:
            computed = rules.compute(rule, rules.Basis(area_centimu=area or None, persons=persons or None,
                                                       months=months or None))
            amount, text, error = computed.amount, computed.rule, None
        except InvalidField as exc:  # the rule's own words for why it gives nothing
            amount, text, error = None, None, exc.reason
        amounts.append(amount)
        texts.append(text)
        errors.append(error)
    priced = distinct.with_columns(amount=pl.Series(amounts, dtype=pl.Int64), rule=pl.Series(texts, dtype=pl.String),
                                   rule_error=pl.Series(errors, dtype=pl.String))
    return frame.join(priced, on=["area", "persons", "months"], how="left", nulls_equal=True)


class Payee(NamedTuple):
    """The columns of a household's Party row a cycle reads (and the batch commit: id, name, county_code).
    Plain rows rather than ORM objects: 100,000 of those cost seconds to build."""

    id: int
    name: str
    kind: str
    division_code: str | None
    county_code: str | None
    parent_id: int | None
    bank_account_tail: str | None


def division(p: Plan, party: Payee) -> str:
    village = p.payees.get(party.parent_id) if party.parent_id else None
    return party.division_code or (village.division_code if village else None) or party.county_code or ""


def _exceptions(p: Plan, changed: set[int], duplicates: dict[int, list[int]], pending: set[int], taken: set[int]) -> None:
    """Held households are left out of the batch; the others are paid and noted."""
    eligible: dict[tuple[str, str], tuple[str, str] | None] = {}
    held: list[bool] = []
    for eid, pid, error in p.frame.select("enrollment_id", "party_id", "rule_error").iter_rows():
        party = p.payees[pid]
        key = (party.kind, division(p, party))
        if key not in eligible:
            eligible[key] = eligibility_problem(p.program, cast(Party, party), key[1], p.period)
        found = [
            ("rule", True, error),
            ("ineligible", True, eligible[key][1] if eligible[key] else None),
            ("no_bank_account", True, None if party.bank_account_tail else "no bank account registered for the household"),
            ("duplicate_person", True, _dup_text(duplicates.get(eid))),
            ("already_paid", True, f"already has a payment under this program for {p.period}" if pid in taken else None),
            ("basis_changed_mid_period", False, "the basis changes during the period; this cycle pays the basis "
             "on its first day, the change counts from the next cycle" if eid in changed else None),
            ("pending_change_request", False, "a change request is waiting for approval" if eid in pending else None),
        ]
        hold = False
        for kind, holds, detail in found:
            if detail:
                p.exceptions.append(CycleException(enrollment_id=eid, household_party_id=pid, kind=kind, held=holds,
                                                   detail=detail))
                hold = hold or holds
        held.append(hold)
    p.frame = p.frame.with_columns(held=pl.Series(held, dtype=pl.Boolean))


def _dup_text(others: list[int] | None) -> str | None:
    if not others:
        return None
    return "a person of this household is also counted in enrollment(s) " + ", ".join(map(str, others[:5]))


# a cycle's amounts and parcel areas repeat (a few thousand distinct in 100,000 lines): each formatted once
_money = functools.lru_cache(maxsize=1 << 16)(money.format)
_area = functools.lru_cache(maxsize=1 << 16)(rules.format_area)


def explain(row: dict, currency: str) -> str:
    """'34.50 CNY per mu per year x 12.50 mu = 431.25 CNY; enrollment 7: parcels A 8.00 mu, B 4.50 mu'."""
    return _explain(row["rule"], row["amount"], row["enrollment_id"], row["parcels"], row["parcel_areas"], currency)


def _explain(rule: str, amount: int, enrollment_id: int, codes: list[str] | None, areas: list[int] | None,
             currency: str) -> str:
    text = f"{rule} = {_money(amount, currency)} {currency}; enrollment {enrollment_id}"
    if codes:
        parts = [f"{c} {_area(a)} mu" for c, a in zip(codes, areas or [], strict=True)]
        joined = ", ".join(parts)
        if len(text) + len(joined) + len(f" (+{len(parts)} more)") + 12 <= RULE_TEXT_MAX:
            # every part fits whatever the loop below would check: it would show them all (the common case)
            return f"{text}: parcels {joined}"[:RULE_TEXT_MAX]
        shown = ""
        for i, part in enumerate(parts):
            rest = f" (+{len(parts) - i} more)"
            if len(text) + len(shown) + len(part) + len(rest) + 12 > RULE_TEXT_MAX:
                shown += rest
                break
            shown += (", " if shown else "") + part
        text += f": parcels {shown}"
    return text[:RULE_TEXT_MAX]


def report(p: Plan, dry_run: bool, with_lines: bool | None = None, cycle: Cycle | None = None) -> CycleReport:
    c = p.program.currency
    if with_lines is None:
        with_lines = p.frame.height <= LINES_MAX
    lines = None
    if with_lines:
        lines = [
            CycleLineOut(enrollment_id=r["enrollment_id"], household_party_id=r["party_id"],
                         household=p.payees[r["party_id"]].name,
                         area_mu=rules.format_area(r["area"]) if r["area"] else None, persons=r["persons"] or None,
                         months=r["months"] or None, parcels=r["parcels"] or [],
                         amount=money.format(r["amount"], c) if r["amount"] is not None else None,
                         rule=explain(r, c) if r["amount"] is not None else None, held=r["held"])
            for r in p.frame.iter_rows(named=True)
        ]
    payable = p.payable.height
    return CycleReport(
        dry_run=dry_run, program_id=p.program.id, period=p.period, basis_date=p.start, enrolled=p.frame.height,
        payable=payable, held=p.frame.height - payable, total=money.format(p.total, c),
        available=money.format(p.available, c), ok=payable > 0 and not p.fund_short, exceptions=p.exceptions,
        lines=lines, cycle_id=cycle.id if cycle else None, batch_id=cycle.batch_id if cycle else None)


async def dry_run(session: AsyncSession, actor: Actor, data: CycleIn, with_lines: bool | None = None) -> CycleReport:
    return report(await plan(session, actor, data.program_id, data.period), dry_run=True, with_lines=with_lines)


async def commit(session: AsyncSession, actor: Actor, data: CycleIn, with_lines: bool | None = False) -> CycleReport:
    """Once per program and period: the payable households as one pending batch, or nothing."""
    prior = await session.scalar(select(Cycle).where(Cycle.program_id == data.program_id, Cycle.period == data.period))
    if prior is not None and actor.in_county(prior.county_code):
        raise Conflict(f"the {data.period} cycle of program {data.program_id} was already generated (cycle {prior.id}, "
                       f"batch {prior.batch_id}); a cycle is generated once", field="period", cycle_id=prior.id,
                       batch_id=prior.batch_id)
    # the program row is locked first: a change request approved meanwhile waits for this cycle (see service.decide)
    await session.execute(select(Program.id).where(Program.id == data.program_id).with_for_update())
    p = await plan(session, actor, data.program_id, data.period)
    if p.fund_short:
        raise InsufficientFunds(p.exceptions[-1].detail, field="program_id")
    if p.payable.height == 0:
        raise Conflict(f"no household is payable in the {data.period} cycle; see the dry run's exceptions",
                       field="program_id")
    payable = p.payable
    parcels = payable["parcels"].to_list()  # a Python list per row: made once, for the lines and the cycle lines
    rep, payment_ids = await batches.commit_with_ids(session, actor, _checked(p, payable, parcels), data.effective_date)
    cycle = Cycle(program_id=p.program.id, county_code=p.program.county_code, period=p.period, basis_date=p.start,
                  batch_id=rep.batch_id, paid_households=p.payable.height, held_households=p.frame.height - p.payable.height,
                  total=p.total, created_by=actor.user_id, created_at=utcnow())
    session.add(cycle)
    await session.flush()
    await _cycle_lines(session, payable, cycle, payment_ids, parcels)
    return report(p, dry_run=False, with_lines=with_lines, cycle=cycle)


def _checked(p: Plan, payable: pl.DataFrame, parcels: list[list[str] | None]) -> batches.Checked:
    """The batch lines of `payable` (`p.payable`; `parcels` its parcel codes column as a list)."""
    c, payees = p.program.currency, p.payees
    parties = [payees[pid] for pid in payable["party_id"].to_list()]
    villages = [payees.get(party.parent_id) if party.parent_id else None for party in parties]
    explained = [_explain(rule, amount, eid, codes, areas, c) for rule, amount, eid, codes, areas in zip(
        payable["rule"].to_list(), payable["amount"].to_list(), payable["enrollment_id"].to_list(), parcels,
        payable["parcel_areas"].to_list(), strict=True)]
    lines = payable.select(
        pl.int_range(1, pl.len() + 1).alias("row"),
        village=pl.Series([v.name if v else "" for v in villages], dtype=pl.String),
        household_head=pl.Series([party.name for party in parties], dtype=pl.String),
        payee_party_id="party_id",
        # a basis of 0 is no basis (rules.Basis holds None)
        **{name: pl.when(pl.col(src) != 0).then(src) for name, src in
           (("area_centimu", "area"), ("persons", "persons"), ("months", "months"))},
        category=pl.lit(None, pl.String), amount="amount", rule=pl.Series(explained, dtype=pl.String),
        bank_account_tail=pl.Series([party.bank_account_tail for party in parties], dtype=pl.String),
    ).cast(batches.LINE_SCHEMA)
    digest = hashlib.sha256(f"cycle:{p.program.id}:{p.period}".encode()).hexdigest()
    return batches.Checked(p.program, p.period, f"cycle {p.period}", digest, lines, [], p.available)


async def _cycle_lines(session: AsyncSession, payable: pl.DataFrame, cycle: Cycle, payment_ids: list[int],
                       parcels: list[list[str] | None]) -> None:
    """One line per paid household (`payable`, `parcels` its parcel codes); `payment_ids` are the
    batch's payments, in the same order."""
    lines = payable.select("enrollment_id", "area", "persons", "months")
    nonzero = lambda name: [v or None for v in lines[name].to_list()]  # noqa: E731  (0 is "not this basis")
    await bulk.insert_columns(session, CycleLine.__table__, {  # columns straight to the driver (service/bulk.py)
        "cycle_id": [cycle.id] * lines.height, "enrollment_id": lines["enrollment_id"].to_list(),
        "payment_id": payment_ids, "area_centimu": nonzero("area"),
        "persons": nonzero("persons"), "months": nonzero("months"),
        "parcels": [v or [] for v in parcels]})


def cycle_out(c: Cycle) -> CycleOut:
    return CycleOut(id=c.id, program_id=c.program_id, county_code=c.county_code, period=c.period,
                    basis_date=c.basis_date, batch_id=c.batch_id, paid_households=c.paid_households,
                    held_households=c.held_households, total=money.format(c.total), created_by=c.created_by,
                    created_at=c.created_at)

