"""Random ledgers for the report properties: counties, villages, households, payments (some reversed
later, some to village committees or organisations), as the postings frame the reports read, with the
truth worked out separately in plain Python."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date

from hypothesis import strategies as st

from service.reports import transforms as t
from service.reports.journal import build_frame

COUNTIES = ["360001", "360002", "360003"]
GENDERS = ["female", "male", None]


@dataclass(frozen=True)
class Payment:
    recipient: int  # party id
    county: str
    program: str | None
    trust: str | None
    period: str
    day: date
    amount: int
    reversed_on: date | None


@dataclass
class Ledger:
    parties: dict[int, dict] = field(default_factory=dict)  # id -> kind, county, village, gender
    payments: list[Payment] = field(default_factory=list)
    funding: dict[str, int] = field(default_factory=dict)

    def frame(self):
        return t.enrich(build_frame(_rows(self)))


@st.composite
def ledgers(draw) -> Ledger:
    led = Ledger()
    counties = COUNTIES[: draw(st.integers(1, 3))]
    villages = []
    for i, c in enumerate(counties):
        for j in range(draw(st.integers(1, 2))):
            vid = 100 + 10 * i + j
            led.parties[vid] = {"kind": "community", "county": c, "village": vid, "gender": None}
            villages.append(vid)
    for h in range(draw(st.integers(1, 30))):
        vid = draw(st.sampled_from(villages))
        led.parties[200 + h] = {"kind": "household", "county": led.parties[vid]["county"], "village": vid,
                                "gender": draw(st.sampled_from(GENDERS))}
    for c in counties:
        led.parties[300 + COUNTIES.index(c)] = {"kind": "organisation", "county": c, "village": None, "gender": None}
        led.funding[c] = draw(st.integers(0, 10_000_000))
    for _ in range(draw(st.integers(1, 60))):
        who = draw(st.sampled_from(sorted(led.parties)))
        month = draw(st.integers(1, 12))
        reversed_on = draw(st.one_of(st.none(), st.integers(month, 12)))
        led.payments.append(Payment(
            recipient=who, county=led.parties[who]["county"], program=draw(st.sampled_from(["P1", "P2", None])),
            trust=draw(st.sampled_from([None, None, "T1"])), period=draw(st.sampled_from(["2026", "2026-05", "2025"])),
            day=date(2026, month, 1), amount=draw(st.integers(1, 500_000)),
            reversed_on=None if reversed_on is None else date(2026, reversed_on, 28),
        ))
    return led


def _rows(led: Ledger) -> list[tuple]:
    rows: list[tuple] = []
    seq = 0

    def party_cols(pid: int | None) -> tuple:
        if pid is None:
            return (None, None, None, None, None, None, None, None)
        p = led.parties[pid]
        parent = p["village"] if p["kind"] == "household" else None
        return (pid, p["kind"], p["county"], f"{p['county']}{pid:06d}", p["gender"], parent,
                "community" if parent else None, f"{p['county']}{parent:06d}" if parent else None)

    def entry(kind: str, day: date, meta: dict, legs: list[tuple[int, str, str | None, int | None, int]],
              reversal_of: int | None = None) -> int:
        nonlocal seq
        seq += 1
        for n, (account, akind, county, pid, amount) in enumerate(legs):
            rows.append((seq, seq, kind, day, 1, 2, reversal_of, "memo", f"h{seq}", json.dumps(meta), seq * 10 + n,
                         account, "CNY", amount, f"acct:{account}", akind, county, None, *party_cols(pid)))
        return seq

    for c, amount in led.funding.items():
        entry("funding", date(2026, 1, 1), {"county_code": c},
              [(1, "source", None, None, amount), (10 + COUNTIES.index(c), "fund", c, None, -amount)])
    for p in led.payments:
        meta = {"county_code": p.county, "period": p.period}
        meta |= {"program_id": p.program} if p.program else {}
        meta |= {"trust_id": p.trust} if p.trust else {}
        fund = (10 + COUNTIES.index(p.county), "fund", p.county, None)
        benefit = (1000 + p.recipient, "beneficiary", p.county, p.recipient)
        original = entry("payment", p.day, meta, [(*fund, p.amount), (*benefit, -p.amount)])
        if p.reversed_on:
            entry("reversal", p.reversed_on, {"reverses_kind": "payment"},
                  [(*fund, -p.amount), (*benefit, p.amount)], reversal_of=original)
    return rows


# --- the truth, from the payments themselves ---------------------------------------------------


def live(led: Ledger) -> list[Payment]:
    """Payments that stand (a reversal cancels its payment in the same cell and month)."""
    return [p for p in led.payments if p.reversed_on is None]


def households(led: Ledger, keep) -> int:
    return len({p.recipient for p in live(led) if led.parties[p.recipient]["kind"] == "household" and keep(p)})


def money_out(led: Ledger, keep) -> int:
    return sum(p.amount for p in live(led) if keep(p))
