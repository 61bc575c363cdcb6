"""Patrol teams, members and logs: entering, importing, verifying. Plain async functions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.actor import Actor
from service.db import fetch_one, utcnow
from service.errors import Conflict, DomainError, Forbidden, InvalidField, NotFound
from service.parties import service as parties
from service.parties.models import Party, PartyKind
from service.schemas import with_fields
from service.patrols import imports, rules
from service.patrols.repository import readable_logs, readable_teams
from service.patrols.models import LogStatus, PatrolLog, PatrolLogMember, PatrolMember, PatrolTeam
from service.patrols.schemas import (
    ImportOut, ImportRowError, Incidents, LogIn, LogOut, MemberIn, MemberOut, TeamIn, TeamOut,
)


class ImportRefused(DomainError):
    slug = "import-refused"
    title = "The file has rows that cannot be imported"


# --- teams and members ----------------------------------------------------------------------


async def get_team(session: AsyncSession, actor: Actor, team_id: int) -> PatrolTeam:
    team = await fetch_one(session, readable_teams(actor).where(PatrolTeam.id == team_id))
    if team is None:
        raise NotFound(f"patrol team {team_id} not found")
    return team


async def create_team(session: AsyncSession, actor: Actor, data: TeamIn) -> PatrolTeam:
    village = await parties.find_readable(session, actor, data.village_party_id)
    if village is None or village.kind != PartyKind.COMMUNITY:
        raise InvalidField("village_party_id", f"unknown village {data.village_party_id}")
    if not actor.in_county(village.county_code):
        raise InvalidField("village_party_id", f"unknown village {data.village_party_id}")
    team = PatrolTeam(name=data.name, village_party_id=village.id, county_code=village.county_code,
                      created_by=actor.user_id)
    session.add(team)
    await session.flush()
    return team


async def add_member(session: AsyncSession, actor: Actor, team_id: int, data: MemberIn) -> PatrolMember:
    team = await get_team(session, actor, team_id)
    party = await session.get(Party, data.party_id)
    if party is None or not party.is_personal or party.county_code != team.county_code:
        raise InvalidField("party_id", f"party {data.party_id} is not a person or household of county {team.county_code}")
    taken = await session.scalar(select(PatrolMember).where(
        PatrolMember.team_id == team.id,
        (PatrolMember.party_id == party.id) | (PatrolMember.code == data.code)))
    if taken is not None:
        raise Conflict("this person or code is already on the team", field="party_id" if taken.party_id == party.id else "code")
    member = PatrolMember(team_id=team.id, party_id=party.id, code=data.code, role=data.role, joined_on=data.joined_on)
    session.add(member)
    await session.flush()
    return member


async def members_of(session: AsyncSession, team_id: int) -> list[PatrolMember]:
    rows = await session.execute(select(PatrolMember).where(PatrolMember.team_id == team_id).order_by(PatrolMember.id))
    return list(rows.scalars())


async def team_out(session: AsyncSession, team: PatrolTeam) -> TeamOut:
    out = TeamOut.model_validate(team)
    out.members = [await member_out(session, m) for m in await members_of(session, team.id)]
    return out


async def member_out(session: AsyncSession, member: PatrolMember) -> MemberOut:
    out = MemberOut.model_validate(member)
    out.benefit_account_id = await parties.benefit_account_id(session, member.party_id)
    return out


async def list_teams(session: AsyncSession, actor: Actor, county_code: str | None, limit: int, offset: int) -> list[PatrolTeam]:
    q = readable_teams(actor).order_by(PatrolTeam.id)
    if county_code:
        q = q.where(PatrolTeam.county_code == county_code)
    return list((await session.execute(q.limit(limit).offset(offset))).scalars())


# --- logs ------------------------------------------------------------------------------------


async def _lock_people(session: AsyncSession, party_ids: Sequence[int]) -> None:
    """Serialise log writers per member (PostgreSQL row locks; SQLite has one writer anyway)."""
    await session.execute(select(Party.id).where(Party.id.in_(sorted(party_ids))).order_by(Party.id).with_for_update())


async def overlapping(session: AsyncSession, party_ids: Sequence[int], starts: datetime, ends: datetime) -> list[tuple[int, int]]:
    """(member, log) pairs of live logs whose time range overlaps [starts, ends)."""
    rows = await session.execute(
        select(PatrolLogMember.member_party_id, PatrolLogMember.log_id).where(
            PatrolLogMember.member_party_id.in_(party_ids), PatrolLogMember.live.is_(True),
            PatrolLogMember.starts_at < ends, PatrolLogMember.ends_at > starts,
        )
    )
    return [(m, l) for m, l in rows]


async def _insert_log(
    session: AsyncSession, actor: Actor, team: PatrolTeam, party_ids: list[int], *, patrol_date, starts_at, ends_at,
    minutes: int, route_name: str, route_geojson, distance_m: int, observations: str, incidents: dict[str, int],
    source: str = "api", source_ref: str | None = None,
) -> PatrolLog:
    await _lock_people(session, party_ids)
    clash = await overlapping(session, party_ids, starts_at, ends_at)
    if clash:
        member, log_id = clash[0]
        raise Conflict(f"member {member} is already on patrol log {log_id} at an overlapping time",
                       field="member_party_ids", member_party_id=member, log_id=log_id)
    log = PatrolLog(
        team_id=team.id, county_code=team.county_code, patrol_date=patrol_date, starts_at=starts_at, ends_at=ends_at,
        minutes=minutes, route_name=route_name, route_geojson=route_geojson, distance_m=distance_m,
        observations=observations, status=LogStatus.SUBMITTED, source=source, source_ref=source_ref,
        entered_by=actor.user_id, **incidents,
    )
    session.add(log)
    await session.flush()
    session.add_all(PatrolLogMember(log_id=log.id, member_party_id=p, starts_at=starts_at, ends_at=ends_at)
                    for p in party_ids)
    await session.flush()
    return log


async def create_log(session: AsyncSession, actor: Actor, data: LogIn) -> PatrolLog:
    team = await get_team(session, actor, data.team_id)
    on_team = {m.party_id for m in await members_of(session, team.id) if m.active}
    ids = list(dict.fromkeys(data.member_party_ids))
    strangers = [p for p in ids if p not in on_team]
    if strangers:
        raise InvalidField("member_party_ids", f"not members of team {team.id}: {strangers}")
    if data.patrol_date > utcnow().astimezone(rules.CST).date():
        raise InvalidField("patrol_date", "a patrol cannot be logged before it happens")
    starts, ends = rules.patrol_window(data.patrol_date, data.start_time, data.end_time)
    minutes = rules.check_window(starts, ends)
    return await _insert_log(
        session, actor, team, ids, patrol_date=data.patrol_date, starts_at=starts, ends_at=ends, minutes=minutes,
        route_name=data.route_name, route_geojson=rules.validate_geometry(data.route_geojson),
        distance_m=rules.parse_distance_km(data.distance_km), observations=data.observations,
        incidents=data.incidents.model_dump(),
    )


async def log_out(session: AsyncSession, log: PatrolLog) -> LogOut:
    members = await session.execute(
        select(PatrolLogMember.member_party_id).where(PatrolLogMember.log_id == log.id).order_by(PatrolLogMember.id))
    incidents = Incidents(nets_removed=log.nets_removed, traps_removed=log.traps_removed,
                          poaching_reported=log.poaching_reported, wildlife_sighted=log.wildlife_sighted)
    return LogOut.model_validate(with_fields(log, member_party_ids=list(members.scalars()), incidents=incidents))


async def get_log(session: AsyncSession, actor: Actor, log_id: int, lock: bool = False) -> PatrolLog:
    q = readable_logs(actor).where(PatrolLog.id == log_id)
    log = await fetch_one(session, q, lock=lock)
    if log is None:
        raise NotFound(f"patrol log {log_id} not found")
    return log


async def list_logs(
    session: AsyncSession, actor: Actor, *, team_id: int | None, status: str | None, member_party_id: int | None,
    date_from, date_to, limit: int, offset: int,
) -> list[PatrolLog]:
    q = readable_logs(actor).order_by(PatrolLog.patrol_date, PatrolLog.id)
    if team_id is not None:
        q = q.where(PatrolLog.team_id == team_id)
    if status:
        q = q.where(PatrolLog.status == status)
    if member_party_id is not None:
        q = q.where(PatrolLog.id.in_(select(PatrolLogMember.log_id).where(PatrolLogMember.member_party_id == member_party_id)))
    if date_from:
        q = q.where(PatrolLog.patrol_date >= date_from)
    if date_to:
        q = q.where(PatrolLog.patrol_date <= date_to)
    return list((await session.execute(q.limit(limit).offset(offset))).scalars())


async def _review(session: AsyncSession, actor: Actor, log_id: int) -> PatrolLog:
    log = await get_log(session, actor, log_id, lock=True)
    if log.status != LogStatus.SUBMITTED:
        raise Conflict(f"log {log_id} is already {log.status}", field="status")
    if log.entered_by == actor.user_id:
        raise Forbidden("a supervisor cannot review a log they entered themselves", field="reviewed_by")
    return log


async def verify_log(session: AsyncSession, actor: Actor, log_id: int) -> PatrolLog:
    log = await _review(session, actor, log_id)
    log.status, log.reviewed_by, log.reviewed_at = LogStatus.VERIFIED, actor.user_id, utcnow()
    await session.flush()
    return log


async def reject_log(session: AsyncSession, actor: Actor, log_id: int, reason: str) -> PatrolLog:
    """A rejected log earns nothing and no longer blocks its members' time."""
    log = await _review(session, actor, log_id)
    log.status, log.reviewed_by, log.reviewed_at, log.reject_reason = LogStatus.REJECTED, actor.user_id, utcnow(), reason
    for link in (await session.execute(select(PatrolLogMember).where(PatrolLogMember.log_id == log.id))).scalars():
        link.live = False
    await session.flush()
    return log


# --- import ----------------------------------------------------------------------------------


async def import_logs(
    session: AsyncSession, actor: Actor, team_id: int, body: bytes, layout: str | None, dry_run: bool
) -> ImportOut:
    """Check every row; on commit write all rows or none. Rows already imported (same record id) are skipped."""
    team = await get_team(session, actor, team_id)
    layout, drafts, errors, encoding = imports.parse(body, layout)
    rows = len(drafts) + len({e.row for e in errors})
    by_code = {m.code.lower(): m.party_id for m in await members_of(session, team.id) if m.active}
    known_refs = set((await session.execute(
        select(PatrolLog.source_ref).where(PatrolLog.team_id == team.id, PatrolLog.source_ref.is_not(None)))).scalars())
    ready: list[tuple[imports.LogDraft, list[int]]] = []
    seen: dict[int, list[tuple[datetime, datetime, int]]] = {}
    skipped = 0
    for d in drafts:
        if d.source_ref and d.source_ref in known_refs:
            skipped += 1
            continue
        unknown = [c for c in d.members if c.lower() not in by_code]
        if unknown:
            errors.append(imports.RowError(d.row, "members", f"not members of team {team.id}: {', '.join(unknown)}"))
            continue
        ids = list(dict.fromkeys(by_code[c.lower()] for c in d.members))
        problem = await _row_overlap(session, ids, d, seen)
        if problem:
            errors.append(imports.RowError(d.row, "start", problem))
            continue
        for p in ids:
            seen.setdefault(p, []).append((d.starts_at, d.ends_at, d.row))
        if d.source_ref:
            known_refs.add(d.source_ref)
        ready.append((d, ids))
    errors.sort(key=lambda e: e.row)
    out = ImportOut(layout=layout, encoding=encoding, dry_run=dry_run, rows=rows,
                    valid=len(ready), errors=[ImportRowError(row=e.row, field=e.field, reason=e.reason) for e in errors],
                    skipped_duplicates=skipped)
    if dry_run:
        return out
    if errors:
        raise ImportRefused(f"{len(errors)} row(s) cannot be imported; nothing was written (see errors)",
                            errors=[e.model_dump() for e in out.errors])
    for d, ids in ready:
        log = await _insert_log(
            session, actor, team, ids, patrol_date=d.patrol_date, starts_at=d.starts_at, ends_at=d.ends_at,
            minutes=d.minutes, route_name=d.route_name, route_geojson=None, distance_m=d.distance_m,
            observations=d.observations, incidents=d.incidents, source=d.source, source_ref=d.source_ref,
        )
        out.created_log_ids.append(log.id)
    return out


async def _row_overlap(session: AsyncSession, ids: list[int], d: imports.LogDraft, seen) -> str | None:
    for p in ids:
        for s, e, row in seen.get(p, []):
            if rules.overlaps(s, e, d.starts_at, d.ends_at):
                return f"member {p} is also on row {row} at an overlapping time"
    clash = await overlapping(session, ids, d.starts_at, d.ends_at)
    if clash:
        return f"member {clash[0][0]} is already on patrol log {clash[0][1]} at an overlapping time"
    return None
