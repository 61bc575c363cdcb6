"""No public output carries personal data: every format of the transparency report, the 360Giving
package, and the public certificate and statement checks are scanned for the seeded households' names,
national ID numbers, phone numbers and bank account tails, after a clerk typed all of them into memos."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

from sqlalchemy import select

from service import seed as seeding
from service.certifications.models import Certification
from service.compensation.models import Payment
from service.ledger import service as ledger
from service.parties.models import Party
from service.parties.service import benefit_account_id
from tests.reports.public import as_text, transparency_texts

SEED = Path(__file__).resolve().parents[2] / "seed"
# bounded by anything but letters and digits: a hexadecimal hash in the report (its head, a proof) holds a
# run like "15494171255" about once in a few dozen runs, and that is not a phone number
PHONE = re.compile(r"(?<![0-9A-Za-z])1[3-9]\d{9}(?![0-9A-Za-z])")
ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{6}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[0-9Xx](?![0-9A-Za-z])")
PERSONAL_FIELDS = ("id_number", "bank_account", "phone", "payee_party_id", "party_id")


def _seeded_id_numbers() -> set[str]:
    found: set[str] = set()

    def walk(node) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "id_number" and isinstance(v, str):
                    found.add(v)
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    for path in SEED.rglob("*.json"):
        walk(json.loads(path.read_text()))
    return found


def _tail_near(tail: str) -> re.Pattern:
    """A four-digit tail only counts where it reads as one (after 尾号, ****, 'tail', 账号/account)."""
    return re.compile(rf"(?:尾号|\*{{2,}}|tail|账号|account)\D{{0,12}}(?<!\d){tail}(?!\d)", re.IGNORECASE)


class Scanner:
    def __init__(self, names: set[str], id_numbers: set[str], tails: set[str]) -> None:
        self.names, self.id_numbers, self.tails = names, id_numbers, [_tail_near(t) for t in tails]

    def findings(self, text: str) -> list[str]:
        out = [n for n in self.names if n in text] + [i for i in self.id_numbers if i in text]
        out += PHONE.findall(text) + ID_NUMBER.findall(text)
        out += [p.pattern for p in self.tails if p.search(text)]
        out += [f"field {f}" for f in PERSONAL_FIELDS if re.search(rf'["\s,]{f}["\s,:]', text)]
        return out


async def _plant_memos(db, ctx, name: str) -> None:
    """What the issue saw: a memo with a household's name, phone and ID number, on grants to a household
    and to a village."""
    memo = f"补发{name}2025年度生态护林员补助，电话18979601234，身份证360827198509170355"
    a, refs = ctx.actors, ctx.refs
    async with db.writing() as s:
        for key in ("hh-yingpanxu-1", "yingpanxu"):
            dst = await benefit_account_id(s, refs[key])
            entry = await ledger.record_entry(
                s, kind="adjustment", legs=ledger.transfer(refs["fund:360827:eco-compensation"], dst, 12345),
                actor=a["official:360827"], effective_date=date(2026, 3, 20), memo=memo + "，账号尾号3183",
                metadata={"county_code": "360827", "period": "2025", "rule": memo}, pending=True)
            await ledger.post_pending(s, entry.id, a["approver:360827"])


async def test_no_personal_data_in_any_public_output(client, db, settings, auditor):
    ctx = await seeding.load(db, settings, progress=lambda _: None)
    async with db.reading() as s:
        people = (await s.execute(select(Party).where(Party.kind.in_(["household", "person"])))).scalars().all()
        tails = {p.bank_account_tail for p in people if p.bank_account_tail}
        tails |= {t for t in (await s.execute(select(Payment.bank_account_tail))).scalars() if t}
        codes = [c.trace_prefix for c in (await s.execute(select(Certification))).scalars()]
    first = next(p.name for p in people if p.id == ctx.refs["hh-yingpanxu-1"])
    await _plant_memos(db, ctx, first)
    scanner = Scanner({p.name for p in people} | {"胡秋菊"}, _seeded_id_numbers() | {"360827198509170355"}, tails)
    assert len(scanner.names) > 40 and len(scanner.id_numbers) > 40 and tails and codes

    outputs: dict[str, str] = {}
    for params in ({}, {"county": "360827"}, {"county": "360425"}, {"period": "2025"}):
        for fmt, text in (await transparency_texts(client, **params)).items():
            outputs[f"transparency {params} {fmt}"] = text
    for fmt in ("json", "csv", "xlsx"):
        r = await client.get("/api/v1/reports/open-data/360giving", params={"format": fmt}, headers=auditor)
        assert r.status_code == 200
        outputs[f"360giving {fmt}"] = as_text(fmt, r.content)
    for code in codes:
        outputs[f"certificate api {code}"] = (await client.get(f"/api/v1/certifications/verify/{code}-0001")).text
        outputs[f"certificate page {code}"] = (await client.get("/certificates/verify", params={"code": f"{code}-0001"})).text
    for key in ("hh-yingpanxu-1", "hh-zuoan-2", "yingpanxu"):
        st = (await client.get(f"/api/v1/statements/{ctx.refs[key]}", headers=auditor)).json()
        code = st["verification_code"]
        outputs[f"statement check {key}"] = (await client.get(f"/api/v1/statements/verify/{code}")).text
        outputs[f"statement page {key}"] = (await client.get("/statement/verify", params={"code": code})).text
        assert "valid" in outputs[f"statement check {key}"]

    leaks = {where: found for where, text in outputs.items() if (found := scanner.findings(text))}
    assert not leaks, leaks
    # the scanner does find them where they belong: the household's own statement
    own = (await client.get(f"/api/v1/statements/{ctx.refs['hh-yingpanxu-1']}", headers=auditor)).text
    assert first in own and "18979601234" in own


async def test_360giving_describes_grants_from_program_and_period_and_names_the_programme(client, db, settings, auditor):
    ctx = await seeding.load(db, settings, progress=lambda _: None, only=("core", "compensation"))
    await _plant_memos(db, ctx, "胡秋菊")
    pkg = (await client.get("/api/v1/reports/open-data/360giving", headers=auditor)).json()
    planted = [g for g in pkg["grants"] if g["amountAwarded"] == 123.45]
    assert len(planted) == 2
    for g in planted:
        assert g["description"] == "Ecological compensation adjustment; period: 2025 (year)"
    programmes = {p["code"]: p["title"] for g in pkg["grants"] for p in g.get("grantProgramme", [])}
    async with db.reading() as s:
        from service.compensation.models import Program

        names = {str(p.id): p.name for p in (await s.execute(select(Program))).scalars()}
    assert programmes and all(programmes[code] == names[code] for code in programmes)
    payment = next(g for g in pkg["grants"] if g.get("grantProgramme") and "recipientIndividual" in g)
    programme = payment["grantProgramme"][0]["title"]
    assert payment["description"].startswith("Ecological compensation payment; programme: " + programme + "; period: ")
    assert payment["beneficiaryLocation"][0]["name"] in ("遂川县 Suichuan County", "永修县 Yongxiu County")
    csv = (await client.get("/api/v1/reports/open-data/360giving?format=csv", headers=auditor)).text
    assert "Grant Programme:Title" in csv.splitlines()[0] and programme in csv
