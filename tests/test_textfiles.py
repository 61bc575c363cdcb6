"""Uploaded CSV text: UTF-8 (with or without BOM) first, else GB18030 (the GBK that Excel on Chinese
Windows saves); anything else is a problem naming the file, never a 500 or a garbled import."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.errors import DomainError
from service.textfiles import decode

CSV = "村,户主,身份证后四位,面积(亩)\n营盘圩村,胡秋菊,0355,12.40\n"


@pytest.mark.parametrize(("content", "encoding"), [
    (CSV.encode(), "UTF-8"),
    ("\ufeff".encode() + CSV.encode(), "UTF-8"),
    (CSV.encode("gbk"), "GB18030"),
    (CSV.encode("gb2312"), "GB18030"),
    ((CSV + "㐀,𠀀\n").encode("gb18030"), "GB18030"),  # characters beyond GBK
])
def test_utf8_and_the_gb_family_are_read(content, encoding):
    got = decode(content)
    assert got.text.lstrip("\ufeff") == got.text and got.text.startswith("村,户主")
    assert got.encoding == encoding


@pytest.mark.parametrize("content", [
    CSV.encode("utf-16"),  # Excel's "Unicode text"
    CSV.encode("utf-16-le"),
    "Café,Zoë\n".encode("latin-1"),
    b"\xff\xfe\x00garbage\x80",
])
def test_files_in_neither_encoding_are_refused_naming_the_file(content):
    with pytest.raises(DomainError) as caught:
        decode(content)
    assert caught.value.field == "file" and caught.value.status == 422
    assert "UTF-8" in caught.value.detail and "GB18030" in caught.value.detail


@given(st.text())
def test_utf8_text_always_reads_back_as_itself(text):
    if "\x00" in text:
        return
    got = decode(text.encode())
    assert (got.text, got.encoding) == (text.removeprefix("\ufeff"), "UTF-8")


@given(st.text(alphabet=st.characters(codec="gb18030", exclude_characters="\x00")))
def test_gb18030_text_reads_back_unless_it_is_also_valid_utf8(text):
    raw = text.encode("gb18030")
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        assert (decode(raw).text, decode(raw).encoding) == (text, "GB18030")


@given(st.binary())
def test_any_bytes_are_read_or_refused_never_an_exception(raw):
    try:
        got = decode(raw)
    except DomainError as exc:
        assert exc.field == "file"
    else:
        assert got.encoding in ("UTF-8", "GB18030") and "\x00" not in got.text
