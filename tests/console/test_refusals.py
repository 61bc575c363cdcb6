"""Refusals written in English by the domain services are shown in Chinese on zh pages."""

from __future__ import annotations

import re

import pytest

from service import money
from service.compensation import rules
from service.console.refusals import (
    _COMPILED,
    UNKNOWN_LEAD,
    in_chinese,
    translate_errors,
)
from service.errors import InvalidField
from tests.console import roles_world
from tests.console.support import browser_for

EXAMPLES = [
    "must be greater than zero", "must not be negative", "amount is out of range",
    "the rule gives an amount out of range", 'must be a decimal string such as "12.50", not a number',
    "'12,5' is not a decimal amount such as \"12.50\"", "'abc' is not an area in mu such as \"12.40\"",
    "CNY has 2 decimal places; '1.234' has 3", "'26' is not a year (\"2026\") or a month (\"2026-03\")",
    'a month such as "2026-03"', "the rule gives 0.00; nothing to pay", "120.00 is above the program's maximum of 100.00",
    "a per_area_year program needs a positive area_mu", "'Z' is not in the program's table (A, B)",
    "unknown payee 7", "unknown party 8", "unknown village 9", "unknown account 10", "2027-01-01 is in the future",
    "payee 3 already has payment 12 under program 2 for 2026-03",
    "payment 5 is approved; reject needs it to be pending", "funding 4 is approved; only a pending funding can be decided",
    "batch 6 has no pending payments left to approve", "this file was already committed as batch 3",
    "bank reference BR-1 is already recorded on payment 9", "this checked file is no longer available; upload it again",
    "you may create programs only in county 360827", "program 99 not found",
    "looks like a spreadsheet formula; remove the leading = + - @",
    "a household or person needs a division_code or a parent village", "must be csv or xlsx", "'x' is not a whole count",
    "persons and months are whole numbers", "a whole number", "Field required", "String should have at most 1000 characters",
    "String should have at least 1 character",
    "unknown village '营盘圩村'", "village 'Daitang' is ambiguous", "give the last 4 characters of the ID number",
    "unknown payee: no household with this name and ID tail in the village", "ambiguous payee: several households match",
    "give the last 4 digits of the bank account", "differs from the bank account registered for this household",
    "give a parcel code of letters, digits, . _ / -", "'2024/1/1' is not a date (YYYY-MM-DD)",
    "parcel IM-1 is also on row 2",
    "parcel IM-1 is already enrolled by household 李四 (party 3); it cannot also be enrolled for 王五",
    "the household is already enrolled in this program: add a parcel with a change request",
    "the household's rows give different start dates (2024-01-01 on row 2)",
    "2023-12-31 is outside the program's period 2024-01-01 to 2026-12-31",
    "the payee (360827101) is outside the program's area", "a organisation is not eligible; the program pays household",
    "the file has no rows", "3 problem(s) in the register; nothing was written",
]


@pytest.mark.parametrize("message", EXAMPLES)
def test_each_known_refusal_reads_in_chinese(message):
    zh = in_chinese(message)
    assert not zh.startswith(UNKNOWN_LEAD) and re.search(r"[\u4e00-\u9fff]", zh), zh


def test_every_pattern_has_an_example():
    unused = [p.pattern for p, _ in _COMPILED if not any(p.fullmatch(m) for m in EXAMPLES)]
    assert unused == []


def test_the_domains_own_messages_match_the_catalog():
    """The catalog follows the services' real wording, not a copy that can drift."""
    raised = []
    for call in (lambda: money.parse("12,5", "CNY", field="amount"), lambda: money.parse("1.234", "CNY"),
                 lambda: rules.period_bounds("26")):
        with pytest.raises(InvalidField) as exc:
            call()
        raised.append(exc.value.reason)
    for reason in raised:
        assert not in_chinese(reason).startswith(UNKNOWN_LEAD), reason


def test_unknown_refusals_keep_their_english_and_chinese_passes_through():
    assert in_chinese("something new went wrong") == UNKNOWN_LEAD + "something new went wrong"
    assert in_chinese("资金不足：可用 1.00，申请 2.00。") == "资金不足：可用 1.00，申请 2.00。"
    assert translate_errors({"amount": "must be greater than zero"}, "en") == {"amount": "must be greater than zero"}


async def test_a_zh_form_shows_the_services_refusal_in_chinese(client, db):
    w = await roles_world.build(db, with_trust=False, with_patrols=False)
    b = await browser_for(client, "official")
    form = {"program_id": str(w["program_id"]), "payee_party_id": "999999", "period": "2026-03", "area_mu": "2.00"}
    r = await b.post("/console/payments?lang=zh", form, form_from="/console/payments/new")
    assert r.status_code == 422, r.text[:500]
    assert "收款人 999999 不存在" in r.text and "unknown payee" not in r.text, r.text[-3000:]
