"""Pure patrol rules: times, distances, GeoJSON, overlaps and stipend arithmetic. No I/O."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

from service import money
from service.errors import InvalidField

# China has one time zone and no daylight saving: field times are China Standard Time.
CST = timezone(timedelta(hours=8), "CST")
MAX_PATROL = timedelta(hours=24)
MAX_DISTANCE_M = 200_000  # 200 km on foot or by boat in a day is already implausible
GEOMETRY_TYPES = {"Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon"}
MAX_POSITIONS = 20_000
_KM = re.compile(r"^([0-9]{1,3})(?:\.([0-9]{1,3}))?$")
PERIOD = re.compile(r"^([0-9]{4})-(0[1-9]|1[0-2])$")


def patrol_window(day: date, start: time, end: time) -> tuple[datetime, datetime]:
    """UTC start and end of a patrol given in local time; an end before the start is the next day."""
    starts = datetime.combine(day, start, CST)
    ends = datetime.combine(day, end, CST)
    if ends < starts:
        ends += timedelta(days=1)
    return starts.astimezone(UTC), ends.astimezone(UTC)


def check_window(starts: datetime, ends: datetime, field: str = "end_time") -> int:
    """Minutes patrolled; refuses empty, negative and over-long patrols."""
    if ends <= starts:
        raise InvalidField(field, "the patrol must end after it starts")
    if ends - starts > MAX_PATROL:
        raise InvalidField(field, "a patrol log covers at most 24 hours; split longer patrols")
    return int((ends - starts).total_seconds() // 60)


def parse_distance_km(text: object, field: str = "distance_km") -> int:
    """Kilometres as a decimal string ("12.5", at most 3 decimals) -> whole metres."""
    if text is None or text == "":
        return 0
    if not isinstance(text, str):
        raise InvalidField(field, 'must be a decimal string such as "12.5", not a number')
    m = _KM.match(text.strip())
    if not m:
        raise InvalidField(field, f"{text[:30]!r} is not a distance in km such as \"12.5\"")
    metres = int(m.group(1)) * 1000 + int((m.group(2) or "").ljust(3, "0"))
    if metres > MAX_DISTANCE_M:
        raise InvalidField(field, f"at most {MAX_DISTANCE_M // 1000} km in one patrol")
    return metres


def format_km(metres: int) -> str:
    return f"{metres // 1000}.{metres % 1000:03d}"


def _positions(value: Any, depth: int, field: str) -> int:
    """Count positions in a coordinates array of the given nesting depth, checking each one."""
    if not isinstance(value, list):
        raise InvalidField(field, "coordinates must be arrays")
    if depth == 0:
        if len(value) not in (2, 3) or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
            raise InvalidField(field, "a position is [longitude, latitude] (optionally altitude)")
        lon, lat = value[0], value[1]
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise InvalidField(field, f"position {value[:2]} is outside longitude -180..180, latitude -90..90")
        return 1
    if not value:
        raise InvalidField(field, "coordinates must not be empty")
    return sum(_positions(v, depth - 1, field) for v in value)


_DEPTH = {"Point": 0, "MultiPoint": 1, "LineString": 1, "MultiLineString": 2, "Polygon": 2, "MultiPolygon": 3}


def validate_geometry(geo: Any, field: str = "route_geojson") -> dict[str, Any] | None:
    """A GeoJSON geometry object (RFC 7946): a Feature's geometry is taken, anything else refused."""
    if geo is None:
        return None
    if not isinstance(geo, dict):
        raise InvalidField(field, "must be a GeoJSON geometry object")
    if geo.get("type") == "Feature":
        geo = geo.get("geometry")
        if not isinstance(geo, dict):
            raise InvalidField(field, "the Feature has no geometry")
    kind = geo.get("type")
    if kind not in GEOMETRY_TYPES:
        raise InvalidField(field, f"type must be one of {', '.join(sorted(GEOMETRY_TYPES))}")
    count = _positions(geo.get("coordinates"), _DEPTH[kind], field)
    if count > MAX_POSITIONS:
        raise InvalidField(field, f"at most {MAX_POSITIONS} positions; simplify the track")
    return {"type": kind, "coordinates": geo["coordinates"]}


def overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    """Half-open ranges: a patrol ending at 09:00 does not overlap one starting at 09:00."""
    return a_start < b_end and b_start < a_end


def month_bounds(period: str) -> tuple[date, date]:
    m = PERIOD.match(period)
    if not m:
        raise InvalidField("period", 'a month such as "2026-03"')
    first = date(int(m.group(1)), int(m.group(2)), 1)
    nxt = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return first, nxt - timedelta(days=1)


@dataclass(frozen=True)
class WorkDone:
    """A member's verified work in a month."""

    member_party_id: int
    team_id: int
    patrol_days: int
    minutes: int


@dataclass(frozen=True)
class Stipend:
    member_party_id: int
    team_id: int
    patrol_days: int
    minutes: int
    uncapped: int
    amount: int
    rule_text: str

    @property
    def capped(self) -> bool:
        return self.amount < self.uncapped


def summarise(rows: Iterable[tuple[int, int, date, int]]) -> list[WorkDone]:
    """(member, team, patrol_date, minutes) per verified log -> days and minutes per member.
    A member is paid under the team of their first log in the month."""
    days: dict[int, set[date]] = {}
    minutes: dict[int, int] = {}
    team: dict[int, tuple[date, int]] = {}
    for member, team_id, day, mins in rows:
        days.setdefault(member, set()).add(day)
        minutes[member] = minutes.get(member, 0) + mins
        if member not in team or (day, team_id) < team[member]:
            team[member] = (day, team_id)
    return [WorkDone(m, team[m][1], len(days[m]), minutes[m]) for m in sorted(days)]


def stipend_for(work: WorkDone, basis: str, rate: int, cap: int, currency: str = "CNY") -> Stipend:
    """Rate x verified days (or hours, to the minute, rounded half up to the fen), then the monthly cap."""
    fmt = lambda v: money.format(v, currency)  # noqa: E731
    if basis == "hour":
        uncapped = (rate * work.minutes + 30) // 60
        hours = f"{work.minutes // 60}h{work.minutes % 60:02d}"
        text = f"{hours} verified patrol time x {fmt(rate)} {currency}/hour"
    else:
        uncapped = rate * work.patrol_days
        days = "patrol-day" if work.patrol_days == 1 else "patrol-days"
        text = f"{work.patrol_days} verified {days} x {fmt(rate)} {currency}"
    amount = min(uncapped, cap)
    text += f", capped at {fmt(cap)}" if amount < uncapped else f" (cap {fmt(cap)})"
    return Stipend(work.member_party_id, work.team_id, work.patrol_days, work.minutes, uncapped, amount, text)
