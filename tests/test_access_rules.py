"""Each domain's access rule exists once, as a query (`repository.readable(actor)`); the rules fail
closed: an official or approver without a county reads no county's rows (the Python check and the
SQL filter once disagreed: everything in one, nothing in the other), and a household lists no
trust or agreement."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from service import seed as seeding
from service.certifications import repository as certifications
from service.compensation import repository as compensation
from service.errors import NotFound
from service.parties.models import Party
from service.patrols import repository as patrols
from service.shares import repository as shares
from service.shares import service as share_service
from service.trusts import repository as trusts
from service.trusts import service as trust_service
from tests.conftest import actor

RULES = [trusts.readable, shares.readable, compensation.readable_programs, compensation.readable_payments,
         compensation.readable_batches, compensation.readable_fundings, compensation.readable_reconciliations,
         certifications.readable, patrols.readable_logs]


async def _count(db, q) -> int:
    async with db.reading() as session:
        return await session.scalar(select(func.count()).select_from(q.subquery()))


@pytest.fixture
async def world(db, settings):
    await seeding.load(db, settings, progress=lambda _: None)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: f"{r.__module__.rsplit('.', 2)[-2]}.{r.__name__}")
async def test_rules_fail_closed_and_admins_read_everything(world, db, rule):
    everything = await _count(db, rule(actor(role="admin")))
    assert await _count(db, rule(actor(role="auditor"))) == everything
    for role in ("official", "approver"):
        assert await _count(db, rule(actor(role=role, county_code=None))) == 0
        assert not actor(role=role, county_code=None).in_county("360827")


async def test_an_official_without_a_county_gets_404_from_get_like_from_list(world, db):
    nobody = actor(role="official", county_code=None)
    async with db.reading() as session:
        trust_id = await session.scalar(select(func.min(trusts.readable(actor()).subquery().c.id)))
        agreement_id = await session.scalar(select(func.min(shares.readable(actor()).subquery().c.id)))
        with pytest.raises(NotFound):
            await trust_service.get_visible(session, nobody, trust_id)
        with pytest.raises(NotFound):
            await share_service.get_visible(session, nobody, agreement_id)
        assert await trust_service.list_visible(session, nobody, county_code=None, limit=10, offset=0) == []


async def test_a_household_lists_no_trust_or_agreement(world, db):
    async with db.reading() as session:
        household = await session.scalar(select(func.min(Party.id)).where(Party.kind == "household"))
    hh = actor(role="community", party_id=household)
    assert await _count(db, trusts.readable(hh)) == 0 and await _count(db, shares.readable(hh)) == 0
    async with db.reading() as session:
        assert await trust_service.list_visible(session, hh, county_code=None, limit=10, offset=0) == []


def test_the_trustee_rule_names_real_trust_columns():
    from service.parties import repository as party_rules
    from service.trusts import models

    for light in (party_rules.Trust, party_rules.TrustSettlor, party_rules.TrustBeneficiary,
                  party_rules.TrustAllocation):
        real = models.Base.metadata.tables[light.name]
        assert {c.name for c in light.c} <= {c.name for c in real.c}
