"""Reading patrol logs from field-tool CSV exports (KoboToolbox / ODK Central, SMART). No I/O.

Accepted layouts are documented in docs/patrols.md. Headers are matched after dropping the form's
group path ("patrol/members", "patrol-members" and "members" are the same column) and case.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from service import textfiles
from service.errors import InvalidField, TooLarge
from service.formulas import looks_like_formula
from service.parsing import whole_number
from service.patrols.rules import CST, check_window, parse_distance_km, patrol_window

MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_IMPORT_ROWS = 20_000
INCIDENTS = ("nets_removed", "traps_removed", "poaching_reported", "wildlife_sighted")

# Normalised header -> our field, per layout.
KOBO = {
    "start": "start", "end": "end", "members": "members", "route_name": "route_name", "route": "route_name",
    "distance_km": "distance_km", "observations": "observations", "nets_removed": "nets_removed",
    "traps_removed": "traps_removed", "poaching_reported": "poaching_reported",
    "wildlife_sighted": "wildlife_sighted", "_uuid": "ref", "instanceid": "ref", "key": "ref",
    "_submission_time": "submitted", "submissiondate": "submitted",
}
SMART = {
    "patrol id": "ref", "patrol start date": "date", "start time": "start_time", "end time": "end_time",
    "members": "members", "station": "route_name", "route": "route_name", "distance (km)": "distance_km",
    "comment": "observations", "nets removed": "nets_removed", "traps removed": "traps_removed",
    "poaching reported": "poaching_reported", "wildlife sighted": "wildlife_sighted",
}
KOBO_REQUIRED = {"start", "end", "members"}
SMART_REQUIRED = {"ref", "date", "start_time", "end_time", "members"}


@dataclass
class LogDraft:
    row: int
    source: str
    source_ref: str | None
    patrol_date: date
    starts_at: datetime
    ends_at: datetime
    minutes: int
    members: list[str]
    route_name: str = ""
    distance_m: int = 0
    observations: str = ""
    incidents: dict[str, int] = field(default_factory=dict)


@dataclass
class RowError:
    row: int
    field: str
    reason: str


def decode(body: bytes) -> textfiles.Decoded:
    if len(body) > MAX_IMPORT_BYTES:
        raise TooLarge(f"the file is {len(body)} bytes; at most {MAX_IMPORT_BYTES} bytes (split it)", field="file")
    if not body.strip():
        raise InvalidField("file", "the file is empty")
    return textfiles.decode(body)


def _norm(header: str) -> str:
    h = header.strip().lower()
    return re.split(r"[/-]", h)[-1] if not h.startswith("meta-") else h.removeprefix("meta-")


def detect_layout(headers: list[str]) -> str:
    lowered = {h.strip().lower() for h in headers}
    if "patrol id" in lowered:
        return "smart"
    if {"start", "end"} <= {_norm(h) for h in headers}:
        return "kobo"
    raise InvalidField("file", "unrecognised columns: expected a KoboToolbox/ODK export (start, end, members, ...) "
                               "or a SMART patrol export (Patrol ID, Patrol Start Date, ...)")


def _mapping(headers: list[str], layout: str) -> dict[int, str]:
    table = SMART if layout == "smart" else KOBO
    out: dict[int, str] = {}
    for i, h in enumerate(headers):
        key = h.strip().lower() if layout == "smart" else _norm(h)
        if key in table and table[key] not in out.values():
            out[i] = table[key]
    missing = (SMART_REQUIRED if layout == "smart" else KOBO_REQUIRED) - set(out.values())
    if missing:
        raise InvalidField("file", f"missing column(s) for a {layout} export: {', '.join(sorted(missing))}")
    return out


def _count(text: str, name: str) -> int:
    if not text:
        return 0
    count = whole_number(text, maximum=100_000)
    if count is None:
        raise InvalidField(name, f"{text[:20]!r} is not a whole count")
    return count


def _kobo_time(text: str, name: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidField(name, f"{text[:40]!r} is not an ISO 8601 date-time such as 2026-03-02T06:30:00.000+08:00") from None
    return value if value.tzinfo else value.replace(tzinfo=CST)


def _members(text: str) -> list[str]:
    return [m for m in re.split(r"[\s;,]+", text.strip()) if m]


def _draft(values: dict[str, str], row: int, layout: str) -> LogDraft:
    for name, text in values.items():
        if looks_like_formula(text):
            raise InvalidField(name, "looks like a spreadsheet formula; remove the leading = + - @")
    if layout == "kobo":
        starts, ends = _kobo_time(values.get("start", ""), "start"), _kobo_time(values.get("end", ""), "end")
        day = starts.astimezone(CST).date()
    else:
        try:
            day = date.fromisoformat(values.get("date", ""))
            st, et = time.fromisoformat(values.get("start_time", "")), time.fromisoformat(values.get("end_time", ""))
        except ValueError:
            raise InvalidField("date", "Patrol Start Date is YYYY-MM-DD, Start/End Time HH:MM") from None
        starts, ends = patrol_window(day, st, et)
    minutes = check_window(starts, ends, "end")
    if starts > datetime.now(CST):
        raise InvalidField("start", "a patrol cannot be logged before it happens")
    members = _members(values.get("members", ""))
    if not members:
        raise InvalidField("members", "name at least one member present")
    return LogDraft(
        row=row, source=layout, source_ref=values.get("ref") or None, patrol_date=day, starts_at=starts,
        ends_at=ends, minutes=minutes, members=members, route_name=values.get("route_name", "")[:200],
        distance_m=parse_distance_km(values.get("distance_km", "")), observations=values.get("observations", "")[:4000],
        incidents={k: _count(values.get(k, ""), k) for k in INCIDENTS},
    )


def parse(body: bytes, layout: str | None = None) -> tuple[str, list[LogDraft], list[RowError], str]:
    """Every row of the file, as drafts or as errors naming the row (1 = first data row) and field,
    and the encoding the file was read in."""
    text = decode(body)
    reader = csv.reader(io.StringIO(text.text, newline=""))
    try:
        headers = next(reader)
    except (StopIteration, csv.Error):
        raise InvalidField("file", "no header row") from None
    layout = layout or detect_layout(headers)
    mapping = _mapping(headers, layout)
    drafts: list[LogDraft] = []
    errors: list[RowError] = []
    try:
        for n, cells in enumerate(reader, start=1):
            if n > MAX_IMPORT_ROWS:
                raise TooLarge(f"at most {MAX_IMPORT_ROWS} rows per file", field="file")
            if not any(c.strip() for c in cells):
                continue
            values: dict[str, Any] = {f: cells[i].strip() for i, f in mapping.items() if i < len(cells)}
            try:
                drafts.append(_draft(values, n, layout))
            except InvalidField as exc:
                errors.append(RowError(n, exc.field or "row", exc.reason))
    except csv.Error as exc:
        raise InvalidField("file", f"the CSV cannot be read: {exc}") from None
    return layout, drafts, errors, text.encoding
