"""Demo data: Suichuan households with forest parcels enrolled since 2024 in a registered-basis forest
program, one parcel transferred in 2025 (approved), one re-measurement waiting for approval, and a
funded program whose 2026 cycle is ready to dry-run. Written through the service functions."""

from __future__ import annotations

from datetime import date

from service.compensation import funding, rules
from service.compensation import service as comp
from service.compensation.schemas import FundingIn, ProgramIn
from service.compensation.models import RuleKind
from service.enrollments import service as enr
from service.enrollments.models import ChangeAction
from service.enrollments.schemas import ChangeRequestIn, EnrollmentIn, ParcelIn
from service.seed import SeedContext

VILLAGES = {"yingpanxu": "YPX", "zuoan": "ZA", "daitang": "DJP"}
PROGRAM = ProgramIn(
    name="遂川县公益林生态效益补偿（登记制）Suichuan public-welfare forest compensation, enrolled register",
    legal_basis="Jiangxi public-welfare forest ecological benefit compensation measures; Sui Lin Zi [2024] No. 7",
    county_code="360827", period_start=date(2024, 1, 1), period_end=date(2030, 12, 31), rule_kind=RuleKind.PER_AREA_YEAR,
    rate="34.50", max_basis="500", fund_code="fund:360827:program:forest-register")


def parcels(code: str, mu: str) -> list[ParcelIn]:
    """A household's forest in one parcel, or two when it is larger than 10 mu (as land certificates split it)."""
    centi = rules.parse_area(mu)
    if centi <= 1000:
        return [ParcelIn(parcel_code=f"{code}-1", area_mu=mu, land_class="公益林 public-welfare forest")]
    first = centi * 3 // 5
    return [ParcelIn(parcel_code=f"{code}-{k + 1}", area_mu=f"{a // 100}.{a % 100:02d}",
                     land_class="公益林 public-welfare forest") for k, a in enumerate((first, centi - first))]


async def load(ctx: SeedContext) -> None:
    official, approver = ctx.actors["official:360827"], ctx.actors["approver:360827"]
    program = await comp.create_program(ctx.session, official, PROGRAM)
    ctx.refs["program:forest-register"] = program.id
    entered = await funding.fund_program(ctx.session, official, program, FundingIn(
        source_account_id=ctx.refs["fund:360827:eco-compensation"], amount="40000.00",
        effective_date=date(2026, 2, 1), memo="2026 allocation to the enrolled forest register"))
    await funding.approve(ctx.session, approver, entered.id)
    every = ctx.read_json("compensation/households.json")
    households = [h for v in VILLAGES for h in [x for x in every if x["village"] == v][:8]]  # 8 a village
    enrollments = []
    for n, h in enumerate(households, start=1):
        code = f"SC-{VILLAGES[h['village']]}-{n:03d}"
        e = await enr.create_enrollment(ctx.session, official, EnrollmentIn(
            program_id=program.id, household_party_id=ctx.refs[h["key"]], start_date=date(2024, 1, 1),
            evidence=f"赣(2024)遂川县林权第{n:04d}号", parcels=parcels(code, h["forest_mu"])), ctx.settings.secret)
        enrollments.append((e, code, len(parcels(code, h["forest_mu"]))))
        ctx.refs[f"enrollment:{n}"] = e.id
    secret = ctx.settings.secret
    giver, giver_code, _ = next(x for x in enrollments[1:] if x[2] == 2)  # keeps its other parcel
    taker = next(x[0] for x in enrollments[1:] if x[0].id != giver.id)
    ctx.refs["enrollment:transfer-taker"] = taker.id
    moved = await enr.enter_change(ctx.session, official, ChangeRequestIn(
        enrollment_id=giver.id, action=ChangeAction.TRANSFER_PARCEL, effective_date=date(2025, 6, 1),
        parcel_code=f"{giver_code}-2", to_enrollment_id=taker.id,
        reason="forest right transferred by contract LZ-2025-031 (village committee witnessed)"), secret)
    await enr.decide(ctx.session, approver, moved.id, approve=True)
    first, code, _ = enrollments[0]
    await enr.enter_change(ctx.session, official, ChangeRequestIn(
        enrollment_id=first.id, action=ChangeAction.REMEASURE, effective_date=date(2026, 7, 1), parcel_code=f"{code}-1",
        area_mu="9.80", reason="re-measured by the 2026 township forest survey"), secret)
