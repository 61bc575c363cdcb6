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


async def test_acting_in_a_county_implies_reading_its_parties_and_programs(world, db):
    """A group of payments reads its programs and payees once for all requesters and takes a row for a
    requester where `Actor.in_county` allows it (compensation.service._read_ahead). That shortcut is
    sound only while acting in a county implies reading the county's parties and programs through the
    SQL rules, for every kind of actor."""
    from service.compensation.models import Program
    from service.parties import repository as party_rules

    async with db.reading() as session:
        parties = (await session.execute(select(Party.id, Party.county_code))).all()
        programs = (await session.execute(select(Program.id, Program.county_code))).all()
        trust_ids = (await session.scalars(select(trusts.readable(actor()).subquery().c.id))).all()
    counties = sorted({c for _, c in parties if c} | {c for _, c in programs if c})
    assert len(counties) >= 2 and programs and trust_ids
    actors = [actor(role="admin"), actor(role="auditor"),
              *(actor(role=r, county_code=c) for r in ("official", "approver") for c in [*counties, None]),
              *(actor(role="trustee", trust_id=t) for t in trust_ids),
              *(actor(role="community", party_id=p) for p, _ in parties[:5])]
    for who in actors:
        async with db.reading() as session:
            readable = set((await session.scalars(select(party_rules.readable(who).subquery().c.id))).all())
            in_programs = set((await session.scalars(
                select(compensation.readable_programs(who).subquery().c.id))).all())
        assert {p for p, c in parties if who.in_county(c)} <= readable, who
        assert {p for p, c in programs if who.in_county(c)} == in_programs, who
