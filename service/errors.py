"""Domain errors and their RFC 9457 problem documents.

Every refusal names the field at fault and the reason, so a county clerk can fix the input.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from litestar import Request, Response
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
    ValidationException,
)
from litestar.plugins.problem_details import ProblemDetailsConfig, ProblemDetailsException, ProblemDetailsPlugin
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from litestar.types import ExceptionHandlersMap
from pydantic import BaseModel, ConfigDict

PROBLEM_BASE = "https://shanshui-ledger.org/problems/"
# RFC 9457's own members: a domain extra of the same name is renamed, never allowed to replace them.
STANDARD_MEMBERS = ("type", "title", "status", "detail", "instance")


class ProblemException(ProblemDetailsException):
    """A problem document whose extras cannot shadow the standard members (a payment's `status:
    "reversed"` would replace the integer status): such an extra is sent as `current_<name>`."""

    def __init__(self, *args: Any, extra: Mapping[str, Any] | None = None, **kwargs: Any) -> None:
        safe = {(f"current_{k}" if k in STANDARD_MEMBERS else k): v for k, v in (extra or {}).items()}
        super().__init__(*args, extra=safe or None, **kwargs)


class DomainError(Exception):
    """A refusal the user can act on. Subclasses set the status and a problem type slug."""

    status = 422
    slug = "invalid-request"
    title = "The request was refused"

    def __init__(self, detail: str, /, *, field: str | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field
        self.extra = extra

    def field_errors(self) -> list[dict[str, str]]:
        return [{"field": self.field, "reason": self.detail}] if self.field else []

    def to_problem(self) -> ProblemDetailsException:
        extra: dict[str, Any] = dict(self.extra)
        if errors := self.field_errors():
            extra["errors"] = errors
        return ProblemException(
            detail=self.detail,
            status_code=self.status,
            type_=PROBLEM_BASE + self.slug,
            title=self.title,
            extra=extra,
        )


class InvalidField(DomainError):
    slug = "invalid-field"
    title = "A field is invalid"

    field: str  # always named

    def __init__(self, field: str, reason: str, /, **extra: Any) -> None:
        super().__init__(f"{field}: {reason}", field=field, **extra)
        self.reason = reason

    def field_errors(self) -> list[dict[str, str]]:
        return [{"field": self.field, "reason": self.reason}]


class NotFound(DomainError):
    status = 404
    slug = "not-found"
    title = "Not found"


class Conflict(DomainError):
    status = 409
    slug = "conflict"
    title = "Conflict with the current state"


class InsufficientFunds(DomainError):
    status = 422
    slug = "insufficient-funds"
    title = "Insufficient funds"


class TooLarge(DomainError):
    status = 413
    slug = "too-large"
    title = "The upload is too large"


class Forbidden(DomainError):
    status = 403
    slug = "forbidden"
    title = "Not allowed"


def _validation_to_problem(exc: ValidationException) -> ProblemDetailsException:
    errors = []
    for item in exc.extra or []:
        if isinstance(item, dict):
            key = item.get("key") or item.get("loc") or "body"
            if isinstance(key, (list, tuple)):
                key = ".".join(str(k) for k in key)
            errors.append({"field": str(key), "reason": str(item.get("message") or item.get("msg") or item)})
        else:
            errors.append({"field": "body", "reason": str(item)})
    detail = "; ".join(f"{e['field']}: {e['reason']}" for e in errors) or str(exc.detail)
    return ProblemException(
        detail=detail,
        status_code=422 if errors else 400,
        type_=PROBLEM_BASE + "invalid-field",
        title="A field is invalid",
        extra={"errors": errors} if errors else None,
    )


def _http_to_problem(exc: HTTPException) -> ProblemDetailsException:
    slug = {401: "unauthenticated", 403: "forbidden", 404: "not-found", 405: "method-not-allowed",
            413: "too-large", 429: "rate-limited"}.get(exc.status_code, "http-error")
    return ProblemException(
        detail=str(exc.detail), status_code=exc.status_code, headers=exc.headers,
        type_=PROBLEM_BASE + slug, title=str(exc.detail) if exc.status_code < 500 else "Server error",
        extra=exc.extra if isinstance(exc.extra, dict) else None,
    )


def _internal_error(request: Request, exc: Exception) -> Response:
    request.logger.exception("unhandled error", exc_info=exc)
    return Response(
        {"type": PROBLEM_BASE + "server-error", "title": "Server error", "status": 500,
         "detail": "An unexpected error occurred; nothing was written."},
        status_code=HTTP_500_INTERNAL_SERVER_ERROR,
        media_type="application/problem+json",
    )


problem_plugin = ProblemDetailsPlugin(
    ProblemDetailsConfig(
        enable_for_all_http_exceptions=True,
        exception_to_problem_detail_map={
            ValidationException: _validation_to_problem,
            NotAuthorizedException: _http_to_problem,
            PermissionDeniedException: _http_to_problem,
            NotFoundException: _http_to_problem,
            HTTPException: _http_to_problem,
            DomainError: lambda exc: exc.to_problem(),
        },
    )
)
internal_error_handlers: ExceptionHandlersMap = {HTTP_500_INTERNAL_SERVER_ERROR: _internal_error}


# --- OpenAPI: every operation documents the problem documents it can answer with -----------------

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_STATUSES = {
    400: "Malformed request (bad JSON, bad query parameter)",
    401: "No valid bearer token",
    403: "The caller's role may not do this",
    404: "Not found, or outside the caller's scope",
    409: "Conflict with the current state or a reused Idempotency-Key",
    413: "Request body too large",
    422: "A field is invalid (the problem names it)",
    429: "Too many requests",
}


class FieldError(BaseModel):
    field: str
    reason: str


class Problem(BaseModel):
    """An RFC 9457 problem document."""

    model_config = ConfigDict(extra="allow")
    type: str
    title: str
    status: int
    detail: str | None = None
    errors: list[FieldError] | None = None

