"""The terminal table for a bench result (the JSON file holds every figure)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

GiB = 1024**3


LABELS = {"ledger_entry": "POST /ledger/entries", "ledger_entry_hot": "POST /ledger/entries, hot",
          "single_payment": "POST /payments", "hot_accounts": "POST /payments, hot", "approve": "approve"}


def _errors(s: dict) -> str:
    return str(s["errors"]) + (" (ran out of pending payments)" if s.get("exhausted") else "")


def ratios_table(r: dict) -> Table:
    table = Table(title="Ratios (each over its reference measured in this run)")
    for col in ("ratio", "of", "value"):
        table.add_column(col)
    for name, value in r["ratios"].items():
        if isinstance(value, dict):
            for of, v in value.items():
                table.add_row(name.replace("_", " "), of.replace("_", " "), str(v))
        else:
            table.add_row(name.replace("_", " "), "", str(value))
    return table


def _lat(s: dict) -> str:
    busy = s.get("machine_cpu_busy")
    return f"p50 {s['p50_ms']} / p95 {s['p95_ms']} / p99 {s['p99_ms']} ms" + (f"; CPU {busy:.0%}" if busy is not None else "")


def figures_table(r: dict) -> Table:
    db = r["database"]
    table = Table(title=f"Shanshui bench — {db['kind']} ({db['version'][:40]}), {r['machine']['cpu_count']} CPUs, "
                        f"{r['sizes']['households']:,} households, {r['sizes']['postings_loaded']:,} postings")
    for col in ("figure", "throughput", "latency / memory", "errors"):
        table.add_column(col)
    bl = r["bulk_load"]
    table.add_row(f"bulk load ({bl['method']})", f"{bl['postings_per_second']:,.0f} postings/s", f"{bl['seconds']} s", "")
    for name, roll in r["rollups"].items():
        for engine in ("polars", "sql"):
            f = roll[engine]
            table.add_row(f"{name} rollup, {engine}", "", f"{f['seconds']} s, {f['peak_rss_bytes'] / GiB:.2f} GiB RSS",
                          "" if roll["agree"] else "ENGINES DISAGREE")
        table.add_row(f"{name}: Polars / SQL time", str(roll["polars_over_sql"]), "", "")
        f = roll["reports"]
        table.add_row(f"{name} report (service.reports)", "", f"{f['seconds']} s, {f['peak_rss_bytes'] / GiB:.2f} GiB RSS", "")
    for name, label in (("ceiling", "load generator's ceiling (wrk, canned responses)"),
                        ("hello_world", "hello-world: Litestar echoes a validated entry"),
                        ("hello_world_after", "hello-world again, after the service's loads")):
        if name not in r["references"]:
            continue
        s = r["references"][name]
        table.add_row(label, f"{s['per_second']:,}/s", _lat(s), str(s["errors"]))
    for workers, http in r["http"].items():
        if not isinstance(http, dict):
            continue
        for name, label in (("statement", f"{r['http']['clients']} connections"), ("statement_one_client", "1 connection")):
            if name in http:
                s = http[name]
                table.add_row(f"statement GET {s['path']}, {label}", f"{s['per_second']:,}/s", _lat(s), str(s["errors"]))
        for name in ("ledger_entry", "ledger_entry_hot", "single_payment", "hot_accounts", "approve"):
            if name in http:
                s = http[name]
                funds = f", {s['funds']} funds" if "funds" in s else ""
                table.add_row(f"{LABELS[name]} ({workers.replace('_', ' ')}{funds})", f"{s['per_second']:,}/s",
                              _lat(s), _errors(s))
        batch = http.get("batch")
        if batch:
            for step in ("dry_run", "commit", "approve"):
                if step in batch:
                    b = batch[step]
                    table.add_row(f"batch {step.replace('_', ' ')} ({batch['rows']:,} rows)",
                                  f"{b['rows_per_second'] or 0:,} rows/s", f"{b['seconds']} s",
                                  "" if b["status_code"] in (200, 201) else str(b["status_code"]))
    cycle = r.get("cycle")
    if cycle:
        for step in ("dry_run", "commit"):
            table.add_row(f"payment cycle {step.replace('_', ' ')} ({cycle['enrollments']:,} enrollments)",
                          f"{cycle[step + '_rows_per_second']:,} rows/s", f"{cycle[step + '_seconds']} s", "")
    raw = r["raw_driver"]
    table.add_row(f"raw driver, same writes ({raw['driver']})", f"{raw['per_second']:,}/s", _lat(raw), str(raw["errors"]))
    sql = r.get("sql_only")
    if sql:
        if sql["status"] == "ok":
            table.add_row(f"SQL-only ledger: {sql['implementation']}, {sql['connections']} connections",
                          f"{sql['per_second']:,}/s", _lat(sql), str(sql["errors"]))
        else:
            table.add_row("SQL-only ledger", "failed", sql["error"][:80], "")
    table.add_row("service / raw (payments)", str(r["service_over_raw"]), "", "")
    for key in ("verify_after_load", "verify_after_writes"):
        if key in r:
            v = r[key]
            table.add_row(key.replace("_", " "), "ok" if v["ok"] else "BROKEN", f"{v['entries']:,} entries, {v['seconds']} s", "")
    return table


def bars_table(r: dict) -> Table:
    table = Table(title="Quality bars (DESIGN.md)")
    for col in ("figure", "target", "measured", "met", "note"):
        table.add_column(col)
    for b in r["quality_bars"]:
        met = {True: "[green]yes[/green]", False: "[red]no[/red]", None: "-"}[b["met"]]
        table.add_row(b["figure"], b["target"], str(b["measured"]), met, b["note"])
    return table


def show(r: dict, console: Console) -> None:
    console.print(figures_table(r))
    console.print(ratios_table(r))
    console.print(bars_table(r))
