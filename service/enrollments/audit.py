"""The audit's checks on cycle payments: a parcel paid twice in one period, and a payment whose basis
differs from the enrollment's basis in force on the cycle's basis date (a back-dated change, or a row
edited behind the service's back). The reports domain reads entry metadata only; these checks need
the enrollment tables, so they live here and the audit report adds their findings."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from service import money
from service.compensation import rules
from service.compensation.models import Payment, PaymentStatus
from service.enrollments.cycles import LINES, basis_in_force
from service.enrollments.models import BasisLine, Cycle, CycleLine, Enrollment
from service.ledger.models import JournalEntry

CHECK_NAMES = ("parcel_paid_twice", "basis_differs_from_enrollment")
LIVE = (PaymentStatus.PENDING, PaymentStatus.APPROVED, PaymentStatus.PAID)


async def findings(session: AsyncSession, up_to_sequence: int | None = None) -> list[dict[str, Any]]:
    q = (select(Cycle.id, Cycle.county_code, Cycle.period, Cycle.basis_date, Cycle.program_id, CycleLine.enrollment_id,
                CycleLine.parcels, Payment.id, Payment.amount, Payment.area_centimu, Payment.persons, Payment.months,
                JournalEntry.sequence, Enrollment.start_date, Enrollment.household_party_id)
         .join(CycleLine, CycleLine.cycle_id == Cycle.id).join(Payment, Payment.id == CycleLine.payment_id)
         .join(JournalEntry, JournalEntry.id == Payment.entry_id).join(Enrollment, Enrollment.id == CycleLine.enrollment_id)
         .where(Payment.status.in_(LIVE)))
    if up_to_sequence is not None:  # a pending payment has no sequence yet: it reserves money and is checked too
        q = q.where(or_(JournalEntry.sequence.is_(None), JournalEntry.sequence <= up_to_sequence))
    rows = (await session.execute(q)).all()
    if not rows:
        return []
    paid = pl.DataFrame([tuple(r) for r in rows], orient="row", schema={
        "cycle_id": pl.Int64, "county": pl.String, "period": pl.String, "basis_date": pl.Date, "program_id": pl.Int64,
        "enrollment_id": pl.Int64, "parcels": pl.List(pl.String), "payment_id": pl.Int64, "amount": pl.Int64,
        "area": pl.Int64, "persons": pl.Int64, "months": pl.Int64, "sequence": pl.Int64, "start_date": pl.Date,
        "party_id": pl.Int64})
    return _twice(paid) + await _differs(session, paid)


def _twice(paid: pl.DataFrame) -> list[dict[str, Any]]:
    groups = (paid.explode("parcels").drop_nulls("parcels")
              .group_by("county", "period", "parcels").agg(pl.col("sequence").sort(), pl.col("payment_id"),
                                                           pl.col("amount").sum())
              .filter(pl.col("payment_id").list.len() > 1).sort("county", "period", "parcels"))
    return [{"check": "parcel_paid_twice",
             "detail": f"parcel {r['parcels']} is paid by {len(r['payment_id'])} payments for period {r['period']}",
             "sequences": [s for s in r["sequence"] if s is not None], "amount": money.format(r["amount"]),
             "facts": {"parcel_code": r["parcels"], "period": r["period"], "payment_ids": list(r["payment_id"])}}
            for r in groups.iter_rows(named=True)]


async def _differs(session: AsyncSession, paid: pl.DataFrame) -> list[dict[str, Any]]:
    out = []
    for (cycle_id,), rows in paid.group_by("cycle_id", maintain_order=True):
        day: date = rows["basis_date"][0]
        ids = rows["enrollment_id"].to_list()
        lines = (await session.execute(select(
            BasisLine.enrollment_id, BasisLine.kind, BasisLine.key, BasisLine.area_centimu, BasisLine.quantity,
            BasisLine.valid_from, BasisLine.valid_until).where(BasisLine.program_id == rows["program_id"][0]))).all()
        enrolled = rows.select("enrollment_id", "party_id", pl.max_horizontal("start_date", pl.lit(day)).alias("start_date"),
                               pl.lit(None, dtype=pl.Date).alias("end_date"))
        frame, _, _ = basis_in_force(enrolled, pl.DataFrame(lines, schema=LINES, orient="row"), day)
        joined = rows.join(frame.select("enrollment_id", pl.col("area").alias("in_area"),
                                        pl.col("persons").alias("in_persons"), pl.col("months").alias("in_months")),
                           on="enrollment_id", how="left")
        for r in joined.iter_rows(named=True):
            then = (r["area"] or 0, r["persons"] or 0, r["months"] or 0)
            now = (r["in_area"] or 0, r["in_persons"] or 0, r["in_months"] or 0)
            if then != now and r["enrollment_id"] in ids:
                out.append({"check": "basis_differs_from_enrollment",
                            "detail": f"payment {r['payment_id']} (cycle {cycle_id}, {r['period']}) paid "
                                      f"{_basis(then)}; enrollment {r['enrollment_id']} had {_basis(now)} on {day}",
                            "sequences": [r["sequence"]] if r["sequence"] else [], "amount": money.format(r["amount"]),
                            "facts": {"payment_id": r["payment_id"], "enrollment_id": r["enrollment_id"]}})
    return out


def _basis(b: tuple[int, int, int]) -> str:
    area, persons, months = b
    return f"{rules.format_area(area)} mu, {persons} persons, {months} months"
