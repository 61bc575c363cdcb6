"""Eco-product sales by certified holders, and the levy that moves a share into a village pool."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from service import money
from service.auth.actor import Actor
from service.certifications import service as certs
from service.certifications import status as rules
from service.certifications.models import Certification, EcoProductSale, LevyRule, Status
from service.certifications.schemas import LevyRuleIn, SaleIn
from service.errors import Conflict, InvalidField, NotFound
from service.ledger import service as ledger
from service.ledger.models import AccountKind
from service.parties.models import Party, PartyKind


def pool_code(village_id: int, currency: str = "CNY") -> str:
    return f"pool:{village_id}:eco-levy:{currency}"


def sales_source_code(holder_id: int, currency: str = "CNY") -> str:
    return f"party:{holder_id}:eco-sales:{currency}"


async def create_levy_rule(session: AsyncSession, actor: Actor, data: LevyRuleIn) -> LevyRule:
    if not actor.in_county(data.county_code):
        raise InvalidField("county_code", f"you act only in county {actor.county_code}")
    village = await session.get(Party, data.village_party_id)
    if village is None or village.kind != PartyKind.COMMUNITY or village.county_code != data.county_code:
        raise InvalidField("village_party_id", f"not a village of county {data.county_code}")
    pool = await ledger.ensure_account(
        session, code=pool_code(village.id), name=f"Community benefit pool (eco-product levy) of {village.name}",
        kind=AccountKind.POOL, party_id=village.id, county_code=village.county_code,
    )
    rule = LevyRule(name=data.name, county_code=data.county_code, scheme=data.scheme, basis_points=data.basis_points,
                    village_party_id=village.id, pool_account_id=pool.id, created_by=actor.user_id)
    session.add(rule)
    await session.flush()
    return rule


async def list_levy_rules(session: AsyncSession, actor: Actor, limit: int, offset: int) -> list[LevyRule]:
    q = select(LevyRule).order_by(LevyRule.id)
    if not actor.reads_everything:
        q = q.where(LevyRule.county_code == actor.county_code)
    return list((await session.execute(q.limit(limit).offset(offset))).scalars())


async def applicable_rule(session: AsyncSession, cert: Certification) -> LevyRule | None:
    """The county's active rule for the certificate's scheme, else its rule for every scheme."""
    rows = (await session.execute(select(LevyRule).where(
        LevyRule.county_code == cert.county_code, LevyRule.active.is_(True),
        (LevyRule.scheme == cert.scheme) | LevyRule.scheme.is_(None)).order_by(LevyRule.id))).scalars()
    return min(rows, key=lambda r: (r.scheme is None, r.id), default=None)


async def record_sale(session: AsyncSession, actor: Actor, data: SaleIn) -> EcoProductSale:
    cert = await certs.get(session, actor, data.certification_id)
    state = certs.status_of(cert, data.sale_date)
    if state != Status.ACTIVE:
        raise Conflict(f"certificate {cert.certificate_number} is {state} on {data.sale_date}; "
                       "sales are recorded only under an active certificate", field="sale_date",
                       certificate_status=str(state))
    if data.product is not None and data.product != cert.product:
        raise InvalidField("product", f"the certificate covers {cert.product!r}, not {data.product!r}")
    amount = money.parse_positive(data.amount, data.currency, "amount")
    sale = EcoProductSale(
        certification_id=cert.id, holder_party_id=cert.holder_party_id, county_code=cert.county_code,
        product=cert.product, quantity_milli=rules.parse_scaled(data.quantity, 3, "quantity"), unit=data.unit,
        amount_minor=amount, currency=data.currency, sale_date=data.sale_date, buyer=data.buyer,
        entered_by=actor.user_id,
    )
    session.add(sale)
    await session.flush()
    rule = await applicable_rule(session, cert)
    if rule is not None and data.currency == "CNY":
        await _levy(session, actor, cert, sale, rule)
    return sale


async def _levy(session: AsyncSession, actor: Actor, cert: Certification, sale: EcoProductSale, rule: LevyRule) -> None:
    due = rules.levy(sale.amount_minor, rule.basis_points)
    if due == 0:
        return
    holder = await session.get(Party, cert.holder_party_id)
    source = await ledger.ensure_account(
        session, code=sales_source_code(cert.holder_party_id, sale.currency),
        name=f"Certified eco-product sales of {holder.name if holder else cert.holder_party_id}",
        kind=AccountKind.SOURCE, party_id=cert.holder_party_id, county_code=cert.county_code, currency=sale.currency,
    )
    pct = f"{rule.basis_points // 100}.{rule.basis_points % 100:02d}%"
    text = f"{pct} of {money.format(sale.amount_minor, sale.currency)} {sale.currency} certified sales"
    entry = await ledger.record_entry(
        session, kind="levy", legs=ledger.transfer(source.id, rule.pool_account_id, due, sale.currency), actor=actor,
        effective_date=sale.sale_date, memo=f"Eco-product levy on sale {sale.id} ({cert.product}): {text}",
        metadata={"certification_id": cert.id, "sale_id": sale.id, "county_code": cert.county_code,
                  "period": sale.sale_date.strftime("%Y-%m"), "rule": text, "levy_rule_id": rule.id,
                  "payee_party_id": rule.village_party_id, "purpose": "eco-product levy",
                  "certificate_valid_until": cert.valid_to.isoformat()},
    )
    sale.levy_rule_id, sale.levy_minor, sale.levy_entry_id = rule.id, due, entry.id
    await session.flush()


async def get_sale(session: AsyncSession, actor: Actor, sale_id: int) -> EcoProductSale:
    sale = await session.get(EcoProductSale, sale_id)
    if sale is None or not (actor.reads_everything or actor.in_county(sale.county_code)):
        raise NotFound(f"sale {sale_id} not found")
    return sale


async def list_sales(session: AsyncSession, actor: Actor, certification_id: int | None, limit: int,
                     offset: int) -> list[EcoProductSale]:
    q = select(EcoProductSale).order_by(EcoProductSale.id)
    if not actor.reads_everything:
        q = q.where(EcoProductSale.county_code == actor.county_code)
    if certification_id is not None:
        q = q.where(EcoProductSale.certification_id == certification_id)
    return list((await session.execute(q.limit(limit).offset(offset))).scalars())
