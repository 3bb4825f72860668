"""CSV files for spreadsheets: UTF-8 with BOM, ``;``, CRLF, and no cell a spreadsheet would run as a formula."""
from __future__ import annotations

import csv
import io
from typing import Iterable

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """A text cell starting like a formula gets a leading quote (CSV injection); numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return "" if value is None else value


def excel_csv(header: list[str], rows: Iterable[Iterable[object]]) -> bytes:
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return out.getvalue().encode("utf-8")
