"""Demo: sign a head over the demo journal, when the deployment has a publishing key (`shanshui demo`
creates one in the working directory)."""

from __future__ import annotations

from service.roots import keys
from service.roots.service import publish


async def load(ctx) -> None:
    path = ctx.settings.publishing_key
    if not path.is_file():
        return  # no key: heads are published later with `shanshui roots publish`
    await ctx.session.flush()
    await publish(ctx.session, keys.load(path))
