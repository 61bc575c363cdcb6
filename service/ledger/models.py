"""Accounts, journal entries and postings: the only tables that hold money."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    BigInteger, Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, LargeBinary, String, Text, event, text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.db import Base, BigId, IdMixin, utcnow
from service.ledger.dimensions import default_for


class AccountKind(StrEnum):
    SOURCE = "source"  # money entering the ledger from outside (budget, settlor, buyer); debit-normal
    FUND = "fund"  # a funding account (county fund, program fund)
    TRUST = "trust"  # a water-fund trust's money
    POOL = "pool"  # a benefit-sharing pool (ecotourism, carbon, eco-product levy)
    BENEFICIARY = "beneficiary"  # what a party has received
    FEE = "fee"  # a trustee's management fee income
    PROJECT = "project"  # a project or purpose money was disbursed to


class Side(StrEnum):
    DEBIT = "debit"
    CREDIT = "credit"


class EntryStatus(StrEnum):
    PENDING = "pending"
    POSTED = "posted"
    VOIDED = "voided"


GENESIS_HASH = "0" * 64


class Totals:
    """The balances an account's four totals give (shared by the ORM model and the ledger's locked rows)."""

    if TYPE_CHECKING:
        normal_side: str
        debits_posted: int
        credits_posted: int
        debits_pending: int
        credits_pending: int

    def _signed(self, debits: int, credits: int) -> int:
        return debits - credits if self.normal_side == Side.DEBIT else credits - debits

    @property
    def posted_balance(self) -> int:
        return self._signed(self.debits_posted, self.credits_posted)

    @property
    def pending_out(self) -> int:
        """Reserved by pending entries and about to leave the account."""
        return self.credits_pending if self.normal_side == Side.DEBIT else self.debits_pending

    @property
    def pending_in(self) -> int:
        return self.debits_pending if self.normal_side == Side.DEBIT else self.credits_pending

    @property
    def available_balance(self) -> int:
        return self.posted_balance - self.pending_out


class Account(Totals, IdMixin, Base):
    """An account. Its totals are maintained only by the ledger, in the transaction that posts,
    and `verify` checks them against the postings (TigerBeetle keeps the same four totals)."""

    __tablename__ = "accounts"
    __table_args__ = (
        CheckConstraint(f"kind IN ({', '.join(repr(k.value) for k in AccountKind)})", name="kind").ddl_if(dialect="postgresql"),
        CheckConstraint(f"normal_side IN ({', '.join(repr(k.value) for k in Side)})", name="normal_side")
        .ddl_if(dialect="postgresql"),
    )

    code: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    currency: Mapped[str] = mapped_column(String(3))
    normal_side: Mapped[str] = mapped_column(String(6))
    may_go_negative: Mapped[bool] = mapped_column(Boolean, default=False)
    party_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("parties.id"), index=True)
    county_code: Mapped[str | None] = mapped_column(String(6), index=True)
    trust_id: Mapped[int | None] = mapped_column(BigId)
    debits_posted: Mapped[int] = mapped_column(BigInteger, default=0)
    credits_posted: Mapped[int] = mapped_column(BigInteger, default=0)
    debits_pending: Mapped[int] = mapped_column(BigInteger, default=0)
    credits_pending: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


REPORT_DIMS = ("id", "status", "kind", "effective_date", "reversal_of_id", "dim_county", "dim_program", "dim_trust",
               "dim_period", "dim_reverses_kind", "dim_patrol_days", "dim_incidents")


class JournalEntry(IdMixin, Base):
    __tablename__ = "journal_entries"
    __table_args__ = (
        Index("ix_journal_entries_kind_status", "kind", "status"),
        CheckConstraint(f"status IN ({', '.join(repr(k.value) for k in EntryStatus)})", name="status")
        .ddl_if(dialect="postgresql"),
        Index("ix_journal_entries_dim_county_period", "dim_county", "dim_period"),
        # The transparency report reads every entry's dimensions: on PostgreSQL an index-only scan of
        # these columns reads a tenth of the table (metadata, memo and hashes stay on the heap). SQLite
        # has no INCLUDE: there it is a plain index on the sequence.
        Index("ix_journal_entries_report_dims", "sequence", postgresql_include=list(REPORT_DIMS)),
        # pending entries are few: incremental verification sums their postings through this index
        Index("ix_journal_entries_pending", "status", postgresql_where=text("status = 'pending'"),
              sqlite_where=text("status = 'pending'")),
        # entries not posted (pending, voided) are few: a full verification takes their postings off
        # the sums of all postings through this index instead of scanning the journal for them
        Index("ix_journal_entries_not_posted", "id", postgresql_where=text("status <> 'posted'"),
              sqlite_where=text("status <> 'posted'")),
    )

    kind: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(10))
    effective_date: Mapped[date] = mapped_column(Date, index=True)
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    posted_at: Mapped[datetime | None]
    voided_at: Mapped[datetime | None]
    memo: Mapped[str] = mapped_column(Text, default="")
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", default=dict)
    entered_by: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id"))
    approved_by: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id"))
    voided_by: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id"))
    void_reason: Mapped[str | None] = mapped_column(Text)
    request_id: Mapped[str | None] = mapped_column(String(64))
    reversal_of_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("journal_entries.id"), unique=True)
    sequence: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))
    # Report dimensions, copied from the metadata when the row is inserted (service/ledger/dimensions.py).
    dim_county: Mapped[str | None] = mapped_column(String, default=default_for("dim_county"))
    dim_program: Mapped[str | None] = mapped_column(String, default=default_for("dim_program"), index=True)
    dim_period: Mapped[str | None] = mapped_column(String, default=default_for("dim_period"))
    dim_trust: Mapped[str | None] = mapped_column(String, default=default_for("dim_trust"), index=True)
    dim_agreement: Mapped[str | None] = mapped_column(String, default=default_for("dim_agreement"), index=True)
    dim_reverses_kind: Mapped[str | None] = mapped_column(String, default=default_for("dim_reverses_kind"))
    dim_payee_party: Mapped[int | None] = mapped_column(BigInteger, default=default_for("dim_payee_party"),
                                                        index=True)
    dim_patrol_days: Mapped[int | None] = mapped_column(BigInteger, default=default_for("dim_patrol_days"))
    dim_incidents: Mapped[int | None] = mapped_column(BigInteger, default=default_for("dim_incidents"))
    # What the audit reads beyond the report dimensions (the anomaly checks' keys, reconciliation): text.
    dim_rule: Mapped[str | None] = mapped_column(String, default=default_for("dim_rule"))
    dim_rule_max: Mapped[str | None] = mapped_column(String, default=default_for("dim_rule_max"))
    dim_program_area: Mapped[str | None] = mapped_column(String, default=default_for("dim_program_area"))
    dim_certification: Mapped[str | None] = mapped_column(String, default=default_for("dim_certification"))
    dim_certificate_valid_until: Mapped[str | None] = mapped_column(String, default=default_for("dim_certificate_valid_until"))
    # indexed: the audit from a checkpoint re-reads the stipends of the members the new entries pay
    dim_member_party: Mapped[str | None] = mapped_column(String, default=default_for("dim_member_party"), index=True)
    dim_stipend_cap: Mapped[str | None] = mapped_column(String, default=default_for("dim_stipend_cap"))
    dim_agreement_version: Mapped[str | None] = mapped_column(String, default=default_for("dim_agreement_version"))
    dim_share_limit: Mapped[str | None] = mapped_column(String, default=default_for("dim_share_limit"))
    dim_program_period_start: Mapped[str | None] = mapped_column(String, default=default_for("dim_program_period_start"))
    dim_program_period_end: Mapped[str | None] = mapped_column(String, default=default_for("dim_program_period_end"))
    dim_bank_reference: Mapped[str | None] = mapped_column(String, default=default_for("dim_bank_reference"))
    dim_reconciled: Mapped[str | None] = mapped_column(String, default=default_for("dim_reconciled"))

    postings: Mapped[list[Posting]] = relationship(lazy="raise", order_by="Posting.id")


class Posting(IdMixin, Base):
    """Signed minor units: positive is a debit, negative a credit. Per currency they sum to zero."""

    __tablename__ = "postings"
    __table_args__ = (
        # With the amount beside it (PostgreSQL), a full verification sums every account's postings by
        # reading this index in account order, with no hash table of a million accounts.
        Index("ix_postings_account_entry", "account_id", "entry_id", postgresql_include=["amount"]),
        CheckConstraint("amount <> 0", name="amount_nonzero").ddl_if(dialect="postgresql"),
    )

    entry_id: Mapped[int] = mapped_column(BigId, ForeignKey("journal_entries.id"), index=True)
    account_id: Mapped[int] = mapped_column(BigId, ForeignKey("accounts.id"))
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[int] = mapped_column(BigInteger)


class LedgerHead(Base):
    """One row: the last sequence number and hash. Locking it serialises the chain."""

    __tablename__ = "ledger_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sequence: Mapped[int] = mapped_column(BigInteger, default=0)
    hash: Mapped[str] = mapped_column(String(64), default=GENESIS_HASH)


class Checkpoint(Base):
    """A verified point of the chain: the entry at `sequence` had `entry_hash`, and the accounts' posted
    totals were those whose digest is `totals_digest`. Each checkpoint is hash-linked to the previous
    one, so a checkpoint cannot be edited without breaking every later one. The newest one's totals
    are kept in `ledger_checkpoint_totals`; incremental verification starts from it."""

    __tablename__ = "ledger_checkpoints"

    sequence: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    entry_hash: Mapped[str] = mapped_column(String(64))
    totals_digest: Mapped[str] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    full: Mapped[bool] = mapped_column(Boolean, default=False)  # made by a pass from genesis
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The totals' check sum (checkpoints.check_sum_of): lets incremental verification compare every account
    # with one pass over the accounts instead of a join. Not hash-linked: a wrong value only sends the
    # check to the exact comparison, which reports the difference. None on checkpoints made before it.
    totals_check: Mapped[int | None] = mapped_column(BigInteger)


class CheckpointTotal(Base):
    """Every account's posted totals at the newest checkpoint (replaced when a new one is made)."""

    __tablename__ = "ledger_checkpoint_totals"

    account_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    debits_posted: Mapped[int] = mapped_column(BigInteger)
    credits_posted: Mapped[int] = mapped_column(BigInteger)


@event.listens_for(LedgerHead.__table__, "after_create")
def _genesis(target: Any, connection: Any, **_: Any) -> None:
    """The chain starts at sequence 0 with the all-zero hash (migrations insert the same row)."""
    connection.execute(target.insert().values(id=1, sequence=0, hash=GENESIS_HASH))


class RollupPoint(Base):
    """A checkpoint whose transparency rollup is stored (service/ledger/rollup.py): the rows of this
    point hold the report's grain of the entries posted in (`after`, `sequence`], and `after` is the
    previous point (0 for the first), so the points ≤ S together hold the grain of every entry ≤ S.
    Written with the checkpoint, in its transaction; never changed afterwards."""

    __tablename__ = "report_rollup_points"

    sequence: Mapped[int] = mapped_column(BigInteger, ForeignKey("ledger_checkpoints.sequence"), primary_key=True,
                                          autoincrement=False)
    after: Mapped[int] = mapped_column(BigInteger)
    rows: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RollupCell(IdMixin, Base):
    """A combination of the transparency report's keys (currency, entry dimensions, month, kind of
    entry) that some rollup row sums into: the rows carry this id instead of six strings, so a
    province's rollup is read as three integer columns. Added as new combinations appear, never changed."""

    __tablename__ = "report_rollup_cells"

    currency: Mapped[str] = mapped_column(String(3))
    county: Mapped[str | None] = mapped_column(String)
    program: Mapped[str | None] = mapped_column(String)
    trust: Mapped[str | None] = mapped_column(String)
    period: Mapped[str | None] = mapped_column(String)
    month: Mapped[str | None] = mapped_column(String)
    effective_kind: Mapped[str | None] = mapped_column(String)


class RollupRow(IdMixin, Base):
    """The transparency report's postings summed per (cell: entry dimensions, month, kind of entry;
    account), before any join with the accounts' or parties' attributes (those are joined when a report
    is read: a party's village or gender may change later). One point's rows cover its (after, sequence]."""

    __tablename__ = "report_rollup_rows"

    point: Mapped[int] = mapped_column(BigInteger, ForeignKey("report_rollup_points.sequence"), index=True)
    cell: Mapped[int] = mapped_column(BigId, ForeignKey("report_rollup_cells.id"))
    # indexed: the report's tables read the rows of the households paid since a checkpoint (reports/tables.py)
    account_id: Mapped[int] = mapped_column(BigInteger, index=True)
    amount: Mapped[int] = mapped_column(BigInteger)


class RollupTables(Base):
    """The public report's six tables (figures per group, before suppression) of one currency at this
    point, as canonical JSON (service/reports/tables.py): a report of the whole ledger starts from them
    and adds the entries after the point. Written with the checkpoint; never changed afterwards."""

    __tablename__ = "report_rollup_tables"

    point: Mapped[int] = mapped_column(BigInteger, ForeignKey("report_rollup_points.sequence"), primary_key=True,
                                       autoincrement=False)
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    tables: Mapped[str] = mapped_column(Text)


class AuditTables(Base):
    """One of the audit's tables that add up over the journal (flows for one grouping, reconciliation,
    the anomaly findings) of one currency at this point, as an Arrow IPC stream
    (service/reports/audit_kept.py): an audit of the whole ledger starts from them and adds the
    entries after the point. Written with the checkpoint; never changed afterwards."""

    __tablename__ = "report_audit_tables"

    point: Mapped[int] = mapped_column(BigInteger, ForeignKey("report_rollup_points.sequence"), primary_key=True,
                                       autoincrement=False)
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    part: Mapped[str] = mapped_column(String(30), primary_key=True)  # "flows:<grouping>", "reconciliation", "findings"
    frame: Mapped[bytes] = mapped_column(LargeBinary)


class RollupEffort(IdMixin, Base):
    """Patrol days and incidents of the stipend entries of one point's range, per cell and month."""

    __tablename__ = "report_rollup_effort"

    point: Mapped[int] = mapped_column(BigInteger, ForeignKey("report_rollup_points.sequence"), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    county: Mapped[str | None] = mapped_column(String)
    program: Mapped[str | None] = mapped_column(String)
    trust: Mapped[str | None] = mapped_column(String)
    period: Mapped[str | None] = mapped_column(String)
    month: Mapped[str | None] = mapped_column(String)
    patrol_days: Mapped[int] = mapped_column(BigInteger)
    incidents: Mapped[int] = mapped_column(BigInteger)
