"""Staged batch and register files: kept between the dry run and the one-button commit, for their uploader only."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.actor import Actor
from service.console.models import StagedUpload
from service.db import utcnow
from service.errors import NotFound

KEEP = timedelta(hours=24)
REGISTER = "enroll"  # in place of a period: an enrollment register, which a batch commit must never take


async def stage(session: AsyncSession, actor: Actor, program_id: int, period: str, filename: str,
                content: bytes) -> str:
    await session.execute(delete(StagedUpload).where(StagedUpload.created_at < utcnow() - KEEP))
    upload_id = secrets.token_urlsafe(24)
    session.add(StagedUpload(id=upload_id, user_id=actor.user_id, program_id=program_id, period=period,
                             filename=filename[:255], content=content))
    await session.flush()
    return upload_id


async def take(session: AsyncSession, actor: Actor, upload_id: str, register: bool = False) -> StagedUpload:
    """The staged file, removed in the same transaction as the commit that uses it; a payment batch and an
    enrollment register are never taken for each other."""
    upload = await session.get(StagedUpload, upload_id[:40]) if upload_id else None
    if upload is None or upload.user_id != actor.user_id or (upload.period == REGISTER) != register:
        raise NotFound("this checked file is no longer available; upload it again", field="upload_id")
    await session.delete(upload)
    await session.flush()
    return upload
