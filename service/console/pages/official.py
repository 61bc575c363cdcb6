"""The official's dashboard: the county's funds, payments waiting or refused, the latest activity."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.actor import Actor
from service.auth.guards import requires
from service.auth.models import Role
from service.console import (
    county,
    official_labels,  # noqa: F401  (registers the labels)
)
from service.console.i18n import LABELS, lang_of
from service.console.pages.signin import START
from service.console.render import add_nav, page

OFFICIAL = (Role.OFFICIAL,)
add_nav("/console/official", "dashboard", *OFFICIAL)
add_nav("/console/households", "households", *OFFICIAL)
add_nav("/console/programs", "programs", *OFFICIAL)
add_nav("/console/payments", "payments", *OFFICIAL)
add_nav("/console/batches", "batches", *OFFICIAL)
add_nav("/console/bank", "bank", *OFFICIAL)
START[Role.OFFICIAL] = "/console/official"


@get("/official", guards=[requires(*OFFICIAL)])
async def dashboard(request: Request, session: AsyncSession, actor: Actor) -> Response:
    funds, totals = await county.funds(session, actor)
    return page(
        request, "official/dashboard.html", title=LABELS[lang_of(request)]["dashboard"], funds=funds, totals=totals,
        pending=await county.payments(session, actor, status=county.PENDING, limit=20),
        rejected=await county.payments(session, actor, status=county.REJECTED, limit=20),
        counts=await county.status_totals(session, actor), activity=await county.latest_activity(session, actor),
    )


routes: list[Any] = [dashboard]
