"""Finding the households a clerk's file names: village by any of its names, household by head's name
and ID tail within it, checked against the registered bank account.

Done as columns (Polars joins over names normalised once each) so that a county's year-end file of
100,000 rows is matched in a fraction of a second; the year-end batch and the enrollment register
both use it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any, NamedTuple

import polars as pl
from sqlalchemy.ext.asyncio import AsyncSession

from service import bulk
from service.compensation.models import Program
from service.parties.models import Party, PartyKind

S, I = pl.String, pl.Int64
UNKNOWN_PAYEE = "unknown payee: no household with this name and ID tail in the village"
AMBIGUOUS_PAYEE = "ambiguous payee: several households match"


def name_key(name: str) -> str:
    """How a file's name is compared: case and runs of spaces do not matter."""
    return " ".join(name.split()).lower()


def _aliases(name: str) -> set[str]:
    """'营盘圩村 Yingpanxu Village' answers to itself, '营盘圩村', 'Yingpanxu Village' and 'Yingpanxu'."""
    n = name_key(name)
    out = {n}
    first, _, rest = n.partition(" ")
    if rest:
        out |= {first, rest, rest.removesuffix(" village")}
    return out


class Payee(NamedTuple):
    """What a file's checks read of a party."""

    id: int
    name: str
    kind: str
    division_code: str | None
    parent_id: int | None
    bank_account_tail: str | None
    id_number_tail: str | None


_COUNTY = (f"SELECT {', '.join(Payee._fields)} FROM {Party.__tablename__} WHERE county_code = $1")


@dataclass
class Directory:
    """A county's villages and payees, read once per file."""

    villages: dict[str, list[Payee]]  # any of a village's names -> the villages answering to it
    payees: pl.DataFrame  # parent_id, name_key, id_tail -> payee_party_id, matches, kind, division, bank
    rows: dict[int, tuple[Any, ...]]  # every party of the county, by id

    def payee(self, party_id: int) -> Payee:
        return Payee(*self.rows[party_id])


async def directory(session: AsyncSession, program: Program) -> Directory:
    # plain driver rows: SQLAlchemy's rows (let alone ORM objects) for 100,000 payees cost more than the read
    rows = await bulk.fetch(session, _COUNTY, program.county_code)
    villages: dict[str, list[Payee]] = defaultdict(list)
    for r in rows:
        if r[2] == PartyKind.COMMUNITY:
            for alias in _aliases(r[1]):
                villages[alias].append(Payee(*r))
    ids, names, kinds, divisions, parents, banks, tails = ([r[i] for r in rows] for i in range(7))
    frame = pl.DataFrame({
        "payee_party_id": ids, "kind": kinds, "parent_id": parents, "name_key": [name_key(n) for n in names],
        "id_tail": [t.upper() if t else None for t in tails], "payee_division": divisions, "payee_bank": banks,
    }, schema={"payee_party_id": I, "kind": S, "parent_id": I, "name_key": S, "id_tail": S, "payee_division": S,
               "payee_bank": S})
    payees = (frame.filter((pl.col("kind") != PartyKind.COMMUNITY) & pl.col("parent_id").is_not_null()
                           & (pl.col("id_tail").fill_null("") != ""))
              .group_by("parent_id", "name_key", "id_tail")
              .agg(pl.all().first(), matches=pl.len()))
    return Directory(dict(villages), payees, {r[0]: r for r in rows})


def _villages(cells: list[str], d: Directory) -> pl.DataFrame:
    """Each distinct village cell: the one village it names, or why not."""
    out: list[tuple[str, int | None, str | None, str | None]] = []
    for cell in cells:
        found = d.villages.get(name_key(cell), [])
        if len(found) == 1:
            out.append((cell, found[0].id, found[0].division_code or "", None))
        else:
            out.append((cell, None, None, f"unknown village {cell!r}" if not found else f"village {cell!r} is ambiguous"))
    return pl.DataFrame(out, schema={"village": S, "village_id": I, "village_division": S, "village_problem": S},
                        orient="row")


def match(frame: pl.DataFrame, d: Directory) -> pl.DataFrame:
    """For each row of `frame` (village, household_head, id_tail, bank_account_tail as read), in order:
    payee_party_id (null unless exactly one household matches), kind, division, bank_account_tail
    (the file's, else the registered one), and the one problem found (match_field, match_problem).
    """
    if "bank_account_tail" not in frame.columns:
        frame = frame.with_columns(bank_account_tail=pl.lit(""))
    keyed = frame.select(
        "village", "bank_account_tail",
        head_key=pl.Series([name_key(h) for h in frame["household_head"].to_list()], dtype=S),
        id_tail=pl.Series([t.upper() for t in frame["id_tail"].to_list()], dtype=S),
    )
    m = (keyed.join(_villages(frame["village"].unique().to_list(), d), on="village", how="left", maintain_order="left")
         .join(d.payees, left_on=["village_id", "head_key", "id_tail"], right_on=["parent_id", "name_key", "id_tail"],
               how="left", maintain_order="left"))
    bank, registered = pl.col("bank_account_tail"), pl.col("payee_bank")
    found = pl.col("village_problem").is_null() & (pl.col("id_tail").str.len_chars() == 4) & (pl.col("matches") == 1)
    bank_problem = (pl.when(~bank.str.contains(r"^[0-9]{4}$")).then(pl.lit("give the last 4 digits of the bank account"))
                    .when((registered.fill_null("") != "") & (bank != registered))
                    .then(pl.lit("differs from the bank account registered for this household")))
    problem = (pl.when(pl.col("village_problem").is_not_null()).then(pl.struct(f=pl.lit("village"), p="village_problem"))
               .when(pl.col("id_tail").str.len_chars() != 4)
               .then(pl.struct(f=pl.lit("id_tail"), p=pl.lit("give the last 4 characters of the ID number")))
               .when(pl.col("matches").is_null()).then(pl.struct(f=pl.lit("household_head"), p=pl.lit(UNKNOWN_PAYEE)))
               .when(pl.col("matches") > 1).then(pl.struct(f=pl.lit("household_head"), p=pl.lit(AMBIGUOUS_PAYEE)))
               .when(bank != "").then(pl.struct(f=pl.lit("bank_account_tail"), p=bank_problem)))
    return m.select(
        payee_party_id=pl.when(found).then("payee_party_id"),
        kind=pl.when(found).then("kind"),
        division=pl.when(found).then(pl.coalesce(pl.when(pl.col("payee_division") != "").then("payee_division"),
                                                 pl.when(pl.col("village_division") != "").then("village_division"),
                                                 pl.lit(""))),
        bank_account_tail=pl.when(found).then(pl.when(bank != "").then(bank).otherwise(registered)),
        match_field=problem.struct.field("f"),
        match_problem=problem.struct.field("p"),
    ).with_columns(match_field=pl.when(pl.col("match_problem").is_not_null()).then("match_field"))
