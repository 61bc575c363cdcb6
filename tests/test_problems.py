"""Problem documents (RFC 9457): a domain error's extras never replace the standard members."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from litestar.exceptions import HTTPException

import service.app  # noqa: F401  (imports every domain, so every DomainError subclass is known)
from service import errors
from service.errors import PROBLEM_BASE, STANDARD_MEMBERS, DomainError, InvalidField


def _kinds(cls: type[DomainError]) -> list[type[DomainError]]:
    return [cls, *(k for sub in cls.__subclasses__() for k in _kinds(sub))]


DOMAIN_ERRORS = [k for k in _kinds(DomainError) if not issubclass(k, InvalidField)]  # InvalidField: below
VALUES = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20))


def body(problem) -> dict:
    return problem.to_response(None).content


@given(kind=st.sampled_from(DOMAIN_ERRORS), name=st.sampled_from(STANDARD_MEMBERS), value=VALUES)
def test_an_extra_named_like_a_standard_member_cannot_shadow_it(kind, name, value):
    error = kind.__new__(kind)
    DomainError.__init__(error, "payment 7 is reversed", field="status", **{name: value})
    doc = body(error.to_problem())
    assert doc["status"] == kind.status and isinstance(doc["status"], int)
    assert doc["type"] == PROBLEM_BASE + kind.slug and doc["title"] == kind.title
    assert doc["detail"] == "payment 7 is reversed" and "instance" not in doc
    assert doc[f"current_{name}"] == value
    assert doc["errors"] == [{"field": "status", "reason": "payment 7 is reversed"}]


@given(name=st.sampled_from(STANDARD_MEMBERS), value=VALUES)
def test_invalid_field_keeps_its_members_and_names_the_field(name, value):
    doc = body(InvalidField("amount", "must be positive", **{name: value}).to_problem())
    assert (doc["status"], doc["title"], doc["detail"]) == (422, "A field is invalid", "amount: must be positive")
    assert doc["errors"] == [{"field": "amount", "reason": "must be positive"}]
    assert doc[f"current_{name}"] == value


def test_http_errors_extras_cannot_shadow_the_status_either():
    doc = body(errors._http_to_problem(HTTPException(status_code=404, detail="gone", extra={"status": "x"})))
    assert doc["status"] == 404 and doc["current_status"] == "x"
