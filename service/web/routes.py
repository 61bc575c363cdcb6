"""Pages people read: the public transparency page, the household's statement, and the two checks."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.enums import RequestEncodingType
from litestar.params import Body
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.tokens import authenticate
from service.certifications import service as certifications
from service.errors import DomainError, NotFound
from service.parsing import whole_number
from service.parties.models import Party
from service.reports import service as reports
from service.reports.routes import can_read_statement
from service.pages.i18n import LABELS, choose
from service.reports.html import statement_html, transparency_html
from service.pages.render import group, render
from service.auth.guards import PUBLIC
from service.ratelimit import RATE_LIMITED, when_asked

HTML = "text/html"  # Litestar adds the charset


def _lang(request: Request, lang: str | None) -> str:
    return choose(lang, request.headers.get("accept-language"))


def _page(body: bytes, status: int = 200) -> Response[bytes]:
    return Response(content=body, media_type=HTML, status_code=status)


@get("/transparency", opt=PUBLIC, include_in_schema=False)
async def transparency_page(
    request: Request, session: AsyncSession, state: State, county: str | None = None, period: str | None = None,
    lang: str | None = None,
) -> Response[bytes]:
    doc = await reports.transparency(session, k=state.settings.k_anonymity, county=county, period=period)
    return _page(transparency_html(doc, _lang(request, lang)))


@get("/statement", opt=PUBLIC, include_in_schema=False)
async def statement_form(request: Request, lang: str | None = None) -> Response[bytes]:
    return _page(render("statement_form.html", _lang(request, lang), error=None))


class StatementForm(BaseModel):
    token: str
    period: str | None = None
    party_id: str | None = None  # an empty form field arrives as ""
    lang: str | None = None


@post("/statement", opt={**PUBLIC, RATE_LIMITED: True}, include_in_schema=False, status_code=200)
async def statement_page(
    request: Request, session: AsyncSession, state: State,
    data: Annotated[StatementForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
) -> Response[bytes]:
    """The token comes in the form body (never the URL), so the page works without JavaScript."""
    lang = _lang(request, data.lang)
    actor = await authenticate(session, data.token.strip(), state.token_cache)
    asked = whole_number(data.party_id.strip()) if data.party_id else None
    party_id = asked or (actor.party_id if actor else None)
    party = await session.get(Party, party_id) if party_id else None
    if actor is None or party is None or not can_read_statement(actor, party):
        return _page(render("statement_form.html", lang, error="token or party not recognised"), 403)
    try:
        doc = await reports.statement(session, party, secret=state.settings.secret, period=data.period or None)
    except DomainError as exc:
        return _page(render("statement_form.html", lang, error=exc.detail), 422)
    return _page(statement_html(doc, lang))


@get("/statement/verify", opt={**PUBLIC, RATE_LIMITED: when_asked("code")}, include_in_schema=False)
async def statement_verify_page(
    request: Request, session: AsyncSession, state: State, code: str | None = None, lang: str | None = None,
) -> Response[bytes]:
    lang = _lang(request, lang)
    t = LABELS[lang]
    result, rows, message = None, [], t["invalid"]
    if code:
        try:
            result = await reports.verify_statement(session, code, state.settings.secret)
        except DomainError as exc:
            message = exc.detail
        if result and result["valid"]:
            rows = [(t["period"], result["period"] or t["all_periods"]), (t["entries"], result["entries"]),
                    (t["total"], f"¥{group(result['total'])}"), (t["as_of"], f"#{result['as_of']['sequence']}")]
    return _page(render("verify.html", lang, title=t["verify_title"], action="/statement/verify", code=code,
                        result=result, rows=rows, message=message))


async def lookup_certificate(session: AsyncSession, code: str) -> dict[str, Any] | None:
    """What the public certification check says about a traceability code (the same function the API
    answers with, called directly: the visitor's own rate limit applies, nobody else's); None when no
    certificate issues it."""
    try:
        found = await certifications.verify_code(session, code)
    except NotFound:
        return None
    return found.model_dump(mode="json")


def certificate_rows(found: dict[str, Any]) -> list[tuple[str, str]]:
    """Show the public fields the certification API returns, in a stable order."""
    keys = ["status", "scheme", "product", "holder", "issuing_body", "valid_from", "valid_to", "valid_until", "code"]
    rows = [(k.replace("_", " "), str(found[k])) for k in keys if found.get(k) is not None]
    return rows or [(k, str(v)) for k, v in sorted(found.items()) if isinstance(v, (str, int))]


@get("/certificates/verify", opt={**PUBLIC, RATE_LIMITED: when_asked("code")}, include_in_schema=False)
async def certificate_page(
    request: Request, session: AsyncSession, code: str | None = None, lang: str | None = None,
) -> Response[bytes]:
    lang = _lang(request, lang)
    t = LABELS[lang]
    found = None
    if code:
        found = await lookup_certificate(session, code.strip()[:120])
    result = {"valid": True} if found else None
    verdict = None
    if found:  # a genuine code of a certificate that is not active must not read as "valid"
        verdict = t["cert_active"] if found.get("status") == "active" else t["cert_inactive"].format(status=found.get("status"))
    return _page(render("verify.html", lang, title=t["cert_title"], action="/certificates/verify", code=code,
                        result=result, rows=certificate_rows(found) if found else [], message=t["cert_not_found"],
                        verdict=verdict, verdict_ok=bool(found and found.get("status") == "active")),
                 200 if found or not code else 404)


routes = [transparency_page, statement_form, statement_page, statement_verify_page, certificate_page]
