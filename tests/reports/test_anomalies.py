"""Each anomaly kind planted in a ledger is found, with the entries behind it; a clean ledger has none."""

from __future__ import annotations



from service.auth.actor import Actor
from service.auth.models import Role, User
from service.ledger import service as ledger
from service.ledger.chain import link
from service.ledger.models import AccountKind, LedgerHead
from service.ledger.service import entry_bytes
from service.parties import service as parties
from service.parties.schemas import PartyIn
from tests.reports.demo import pay


from tests.helpers import append_only_off, tamper  # noqa: E402


async def _users(s):
    out = []
    for role in (Role.OFFICIAL, Role.APPROVER):
        u = User(name=f"u {role}", role=role, county_code="360827")
        s.add(u)
        await s.flush()
        out.append(Actor(user_id=u.id, name=u.name, role=u.role, county_code="360827"))
    return out


async def _self_approved(s, src: int, dst: int, off: Actor, appr: Actor) -> int:
    """The ledger refuses self-approval, so plant one as a faulty domain would have written it: the
    approver recorded as enterer too, with the chain recomputed so that only the four-eyes check fires."""
    e = await ledger.record_entry(s, kind="payment", legs=ledger.transfer(src, dst, 100), actor=off, pending=True,
                                  metadata={"period": "2026-x"})
    e = await ledger.post_pending(s, e.id, appr)
    async with append_only_off(s, s.bind.dialect.name == "sqlite"):
        e.entered_by = e.approved_by
        e.hash = link(e.prev_hash, entry_bytes(e, [(src, "CNY", 100), (dst, "CNY", -100)]))
        head = await s.get(LedgerHead, 1)
        head.hash = e.hash
        await s.flush()
    return e.sequence


async def _ledger(db, plant: bool):
    """A small ledger; with plant=True one entry of every anomaly kind is added."""
    async with db.writing() as s:
        off, appr = await _users(s)
        admin = Actor(user_id=off.user_id, name="x", role="admin")
        village = await parties.create(s, admin, PartyIn(kind="community", name="V", division_code="360827205201"), "k")
        far = await parties.create(s, admin, PartyIn(kind="community", name="W", division_code="360425108201"), "k")
        hh = [await parties.create(s, admin, PartyIn(kind="household", name=f"H{i}", parent_id=village.id), "k")
              for i in range(3)]
        src = await ledger.open_account(s, code="src", name="src", kind=AccountKind.SOURCE)
        fund = await ledger.open_account(s, code="fund", name="fund", kind=AccountKind.FUND, county_code="360827")
        await ledger.record_entry(s, kind="funding", legs=ledger.transfer(src.id, fund.id, 10_000_000), actor=admin,
                                  metadata={"county_code": "360827"})
        base = dict(src=fund.id, by=off, approver=appr, day="2026-04-01", memo="m")
        prog = dict(program_id="P1", program_area="360827", rule_max="1000.00",
                    program_period_start="2026-01-01", program_period_end="2026-12-31")
        for h in hh:  # clean: one payment each, within every rule
            await pay(s, kind="payment", party_id=h.id, amount=50000, period="2026", payee_party_id=str(h.id), **base, **prog)
        await pay(s, kind="stipend", party_id=hh[0].id, amount=40000, period="2026-04", member_party_id=str(hh[0].id),
                  patrol_days=5, stipend_cap="600.00", **base)
        await pay(s, kind="disbursement", party_id=village.id, amount=100000, trust_id="1", agreement_id="A1",
                  agreement_version="2", share_limit="2000.00", **base)
        await pay(s, kind="payment", party_id=hh[1].id, amount=20000, certification_id="C1",
                  certificate_valid_until="2026-12-31", period="2026-q2", payee_party_id=str(hh[1].id), **base)
        # a duplicate that was reversed is no longer a duplicate
        dup = await pay(s, kind="payment", party_id=hh[2].id, amount=50000, period="2026", payee_party_id=str(hh[2].id),
                        **base, **prog)
        await ledger.reverse(s, dup.id, admin, "entered twice")
        if not plant:
            return {}
        seqs = {}
        seqs["duplicate_payment"] = (await pay(s, kind="payment", party_id=hh[0].id, amount=50000, period="2026",
                                               payee_party_id=str(hh[0].id), **base, **prog)).sequence
        seqs["amount_above_rule"] = (await pay(s, kind="payment", party_id=hh[1].id, amount=150000, period="2025",
                                               payee_party_id=str(hh[1].id), **base, **prog)).sequence
        seqs["payee_outside_program_area"] = (await pay(s, kind="payment", party_id=far.id, amount=1000, period="2026",
                                                        payee_party_id=str(far.id), **base, **prog)).sequence
        seqs["self_approval"] = await _self_approved(s, fund.id, await parties.benefit_account_id(s, hh[2].id), off, appr)
        seqs["paid_after_certificate_expired"] = (await pay(
            s, kind="payment", party_id=hh[1].id, amount=20000, certification_id="C2", certificate_valid_until="2026-03-31",
            period="2026-q3", payee_party_id=str(hh[1].id), **base)).sequence
        seqs["stipend_above_cap"] = (await pay(s, kind="stipend", party_id=hh[0].id, amount=40000, period="2026-04",
                                               member_party_id=str(hh[0].id), patrol_days=5, stipend_cap="600.00",
                                               **base)).sequence
        seqs["disbursement_beyond_share"] = (await pay(s, kind="disbursement", party_id=village.id, amount=300000,
                                                       trust_id="1", agreement_id="A1", agreement_version="2",
                                                       share_limit="2000.00", **base)).sequence
        late = {**base, "day": "2027-01-05"}
        seqs["outside_program_period"] = (await pay(s, kind="payment", party_id=village.id, amount=1000, period="2027",
                                                    payee_party_id=str(village.id), **late, **prog)).sequence
        return seqs


async def test_clean_ledger_has_no_findings(client, db, auditor):
    await _ledger(db, plant=False)
    body = (await client.get("/api/v1/reports/audit/anomalies", headers=auditor)).json()
    assert body["findings"] == [] and body["chain"]["ok"]
    assert set(body["checks"]) >= {"duplicate_payment", "broken_hash_chain", "self_approval"}


async def test_every_planted_anomaly_is_found_with_its_entries(client, db, auditor):
    seqs = await _ledger(db, plant=True)
    body = (await client.get("/api/v1/reports/audit/anomalies", headers=auditor)).json()
    found = {}
    for f in body["findings"]:
        found.setdefault(f["check"], []).append(f)
    assert set(found) == set(seqs), found.keys()
    for check, seq in seqs.items():
        assert any(seq in f["sequences"] for f in found[check]), (check, found[check])
        assert all(f["detail"] for f in found[check])
    # the duplicate names both payments; the stipend cap both stipends
    dup = found["duplicate_payment"][0]
    assert len(dup["sequences"]) == 2 and dup["amount"] == "1000.00"
    assert len(found["stipend_above_cap"][0]["sequences"]) == 2
    assert found["amount_above_rule"][0]["facts"]["rule_max"] == "1000.00"


async def test_broken_chain_is_a_finding_and_as_of_before_it_is_clean(client, db, auditor):
    await _ledger(db, plant=False)
    before = (await client.get("/api/v1/reports/audit/anomalies", headers=auditor)).json()
    await tamper(db, "UPDATE postings SET amount = amount * 2 WHERE entry_id = "
                     "(SELECT id FROM journal_entries WHERE sequence = 3)")
    after = (await client.get("/api/v1/reports/audit/anomalies", headers=auditor)).json()
    broken = [f for f in after["findings"] if f["check"] == "broken_hash_chain"]
    assert broken and broken[0]["sequences"] == [3] and not after["chain"]["ok"]
    assert before["chain"]["ok"]
    early = (await client.get("/api/v1/reports/audit/anomalies?as_of_sequence=2", headers=auditor)).json()
    assert early["chain"]["ok"]


async def test_the_audit_reading_only_its_keys_finds_what_reading_every_key_finds(client, db, auditor, monkeypatch):
    from service.reports import journal
    from service.reports import service as reports

    await _ledger(db, plant=True)
    narrow = (await client.get("/api/v1/reports/audit", headers=auditor)).content
    monkeypatch.setattr(reports, "AUDIT_KEYS", journal.ALL_KEYS)
    assert (await client.get("/api/v1/reports/audit", headers=auditor)).content == narrow
