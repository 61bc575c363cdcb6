"""Signed tree heads and the leaf hashes they were computed over."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from service.db import Base, IdMixin, utcnow


class SignedHead(IdMixin, Base):
    """A signed tree head: the Merkle root over the first `tree_size` posted entries (in sequence order),
    signed with the publishing key. `signed` is the exact JSON the signature covers."""

    __tablename__ = "signed_heads"

    period: Mapped[str] = mapped_column(String(7), index=True)
    tree_size: Mapped[int] = mapped_column(BigInteger, unique=True)
    root_hash: Mapped[str] = mapped_column(String(64))
    chain_hash: Mapped[str] = mapped_column(String(64))  # the hash chain's head at entry `tree_size`
    previous_head_hash: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    key_id: Mapped[str] = mapped_column(String(16))
    public_key: Mapped[str] = mapped_column(String(44))
    signed: Mapped[str] = mapped_column(Text)
    signature: Mapped[str] = mapped_column(String(88))
    head_hash: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 of `signed`


class PublishedLeaf(Base):
    """The leaf hash of each posted entry as it was when first published: proofs are built from these,
    so an entry altered later fails its own proof and `roots verify` can name it."""

    __tablename__ = "published_leaves"

    sequence: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    leaf_hash: Mapped[str] = mapped_column(String(64))
