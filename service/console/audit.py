"""Sign-in, sign-in failure and sign-out in the audit trail (the same JSON log as service/ops/audit.py)."""

from __future__ import annotations

import json
from typing import Any

from litestar import Request

from service.db import utcnow
from service.ops.audit import logger


def event(request: Request, name: str, **fields: Any) -> None:
    """One audit line; never the password, never the session id."""
    line = {"event": name, "at": utcnow().isoformat(), "path": request.url.path, "method": request.method,
            "client": request.client.host if request.client else None, **fields}
    logger.info(json.dumps(line, ensure_ascii=False))
