"""Public names for the reports: counties, villages and programs (never a household or a person).

Party names are often bilingual ("遂川县林业局 Suichuan County Forestry Bureau"); the pages show the
part in the reader's language. There is no county party: a county's name is read from the parties
registered under its six-digit division code (a county-level community, else a government body), by
the county part of their name ("遂川县", "Suichuan County").
"""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from service.compensation.models import Program
from service.parties.models import PERSONAL_KINDS, OrgType, Party, PartyKind

CJK = re.compile(r"^[\u3400-\u9fff\uf900-\ufaff（）()·]+")
# A county-level unit ends in 县 (or 区, 市, 旗): "吉安市遂川县林业局" is 遂川县, not 吉安市.
ZH_COUNTY = [re.compile(rf"^[\u3400-\u9fff]*?[\u3400-\u9fff]{{2,}}?{end}") for end in ("县", "区", "旗", "市")]
EN_COUNTY = re.compile(r"\b([A-Z][A-Za-z'’-]*(?: [A-Z][A-Za-z'’-]*)*? (?:County|District|City|Banner))\b")


def split_name(name: str) -> tuple[str, str]:
    """("营盘圩村", "Yingpanxu Village") from "营盘圩村 Yingpanxu Village"; a one-language name is both."""
    text = name.strip()
    m = CJK.match(text)
    if not m:
        return text, text
    zh, en = m.group(0), text[m.end():].strip()
    return zh, en or zh


def in_language(name: str | None, lang: str) -> str | None:
    if name is None:
        return None
    zh, en = split_name(name)
    return zh if lang == "zh" else en


def county_name(names: list[str]) -> str | None:
    """The county part of the names of bodies registered at the county's code: "遂川县 Suichuan County"."""
    for name in names:
        zh = next((m for m in (p.match(name.strip()) for p in ZH_COUNTY) if m), None)
        en = EN_COUNTY.search(name)
        parts = ([_last_unit(zh.group(0))] if zh else []) + ([en.group(1)] if en else [])
        if parts:
            return " ".join(parts)
    return None


def _last_unit(zh: str) -> str:
    """"吉安市遂川县" -> "遂川县": the county is the last unit named."""
    for end in ("市", "省", "州", "盟"):
        head, sep, tail = zh.rpartition(end)
        if sep and len(tail) >= 2:
            return _last_unit(tail)
    return zh


async def county_names(session: AsyncSession) -> dict[str, str]:
    rows = (await session.execute(
        select(Party.division_code, Party.name, Party.kind, Party.org_type)
        .where(Party.kind.in_([PartyKind.COMMUNITY, PartyKind.ORGANISATION]), func.length(Party.division_code) == 6)
        .order_by(Party.id)
    )).all()
    by_code: dict[str, list[tuple[int, str]]] = {}
    for code, name, kind, org_type in rows:
        rank = 0 if kind == PartyKind.COMMUNITY else 1 if org_type == OrgType.GOVERNMENT else 2
        by_code.setdefault(code, []).append((rank, name))
    out = {}
    for code, named in by_code.items():
        found = county_name([n for _, n in sorted(named, key=lambda x: x[0])])
        if found:
            out[code] = found
    return out


async def village_names(session: AsyncSession) -> dict[int, str]:
    """Villages are public parties; households never appear by name."""
    rows = await session.execute(select(Party.id, Party.name).where(Party.kind == PartyKind.COMMUNITY))
    return {i: n for i, n in rows}


async def program_names(session: AsyncSession) -> dict[str, str]:
    """Program names by the id entries carry in metadata (as text)."""
    rows = await session.execute(select(Program.id, Program.name))
    return {str(i): n for i, n in rows}


async def version(session: AsyncSession) -> tuple[int, ...]:
    """Changes when a public party or a program is added: cached reports must not show stale names."""
    parties = (await session.execute(
        select(func.count(Party.id), func.coalesce(func.max(Party.id), 0)).where(Party.kind.not_in(PERSONAL_KINDS))
    )).one()
    programs = (await session.execute(select(func.count(Program.id), func.coalesce(func.max(Program.id), 0)))).one()
    return int(parties[0]), int(parties[1]), int(programs[0]), int(programs[1])
