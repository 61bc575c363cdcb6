"""A county's worth of work for the approver, trustee, auditor, patrol and household pages, built with
the domain services (the browser tests serve the app in another thread, so no API client here):
console users for every role, a program with a single payment and a batch entered by the official,
a patrol log waiting for verification, a stipend run, and a trust with contributions."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from service.auth.actor import Actor
from service.compensation import funding
from service.compensation import batches
from service.compensation import service as comp
from service.compensation.schemas import FundingIn, PaymentIn, ProgramIn
from service.db import Database
from service.ledger import service as ledger
from service.ledger.models import AccountKind
from service.parties import service as parties
from service.parties.schemas import PartyIn
from service.patrols import service as patrols
from service.patrols import stipends
from service.patrols.schemas import LogIn, MemberIn, StipendRuleIn, StipendRunIn, TeamIn
from service.trusts import service as trusts
from service.trusts.schemas import AllocationIn, ContributionIn, SettlorIn, TrustIn
from tests.conftest import TEST_SECRET
from tests.console.support import make_user

COUNTY = "360827"
ROUTE = {"type": "LineString", "coordinates": [[115.01, 26.80], [115.03, 26.81], [115.05, 26.79], [115.04, 26.77]]}


def as_actor(user_id: int, role: str, **scope: Any) -> Actor:
    return Actor(user_id=user_id, name=f"{role} {user_id}", role=role, request_id="world", **scope)


async def _party(s, actor: Actor, **fields: Any) -> int:
    return (await parties.create(s, actor, PartyIn(**fields), TEST_SECRET)).id


async def build(db: Database, *, with_trust: bool = True, with_patrols: bool = True) -> dict[str, Any]:
    ids = {role: await make_user(db, role, role, name=name, **scope) for role, name, scope in (
        ("admin", "Zhou Admin", {}), ("official", "Wang Official", {"county_code": COUNTY}),
        ("approver", "Chen Approver", {"county_code": COUNTY}), ("auditor", "Lin Auditor", {}))}
    admin, official = as_actor(ids["admin"], "admin"), as_actor(ids["official"], "official", county_code=COUNTY)
    approver = as_actor(ids["approver"], "approver", county_code=COUNTY)
    w: dict[str, Any] = {"users": ids}
    async with db.writing() as s:
        village = await _party(s, official, kind="community", name="Daitang village", division_code=f"{COUNTY}101201")
        homes = [await _party(s, official, kind="household", name=f"Li household {i}", parent_id=village,
                              id_number=f"{COUNTY}19800101{i:03d}X", bank_account_tail="1234") for i in range(3)]
        source = await ledger.open_account(s, code="source:county-budget", name="County budget",
                                           kind=AccountKind.SOURCE)
        fund = await ledger.open_account(s, code=f"fund:{COUNTY}:eco", name="Eco fund", kind=AccountKind.FUND,
                                         county_code=COUNTY)
        await ledger.record_entry(s, kind="funding", legs=ledger.transfer(source.id, fund.id, 10_000_000), actor=admin,
                                  memo="county budget", metadata={"county_code": COUNTY, "period": "2026"})
        program = await comp.create_program(s, official, ProgramIn(
            name="Public-welfare forest 2026", legal_basis="Gan Cai Nong Zhi [2026] No. 3", county_code=COUNTY,
            period_start=date(2026, 1, 1), period_end=date(2026, 12, 31), rule_kind="per_area_year", rate="34.50"))
        entered = await funding.fund_program(s, official, program, FundingIn(source_account_id=fund.id, amount="50000.00"))
        await funding.approve(s, approver, entered.id)  # four eyes: the approver lets the money into the program
        payment = await comp.enter_payment(s, official, PaymentIn(
            program_id=program.id, payee_party_id=homes[0], period="2026-01", area_mu="10.00"))
        csv = ("村,户主,身份证后四位,面积(亩),金额(元),银行账号后四位\n"
               "Daitang village,Li household 1,001X,12.40,427.80,1234\n"
               "Daitang village,Li household 2,002X,8.00,276.00,1234\n").encode()
        checked = await batches.check(s, official, program.id, "2026-06", "june.csv", csv)
        report = await batches.commit(s, official, checked, None)
    w.update(village=village, homes=homes, fund=fund.id, program_id=program.id, payment_id=payment.id,
             batch_id=report.batch_id, official=official, approver=approver, admin=admin)
    w["users"]["community"] = await make_user(db, "household", "community", name="Li household 0", party_id=homes[0])
    if with_patrols:
        w.update(await _patrols(db, official, approver, village, homes, fund.id))
    if with_trust:
        w.update(await _trust(db, admin, homes))
    return w


async def _patrols(db: Database, official: Actor, approver: Actor, village: int, homes: list[int],
                   fund: int) -> dict[str, Any]:
    async with db.writing() as s:
        team = await patrols.create_team(s, official, TeamIn(name="Bird patrol", village_party_id=village))
        for i, home in enumerate(homes[:2]):
            await patrols.add_member(s, official, team.id, MemberIn(party_id=home, code=f"M{i}"))
        day = date.today() - timedelta(days=3)
        done = await patrols.create_log(s, official, LogIn(
            team_id=team.id, member_party_ids=homes[:2], patrol_date=day - timedelta(days=1),
            start_time="06:30", end_time="10:30", route_name="Ridge loop", route_geojson=ROUTE))
        await patrols.verify_log(s, approver, done.id)
        waiting = await patrols.create_log(s, official, LogIn(
            team_id=team.id, member_party_ids=homes[:2], patrol_date=day, start_time="07:00", end_time="11:15",
            route_name="River bank", route_geojson=ROUTE, distance_km="6.4", observations="Two nets removed",
            incidents={"nets_removed": 2}))
        rule = await stipends.create_rule(s, official, StipendRuleIn(
            name="Bird patrol stipend", county_code=COUNTY, basis="patrol_day", rate="80.00",
            monthly_cap="2000.00", funding_account_id=fund))
        month = done.patrol_date.strftime("%Y-%m")
        run = await stipends.commit(s, official, StipendRunIn(rule_id=rule.id, period=month))
    return {"team_id": team.id, "log_id": waiting.id, "verified_log_id": done.id, "run_id": run.id}


async def _trust(db: Database, admin: Actor, homes: list[int]) -> dict[str, Any]:
    async with db.writing() as s:
        trustee = await _party(s, admin, kind="organisation", org_type="trust_company", name="Shanshui Trust Co.")
        water = await _party(s, admin, kind="organisation", org_type="enterprise", name="Jiangxi Water Co.")
        donor = await _party(s, admin, kind="organisation", org_type="ngo", name="Green Foundation")
        trust = await trusts.create_trust(s, admin, TrustIn(
            name="Shanshui Fund No.1", purpose="source-water protection", trustee_party_id=trustee,
            division_code=f"{COUNTY}101201", agreement_reference="TA-2026-1", starts_on=date(2026, 1, 1),
            fee_bps=100, settlors=[SettlorIn(party_id=water, category="water_company"),
                                   SettlorIn(party_id=donor, category="donor")],
            beneficiaries=[homes[0]],
            allocations=[AllocationIn(key="protection", name="Source-water protection", share_bps=6000),
                         AllocationIn(key="compensation", name="Farmer compensation", share_bps=3000),
                         AllocationIn(key="monitoring", name="Water-quality monitoring", share_bps=1000)]))
    trustee_user = await make_user(db, "trustee", "trustee", name="Sun Trustee", trust_id=trust.id)
    actor = as_actor(trustee_user, "trustee", trust_id=trust.id)
    async with db.writing() as s:
        await trusts.contribute(s, actor, trust.id, ContributionIn(
            settlor_party_id=water, amount="10000.00", received_on=date(2026, 2, 1), reference="BANK-1"))
    return {"trust_id": trust.id, "water": water, "donor": donor, "trustee": actor,
            "trustee_user": trustee_user}
