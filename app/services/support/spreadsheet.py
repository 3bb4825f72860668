"""CSV files for spreadsheets: UTF-8 with BOM, ``;``, CRLF, and no cell a spreadsheet would run as a formula."""
from __future__ import annotations

import csv
import io
import unicodedata
from typing import Iterable

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
# Characters that are none of = + - @ but that NFKC does not fold to them, read as a minus by spreadsheets.
_MINUS_LIKE = ("\u2212",)


def formula_like(text: str) -> bool:
    """Would a spreadsheet run this cell? ``= + - @``, a tab, CR or LF first — and their full-width
    and small forms (``＝ ＋ － ＠``, ``﹦ ﹢ ﹣ ﹫``, folded by NFKC), also behind leading spaces
    (issue #22: the full-width forms went through untouched)."""
    if not text:
        return False
    if text.startswith(FORMULA_START):
        return True
    head = unicodedata.normalize("NFKC", text[:8]).lstrip(" \u00a0")
    return head.startswith(FORMULA_START) or head.startswith(_MINUS_LIKE)


def safe_cell(value: object) -> object:
    """A text cell starting like a formula gets a leading quote (CSV injection); numbers stay numbers."""
    if isinstance(value, str) and formula_like(value):
        return "'" + value
    return "" if value is None else value


def text_cell(value: object) -> str:
    """:func:`safe_cell` as text, for writers that quote every cell themselves."""
    text = "" if value is None else str(value)
    return "'" + text if formula_like(text) else text


def excel_csv(header: list[str], rows: Iterable[Iterable[object]]) -> bytes:
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return out.getvalue().encode("utf-8")
