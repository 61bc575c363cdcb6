"""The ledger as open data in the 360Giving Data Standard (docs/reports.md, "360Giving mapping").

Each compensation payment, stipend, distribution, disbursement and levy credited to a beneficiary is a
grant with one disbursement transaction. Villages and organisations are `recipientOrganization`;
households and people are `recipientIndividual` with a keyed-hash identifier and a generic name.
Reversed entries are left out (they were corrections, and their reversal cancels them).
No free text is copied: a memo may name a person, a phone or an ID number. Titles and descriptions are
written from the kind of grant, the program's name and the period.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import anyio
import polars as pl
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from service import money
from service.parties.models import Party
from service.reports import formats, names
from service.reports import transforms as t
from service.reports.publish import period_kind
from service.reports.service import CURRENCY, _enriched

PREFIX = "360G-shanshui"
GRANT_KINDS = ["payment", "stipend", "distribution", "disbursement", "levy", "adjustment"]
TITLES = {"payment": "Ecological compensation payment", "stipend": "Community patrol stipend",
          "distribution": "Benefit-sharing distribution", "disbursement": "Water-fund trust disbursement",
          "levy": "Eco-product levy to a community benefit pool", "adjustment": "Ecological compensation adjustment"}


def individual_id(secret: str, party_id: int) -> str:
    """Stable across exports, meaningless without the secret: no one can walk back to the household."""
    mac = hmac.new(secret.encode(), f"360giving-individual:{party_id}".encode(), hashlib.sha256).hexdigest()[:16]
    return f"{PREFIX}-ind-{mac}"


def org_id(party: dict[str, Any]) -> str:
    """CN-USCI (org-id.guide) when the unified social credit code is known, else our own prefix."""
    if party.get("registration_code"):
        return f"CN-USCI-{party['registration_code']}"
    if party["kind"] == "community" and party.get("division_code"):
        return f"{PREFIX}-village-{party['division_code']}"
    return f"{PREFIX}-org-{party['id']}"


def grant_rows(lines: pl.DataFrame) -> pl.DataFrame:
    """One row per granted entry: recipient (credited beneficiary) and funder (debited account's owner)."""
    live = lines.filter(pl.col("kind").is_in(GRANT_KINDS) & ~pl.col("is_reversed"))
    funder = live.filter(pl.col("amount") > 0).sort("amount", descending=True).group_by("entry_id").agg(
        funder_party_id=pl.col("party_id").first(), funder_county=pl.col("account_county").first())
    return (
        live.filter((pl.col("account_kind") == "beneficiary") & (pl.col("amount") < 0))
        .join(funder, on="entry_id", how="left").sort("sequence", "posting_id")
        .select("sequence", "entry_id", "posting_id", "kind", "effective_date", "program", "period", "county",
                "party_id", "party_kind", "funder_party_id", "funder_county", amount=-pl.col("amount"))
    )


@dataclass(frozen=True)
class Names:
    """Public names the package uses: funders and organisations, counties, programs."""

    parties: dict[int, dict[str, Any]] = field(default_factory=dict)
    counties: dict[str, str] = field(default_factory=dict)
    programs: dict[str, str] = field(default_factory=dict)

    def county(self, code: str | None) -> str:
        return self.counties.get(code or "", f"County {code or 'unknown'}")

    def programme(self, code: str | None) -> str | None:
        return None if code is None else self.programs.get(str(code), f"Programme {code}")


def _org(names: Names, party_id: int | None, county: str | None) -> dict[str, Any]:
    if party_id is not None and party_id in names.parties:
        p = names.parties[party_id]
        return {"id": org_id(p), "name": p["name"]}
    return {"id": f"{PREFIX}-county-{county or 'unknown'}", "name": f"{names.county(county)} ecological compensation"}


def describe(kind: str, programme: str | None, period: str | None) -> str:
    """What the grant was for, from the kind, program and period only (never a memo)."""
    parts = [TITLES.get(kind, "Grant")]
    if programme:
        parts.append(f"programme: {programme}")
    if period:
        parts.append(f"period: {period} ({period_kind(period)})")
    return "; ".join(parts)


def build(rows: list[dict[str, Any]], names: Names, secret: str, as_of: dict[str, Any]) -> dict[str, Any]:
    grants = []
    for r in rows:
        amount = Decimal(money.format(r["amount"]))
        day = r["effective_date"].isoformat()
        gid = f"{PREFIX}-{r['sequence']}-{r['posting_id']}"
        programme = names.programme(r["program"])
        grant: dict[str, Any] = {
            "id": gid,
            "title": TITLES.get(r["kind"], "Grant"),
            "description": describe(r["kind"], programme, r["period"]),
            "currency": CURRENCY,
            "amountAwarded": amount,
            "awardDate": day,
            "fundingOrganization": [_org(names, r["funder_party_id"], r["funder_county"])],
            "disbursementTransaction": [{"id": f"{gid}-d", "currency": CURRENCY, "value": amount, "transactionDate": day}],
            "beneficiaryLocation": [{"name": names.county(r["county"]), "countryCode": "CN",
                                     "geoCode": r["county"] or "", "geoCodeType": "GB/T 2260"}],
        }
        if r["program"]:
            grant["grantProgramme"] = [{"code": str(r["program"]), "title": programme}]
        if r["party_kind"] in t.HOUSEHOLD_KINDS:
            grant["recipientIndividual"] = {"id": individual_id(secret, r["party_id"]), "name": "Individual Recipient"}
        else:
            grant["recipientOrganization"] = [_org(names, r["party_id"], r["county"])]
        grants.append(grant)
    return {
        "grants": grants,
        "version": "1.4",
        "title": f"Shanshui Ledger grants at ledger entry {as_of['sequence']}",
        "license": "https://creativecommons.org/licenses/by/4.0/",
        "x-shanshui": {"as_of": as_of, "note": "households are pseudonymous; reversed entries are left out"},
    }


async def package(session: AsyncSession, *, secret: str, as_of_sequence: int | None = None) -> dict[str, Any]:
    j, frame = await _enriched(session, as_of_sequence)
    rows = (await anyio.to_thread.run_sync(grant_rows, frame)).to_dicts()
    ids = {r["party_id"] for r in rows} | {r["funder_party_id"] for r in rows if r["funder_party_id"] is not None}
    # Only organisations and villages are named (households stay pseudonymous): read those, not a
    # list of a million ids.
    result = await session.execute(
        select(Party.id, Party.kind, Party.name, Party.registration_code, Party.division_code)
        .where(Party.kind.not_in(t.HOUSEHOLD_KINDS))
    )
    parties = {p.id: dict(p._mapping) for p in result if p.id in ids}
    found = Names(parties, await names.county_names(session), await names.program_names(session))
    return build(rows, found, secret, {"sequence": j.sequence, "hash": j.hash})


def to_json(pkg: dict[str, Any]) -> bytes:
    """JSON numbers for amounts without ever passing through float."""
    text = json.dumps(pkg, ensure_ascii=False, indent=2, default=lambda d: f"__DECIMAL__{d}__")
    return (re.sub(r'"__DECIMAL__(-?[0-9.]+)__"', r"\1", text) + "\n").encode()


def flat(pkg: dict[str, Any]) -> list[dict[str, Any]]:
    """The 360Giving spreadsheet layout (column titles as in the standard's flattened template)."""
    out = []
    for g in pkg["grants"]:
        rec = g.get("recipientOrganization", [{}])[0]
        ind = g.get("recipientIndividual", {})
        loc = g["beneficiaryLocation"][0]
        out.append({
            "Identifier": g["id"], "Title": g["title"], "Description": g["description"], "Currency": g["currency"],
            "Amount Awarded": str(g["amountAwarded"]), "Award Date": g["awardDate"],
            "Recipient Org:Identifier": rec.get("id"), "Recipient Org:Name": rec.get("name"),
            "Recipient Ind:Identifier": ind.get("id"), "Recipient Ind:Name": ind.get("name"),
            "Funding Org:Identifier": g["fundingOrganization"][0]["id"],
            "Funding Org:Name": g["fundingOrganization"][0]["name"],
            "Grant Programme:Code": (g.get("grantProgramme") or [{}])[0].get("code"),
            "Grant Programme:Title": (g.get("grantProgramme") or [{}])[0].get("title"),
            "Beneficiary Location:Name": loc["name"], "Beneficiary Location:Country Code": loc["countryCode"],
            "Beneficiary Location:Geographic Code": loc["geoCode"],
            "Beneficiary Location:Geographic Code Type": loc["geoCodeType"],
            "Disbursement Details:Value": str(g["disbursementTransaction"][0]["value"]),
            "Disbursement Details:Date": g["disbursementTransaction"][0]["transactionDate"],
        })
    return out


def render(pkg: dict[str, Any], fmt: str) -> bytes:
    if fmt == "json":
        return to_json(pkg)
    rows = flat(pkg)
    if fmt == "csv":
        return formats.to_csv(rows)
    return formats.to_xlsx({"grants": rows}, [("standard", "360Giving Data Standard 1.4"),
                                              ("as_of_sequence", str(pkg["x-shanshui"]["as_of"]["sequence"]))])
