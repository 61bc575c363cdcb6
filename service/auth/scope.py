"""The county part of every access rule, as SQL: domains' `repository.readable(actor)` narrow with it.

Fails closed: an official or approver without a county reads nothing (the Python check
`Actor.in_county` agrees), admins and auditors read everything, other roles no county's rows.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, false, true

from service.auth.actor import Actor
from service.auth.models import Role


def county_rule(actor: Actor, column: Any) -> ColumnElement[bool]:
    if actor.reads_everything:
        return true()
    if actor.role in (Role.OFFICIAL, Role.APPROVER) and actor.county_code:
        return column == actor.county_code
    return false()
