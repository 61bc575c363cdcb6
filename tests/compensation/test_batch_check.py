"""The year-end batch's dry run checks rows as columns; for any file, its verdict is the one a plain
row-by-row reading of the rules gives (the model below): the same problems, in the same order, on
the same rows, and the same payee and amount on every line."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service import money
from service.compensation import rules
from service.compensation.models import RuleKind
from service.errors import InvalidField
from tests.compensation.conftest import csv_bytes, id_number, make_program
from tests.compensation.test_batches_api import upload
from tests.helpers import create_party

# each village cell the generator writes, and the village it names (None: no village answers to it)
VILLAGE_CELLS = {"营盘圩村": "ypx", "Yingpanxu": "ypx", "yingpanxu   VILLAGE": "ypx", "营盘圩村 Yingpanxu Village": "ypx",
                 "左安村": "za", "Zuo'an Village": "za", "No Such Village": None, "": None}
RULE = rules.Rule(kind=RuleKind.PER_AREA_YEAR, rate=3450)


@dataclass(frozen=True)
class Household:
    id: int
    village: str
    name: str
    tail: str
    bank: str | None


async def _households(client, world) -> list[Household]:
    """The world's six households, plus two that share a name and ID tail (an ambiguous pair) and one
    with no bank account on file; made once per test, not per example."""
    if not hasattr(world, "register"):
        extra = [("ypx", "同名 户主", "123X", None), ("ypx", "同名 户主", "123X", None), ("za", "无卡户", "5678", None)]
        made = []
        for n, (village, name, tail, bank) in enumerate(extra, start=50):
            hh = await create_party(client, world.official, kind="household", name=name, parent_id=world.villages[village],
                                    org_type=None, id_number=f"3608271980{n:04d}{tail}",
                                    bank_account_tail=bank)
            made.append(Household(hh["id"], village, name, tail, bank))
        world.register = [Household(h["id"], "ypx" if i < 4 else "za", h["name"], id_number(i + 1)[-4:],
                                    h["bank_account_tail"]) for i, h in enumerate(world.households)] + made
    return world.register


def _priced(area: str, amount: str) -> tuple[list[str], int | None]:
    """(fields with a problem, amount) for one row's area and amount cells, per the rule and the money rules."""
    fields, area_centimu = [], None
    if area:
        try:
            area_centimu = rules.parse_area(area)
        except InvalidField:
            fields.append("area_mu")
    try:
        computed = rules.compute(RULE, rules.Basis(area_centimu=area_centimu)).amount
    except InvalidField as exc:
        return [*fields, exc.field or "amount"], None
    if amount:
        try:
            entered = money.parse_positive(amount, "CNY")
        except InvalidField:
            return [*fields, "amount"], computed
        if entered != computed:
            fields.append("amount")
    return fields, computed


def key(name: str) -> str:
    return " ".join(name.split()).lower()


def model(rows: list[list[str]], register: list[Household], taken: int, available: int
          ) -> tuple[list[tuple[int, str]], list[tuple[int | None, int | None]]]:
    """Row by row, as a clerk would check the file by hand."""
    issues, lines, seen, running = [], [], set(), 0
    for i, (village_cell, head, tail, area, amount, bank) in enumerate(rows):
        fields, payee = [], None
        village = VILLAGE_CELLS[village_cell]
        if village is None:
            fields.append("village")
        elif len(tail.upper()) != 4:
            fields.append("id_tail")
        else:
            found = [h for h in register if h.village == village and key(h.name) == key(head)
                     and h.tail == tail.upper()]
            if len(found) != 1:
                fields.append("household_head")
            else:
                payee = found[0]
                if bank and (not (len(bank) == 4 and bank.isdigit()) or (payee.bank and bank != payee.bank)):
                    fields.append("bank_account_tail")
        priced, value = _priced(area, amount)
        fields += priced
        if payee is not None:
            if payee.id in seen:
                fields.append("household_head")
            seen.add(payee.id)
            if payee.id == taken:
                fields.append("household_head")
        if not fields and value is not None:
            running += value
            if running > available:
                fields.append("amount")
        issues += [(i + 2, f) for f in fields]
        lines.append((payee.id if payee else None, value))
    return issues, lines


def row_for(draw, register: list[Household]) -> list[str]:
    hh = draw(st.sampled_from(register))
    head = draw(st.sampled_from([hh.name, f"  {hh.name} ", hh.name.upper(), "无此人"]))
    tail = draw(st.sampled_from([hh.tail, hh.tail.lower(), "9999", "12", ""]))
    village = draw(st.sampled_from([c for c, v in VILLAGE_CELLS.items() if v == hh.village] + ["No Such Village"]))
    area = draw(st.sampled_from(["1.50", "2", "12.345", "abc", "", "0"]))
    amount = draw(st.sampled_from(["", "51.75", "69.00", "99.99", "x"]))
    bank = draw(st.sampled_from(["", hh.bank or "", "12a4", "9999"]))
    return [village, head, tail, area, amount, bank]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(data=st.data())
async def test_the_dry_run_agrees_with_a_row_by_row_reading(client, world, data):
    register = await _households(client, world)
    program = await make_program(client, world, fund="200.00")
    taken = world.households[2]["id"]
    r = await client.post("/api/v1/payments", headers=world.official, json={
        "program_id": program["id"], "payee_party_id": taken, "period": "2026", "area_mu": "1"})
    assert r.status_code == 201, r.text
    rows = [row_for(data.draw, register) for _ in range(data.draw(st.integers(1, 12)))]
    r = await upload(client, world.official, program, csv_bytes(rows), dry_run=True)
    assert r.status_code == 200, r.text
    rep = r.json()
    issues, lines = model(rows, register, taken, 20_000 - 3_450)
    assert [(i["row"], i["field"]) for i in rep["issues"]] == issues
    assert [(line["payee_party_id"], money.parse(line["amount"]) if line["amount"] else None)
            for line in rep["lines"]] == lines
    assert rep["ok"] == (not issues)
    assert rep["invalid_rows"] == len({row for row, _ in issues})
    assert money.parse(rep["total"]) == sum(v or 0 for (row, (_, v)) in enumerate(lines, start=2)
                                            if row not in {r for r, _ in issues})


async def test_a_file_with_a_header_and_no_rows_is_refused_whole(client, world):
    program = await make_program(client, world, fund="200.00")
    r = await upload(client, world.official, program, csv_bytes([]), dry_run=True)
    assert r.status_code == 200, r.text
    rep = r.json()
    assert not rep["ok"] and rep["rows"] == 0 and rep["total"] == "0.00"
    assert [(i["row"], i["field"]) for i in rep["issues"]] == [(1, "file")]
    r = await upload(client, world.official, program, csv_bytes([]))
    assert r.status_code == 422 and r.json()["report"]["rows"] == 0, r.text
