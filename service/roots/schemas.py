"""Signed heads, proofs and the public key as the API shows them. No personal data."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from service.schemas import Input, Output


class HeadOut(Output):
    period: str
    tree_size: int
    root_hash: str
    chain_hash: str
    previous_head_hash: str
    published_at: datetime
    key_id: str
    public_key: str = Field(description="Ed25519 public key, base64 of its 32 raw bytes")
    head_hash: str = Field(description="SHA-256 of `signed`")
    signed: str = Field(description="the exact JSON text the signature covers")
    signature: str = Field(description="Ed25519 signature of `signed`, base64")


class ConsistencyOut(Output):
    first: HeadOut
    second: HeadOut
    proof: list[str] = Field(description="RFC 9162 consistency proof, hex node hashes")


class KeyOut(Output):
    algorithm: str = "Ed25519"
    key_id: str
    public_key: str = Field(description="base64 of the 32 raw bytes")
    public_key_pem: str


class PublishIn(Input):
    period: str | None = Field(default=None, pattern=r"^\d{4}-(0[1-9]|1[0-2])$",
                               description="the month closed (YYYY-MM); default the current month")
