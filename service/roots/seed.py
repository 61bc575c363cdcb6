"""Demo: sign a head over the demo journal as it stands, when the deployment has a publishing key
(`shanshui demo` creates one in the working directory). The seed runs this step twice (service/seed.py),
so the demo has two heads to show a consistency proof between; a step with nothing new signs nothing."""

from __future__ import annotations

from service.ledger.models import LedgerHead
from service.roots import keys
from service.roots.service import latest, publish


async def load(ctx) -> None:
    path = ctx.settings.publishing_key
    if not path.is_file():
        return  # no key: heads are published later with `shanshui roots publish`
    await ctx.session.flush()
    head, last = await ctx.session.get(LedgerHead, 1), await latest(ctx.session)
    if head is None or head.sequence <= (last.tree_size if last else 0):
        return
    await publish(ctx.session, keys.load(path))
