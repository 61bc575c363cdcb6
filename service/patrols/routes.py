"""HTTP routes of the patrols domain: teams, logs (+ CSV import, review), stipend rules and runs."""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Literal

from litestar import Controller, Request, Response, get, post
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.actor import Actor
from service.auth.guards import ENTERERS, requires
from service.auth.models import Role
from service.pagination import Id, OptionalId, Limit, Offset, Page
from service.patrols import service, stipends
from service.patrols.models import LogStatus
from service.patrols.schemas import (
    ImportOut, LogIn, LogOut, MemberIn, MemberOut, ReviewIn, StipendRuleIn, StipendRuleOut, StipendRunIn,
    StipendRunOut, TeamIn, TeamOut,
)
from service.writes import perform

SUPERVISORS = (Role.APPROVER,)
COUNTY_READERS = (Role.OFFICIAL, Role.APPROVER, Role.AUDITOR)
OWN_READERS = (*COUNTY_READERS, Role.COMMUNITY)  # a household reads the logs it patrolled in


class PatrolTeamController(Controller):
    path = "/api/v1/patrol-teams"
    tags = ["patrols"]

    @post("/", guards=[requires(*ENTERERS)], status_code=201)
    async def create_team(self, request: Request, data: TeamIn) -> Response[TeamOut]:
        """Register a patrol team of a village (in your county)."""

        async def op(session: AsyncSession, actor: Actor) -> TeamOut:
            return await service.team_out(session, await service.create_team(session, actor, data))

        return await perform(request, data, op)

    @get("/", guards=[requires(*COUNTY_READERS)])
    async def list_teams(self, session: AsyncSession, actor: Actor, county_code: str | None = None,
                         limit: Limit = 100, offset: Offset = 0) -> Page[TeamOut]:
        """Patrol teams of the caller's county."""
        teams = await service.list_teams(session, actor, county_code, limit, offset)
        return Page(items=[await service.team_out(session, t) for t in teams], limit=limit, offset=offset)

    @get("/{team_id:int}", guards=[requires(*COUNTY_READERS)])
    async def get_team(self, session: AsyncSession, actor: Actor, team_id: Id) -> TeamOut:
        """One patrol team with its members."""
        return await service.team_out(session, await service.get_team(session, actor, team_id))

    @post("/{team_id:int}/members", guards=[requires(*ENTERERS)], status_code=201)
    async def add_member(self, request: Request, team_id: Id, data: MemberIn) -> Response[MemberOut]:
        """Add a person or household of the county; `code` is how field tools name them."""

        async def op(session: AsyncSession, actor: Actor) -> MemberOut:
            return await service.member_out(session, await service.add_member(session, actor, team_id, data))

        return await perform(request, data, op)


class PatrolLogController(Controller):
    path = "/api/v1/patrol-logs"
    tags = ["patrols"]

    @post("/", guards=[requires(*ENTERERS)], status_code=201)
    async def create_log(self, request: Request, data: LogIn) -> Response[LogOut]:
        """Enter a patrol log. Members already on patrol at an overlapping time are refused (409)."""

        async def op(session: AsyncSession, actor: Actor) -> LogOut:
            return await service.log_out(session, await service.create_log(session, actor, data))

        return await perform(request, data, op)

    @post("/import", guards=[requires(*ENTERERS)], status_code=201)
    async def import_logs(
        self, request: Request, team_id: Id, dry_run: bool = True,
        layout: Literal["kobo", "smart"] | None = None,
    ) -> Response[ImportOut]:
        """Import a KoboToolbox/ODK or SMART CSV export (raw body, UTF-8 or GB18030/GBK). `dry_run=true` (the default)
        checks every row and writes nothing; `dry_run=false` writes all rows or none."""
        body = await request.body()
        fingerprint = {"team_id": team_id, "layout": layout, "dry_run": dry_run,
                       "sha256": hashlib.sha256(body).hexdigest()}

        async def op(session: AsyncSession, actor: Actor) -> ImportOut:
            return await service.import_logs(session, actor, team_id, body, layout, dry_run)

        if dry_run:
            async with request.app.state.db.reading() as session:
                out = await op(session, request.user)
            return Response(out, status_code=200)
        return await perform(request, fingerprint, op)

    @get("/", guards=[requires(*OWN_READERS)])
    async def list_logs(
        self, session: AsyncSession, actor: Actor, team_id: OptionalId = None, status: LogStatus | None = None,
        member_party_id: OptionalId = None, date_from: date | None = None, date_to: date | None = None,
        limit: Limit = 100, offset: Offset = 0,
    ) -> Page[LogOut]:
        """Patrol logs of the caller's county, filtered by team, member, status or dates."""
        logs = await service.list_logs(session, actor, team_id=team_id, status=status, member_party_id=member_party_id,
                                       date_from=date_from, date_to=date_to, limit=limit, offset=offset)
        return Page(items=[await service.log_out(session, l) for l in logs], limit=limit, offset=offset)

    @get("/{log_id:int}", guards=[requires(*OWN_READERS)])
    async def get_log(self, session: AsyncSession, actor: Actor, log_id: Id) -> LogOut:
        """One patrol log with its members and review status."""
        return await service.log_out(session, await service.get_log(session, actor, log_id))

    @post("/{log_id:int}/verify", guards=[requires(*SUPERVISORS)], status_code=200)
    async def verify_log(self, request: Request, log_id: Id) -> Response[LogOut]:
        """A supervisor (approver of the county) confirms the log; only verified logs earn stipends."""

        async def op(session: AsyncSession, actor: Actor) -> LogOut:
            return await service.log_out(session, await service.verify_log(session, actor, log_id))

        return await perform(request, None, op, status_code=200)

    @post("/{log_id:int}/reject", guards=[requires(*SUPERVISORS)], status_code=200)
    async def reject_log(self, request: Request, log_id: Id, data: ReviewIn) -> Response[LogOut]:
        """A supervisor (approver of the county) rejects the log with a reason; it earns nothing."""
        async def op(session: AsyncSession, actor: Actor) -> LogOut:
            return await service.log_out(session, await service.reject_log(session, actor, log_id, data.reason))

        return await perform(request, data, op, status_code=200)


class StipendRuleController(Controller):
    path = "/api/v1/stipend-rules"
    tags = ["patrols"]

    @post("/", guards=[requires(*ENTERERS)], status_code=201)
    async def create_rule(self, request: Request, data: StipendRuleIn) -> Response[StipendRuleOut]:
        """A rate per verified patrol-day or hour, a monthly cap per member, paid from a county fund."""

        async def op(session: AsyncSession, actor: Actor) -> StipendRuleOut:
            return StipendRuleOut.model_validate(await stipends.create_rule(session, actor, data))

        return await perform(request, data, op)

    @get("/", guards=[requires(*COUNTY_READERS)])
    async def list_rules(self, session: AsyncSession, actor: Actor, limit: Limit = 100,
                         offset: Offset = 0) -> Page[StipendRuleOut]:
        """Stipend rules of the caller's county."""
        rules = await stipends.list_rules(session, actor, limit, offset)
        return Page(items=[StipendRuleOut.model_validate(r) for r in rules], limit=limit, offset=offset)

    @get("/{rule_id:int}", guards=[requires(*COUNTY_READERS)])
    async def get_rule(self, session: AsyncSession, actor: Actor, rule_id: Id) -> StipendRuleOut:
        """One stipend rule."""
        return StipendRuleOut.model_validate(await stipends.get_rule(session, actor, rule_id))


class StipendRunController(Controller):
    path = "/api/v1/stipend-runs"
    tags = ["patrols"]

    @post("/dry-run", guards=[requires(*ENTERERS, Role.APPROVER, Role.AUDITOR)], status_code=200)
    async def dry_run(self, session: AsyncSession, actor: Actor, data: StipendRunIn) -> StipendRunOut:
        """What the month would pay, member by member, without writing anything."""
        return await stipends.dry_run(session, actor, data)

    @post("/", guards=[requires(*ENTERERS)], status_code=201)
    async def commit(self, request: Request, data: StipendRunIn, dry_run: bool = False) -> Response[StipendRunOut]:
        """Reserve the month's stipends as pending entries; members already paid are left out.
        `?dry_run=true` is the same as `POST /stipend-runs/dry-run` (200, writes nothing)."""
        if dry_run:
            async with request.app.state.db.reading() as session:
                return Response(await stipends.dry_run(session, request.user, data), status_code=200)

        async def op(session: AsyncSession, actor: Actor) -> StipendRunOut:
            return await stipends.run_out(session, await stipends.commit(session, actor, data))

        return await perform(request, data, op)

    @get("/", guards=[requires(*COUNTY_READERS)])
    async def list_runs(self, session: AsyncSession, actor: Actor, rule_id: OptionalId = None,
                        period: str | None = None, limit: Limit = 100, offset: Offset = 0) -> Page[StipendRunOut]:
        """Monthly stipend runs of the caller's county."""
        runs = await stipends.list_runs(session, actor, rule_id, period, limit, offset)
        return Page(items=[await stipends.run_out(session, r) for r in runs], limit=limit, offset=offset)

    @get("/{run_id:int}", guards=[requires(*COUNTY_READERS)])
    async def get_run(self, session: AsyncSession, actor: Actor, run_id: Id) -> StipendRunOut:
        """One stipend run, member by member."""
        return await stipends.run_out(session, await stipends.get_run(session, actor, run_id))

    @post("/{run_id:int}/approve", guards=[requires(Role.APPROVER)], status_code=200)
    async def approve(self, request: Request, run_id: Id) -> Response[StipendRunOut]:
        """Post every stipend of the run to the members' benefits accounts (not by who committed it)."""

        async def op(session: AsyncSession, actor: Actor) -> StipendRunOut:
            return await stipends.run_out(session, await stipends.approve(session, actor, run_id))

        return await perform(request, None, op, status_code=200)

    @post("/{run_id:int}/reject", guards=[requires(Role.APPROVER)], status_code=200)
    async def reject(self, request: Request, run_id: Id, data: ReviewIn) -> Response[StipendRunOut]:
        """Void every stipend of the run; the month may be run again."""

        async def op(session: AsyncSession, actor: Actor) -> StipendRunOut:
            return await stipends.run_out(session, await stipends.reject(session, actor, run_id, data.reason))

        return await perform(request, data, op, status_code=200)


routes = [PatrolTeamController, PatrolLogController, StipendRuleController, StipendRunController]
