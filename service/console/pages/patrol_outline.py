"""A patrol route as a small SVG outline, drawn on the server from its GeoJSON geometry (no map tiles:
county networks are often closed). Pure functions; coordinates were validated when the log was entered."""

from __future__ import annotations

import math
from html import escape
from typing import Any

KM_PER_DEGREE = 111.32
NICE_KM = (0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100)


def parts(geo: dict[str, Any] | None) -> tuple[list[list[list[float]]], list[list[list[float]]], list[list[float]]]:
    """(lines, rings, points) of a geometry, as [lon, lat] positions."""
    lines: list[list[list[float]]] = []
    rings: list[list[list[float]]] = []
    points: list[list[float]] = []
    if not geo:
        return lines, rings, points
    kind, c = geo.get("type"), geo.get("coordinates") or []
    if kind == "Point":
        points.append(c)
    elif kind == "MultiPoint":
        points += c
    elif kind == "LineString":
        lines.append(c)
    elif kind == "MultiLineString":
        lines += c
    elif kind == "Polygon":
        rings += c
    elif kind == "MultiPolygon":
        rings += [ring for polygon in c for ring in polygon]
    return lines, rings, points


def outline_svg(geo: dict[str, Any] | None, title: str, width: int = 480, height: int = 320, pad: int = 24) -> str:
    """The route fitted into the box, north up, with start and end marked and a scale bar; "" without a route."""
    lines, rings, points = parts(geo)
    every = [p for seq in lines + rings for p in seq] + points
    if not every:
        return ""
    lons, lats = [p[0] for p in every], [p[1] for p in every]
    # a degree of longitude is shorter away from the equator
    squash = math.cos(math.radians((min(lats) + max(lats)) / 2))
    span_x, span_y = (max(lons) - min(lons)) * squash, max(lats) - min(lats)
    scale = min((width - 2 * pad) / (span_x or 1e-9), (height - 2 * pad) / (span_y or 1e-9))
    if not span_x and not span_y:
        scale = 1.0
    off_x = (width - span_x * scale) / 2
    off_y = (height - span_y * scale) / 2

    def xy(p: list[float]) -> str:
        return f"{off_x + (p[0] - min(lons)) * squash * scale:.1f},{height - off_y - (p[1] - min(lats)) * scale:.1f}"

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" class="outline" '
           f'aria-label="{escape(title)}"><title>{escape(title)}</title>']
    out += [f'<polygon points="{" ".join(xy(p) for p in ring)}" fill="#cfe3d4" stroke="#2f6f4f" stroke-width="2"/>'
            for ring in rings]
    out += [f'<polyline points="{" ".join(xy(p) for p in line)}" fill="none" stroke="#0b4f71" stroke-width="3" '
            f'stroke-linejoin="round" stroke-linecap="round"/>' for line in lines]
    out += [f'<circle cx="{xy(p).split(",")[0]}" cy="{xy(p).split(",")[1]}" r="5" fill="#0b4f71"/>' for p in points]
    if lines:
        (sx, sy), (ex, ey) = (xy(lines[0][0]).split(",")), (xy(lines[-1][-1]).split(","))
        out.append(f'<circle cx="{sx}" cy="{sy}" r="7" fill="#0b6e4f"><title>start</title></circle>')
        out.append(f'<rect x="{float(ex) - 6:.1f}" y="{float(ey) - 6:.1f}" width="12" height="12" fill="#a4161a">'
                   f'<title>end</title></rect>')
    out.append(_scale_bar(scale, height))
    out.append(f'<text x="{width - 14}" y="20" font-size="13" text-anchor="middle">N</text>'
               f'<path d="M{width - 14},24 l-5,10 h10 z" fill="#1b2733"/></svg>')
    return "".join(out)


def _scale_bar(px_per_degree: float, height: int) -> str:
    px_per_km = px_per_degree / KM_PER_DEGREE
    km = next((k for k in NICE_KM if k * px_per_km >= 40), NICE_KM[-1])
    length = km * px_per_km
    if length > 200:
        return ""
    label = f"{km:g} km"
    y = height - 10
    return (f'<path d="M10,{y - 6} v6 h{length:.1f} v-6" fill="none" stroke="#1b2733" stroke-width="2"/>'
            f'<text x="{14 + length:.1f}" y="{y}" font-size="12">{label}</text>')
