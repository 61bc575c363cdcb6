"""Build the audit report, the transparency report and benefit statements as plain documents.

Each document states the sequence number and chain hash it was computed at; amounts are decimal
strings. Heavy transforms run in a worker thread so the event loop keeps serving.
"""

from __future__ import annotations

import functools
import hashlib
from collections import OrderedDict
from collections.abc import Sequence
import hmac
from datetime import date
from typing import Any

import anyio
import polars as pl
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncSession

from service.enrollments import audit as enrollment_audit
from service import money
from service.errors import InvalidField, NotFound
from service.ledger import rollup
from service.ledger.verify import verify_ledger
from service.parties.models import Party
from service.parties.service import benefit_account_id
from service.parsing import whole_number
from service.grievances import audit as grievance_audit
from service.reports.grievance_figures import figures as grievance_figures
from service.reports import anomalies, audit_frames, audit_kept, grain, journal, names, publish, statement_rows, statements
from service.reports import tables as kept
from service.reports import transforms as t

CURRENCY = "CNY"
# The transparency grain up to the newest checkpoint ≤ the report's sequence is read from the rollup kept
# with the checkpoints (service/ledger/rollup.py); False reads it all from the journal (tests compare both).
USE_ROLLUP = True
MONEY_FIELDS = {"money_in", "money_out", "to_communities", "to_households", "to_organisations", "stipends",
                "received", "amount", "debits", "credits", "balance", "running_total",
                *(f"to_households_{g}" for g in t.GENDERS)}
FLOW_DIMENSIONS = {"program": "program", "county": "county", "trust": "trust", "period": "period"}
# The metadata the audit reads (dimensions, reconciliation, the anomaly checks' keys), in journal order:
# the whole journal's other keys (memo-like ids, purposes, patrol figures) are neither decoded nor joined.
# The audit's tables from entries, postings and accounts each read at its own grain (reports/audit_frames.py);
# False: from every posting joined with its entry's metadata and its account (the oracle; tests compare both).
AUDIT_PER_ENTRY = True
# An audit of the whole ledger starts from the tables kept with the newest checkpoint (reports/audit_kept.py);
# False: always from genesis (tests compare both).
AUDIT_FROM_CHECKPOINT = True
AUDIT_KEYS = tuple(k for k in journal.ALL_KEYS if k in {*t.DIMENSION_KEYS, *t.RECONCILIATION_KEYS, *anomalies.KEYS})


def fmt_money(row: dict[str, Any]) -> dict[str, Any]:
    """Minor units -> decimal strings for the money fields of one row (the edge of the system)."""
    return {k: (money.format(v, CURRENCY) if k in MONEY_FIELDS and isinstance(v, int) else v) for k, v in row.items()}


def money_text(col: pl.Expr, currency: str = CURRENCY) -> pl.Expr:
    """`money.format` column-wise (same text, null stays null): formatting a province's trial balance
    cell by cell in Python took longer than computing it."""
    exp = money.exponent(currency)
    magnitude = col.abs()
    sign = pl.when(col < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    if not exp:
        return pl.concat_str(sign, magnitude.cast(pl.String))
    whole, frac = magnitude // 10**exp, magnitude % 10**exp
    return pl.concat_str(sign, whole.cast(pl.String), pl.lit("."), frac.cast(pl.String).str.zfill(exp))


def fmt_money_rows(frame: pl.DataFrame) -> list[dict[str, Any]]:
    """`fmt_money` of every row of a frame, formatted by Polars instead of per cell in Python."""
    money_cols = [c for c, dtype in frame.schema.items() if c in MONEY_FIELDS and dtype.is_integer()]
    return frame.with_columns(*[money_text(pl.col(c)).alias(c) for c in money_cols]).to_dicts()


def fmt_share(bp: int | None) -> str | None:
    return None if bp is None else f"{bp // 100}.{bp % 100:02d}"


def as_of(j: journal.Journal) -> dict[str, Any]:
    return {"sequence": j.sequence, "hash": j.hash}


async def _enriched(session: AsyncSession, as_of_sequence: int | None, as_of_date: date | None = None,
                    account_id: int | None = None, detail: bool = False, keys: Sequence[str] = journal.ALL_KEYS):
    """The journal with report dimensions; `detail` keeps memo, hash and raw metadata (statements)."""
    j = await journal.load(session, as_of_sequence=as_of_sequence, as_of_date=as_of_date, account_id=account_id,
                           detail=detail, keys=keys)
    lines = j.lines.filter(pl.col("currency") == CURRENCY)
    # One account's lines are few: enrich them in place. The whole journal goes to a worker thread.
    frame = t.enrich(lines) if account_id is not None else await anyio.to_thread.run_sync(t.enrich, lines)
    return j, frame


# --- transparency ----------------------------------------------------------------------------


def _public_row(row: dict[str, Any]) -> dict[str, Any]:
    row = dict(row)
    row["share_to_communities_and_households_percent"] = fmt_share(row.pop("share_to_communities_and_households_bp"))
    for g in t.GENDERS:  # the gender split is published in its own, separately protected table
        row.pop(f"households_{g}", None)
        row.pop(f"to_households_{g}", None)
    return fmt_money(row)


_CACHE: OrderedDict[tuple, dict[str, Any]] = OrderedDict()
CACHE_SIZE = 32


async def transparency(
    session: AsyncSession, *, k: int, as_of_sequence: int | None = None, county: str | None = None,
    program: str | None = None, trust: str | None = None, period: str | None = None,
) -> dict[str, Any]:
    """The public report. A report at a given (sequence, hash) never changes, so it is kept in a small
    in-process cache: the public page does not recompute the journal on every visit."""
    seq, hash_, _ = await journal.resolve_point(session, as_of_sequence, None)
    key = (seq, hash_, k, county, program, trust, period, await names.version(session))
    if key in _CACHE:
        _CACHE.move_to_end(key)
        return _with_grievances(_CACHE[key], await grievance_figures(session, k, county, period))
    doc = await _transparency(session, k=k, as_of_sequence=seq, county=county, program=program, trust=trust,
                              period=period)
    _CACHE[key] = doc
    while len(_CACHE) > CACHE_SIZE:
        _CACHE.popitem(last=False)
    return _with_grievances(doc, await grievance_figures(session, k, county, period))


def _with_grievances(doc: dict[str, Any], figures: dict[str, Any]) -> dict[str, Any]:
    """Grievance figures change without the ledger moving: added to the cached report, never kept in it."""
    return {**doc, "grievances": figures}


async def _transparency(
    session: AsyncSession, *, k: int, as_of_sequence: int | None, county: str | None, program: str | None,
    trust: str | None, period: str | None,
) -> dict[str, Any]:
    check_period(period)
    tables: dict[str, Any] | None = None
    if journal.FROM_METADATA:  # the older path, kept as the oracle: every posting into Polars, then summed
        j, frame = await _enriched(session, as_of_sequence, keys=t.TRANSPARENCY_KEYS)
    else:
        j = await journal.point(session, as_of_sequence)
        tables = await _from_checkpoint(session, j.sequence, k, rollup.Scope(county, program, trust, period))
    if tables is None:  # postings summed at the report's grain (reports/grain.py), up to the newest checkpoint from its rollup
        point = await rollup.newest_point(session, j.sequence) if USE_ROLLUP else None
        frame = await anyio.to_thread.run_sync(grain.read, session.get_bind().engine.url, j.sequence, CURRENCY, point)
        tables = await anyio.to_thread.run_sync(functools.partial(
            publish.transparency_tables, frame, k, county=county, program=program, trust=trust, period=period))
    villages, counties = await names.village_names(session), await names.county_names(session)
    programs = await names.program_names(session)

    def named(row: dict[str, Any]) -> dict[str, Any]:
        """County (and program) names next to their codes; names are public, codes stay the key."""
        out = {"county": row["county"], "county_name": counties.get(row["county"] or "")}
        if "program" in row:
            out |= {"program": row["program"], "program_name": programs.get(row["program"] or "")}
        return out | row

    return {
        "report": "transparency",
        "as_of": as_of(j),
        "currency": CURRENCY,
        "k_anonymity": k,
        "filters": {"county": county, "program": program, "trust": trust, "period": period},
        "total": _public_row(tables["total"]),
        "county_totals": [named(_public_row(r)) for r in tables["county_totals"]],
        "cells": [named(_public_row(r)) for r in tables["cells"]],
        "gender": [named(fmt_money(r)) for r in tables["gender"]],
        "villages": [fmt_money(named({"county": v["county"], "village": villages.get(v["village_id"], "unknown village"),
                                      "division_code": v["village_division"], "received": v["received"],
                                      "households": v["households"], "suppressed": v["suppressed"]}))
                     for v in tables["villages"]],
        "months": [named(fmt_money(r)) for r in tables["months"]],
        "notes": [
            f"Figures with fewer than {k} beneficiary households are suppressed (null) in every table (cells, "
            "counties, months, genders, villages), and further figures are suppressed where published totals "
            "would otherwise reveal them by subtraction. A filtered report shows the same suppressed figures "
            "as the full report.",
            "Amounts and household counts are net of reversals: a household counts in a figure only if its net "
            "receipts in it are positive. A correction is counted in the period and month of the entry it "
            "corrects (not the day it was made), so no month goes negative.",
            "A cell's period is a year (YYYY) or a month (YYYY-MM), as period_kind says; months are calendar "
            "months of the entries' dates.",
            "Money in is money paid into the ledger from outside; money out is money received by beneficiaries, "
            "projects and fee accounts.",
        ],
    }


async def _from_checkpoint(session: AsyncSession, seq: int, k: int, scope: rollup.Scope) -> dict[str, Any] | None:
    """A report from the six tables kept with the newest checkpoint at or before `seq` and the entries
    after it (reports/tables.py); None when no checkpoint has them. A filtered report also reads the
    grain of its own cells (its totals count households within the filter)."""
    found = (await rollup.newest_tables(session, seq, CURRENCY)).get(CURRENCY) if USE_ROLLUP else None
    if found is None:
        return None
    url, whole = session.get_bind().engine.url, publish.whole(scope.program, scope.trust, scope.period)
    point = None if whole else await rollup.newest_point(session, seq)

    def compute() -> dict[str, Any]:
        protected = publish.Protected(kept.at(url, found[0], kept.loads(found[1]), seq, CURRENCY), k)
        frame = None if whole else grain.read(url, seq, CURRENCY, point, scope)
        return publish.view(protected, frame, county=scope.county, program=scope.program, trust=scope.trust,
                            period=scope.period)

    return await anyio.to_thread.run_sync(compute)


def transparency_table(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The flat table behind the CSV, Parquet and XLSX exports: cells, county totals, total."""
    out = [{"level": "cell", **r} for r in doc["cells"]]
    out += [{"level": "county", "program": None, "trust": None, "period": None, **r} for r in doc["county_totals"]]
    out.append({"level": "total", "county": None, "program": None, "trust": None, "period": None, **doc["total"]})
    return out


# --- audit ------------------------------------------------------------------------------------


def _flows_doc(flows: pl.DataFrame, by: str | None) -> dict[str, Any]:
    links = flows.to_dicts()
    nodes = sorted({l["source"] for l in links} | {l["target"] for l in links})
    index = {n: i for i, n in enumerate(nodes)}
    return {
        "by": by,
        "nodes": [{"id": i, "name": n} for i, n in enumerate(nodes)],
        "links": [fmt_money({**({by: l[by]} if by else {}), "source": index[l["source"]], "target": index[l["target"]],
                             "source_name": l["source"], "target_name": l["target"], "amount": l["amount"],
                             "entries": l["entries"]}) for l in links],
    }


async def chain_status(session: AsyncSession, sequence: int, head_sequence: int) -> dict[str, Any]:
    report = await verify_ledger(session, totals=False)
    brk = report.first_break
    broken = brk is not None and (brk.sequence is None or brk.sequence <= sequence)
    out: dict[str, Any] = {"ok": not broken, "checked_through": sequence, "first_break": None,
                           # entries up to here were taken from the newest verified checkpoint (0: from genesis)
                           "from_checkpoint": report.from_checkpoint}
    if broken and brk is not None:
        out["first_break"] = {"sequence": brk.sequence, "entry_id": brk.entry_id, "reason": brk.reason}
    # Account totals are a property of now, not of a past point; /api/v1/ledger/verify reports them.
    return out


def _finding(f: anomalies.Finding) -> dict[str, Any]:
    return {"check": f.check, "detail": f.detail, "sequences": f.entries,
            "amount": None if f.amount is None else money.format(f.amount), "facts": f.facts}


def _whole_journal(url: URL, seq: int, as_of_date: date | None) -> pl.DataFrame:
    """What `_enriched` gives for the whole journal with the audit's metadata keys, read on connections of
    its own (no session)."""
    lines = journal.read_all(url, seq, as_of_date, detail=False, keys=AUDIT_KEYS)
    return t.enrich(lines.filter(pl.col("currency") == CURRENCY))


def _audit_tables(url: URL, seq: int, as_of_date: date | None, flows_by: str | None,
                  begin: audit_kept.Start | None = None) -> dict[str, Any]:
    """Everything the audit computes from the journal (in a worker thread): from the tables kept at
    `begin` when given, else from genesis."""
    if begin is not None:
        found = audit_kept.tables(url, begin, seq, CURRENCY, AUDIT_KEYS, flows_by)
        if found is not None:
            tb, flows, reconciliation, findings = found
            return _audit_doc(tb, flows, reconciliation, findings, flows_by)
    # The older path, kept as the oracle (every posting enriched); also taken when a key has no column.
    if not _audit_per_entry():
        frame = _whole_journal(url, seq, as_of_date)
        return _audit_doc(t.trial_balance(frame), t.flows(frame, flows_by), t.reconciliation(frame),
                          anomalies.run_all(frame), flows_by)
    per_entry, postings, accounts, findings = audit_frames.audited(url, seq, as_of_date, CURRENCY, AUDIT_KEYS)
    if flows_by in ("county", "trust", "period"):
        per_entry = audit_frames.with_dimensions(per_entry)
    return _audit_doc(audit_frames.trial_balance(postings, accounts, CURRENCY),
                      audit_frames.flows(per_entry, postings, accounts, flows_by),
                      audit_frames.reconciliation(per_entry), findings, flows_by)


def _audit_per_entry() -> bool:
    return AUDIT_PER_ENTRY and not journal.FROM_METADATA and set(AUDIT_KEYS) <= set(journal.COLUMN_OF_KEY)


def _audit_doc(tb: pl.DataFrame, flows: pl.DataFrame, reconciliation: pl.DataFrame,
               findings: list[anomalies.Finding], flows_by: str | None) -> dict[str, Any]:
    debits, credits = int(tb["debits"].sum() or 0), int(tb["credits"].sum() or 0)
    return {
        "trial_balance": {"accounts": fmt_money_rows(tb.drop("net")), "total_debits": money.format(debits),
                          "total_credits": money.format(credits), "balanced": debits == credits},
        "flows": _flows_doc(flows, flows_by),
        "reconciliation": [fmt_money(r) for r in reconciliation.to_dicts()],
        "findings": findings,
    }


async def _tables_and_chain(session: AsyncSession, as_of_sequence: int | None, as_of_date: date | None,
                            flows_by: str | None) -> tuple[journal.Journal, dict[str, Any], dict[str, Any]]:
    """The journal's tables are computed in a worker thread, on connections of their own, while the
    chain is checked on the request's session: the one waits mostly on Polars and the database, the
    other on hashing, so together they take about the time of the longer one."""
    seq, hash_, head = await journal.resolve_point(session, as_of_sequence, as_of_date)
    url, tables = session.get_bind().engine.url, {}
    from_kept = as_of_date is None and AUDIT_FROM_CHECKPOINT and _audit_per_entry()
    begin = await audit_kept.start(session, seq, CURRENCY, flows_by) if from_kept else None

    async def compute() -> None:
        tables.update(await anyio.to_thread.run_sync(_audit_tables, url, seq, as_of_date, flows_by, begin))

    async with anyio.create_task_group() as tg:
        tg.start_soon(compute)
        chain = await chain_status(session, seq, head)
    return journal.Journal(pl.DataFrame(), seq, hash_, head), tables, chain


async def audit(
    session: AsyncSession, *, as_of_sequence: int | None = None, as_of_date: date | None = None,
    flows_by: str | None = "program",
) -> dict[str, Any]:
    if flows_by is not None and flows_by not in FLOW_DIMENSIONS:
        raise InvalidField("flows_by", f"must be one of {', '.join(FLOW_DIMENSIONS)}")
    j, tables, chain = await _tables_and_chain(session, as_of_sequence, as_of_date, flows_by)
    docs = [_finding(f) for f in tables["findings"]] + await enrollment_audit.findings(session, j.sequence)
    docs += await grievance_audit.overdue_findings(session)
    if not chain["ok"]:
        brk = chain["first_break"] or {}
        docs.append({"check": "broken_hash_chain",
                     "detail": brk.get("reason", "the hash chain is broken"),
                     "sequences": [brk["sequence"]] if brk.get("sequence") else [], "amount": None,
                     "facts": {"first_break": chain["first_break"]}})
    return {
        "report": "audit",
        "as_of": as_of(j),
        "as_of_date": as_of_date.isoformat() if as_of_date else None,
        "currency": CURRENCY,
        "trial_balance": tables["trial_balance"],
        "flows": tables["flows"],
        "reconciliation": tables["reconciliation"],
        "anomalies": {"checks": [*anomalies.CHECK_NAMES, *enrollment_audit.CHECK_NAMES, grievance_audit.CHECK],
                      "findings": docs},
        "chain": chain,
    }


# --- benefit statements ----------------------------------------------------------------------


def statement_code(secret: str, party_id: int, period: str | None, total: int, count: int, sequence: int,
                   chain_hash: str) -> str:
    """party.period.sequence.mac: anyone can have the public endpoint recompute and compare it."""
    msg = f"{party_id}|{period or 'all'}|{total}|{count}|{sequence}|{chain_hash}".encode()
    mac = hmac.new(secret.encode(), b"statement:" + msg, hashlib.sha256).hexdigest()[:20]
    return f"{party_id}.{period or 'all'}.{sequence}.{mac}"


def parse_code(code: str) -> tuple[int, str | None, int, str]:
    parts = code.strip().split(".")
    party, sequence = (whole_number(parts[0]), whole_number(parts[2])) if len(parts) == 4 else (None, None)
    if party is None or sequence is None or len(parts[3]) != 20:
        raise InvalidField("code", "not a statement verification code (party.period.sequence.check)")
    return party, None if parts[1] == "all" else parts[1], sequence, parts[3]


def check_period(period: str | None) -> None:
    import re

    if period is not None and not re.fullmatch(r"[0-9]{4}(-[0-9]{2})?", period):
        raise InvalidField("period", "use YYYY or YYYY-MM")


async def _statement_rows(session: AsyncSession, as_of_sequence: int | None, account_id: int,
                          period: str | None) -> tuple[journal.Journal, list[dict[str, Any]]]:
    """The statement's lines as dicts, oldest first, with their running total."""
    if statement_rows.FROM_FRAME:  # the older Polars path, kept as the oracle
        j, frame = await _enriched(session, as_of_sequence, account_id=account_id, detail=True)
        lines = t.statement_lines(frame, account_id)
        if period:
            lines = lines.filter(pl.col("effective_date").dt.strftime("%Y-%m").str.starts_with(period))
            lines = lines.with_columns(running_total=pl.col("amount").cum_sum())
        return j, lines.to_dicts()
    j = await journal.point(session, as_of_sequence)
    rows = statement_rows.lines(await statement_rows.read(session, j.sequence, account_id, CURRENCY))
    return j, statement_rows.in_period(rows, period) if period else rows


async def statement(
    session: AsyncSession, party: Party, *, secret: str, period: str | None = None,
    as_of_sequence: int | None = None,
) -> dict[str, Any]:
    check_period(period)
    account_id = await benefit_account_id(session, party.id)
    if account_id is None:
        raise NotFound(f"party {party.id} has no benefits account")
    j, rows = await _statement_rows(session, as_of_sequence, account_id, period)
    records = await statements.payment_records(session, [r["entry_id"] for r in rows])
    for r in rows:
        r["state"], r["paid_on"] = statements.line_state(r, records.get(r["entry_id"]))
    total = sum(r["amount"] for r in rows)
    code = statement_code(secret, party.id, period, total, len(rows), j.sequence, j.hash)
    sums = statements.totals(rows)
    return {
        "statement": "benefit",
        "as_of": as_of(j),
        "party": {"id": party.id, "kind": party.kind, "name": party.name, "division_code": party.division_code,
                  "county_code": party.county_code},
        "period": period,
        "currency": CURRENCY,
        "lines": [fmt_money({
            "sequence": r["sequence"], "date": r["effective_date"].isoformat(), "kind": r["effective_kind"],
            "reversal": r["kind"] == "reversal", "state": r["state"],
            "paid_on": r["paid_on"].isoformat() if r["paid_on"] else None, "description": r["memo"], "rule": r["m_rule"],
            "program_id": r["program"], "period": r["period"], "patrol_days": r["m_patrol_days"],
            "agreement": None if r["m_agreement_id"] is None else
            f"{r['m_agreement_id']} v{r['m_agreement_version'] or '?'}",
            "amount": r["amount"], "running_total": r["running_total"],
        }) for r in rows],
        "entries": len(rows),
        "total": money.format(total),
        "paid": money.format(sums["paid"]),
        "on_its_way": money.format(sums["on_its_way"]),
        "corrections": money.format(sums["corrections"]),
        "verification_code": code,
        "verify_url": f"/api/v1/statements/verify/{code}",
    }


async def verify_statement(session: AsyncSession, code: str, secret: str) -> dict[str, Any]:
    """Recompute the statement the code names; confirm totals without naming anyone."""
    party_id, period, sequence, _ = parse_code(code)
    party = await session.get(Party, party_id)
    head = await journal.resolve_point(session, None, None)
    if party is None or sequence > head[2]:
        return {"valid": False, "reason": "no statement matches this code"}
    doc = await statement(session, party, secret=secret, period=period, as_of_sequence=sequence)
    if not hmac.compare_digest(doc["verification_code"], code.strip()):
        return {"valid": False, "reason": "no statement matches this code"}
    return {"valid": True, "period": period, "entries": doc["entries"], "total": doc["total"],
            "currency": CURRENCY, "as_of": doc["as_of"], "party_kind": party.kind}
