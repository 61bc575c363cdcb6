"""Domain errors and their RFC 9457 problem documents.

Every refusal names the field at fault and the reason, so a county clerk can fix the input.
"""

from __future__ import annotations

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

PROBLEM_BASE = "https://shanshui-ledger.org/problems/"


class DomainError(Exception):
    """A refusal the user can act on. Subclasses set the status and a problem type slug."""

    status = 422
    slug = "invalid-request"
    title = "The request was refused"

    def __init__(self, detail: str, *, field: str | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field
        self.extra = extra

    def to_problem(self) -> ProblemDetailsException:
        extra: dict[str, Any] = dict(self.extra)
        if self.field:
            extra["errors"] = [{"field": self.field, "reason": self.detail}]
        return ProblemDetailsException(
            detail=self.detail,
            status_code=self.status,
            type_=PROBLEM_BASE + self.slug,
            title=self.title,
            extra=extra or None,
        )


class InvalidField(DomainError):
    slug = "invalid-field"
    title = "A field is invalid"

    def __init__(self, field: str, reason: str, **extra: Any) -> None:
        super().__init__(f"{field}: {reason}", field=field, **extra)
        self.reason = reason

    def to_problem(self) -> ProblemDetailsException:
        problem = super().to_problem()
        problem.extra = {**(problem.extra or {}), "errors": [{"field": self.field, "reason": self.reason}]}
        return problem


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
    return ProblemDetailsException(
        detail=detail,
        status_code=422 if errors else 400,
        type_=PROBLEM_BASE + "invalid-field",
        title="A field is invalid",
        extra={"errors": errors} if errors else None,
    )


def _http_to_problem(exc: HTTPException) -> ProblemDetailsException:
    slug = {401: "unauthenticated", 403: "forbidden", 404: "not-found", 405: "method-not-allowed",
            413: "too-large", 429: "rate-limited"}.get(exc.status_code, "http-error")
    return ProblemDetailsException(
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
internal_error_handlers = {HTTP_500_INTERNAL_SERVER_ERROR: _internal_error}
