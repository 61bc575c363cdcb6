"""Public, unauthenticated: the signed heads, one head, a consistency proof, the public key and the
offline checker page. An admin may publish a head on demand. Nothing here names a person."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Annotated, Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from litestar import Controller, MediaType, Request, Response, get, post
from litestar.datastructures import State
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.actor import Actor
from service.auth.guards import PUBLIC, requires
from service.errors import NotFound
from service.pagination import MAX_ID, Limit, Offset, Page
from service.ratelimit import RATE_BUCKET, RATE_LIMITED
from service.roots import keys, service
from service.roots.schemas import ConsistencyOut, HeadOut, KeyOut, PublishIn
from service.writes import perform

CHECKER = Path(__file__).parent / "static" / "checker.html"
Size = Annotated[int, Parameter(ge=1, le=MAX_ID, description="a signed head's tree size")]


async def public_key(state: State, session: AsyncSession) -> KeyOut:
    """The configured key, or (when this server cannot read it) the key of the latest head."""
    path: Path = state.settings.publishing_key
    if path.is_file():
        b64 = keys.public_b64(keys.load(path).public_key())
    else:
        head = await service.latest(session)
        if head is None:
            raise NotFound("no publishing key is configured and no head has been published")
        b64 = head.public_key
    pem = Ed25519PublicKey.from_public_bytes(base64.b64decode(b64)).public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return KeyOut(key_id=keys.key_id(b64), public_key=b64, public_key_pem=pem)


class RootsController(Controller):
    path = "/api/v1/roots"
    tags = ["roots"]

    @get("/", opt=PUBLIC)
    async def list_heads(self, session: AsyncSession, limit: Limit = 100, offset: Offset = 0) -> Page[HeadOut]:
        """Public: every signed tree head, oldest first."""
        heads = await service.list_heads(session, limit, offset)
        return Page(items=[HeadOut(**service.head_doc(h)) for h in heads], limit=limit, offset=offset)

    @get("/{tree_size:int}", opt=PUBLIC)
    async def get_head(self, session: AsyncSession, tree_size: Size) -> HeadOut:
        """Public: one signed tree head, by its tree size."""
        return HeadOut(**service.head_doc(await service.get_head(session, tree_size)))

    @get("/consistency", opt={**PUBLIC, "problems": ["404"], RATE_LIMITED: True, RATE_BUCKET: "proofs"})
    async def consistency(self, request: Request, state: State, session: AsyncSession, first: Size,
                          second: Size) -> ConsistencyOut:
        """Public: proof that the head of size `first` is a prefix of the head of size `second`."""
        return ConsistencyOut(**await service.consistency(session, first, second))

    @get("/key", opt={**PUBLIC, "problems": ["404"]})
    async def key(self, state: State, session: AsyncSession) -> KeyOut:
        """Public: the Ed25519 key that signs the heads."""
        return await public_key(state, session)

    @post("/", guards=[requires()], status_code=201)
    async def publish(self, request: Request, state: State, data: PublishIn) -> Response[HeadOut]:
        """Admin: sign and record the head of a period now (normally done at the period's close)."""
        key = keys.load(state.settings.publishing_key)

        async def op(session: AsyncSession, actor: Actor) -> HeadOut:
            return HeadOut(**service.head_doc(await service.publish(session, key, data.period)))

        return await perform(request, data, op)


@get("/.well-known/shanshui-publishing-key", opt={**PUBLIC, "problems": ["404"]}, tags=["roots"])
async def well_known_key(state: State, session: AsyncSession) -> KeyOut:
    """Public: the publishing key at its well-known address."""
    return await public_key(state, session)


@get("/roots/checker", opt=PUBLIC, tags=["roots"], media_type=MediaType.HTML, include_in_schema=False)
async def checker(download: bool = False) -> Response[bytes]:
    """The offline checker page; `download=true` saves it as a file that works with no network."""
    # its one inline script is the page (a saved copy must work alone): this response allows it
    headers = {"Content-Security-Policy": "default-src 'none'; script-src 'unsafe-inline'; "
                                          "style-src 'unsafe-inline'; frame-ancestors 'none'"}
    if download:
        headers["Content-Disposition"] = 'attachment; filename="shanshui-checker.html"'
    return Response(CHECKER.read_bytes(), media_type=MediaType.HTML, headers=headers)


routes: list[Any] = [RootsController, well_known_key, checker]
