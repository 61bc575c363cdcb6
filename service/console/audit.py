"""Sign-in, sign-in failure and sign-out in the audit trail (the same JSON log as service/ops/audit.py)."""

from __future__ import annotations

from typing import Any

from litestar import Request

from service.ops.audit import audit_log


def event(request: Request, name: str, **fields: Any) -> None:
    """One audit line; never the password, never the session id."""
    audit_log.info(name, path=request.url.path, method=request.method,
                   client=request.client.host if request.client else None, **fields)
