"""The deployment's publishing key: an Ed25519 key in a PEM file outside the database.

Whoever can read the database cannot forge a signed tree head without this file; whoever holds the
public key (published at /.well-known/shanshui-publishing-key) can check every head offline.
"""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from service.errors import Conflict


class KeyMissing(Conflict):
    slug = "publishing-key-missing"
    title = "The publishing key is not configured"


def create(path: Path) -> str:
    """Write a new private key (mode 0600) and return its public key; never overwrite a key."""
    if path.exists():
        raise FileExistsError(f"{path} exists; a publishing key is never overwritten")
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    return public_b64(key.public_key())


def load(path: Path | None) -> Ed25519PrivateKey:
    if path is None or not path.is_file():
        raise KeyMissing("no publishing key: run `shanshui keys create` and set SHANSHUI_PUBLISHING_KEY to its file")
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyMissing(f"{path.name} is not an Ed25519 private key")
    return key


def public_raw(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_b64(key: Ed25519PublicKey) -> str:
    return base64.b64encode(public_raw(key)).decode()


def key_id(public_key_b64: str) -> str:
    """A short name for a public key: the first 16 hex digits of SHA-256 of its 32 raw bytes."""
    return hashlib.sha256(base64.b64decode(public_key_b64)).hexdigest()[:16]


def sign(key: Ed25519PrivateKey, message: bytes) -> str:
    return base64.b64encode(key.sign(message)).decode()


def check(public_key_b64: str, message: bytes, signature_b64: str) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key_b64)).verify(
            base64.b64decode(signature_b64), message)
    except (InvalidSignature, ValueError):
        return False
    return True
