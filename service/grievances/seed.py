"""Demo: the demo household reports its first statement line as not received; the county official
answers. It stays open, so the queue and the tracking page have something to show."""

from __future__ import annotations

from sqlalchemy import select

from service.auth.models import Role
from service.grievances import service
from service.grievances.schemas import AnswerIn, GrievanceIn
from service.grievances.models import GrievanceKind
from service.ledger.models import EntryStatus, JournalEntry, Posting
from service.parties.models import Party
from service.parties.service import benefit_account_id


async def load(ctx) -> None:
    s = ctx.session
    household = await s.scalar(select(Party).where(Party.kind == "household").order_by(Party.id).limit(1))
    if household is None or household.county_code is None:
        return
    account = await benefit_account_id(s, household.id)
    sequence = await s.scalar(select(JournalEntry.sequence).join(Posting, Posting.entry_id == JournalEntry.id)
                              .where(Posting.account_id == account, Posting.amount < 0,
                                     JournalEntry.status == EntryStatus.POSTED)
                              .order_by(JournalEntry.sequence).limit(1))
    if sequence is None:
        return
    who = await ctx.user(f"{household.name} (demo)", Role.COMMUNITY, party_id=household.id)
    g = await service.file(s, who, GrievanceIn(kind=GrievanceKind.NOT_RECEIVED, entry_sequence=sequence,
                                               text="This payment has not reached our bank account."),
                           ctx.settings.grievance_deadline_days)
    official = ctx.actors.get(f"official:{household.county_code}")
    if official is not None:
        await service.answer(s, official, g.id, AnswerIn(
            text="We have asked the bank for the transfer record and will reply within 15 days."))
