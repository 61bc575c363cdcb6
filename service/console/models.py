"""A console user is an ordinary `users` row (role and scope) with a sign-in name and a password;
sessions live in the database so that every worker process sees them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from service.db import Base, BigId, utcnow


class ConsoleLogin(Base):
    __tablename__ = "console_logins"

    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)  # stored lower-case
    password_hash: Mapped[str] = mapped_column(String(255))  # argon2id, with its parameters
    failed_count: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    disabled_at: Mapped[datetime | None]
    password_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_sign_in_at: Mapped[datetime | None]


class ConsoleSession(Base):
    """Rows of the session store (litestar.stores.base.Store) behind the console's session cookie."""

    __tablename__ = "console_sessions"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    value: Mapped[bytes] = mapped_column(LargeBinary)
    expires_at: Mapped[datetime | None] = mapped_column(index=True)


class StagedUpload(Base):
    """A batch file between its dry run and its commit: the person sees the check, then commits the
    very same bytes with one button (nothing to upload twice). Removed at commit; old ones pruned."""

    __tablename__ = "console_staged_uploads"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # random: not guessable across users
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), index=True)
    program_id: Mapped[int] = mapped_column(BigId)
    period: Mapped[str] = mapped_column(String(7))
    filename: Mapped[str] = mapped_column(String(255))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
