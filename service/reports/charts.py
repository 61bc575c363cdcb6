"""Inline SVG charts rendered on the server (no JavaScript): bars, a trend and a simple Sankey.

Inputs are minor units; labels are formatted here. Text is escaped.
"""

from __future__ import annotations

from html import escape

from service import money

COLORS = ["#2f6f4f", "#c47f17", "#3b6ea5", "#9b3d3d", "#6b5b95", "#4f8a8b", "#8a6d3b"]


def _yuan(minor: int) -> str:
    whole = money.format(minor).split(".")[0]
    return f"¥{int(whole):,}"


def bars(items: list[tuple[str, int]], title: str, width: int = 640) -> str:
    """Horizontal bars: one per (label, minor units)."""
    if not items:
        return ""
    row, label_w = 28, 190
    top = max(v for _, v in items) or 1
    h = row * len(items) + 36
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {h}" role="img" '
             f'aria-label="{escape(title)}" class="chart"><title>{escape(title)}</title>']
    for i, (label, value) in enumerate(items):
        y = 10 + i * row
        w = max(1, (width - label_w - 110) * max(value, 0) // top)
        parts.append(f'<text x="{label_w - 8}" y="{y + 16}" text-anchor="end" font-size="13">{escape(label[:28])}</text>')
        parts.append(f'<rect x="{label_w}" y="{y + 2}" width="{w}" height="{row - 8}" fill="{COLORS[i % len(COLORS)]}"/>')
        parts.append(f'<text x="{label_w + w + 6}" y="{y + 16}" font-size="13">{_yuan(value)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def trend(months: list[tuple[str, int | None, int | None]], title: str, width: int = 640, height: int = 220,
          legend: tuple[str, str] = ("in", "out"), hidden: str = "hidden") -> str:
    """Paired columns per month: money in (green) and money out (amber); a suppressed figure (None) is
    drawn as a hatched stub labelled `hidden`, never as zero."""
    if not months:
        return ""
    top = max(max(a or 0, b or 0) for _, a, b in months) or 1
    slot = (width - 60) / len(months)
    base = height - 30
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="{escape(title)}" class="chart"><title>{escape(title)}</title>',
             f'<line x1="50" y1="{base}" x2="{width - 5}" y2="{base}" stroke="#555"/>']
    for i, (month, a, b) in enumerate(months):
        x = 55 + i * slot
        bw = max(2.0, slot / 2 - 4)
        for j, (v, color) in enumerate(((a, COLORS[0]), (b, COLORS[1]))):
            if v is None:
                parts.append(f'<rect x="{x + j * (bw + 2):.1f}" y="{base - 12}" width="{bw:.1f}" height="12" '
                             f'fill="none" stroke="#888" stroke-dasharray="2 2"><title>{escape(month)}: '
                             f'{escape(hidden)}</title></rect>')
                continue
            hgt = (base - 20) * max(v, 0) / top
            parts.append(f'<rect x="{x + j * (bw + 2):.1f}" y="{base - hgt:.1f}" width="{bw:.1f}" height="{hgt:.1f}" '
                         f'fill="{color}"><title>{escape(month)}: {_yuan(v)}</title></rect>')
        parts.append(f'<text x="{x + bw:.1f}" y="{base + 16}" text-anchor="middle" font-size="11">{escape(month)}</text>')
    parts.append(f'<text x="55" y="14" font-size="12" fill="{COLORS[0]}">■ {escape(legend[0])}</text>'
                 f'<text x="{55 + 14 * (len(legend[0]) + 3)}" y="14" font-size="12" fill="{COLORS[1]}">■ '
                 f'{escape(legend[1])}</text></svg>')
    return "".join(parts)


def sankey(nodes: list[str], links: list[tuple[int, int, int]], title: str, width: int = 640) -> str:
    """Two or more columns of nodes (by depth from the sources), links drawn as bands."""
    if not links:
        return ""
    depth = {i: 0 for i in range(len(nodes))}
    for _ in range(len(nodes)):
        for s, d, _v in links:
            depth[d] = max(depth[d], depth[s] + 1)
    cols = max(depth.values()) + 1
    size = {i: max(sum(v for s, _, v in links if s == i), sum(v for _, d, v in links if d == i)) for i in depth}
    total = max(sum(size[i] for i in depth if depth[i] == c) for c in range(cols)) or 1
    gap = 14
    height = max(160, 40 + 44 * max(sum(1 for i in depth if depth[i] == c) for c in range(cols)))
    scale = (height - 20 - gap * 6) / total
    pos: dict[int, list[float]] = {}
    for c in range(cols):
        y = 10.0
        for i in sorted(i for i in depth if depth[i] == c):
            pos[i] = [20 + c * (width - 200) / max(cols - 1, 1), y, max(2.0, size[i] * scale), y, y]
            y += pos[i][2] + gap
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height + 10}" role="img" '
             f'aria-label="{escape(title)}" class="chart"><title>{escape(title)}</title>']
    for n, (s, d, v) in enumerate(links):
        th = max(1.0, v * scale)
        x1, y1 = pos[s][0] + 10, pos[s][3]
        x2, y2 = pos[d][0], pos[d][4]
        pos[s][3] += th
        pos[d][4] += th
        mx = (x1 + x2) / 2
        parts.append(f'<path d="M{x1:.1f},{y1 + th / 2:.1f} C{mx:.1f},{y1 + th / 2:.1f} {mx:.1f},{y2 + th / 2:.1f} '
                     f'{x2:.1f},{y2 + th / 2:.1f}" stroke="{COLORS[s % len(COLORS)]}" stroke-opacity="0.45" '
                     f'stroke-width="{th:.1f}" fill="none"><title>{escape(nodes[s])} → {escape(nodes[d])}: '
                     f'{_yuan(v)}</title></path>')
    for i, (x, y, h, _a, _b) in pos.items():
        parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="10" height="{h:.1f}" fill="{COLORS[i % len(COLORS)]}"/>')
        parts.append(f'<text x="{x + 14:.1f}" y="{y + min(h, 14) / 2 + 5:.1f}" font-size="13">'
                     f'{escape(nodes[i][:34])}</text>')
    parts.append("</svg>")
    return "".join(parts)
