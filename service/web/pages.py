"""Compose report documents into pages: charts drawn here, layout in the templates."""

from __future__ import annotations

from typing import Any

from service import money
from service.reports import charts
from service.web.render import render


def _minor(text: str | None) -> int:
    return 0 if text is None else money.parse(text, allow_negative=True)


def public_flows(doc: dict[str, Any]) -> tuple[list[str], list[tuple[int, int, int]]]:
    """Paid in -> county -> kind of recipient, from the (already protected) county totals."""
    nodes = ["Paid in"]
    links: list[tuple[int, int, int]] = []
    targets = {"to_communities": "Village committees", "to_households": "Households", "to_organisations": "Organisations"}
    tindex: dict[str, int] = {}
    for row in doc["county_totals"]:
        nodes.append(f"County {row['county'] or '?'}")
        c = len(nodes) - 1
        if _minor(row["money_in"]) > 0:
            links.append((0, c, _minor(row["money_in"])))
        for key, label in targets.items():
            value = row.get(key)
            if value is None or _minor(value) <= 0:
                continue
            if label not in tindex:
                nodes.append(label)
                tindex[label] = len(nodes) - 1
            links.append((c, tindex[label], _minor(value)))
    return nodes, links


def transparency_html(doc: dict[str, Any], lang: str) -> bytes:
    nodes, links = public_flows(doc)
    villages = [(v["village"].split(" ")[-2] if lang == "en" and " " in v["village"] else v["village"], _minor(v["received"]))
                for v in doc["villages"] if not v["suppressed"] and v["received"] is not None]
    chart = {
        "flows": charts.sankey(nodes, links, "Flows"),
        "villages": charts.bars(sorted(villages, key=lambda x: -x[1])[:20], "Money by village"),
        "months": charts.trend([(m["month"], _minor(m["money_in"]), _minor(m["money_out"])) for m in doc["months"]],
                               "Money by month"),
    }
    return render("transparency.html", lang, doc=doc, charts=chart)


def statement_html(doc: dict[str, Any], lang: str) -> bytes:
    return render("statement.html", lang, doc=doc)
