"""Console forms: reading them, submitting them idempotently with their one-time form key, and
explaining a domain refusal next to its field in the user's language."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from litestar import Request
from litestar.datastructures import UploadFile
from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.actor import Actor
from service.console.i18n import LABELS, lang_of
from service.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InsufficientFunds,
    InvalidField,
)
from service.writes import IDEMPOTENCY_HEADER, perform

M = TypeVar("M", bound=BaseModel)
FORM_KEY = "_form_key"
HIDDEN = ("_csrf_token", FORM_KEY)


async def read(request: Request) -> dict[str, Any]:
    """The submitted fields (text stripped; files as UploadFile), without the CSRF token."""
    form = await request.form()
    return {k: (v if isinstance(v, UploadFile) else str(v).strip()) for k, v in form.items() if k != "_csrf_token"}


# pydantic's commonest refusals, in the user's words (others show pydantic's own message)
PYDANTIC = {"missing": "err_missing", "string_pattern_mismatch": "err_format", "int_parsing": "err_number",
            "date_from_datetime_parsing": "err_date", "date_parsing": "err_date", "enum": "err_choice",
            "greater_than_equal": "err_too_small", "less_than_equal": "err_too_large"}


def parse(model: type[M], values: dict[str, Any], lang: str = "en", **extra: Any) -> tuple[M | None, dict[str, str]]:
    """A schema from form fields (empty fields left out), or the errors by field in the user's language."""
    data = {k: v for k, v in values.items() if isinstance(v, str) and v != "" and k not in HIDDEN} | extra
    data = {k: v for k, v in data.items() if k in model.model_fields}
    try:
        return model.model_validate(data), {}
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for e in exc.errors():
            name = str(e["loc"][0]) if e["loc"] else ""
            label = PYDANTIC.get(e["type"])
            errors.setdefault(name, LABELS[lang][label] if label else e["msg"].removeprefix("Value error, "))
        return None, errors


def fields(values: dict[str, Any]) -> dict[str, str]:
    """What a form should show again after a refusal: every text field, none of the hidden ones."""
    return {k: v for k, v in values.items() if isinstance(v, str) and k not in HIDDEN}


@dataclass
class Outcome:
    result: dict[str, Any] | None = None
    replayed: bool = False
    errors: dict[str, str] = field(default_factory=dict)  # field -> message, "" for the whole form
    status: int = 200

    @property
    def ok(self) -> bool:
        return self.result is not None

    @property
    def saved(self) -> dict[str, Any]:
        """What a successful submission answered (check `ok` first)."""
        if self.result is None:
            raise RuntimeError("the submission was refused: check `ok` before reading what it saved")
        return self.result


async def submit(request: Request, values: dict[str, Any], data: Any,
                 op: Callable[[AsyncSession, Actor], Awaitable[BaseModel]]) -> Outcome:
    """Run `op` in one write transaction through `service.writes.perform`, keyed by the form's one-time
    key: a double click or a browser retry gets the first result back and writes nothing twice."""
    key = values.get(FORM_KEY)
    if not isinstance(key, str) or not 8 <= len(key) <= 100:
        return Outcome(errors={"": LABELS[lang_of(request)]["csrf_failed"]}, status=400)
    try:
        response = await perform(request, data, op, key=f"console:{key}")
    except DomainError as exc:
        field_name, message = explain(exc, lang_of(request))
        return Outcome(errors={field_name: message}, status=exc.status)
    return Outcome(result=json.loads(response.content), replayed="Idempotent-Replayed" in response.headers)


def explain(exc: DomainError, lang: str) -> tuple[str, str]:
    """(field, message in the user's language); field "" means the whole form."""
    t = LABELS[lang]
    field_name = exc.field or ""
    if field_name == IDEMPOTENCY_HEADER:
        return "", t["still_processing"] if "still being processed" in exc.detail else t["already_submitted"]
    if isinstance(exc, InsufficientFunds) and {"available", "requested"} <= exc.extra.keys():
        return field_name, t["insufficient_funds"].format(available=exc.extra["available"],
                                                          requested=exc.extra["requested"])
    if isinstance(exc, Forbidden) and "four-eyes" in exc.detail:
        return field_name, t["four_eyes"]
    if isinstance(exc, Conflict) and "existing_payment_id" in exc.extra:
        return field_name, t["duplicate_payment"].format(id=exc.extra["existing_payment_id"])
    if isinstance(exc, InvalidField):
        return field_name, exc.reason
    return field_name, exc.detail


def as_errors(exc: DomainError, lang: str) -> dict[str, str]:
    field_name, message = explain(exc, lang)
    return {field_name: message}
