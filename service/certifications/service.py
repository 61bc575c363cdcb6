"""Certificates: registering, suspending, revoking, reinstating, and public verification of codes."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.actor import Actor
from service.certifications import status as rules
from service.certifications.models import Certification, Status
from service.certifications.schemas import ActionIn, CertificationIn, CertificationOut, PublicVerification
from service.certifications.repository import readable
from service.db import fetch_one, utcnow
from service.errors import Conflict, InvalidField, NotFound
from service.parties.models import OrgType, Party, PartyKind
from service.schemas import with_fields

HOLDER_ORG_TYPES = (OrgType.COOPERATIVE, OrgType.ENTERPRISE)


def today() -> date:
    return utcnow().date()


def status_of(cert: Certification, day: date | None = None) -> Status:
    return rules.status_on(day or today(), cert.valid_from, cert.valid_to, cert.action, cert.action_on)


def cert_out(cert: Certification, day: date | None = None) -> CertificationOut:
    day = day or today()
    return CertificationOut.model_validate(with_fields(cert, status=status_of(cert, day), status_on=day))


async def _holder(session: AsyncSession, actor: Actor, party_id: int) -> Party:
    holder = await session.get(Party, party_id)
    ok = holder is not None and holder.county_code is not None and actor.in_county(holder.county_code) and (
        holder.is_personal or (holder.kind == PartyKind.ORGANISATION and holder.org_type in HOLDER_ORG_TYPES))
    if not ok:
        raise InvalidField("holder_party_id", "the holder must be a producer household or person, or a cooperative "
                                              "or enterprise, of your county")
    return holder  # type: ignore[return-value]


async def create(session: AsyncSession, actor: Actor, data: CertificationIn) -> Certification:
    holder = await _holder(session, actor, data.holder_party_id)
    body = await session.get(Party, data.issuing_body_party_id)
    if body is None or body.kind != PartyKind.ORGANISATION:
        raise InvalidField("issuing_body_party_id", "the issuing body must be a registered organisation")
    clash = await session.scalar(select(Certification.trace_prefix).where(
        Certification.trace_prefix.in_(rules.candidate_prefixes(data.trace_prefix))
        | Certification.trace_prefix.startswith(data.trace_prefix, autoescape=True)))
    if clash is not None:
        raise Conflict(f"trace_prefix {data.trace_prefix!r} collides with existing prefix {clash!r}: "
                       "a code would match two certificates", field="trace_prefix")
    cert = Certification(
        scheme=data.scheme, certificate_number=data.certificate_number, issuing_body_party_id=body.id,
        holder_party_id=holder.id, county_code=holder.county_code, product=data.product,
        # "0" (the default) means no certified area; anything else, "" included, must parse
        area_centimu=0 if re.fullmatch(r"0+(\.0+)?", data.area_mu) else rules.parse_scaled(data.area_mu, 2, "area_mu"),
        valid_from=data.valid_from, valid_to=data.valid_to, trace_prefix=data.trace_prefix, created_by=actor.user_id,
    )
    session.add(cert)
    await session.flush()
    return cert


async def get(session: AsyncSession, actor: Actor, cert_id: int, lock: bool = False) -> Certification:
    q = readable(actor).where(Certification.id == cert_id)
    cert = await fetch_one(session, q, lock=lock)
    if cert is None:
        raise NotFound(f"certification {cert_id} not found")
    return cert


async def list_visible(session: AsyncSession, actor: Actor, *, holder_party_id: int | None, scheme: str | None,
                       limit: int, offset: int) -> list[Certification]:
    q = readable(actor).order_by(Certification.id)
    if holder_party_id is not None:
        q = q.where(Certification.holder_party_id == holder_party_id)
    if scheme:
        q = q.where(Certification.scheme == scheme)
    return list((await session.execute(q.limit(limit).offset(offset))).scalars())


async def act(session: AsyncSession, actor: Actor, cert_id: int, action: Status | None, data: ActionIn) -> Certification:
    """Suspend or revoke from a date (revocation is final), or reinstate (action=None) a suspension."""
    cert = await get(session, actor, cert_id, lock=True)
    if cert.action == Status.REVOKED:
        raise Conflict("the certificate is revoked; the issuing body must issue a new one", field="status")
    if action is None and cert.action != Status.SUSPENDED:
        raise Conflict("only a suspended certificate can be reinstated", field="status")
    if action == Status.SUSPENDED and cert.action == Status.SUSPENDED:
        raise Conflict("the certificate is already suspended", field="status")
    cert.action, cert.action_on = action, (data.effective_on or today()) if action else None
    cert.action_reason, cert.action_by = data.reason, actor.user_id
    await session.flush()
    return cert


async def verify_code(session: AsyncSession, code: str) -> PublicVerification:
    code = rules.normalise_code(code)
    candidates = rules.candidate_prefixes(code)
    rows = (await session.execute(select(Certification).where(Certification.trace_prefix.in_(candidates)))).scalars()
    cert = max(rows, key=lambda c: len(c.trace_prefix), default=None)
    if cert is None:
        raise NotFound("no certificate issues this traceability code; the product may be counterfeit", field="code")
    body = await session.get(Party, cert.issuing_body_party_id)
    holder = await session.get(Party, cert.holder_party_id)
    is_org = holder is not None and holder.kind == PartyKind.ORGANISATION
    day = today()
    st = status_of(cert, day)
    return PublicVerification(
        code=code, genuine=st == Status.ACTIVE, status=st, checked_on=day, scheme=cert.scheme, product=cert.product,
        certificate_number=cert.certificate_number, issuing_body=body.name if body else "",
        valid_from=cert.valid_from, valid_to=cert.valid_to, holder=holder.name if holder is not None and is_org else None,
        holder_type="organisation" if is_org else "individual producer",
    )
