from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import Field

from service import money
from service.ledger.models import AccountKind, JournalEntry
from service.ledger.service import Balance
from service.ledger.verify import VerifyReport
from service.schemas import Input, Output

SignedAmount = Annotated[
    str,
    Field(pattern=r"^-?[0-9]{1,13}(\.[0-9]{1,2})?$", max_length=20, examples=["-1234.56"],  # money.MAX_MINOR
          description="Signed decimal string: positive debits (money leaves), negative credits (money arrives)."),
]
MetaValue = str | int | bool | None


class NotZero:
    """The JSON Schema says what record_entry refuses: a posting of zero moves nothing. (A marker, not
    json_schema_extra: Litestar writes examples into that dict, and they pile up.)"""

    def __get_pydantic_json_schema__(self, core_schema: Any, handler: Any) -> dict[str, Any]:
        return {**handler(core_schema), "not": {"pattern": r"^-?0+(\.0+)?$"}}


class PostingIn(Input):
    account_id: int = Field(ge=1, le=2**62)
    amount: Annotated[SignedAmount, NotZero()]
    currency: money.Currency = "CNY"


class EntryIn(Input):
    kind: str = Field(default="adjustment", pattern=r"^[a-z_]{1,30}$")
    effective_date: date | None = None
    memo: str = Field(default="", max_length=1000)
    metadata: dict[Annotated[str, Field(max_length=64)], MetaValue] = Field(default_factory=dict, max_length=50)
    postings: list[PostingIn] = Field(min_length=2, max_length=1000)
    pending: bool = False


class AccountIn(Input):
    code: str = Field(min_length=1, max_length=120, pattern=r"^[A-Za-z0-9:._-]+$",
                      description="unique, readable code such as fund:360827:forest-2026")
    name: str = Field(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$")
    kind: AccountKind
    currency: money.Currency = "CNY"
    party_id: int | None = Field(default=None, ge=1, le=2**62)
    county_code: str | None = Field(default=None, pattern=r"^[0-9]{6}$")
    trust_id: int | None = Field(default=None, ge=1, le=2**62)


class VoidIn(Input):
    reason: str = Field(min_length=1, max_length=1000)


class ReverseIn(Input):
    memo: str = Field(default="", max_length=1000)
    effective_date: date | None = None


class PostingOut(Output):
    account_id: int
    currency: str
    amount: SignedAmount
    side: str


class EntryOut(Output):
    id: int
    kind: str
    status: str
    effective_date: date
    recorded_at: datetime
    posted_at: datetime | None
    voided_at: datetime | None
    memo: str
    metadata: dict[str, Any]
    entered_by: int | None
    approved_by: int | None
    voided_by: int | None
    void_reason: str | None
    reversal_of_id: int | None
    sequence: int | None
    prev_hash: str | None
    hash: str | None
    postings: list[PostingOut]

    @classmethod
    def of(cls, entry: JournalEntry) -> EntryOut:
        postings = [
            PostingOut(account_id=p.account_id, currency=p.currency, amount=money.format(p.amount, p.currency),
                       side="debit" if p.amount > 0 else "credit")
            for p in entry.postings
        ]
        return cls(
            id=entry.id, kind=entry.kind, status=entry.status, effective_date=entry.effective_date,
            recorded_at=entry.recorded_at, posted_at=entry.posted_at, voided_at=entry.voided_at, memo=entry.memo,
            metadata=entry.meta, entered_by=entry.entered_by, approved_by=entry.approved_by,
            voided_by=entry.voided_by, void_reason=entry.void_reason, reversal_of_id=entry.reversal_of_id,
            sequence=entry.sequence, prev_hash=entry.prev_hash, hash=entry.hash, postings=postings,
        )


class AccountOut(Output):
    id: int
    code: str
    name: str
    kind: str
    currency: str
    normal_side: str
    may_go_negative: bool
    party_id: int | None
    county_code: str | None
    trust_id: int | None


class BalanceOut(Output):
    account_id: int
    currency: str
    posted: money.Amount
    pending_in: money.Amount
    pending_out: money.Amount
    available: money.Amount
    as_of_sequence: int | None
    as_of_date: date | None

    @classmethod
    def of(cls, b: Balance) -> BalanceOut:
        c = b.account.currency
        return cls(account_id=b.account.id, currency=c, posted=money.format(b.posted, c),
                   pending_in=money.format(b.pending_in, c), pending_out=money.format(b.pending_out, c),
                   available=money.format(b.available, c), as_of_sequence=b.as_of_sequence, as_of_date=b.as_of_date)


class BreakOut(Output):
    sequence: int | None
    entry_id: int | None
    reason: str
    expected: str | None = Field(description="what the chain records there (a hash, a sequence, balanced postings)")
    found: str | None = Field(description="what verification found instead")


class VerifyOut(Output):
    ok: bool
    checked: int = Field(description="entries verified, from the first up to the first break")
    head_sequence: int = Field(description="the ledger's head, as recorded, even when the chain breaks before it")
    head_hash: str
    first_break: BreakOut | None
    not_checked: int = Field(description="posted entries after the first break, which could not be verified")
    account_mismatches: list[dict[str, Any]]
    from_checkpoint: int = Field(description="entries up to this sequence were taken from the newest verified "
                                 "checkpoint; 0 when the chain was recomputed from genesis")

    @classmethod
    def of(cls, r: VerifyReport) -> VerifyOut:
        fb = BreakOut(**vars(r.first_break)) if r.first_break else None
        return cls(ok=r.ok, checked=r.checked, head_sequence=r.head_sequence, head_hash=r.head_hash,
                   first_break=fb, not_checked=r.not_checked, account_mismatches=r.account_mismatches,
                   from_checkpoint=r.from_checkpoint)


class HeadOut(Output):
    sequence: int
    hash: str
