"""For any sequence of change requests (approved, rejected or left pending), a cycle's total is the
sum of the program's rule over the basis in force on the period's first day, replayed here by hand."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.compensation import rules
from service.compensation.models import RuleKind
from tests.enrollments.conftest import (
    CHANGES,
    COUNTY,
    commit,
    dry_run,
    enroll,
    program_2024,
)
from tests.helpers import funded_account

START = date(2024, 1, 1)
RATE, CAP = 3450, 150_000  # 34.50 per mu per year, at most 1500.00 a payment (43.48 mu)
areas = st.integers(min_value=1, max_value=3_000)  # hundredths of a mu: 0.01 to 30.00 mu


def area_text(centimu: int) -> str:
    return rules.format_area(centimu)


class Model:
    """Each enrollment's parcels as dated snapshots: the basis on a day is the last snapshot before it."""

    def __init__(self, parcels: list[dict[str, int]]):
        self.history = [[(START, dict(p))] for p in parcels]

    def now(self, i: int) -> dict[str, int]:
        return dict(self.history[i][-1][1])

    def on(self, i: int, day: date) -> dict[str, int]:
        return dict([s for d, s in self.history[i] if d <= day][-1])

    def set(self, i: int, day: date, parcels: dict[str, int]) -> None:
        self.history[i].append((day, parcels))

    def total(self, year: int) -> int:
        rule = rules.Rule(kind=RuleKind.PER_AREA_YEAR, rate=RATE, cap_amount=CAP)
        out = 0
        for i in range(len(self.history)):
            area = sum(self.on(i, date(year, 1, 1)).values())
            if area:
                out += rules.compute(rule, rules.Basis(area_centimu=area)).amount
        return out


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(data=st.data())
async def test_cycle_total_is_the_rule_over_the_basis_in_force(client, world, admin, data):
    world.county_fund = (await funded_account(client, admin, "5000.00", county_code=COUNTY))[0]  # fresh each example
    program = await program_2024(client, world, fund="4500.00", cap_amount="1500.00")
    pid = program["id"]
    start = [{f"P{pid}-{i}-{k}": data.draw(areas) for k in range(data.draw(st.integers(1, 2)))} for i in range(3)]
    model = Model(start)
    enrollments = []
    for i, parcels in enumerate(start):
        r = await enroll(client, world, program, world.households[i]["id"], [(c, area_text(a)) for c, a in parcels.items()])
        assert r.status_code == 201, r.text
        enrollments.append(r.json()["id"])
    day, fresh = START, 0
    for _ in range(data.draw(st.integers(0, 6))):
        day += timedelta(days=data.draw(st.integers(1, 400)))
        i = data.draw(st.integers(0, 2))
        held = model.now(i)
        action = data.draw(st.sampled_from(["remeasure", "add_parcel", "remove_parcel", "transfer_parcel"]
                                           if held else ["add_parcel"]))
        decision = data.draw(st.sampled_from(["approve", "approve", "reject", "pending"]))
        body = {"enrollment_id": enrollments[i], "action": action, "effective_date": day.isoformat(), "reason": "survey"}
        after, other = dict(held), None
        if action == "add_parcel":
            fresh += 1
            code, area = f"P{pid}-new-{fresh}", data.draw(areas)
            body |= {"parcel_code": code, "area_mu": area_text(area)}
            after[code] = area
        else:
            code = data.draw(st.sampled_from(sorted(held)))
            body["parcel_code"] = code
            if action == "remeasure":
                after[code] = data.draw(areas)
                body["area_mu"] = area_text(after[code])
            else:
                del after[code]
            if action == "transfer_parcel":
                other = (i + 1) % 3
                body["to_enrollment_id"] = enrollments[other]
        r = await client.post(CHANGES, json=body, headers=world.official)
        assert r.status_code == 201, r.text
        if decision == "pending":
            continue
        r = await client.post(f"{CHANGES}/{r.json()['id']}/{decision}", headers=world.approver,
                              json={"reason": "no"} if decision == "reject" else None)
        assert r.status_code == 200, r.text
        if decision == "approve":
            model.set(i, day, after)
            if other is not None:
                model.set(other, day, {**model.now(other), code: held[code]})
    year = data.draw(st.integers(2024, 2029))
    rep = await dry_run(client, world, program, str(year))
    assert rep["total"] == _money(model.total(year)), (rep, model.history)
    if rep["payable"]:
        r = await commit(client, world, program, str(year))
        assert r.status_code == 201, r.text
        batch = (await client.get(f"/api/v1/payments/batches/{r.json()['batch_id']}", headers=world.official)).json()
        assert batch["total"] == _money(model.total(year))


def _money(minor: int) -> str:
    return f"{minor // 100}.{minor % 100:02d}"
