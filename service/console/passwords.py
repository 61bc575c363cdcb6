"""Password hashing with argon2id (argon2-cffi's defaults, RFC 9106's second recommendation)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from service.errors import InvalidField

HASHER = PasswordHasher()  # argon2id by default
# Verified against when the username is unknown, so that a wrong name takes as long as a wrong password.
_DUMMY = HASHER.hash("not a password")
MIN_LENGTH = 10


def check_strength(password: str, field: str = "password") -> None:
    if len(password) < MIN_LENGTH:
        raise InvalidField(field, f"use at least {MIN_LENGTH} characters")
    if len(password) > 256:
        raise InvalidField(field, "use at most 256 characters")


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def verify(stored: str | None, password: str) -> bool:
    try:
        return HASHER.verify(stored or _DUMMY, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False
