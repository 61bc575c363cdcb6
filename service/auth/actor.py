"""Who is making a request, and what they may see."""

from __future__ import annotations

from dataclasses import dataclass

from service.auth.models import Role

GLOBAL_READERS = (Role.ADMIN, Role.AUDITOR)


@dataclass(frozen=True)
class Actor:
    user_id: int
    name: str
    role: str
    county_code: str | None = None
    trust_id: int | None = None
    party_id: int | None = None
    token_id: int | None = None
    request_id: str | None = None

    @property
    def scope(self) -> tuple[object, ...]:
        """Everything an access rule may read of the actor: two actors with the same scope read the
        same rows (the key a compiled access rule is kept under, service/driver.py's `load_one`)."""
        return (self.role, self.county_code, self.trust_id, self.party_id, self.user_id)

    @property
    def reads_everything(self) -> bool:
        return self.role in GLOBAL_READERS

    def in_county(self, county_code: str | None) -> bool:
        """Officials and approvers act only inside their county; admins and auditors everywhere."""
        if self.reads_everything:
            return True
        if self.role in (Role.OFFICIAL, Role.APPROVER):
            # fails closed: an official without a county acts nowhere (auth.scope.county_rule agrees)
            return self.county_code is not None and county_code == self.county_code
        return False

    def in_trust(self, trust_id: int | None) -> bool:
        if self.reads_everything:
            return True
        return self.role == Role.TRUSTEE and trust_id is not None and trust_id == self.trust_id
