"""Compose report documents into pages: charts drawn here, layout in the templates.

Every word on a page comes from the labels of its language (`i18n.LABELS`); counties, villages and
programs show their name in that language, with the code as a secondary label.
"""

from __future__ import annotations

import json
from typing import Any

from service import money
from service.reports import charts
from service.reports.names import in_language
from service.reports.publish import period_kind
from service.pages.i18n import LABELS
from service.pages.render import render


def _minor(text: str | None) -> int | None:
    return None if text is None else money.parse(text, allow_negative=True)


def county_label(row: dict[str, Any], lang: str) -> str:
    """The county's name in the page's language, else its code."""
    return in_language(row.get("county_name"), lang) or row.get("county") or LABELS[lang]["unknown"]


def period_label(period: str | None, lang: str) -> str:
    """"2026 (year)" / "2026年"; "2026-05 (month)" / "2026年5月"."""
    if not period:
        return "–"
    kind = period_kind(period)
    if kind not in ("year", "month"):
        return period
    return LABELS[lang][kind].format(p=period, y=period[:4], m=int(period[5:]) if kind == "month" else "")


def public_flows(doc: dict[str, Any], lang: str) -> tuple[list[str], list[tuple[int, int, int]]]:
    """Paid in -> county -> kind of recipient, from the (already protected) county totals."""
    t = LABELS[lang]
    nodes = [t["paid_in"]]
    links: list[tuple[int, int, int]] = []
    targets = {"to_communities": t["village_committees"], "to_households": t["households_node"],
               "to_organisations": t["organisations"]}
    tindex: dict[str, int] = {}
    for row in doc["county_totals"]:
        nodes.append(county_label(row, lang))
        c = len(nodes) - 1
        if (_minor(row["money_in"]) or 0) > 0:
            links.append((0, c, _minor(row["money_in"]) or 0))
        for key, label in targets.items():
            value = _minor(row.get(key))
            if value is None or value <= 0:
                continue
            if label not in tindex:
                nodes.append(label)
                tindex[label] = len(nodes) - 1
            links.append((c, tindex[label], value))
    return nodes, links


def transparency_html(doc: dict[str, Any], lang: str) -> bytes:
    t = LABELS[lang]
    nodes, links = public_flows(doc, lang)
    villages = [(in_language(v["village"], lang) or "", _minor(v["received"]) or 0)
                for v in doc["villages"] if not v["suppressed"] and v["received"] is not None]
    chart = {
        "flows": charts.sankey(nodes, links, t["flows"]),
        "villages": charts.bars(sorted(villages, key=lambda x: -x[1])[:20], t["by_village"]),
        "months": charts.trend([(m["month"], _minor(m["money_in"]), _minor(m["money_out"])) for m in doc["months"]],
                               t["by_month"], legend=(t["money_in"], t["money_out"]), hidden=t["hidden"]),
    }
    return render("transparency.html", lang, doc=doc, charts=chart,
                  county=lambda row: county_label(row, lang), period=lambda p: period_label(p, lang),
                  named=lambda name: in_language(name, lang))


def statement_html(doc: dict[str, Any], lang: str) -> bytes:
    # the whole statement inside the page, so a saved copy can be checked by the offline checker
    doc_json = json.dumps(doc, default=str, ensure_ascii=False).replace("<", "\\u003c")
    return render("statement.html", lang, doc=doc, doc_json=doc_json)
