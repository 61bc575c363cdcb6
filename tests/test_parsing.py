"""Whole numbers in people's text: ASCII digits only, within the id range. '²' passes str.isdigit() and
then makes int() raise; a 25-digit id overflows the database's integer. Either was a 500."""

from __future__ import annotations

import asyncio

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from service import cli, money
from service.certifications import status as cert_rules
from service.compensation import batches
from service.compensation import rules as comp_rules
from service.errors import InvalidField
from service.pagination import MAX_ID
from service.parsing import whole_number
from service.patrols import imports
from service.patrols import rules as patrol_rules
from service.reports.service import check_period, parse_code
from service.settings import get_settings

# digits str.isdigit() accepts that are not ASCII: superscripts, Arabic-Indic, fullwidth, circled, bold
UNICODE_DIGITS = ["²", "¹³", "١٢", "１２", "⑴", "𝟙", "߁", "1²"]
CHECK = "x" * 20


@given(st.text(alphabet=st.characters(categories=["Nd", "No"]) | st.sampled_from("0123456789+- \n"), max_size=25))
def test_whole_number_takes_ascii_digits_only_and_never_raises(text):
    n = whole_number(text)
    ascii_digits = text != "" and all(c in "0123456789" for c in text)
    assert n == (int(text) if ascii_digits and int(text) <= MAX_ID else None)


def test_whole_number_bounds():
    assert whole_number(str(MAX_ID)) == MAX_ID and whole_number(str(MAX_ID + 1)) is None
    assert whole_number("7" * 5000) is None  # past int()'s 4300-digit limit, which raises ValueError
    assert whole_number("1000", maximum=1000) == 1000 and whole_number("1001", maximum=1000) is None


@pytest.mark.parametrize("digits", UNICODE_DIGITS)
def test_codes_and_cells_with_unicode_digits_are_refused_not_crashed(digits):
    assert batches.parse_payment_ref(f"P{digits}") is None
    for code in (f"{digits}.all.1.{CHECK}", f"1.all.{digits}.{CHECK}"):
        with pytest.raises(InvalidField):
            parse_code(code)
    with pytest.raises(InvalidField):
        imports._count(digits, "nets_removed")
    problems: list[str] = []
    batches._basis({"persons": digits, "months": digits}, lambda field, _: problems.append(field))
    assert set(problems) == {"persons", "months"}


@pytest.mark.parametrize("party", [*UNICODE_DIGITS, "9" * 25])
async def test_public_statement_checks_refuse_odd_digits_and_huge_ids(client, party):
    r = await client.get(f"/api/v1/statements/verify/{party}.all.1.{CHECK}")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "code", r.text
    r = await client.get(f"/api/v1/statements/verify/1.all.{party}.{CHECK}")
    assert r.status_code == 422, r.text
    page = await client.get("/statement/verify", params={"code": f"{party}.all.1.{CHECK}"})
    assert page.status_code == 200 and "statement verification code" in page.text
    form = await client.post("/statement", data={"token": "nope", "party_id": party})
    assert form.status_code == 403


async def test_huge_ids_in_paths_and_queries_are_a_422_problem(client, auditor):
    huge = "9" * 25
    for url, params in ((f"/api/v1/statements/{huge}", {}), ("/api/v1/reports/transparency", {"as_of_sequence": huge}),
                        (f"/api/v1/statements/{2**63}", {})):
        r = await client.get(url, params=params, headers=auditor)
        assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json"), (url, r.text)


@pytest.fixture
def run_cli(database_url, monkeypatch):
    monkeypatch.setenv("SHANSHUI_DATABASE_URL", database_url)
    get_settings.cache_clear()
    yield lambda *args: CliRunner().invoke(cli.main, list(args))
    get_settings.cache_clear()


@pytest.mark.parametrize("value", ["²", "9" * 25])
async def test_token_scope_with_odd_digits_is_a_usage_error(run_cli, value):
    r = await asyncio.to_thread(run_cli, "token", "create", "--role", "community", "--scope", f"party:{value}")
    assert r.exit_code == 2 and "--scope" in r.output, r.output


@pytest.mark.parametrize(("parse", "text"), [
    (lambda t: money.parse(t), "１２.５０"), (lambda t: money.parse(t), "١٢"),
    (lambda t: comp_rules.parse_area(t), "１.５"), (lambda t: comp_rules.period_bounds(t), "２０２６"),
    (lambda t: patrol_rules.parse_distance_km(t, "distance_km"), "１２"),
    (lambda t: patrol_rules.month_bounds(t), "２０２６-03"),
    (lambda t: cert_rules.parse_scaled(t, 2, "area_mu"), "３５.５"), (lambda t: check_period(t), "２０２６"),
])
def test_decimal_fields_take_ascii_digits_only(parse, text):
    """int() reads fullwidth and Arabic-Indic digits; amounts, areas and periods must not."""
    with pytest.raises(InvalidField):
        parse(text)
