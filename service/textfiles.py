"""The text of an uploaded CSV file: every CSV reader decodes through `decode`.

Clerks' files come from Excel. "CSV UTF-8" is UTF-8 with a byte-order mark; a plain "CSV" saved on
Chinese Windows is GBK. UTF-8 is tried first: its byte patterns are strict, so a GBK file with more
than a few Chinese characters does not pass as UTF-8. Otherwise GB18030, a superset of GBK and GB2312
that reads whatever those save. A file that is neither, or holds NUL characters (UTF-16 "Unicode
text", a binary file), is refused whole: guessing further would import garbled names.
"""

from __future__ import annotations

from dataclasses import dataclass

from service.errors import DomainError

UTF8, GB18030 = "UTF-8", "GB18030"
SAVE_AS = "save it from Excel as 'CSV UTF-8' (or plain 'CSV' on Chinese Windows), or upload the .xlsx"


class UnreadableText(DomainError):
    status = 422
    slug = "unreadable-file"
    title = "The file's text cannot be read"


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str  # UTF8 or GB18030, as the dry runs report it


def decode(content: bytes, field: str = "file") -> Decoded:
    """The file's text and the encoding it was read in; UnreadableText if it is neither."""
    try:
        decoded = Decoded(content.decode("utf-8-sig"), UTF8)
    except UnicodeDecodeError as not_utf8:
        try:
            decoded = Decoded(content.decode("gb18030"), GB18030)
        except UnicodeDecodeError as not_gb:
            raise UnreadableText(
                f"the file is neither UTF-8 nor GB18030/GBK text (byte {not_utf8.start} is not UTF-8, byte "
                f"{not_gb.start} is not GB18030); {SAVE_AS}", field=field, encodings_tried=[UTF8, GB18030],
            ) from None
    if "\x00" in decoded.text:
        raise UnreadableText(f"the file holds NUL characters, so it is not UTF-8 or GB18030 text (UTF-16 "
                             f"'Unicode text'?); {SAVE_AS}", field=field, encodings_tried=[UTF8, GB18030])
    return decoded
