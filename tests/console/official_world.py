"""The demo's Suichuan county (seed: core + compensation) and console users to work in it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from service import seed
from service.parties import service as parties
from service.parties.models import Party
from service.parties.schemas import PartyIn
from tests.console.support import make_user

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_BATCH = ROOT / "seed" / "compensation" / "sample-batch.csv"
PAYEE_NAME = "王春花"


async def suichuan(db, settings) -> dict[str, Any]:
    ctx = await seed.load(db, settings, progress=lambda _: None, only=("core", "compensation"))
    # a household newly registered in a forest village: nothing paid yet, and not in the sample batch
    async with db.writing() as s:
        payee = await parties.create(s, ctx.actors["admin"], PartyIn(
            kind="household", name=PAYEE_NAME, parent_id=ctx.refs["daitang"], id_number="360827198802023456",
            bank_account_tail="8812", household_size=4), settings.secret)
    return {
        "refs": ctx.refs, "program": ctx.refs["program:forest-2026"], "payee": payee.id,
        "payee_name": PAYEE_NAME, "payee_mu": "18.60",
        "official": await make_user(db, "clerk", "official", county_code="360827", name="Liu Min"),
        "approver": await make_user(db, "checker", "approver", county_code="360827", name="Guo Hua"),
        "other_county": await make_user(db, "yongxiu-clerk", "official", county_code="360425"),
        "household_user": await make_user(db, "household", "community", party_id=payee.id),
    }


async def party_name(db, party_id: int) -> str:
    async with db.reading() as s:
        return (await s.get(Party, party_id)).name
