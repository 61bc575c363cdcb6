"""The transparency page speaks one language at a time: every label translated (the charts too),
counties and villages by name with their code beside, digits grouped in both languages."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from service import seed as seeding
from service.pages.render import group

CJK = re.compile(r"[\u3400-\u9fff]")
UNGROUPED = re.compile(r"(?<![\d,.])\d{4,}\.\d{2}(?!\d)")


class Visible(HTMLParser):
    """The text a reader sees: element text (SVG labels included) and tooltips, not styles."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "script"):
            self._skip += 1
        self.parts += [v for k, v in attrs if k in ("title", "aria-label", "placeholder") and v]

    def handle_endtag(self, tag):
        if tag in ("style", "script"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.parts.append(data.strip())


def visible(html: str) -> list[str]:
    parser = Visible()
    parser.feed(html)
    return parser.parts


def untranslated_english(parts: list[str], codes: set[str]) -> list[str]:
    """Latin words left on a Chinese page, apart from codes, format names and the link to English."""
    allowed = {"CSV", "XLSX", "Parquet", "JSON", "English"}
    out = []
    for text in parts:
        for code in sorted(codes, key=len, reverse=True):
            text = text.replace(code, " ")
        text = re.sub(r"(?<!\w)/[\w/.?=&;-]*", " ", text)  # a link's address is not a label
        words = [w for w in re.findall(r"[A-Za-z][A-Za-z'’-]+", text) if w not in allowed]
        words = [w for w in words if not re.fullmatch(r"[0-9a-f]{2,}", w)]  # hash fragments
        out += words
    return out


async def test_zh_and_en_transparency_pages_have_no_untranslated_strings(client, db, settings):
    await seeding.load(db, settings, progress=lambda _: None, only=("core", "compensation"))
    doc = (await client.get("/api/v1/reports/transparency")).json()
    codes = {c["program"] for c in doc["cells"] if c["program"]} | {c["trust"] for c in doc["cells"] if c["trust"]}
    zh_html = (await client.get("/transparency", params={"lang": "zh"})).text
    en_html = (await client.get("/transparency", params={"lang": "en"})).text
    zh, en = visible(zh_html), visible(en_html)
    assert not untranslated_english(zh, codes), untranslated_english(zh, codes)
    assert not [p for p in en if CJK.search(p) and p != "中文"], [p for p in en if CJK.search(p) and p != "中文"]
    # counties by name with the code beside; villages by name
    assert "遂川县" in zh and "永修县" in zh and "Suichuan County" in en and "Yongxiu County" in en
    assert '遂川县<br><small class="code-label">360827</small>' in zh_html
    assert any("营盘圩村" in p for p in zh) and any("Yingpanxu Village" in p for p in en)
    # the flow chart in the page's language
    flows_zh = zh_html[zh_html.index('<svg'):zh_html.index('</svg>')]
    assert "拨入资金" in flows_zh and "Paid in" not in flows_zh and "County" not in flows_zh
    # digits grouped in both languages, never a bare 4+ digit amount
    total_in = group(doc["total"]["money_in"])
    assert "," in total_in and total_in in zh_html and total_in in en_html
    for parts in (zh, en):
        assert not [p for p in parts if UNGROUPED.search(p)], [p for p in parts if UNGROUPED.search(p)]
    # periods say year or month
    assert any(re.fullmatch(r"\d{4}年", p) for p in zh) and any(re.fullmatch(r"\d{4} \(year\)", p) for p in en)


async def test_statement_pages_have_no_untranslated_labels(client, demo, auditor):
    hh = demo["refs"]["hh-daitang-1"]
    zh_html = (await client.get(f"/api/v1/statements/{hh}?format=html&lang=zh", headers=auditor)).text
    doc = (await client.get(f"/api/v1/statements/{hh}", headers=auditor)).json()
    free = {l["description"] for l in doc["lines"]} | {l["rule"] for l in doc["lines"] if l["rule"]}
    codes = {doc["verification_code"]} | free
    words = untranslated_english(visible(zh_html), codes)
    assert not words, words
