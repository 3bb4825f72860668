"""What an uploaded file will give, shown before anything is written (issue #14).

The officer uploads, sees how each column was understood (e-mail, prénom, nom… or "kept as
an extra attribute"), the encoding and separator detected and the first rows as they will be
read, then confirms. A spreadsheet workbook (.xlsx, .ods, .xls) is recognised by its first
bytes and refused with the one thing to do: save it as CSV. We do not read workbooks: one
more parser (openpyxl and an ODS reader) for a step every spreadsheet does in two clicks.

The upload waits under ``instance/imports/preview/`` until confirmed (moved next to the
jobs' files) or forgotten (removed after :data:`KEEP_FOR`).
"""
from __future__ import annotations

import csv
import os
import re
import time
import uuid
from dataclasses import dataclass, field
from itertools import chain, islice

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.services.support import (
    SAMPLE_BYTES,
    DecodedStream,
    csv_reader,
    detect_delimiter,
    is_text,
    is_workbook,
    map_headers,
    not_text_error,
    workbook_error,
)
from app.services.audience.importer import ImportFileError, no_email_column

PREVIEW_ROWS = 5
KEEP_FOR = 24 * 3600  # seconds an unconfirmed upload is kept
_ID = re.compile(r"^[0-9a-f]{32}$")

FIELD_LABELS = {
    "email": _l("adresse e-mail"), "first_name": _l("prénom"), "last_name": _l("nom"),
    "organisation": _l("organisme"), "function": _l("fonction"), "commune": _l("commune"),
}
ENCODING_LABELS = {"utf-8": "UTF-8", "cp1252": "Windows-1252", "utf-16-le": "UTF-16", "utf-16-be": "UTF-16"}
DELIMITER_LABELS = {";": _l("point-virgule"), ",": _l("virgule"), "\t": _l("tabulation"), "|": _l("barre verticale")}


@dataclass
class Column:
    header: str
    field: str | None  # None: kept as an extra attribute

    @property
    def meaning(self) -> str:
        return str(FIELD_LABELS[self.field]) if self.field else _("conservée comme information complémentaire")


@dataclass
class Preview:
    encoding: str
    delimiter: str
    columns: list[Column]
    rows: list[list[str]] = field(default_factory=list)

    @property
    def encoding_label(self) -> str:
        return ENCODING_LABELS.get(self.encoding, self.encoding)

    @property
    def delimiter_label(self) -> str:
        return str(DELIMITER_LABELS.get(self.delimiter, repr(self.delimiter)))


def preview_dir() -> str:
    path = os.path.join(current_app.instance_path, "imports", "preview")
    os.makedirs(path, exist_ok=True)
    return path


def path_for(upload_id: str) -> str:
    """The stored upload for an id from the confirmation form; ValueError if malformed or gone."""
    if not _ID.match(upload_id or ""):
        raise ValueError(upload_id)
    path = os.path.join(preview_dir(), f"{upload_id}.csv")
    if not os.path.exists(path):
        raise ValueError(upload_id)
    return path


def store(file_storage) -> str:
    """Save an upload for preview; returns its id. Refuses workbooks and anything that is not
    text before writing anything."""
    head = file_storage.stream.read(SAMPLE_BYTES)
    file_storage.stream.seek(0)
    if is_workbook(head):
        raise ImportFileError(workbook_error())
    if not is_text(head):
        raise ImportFileError(not_text_error())
    forget_old()
    upload_id = uuid.uuid4().hex
    file_storage.save(os.path.join(preview_dir(), f"{upload_id}.csv"))
    return upload_id


def discard(upload_id: str) -> None:
    try:
        os.remove(path_for(upload_id))
    except (ValueError, OSError):
        pass


def forget_old(now: float | None = None) -> None:
    """Remove the uploads nobody confirmed within :data:`KEEP_FOR`."""
    limit = (now or time.time()) - KEEP_FOR
    for entry in os.scandir(preview_dir()):
        if entry.is_file() and entry.stat().st_mtime < limit:
            try:
                os.remove(entry.path)
            except OSError:
                pass


def read_preview(path: str, rows: int = PREVIEW_ROWS) -> Preview:
    """The columns as the importer will map them and the first ``rows`` data rows.

    Raises :class:`ImportFileError` (French) for what the import itself would refuse at once:
    an empty file or no e-mail column."""
    try:
        return _read(path, rows)
    except csv.Error as exc:
        raise ImportFileError(_("Fichier illisible : %(error)s", error=exc)) from exc


def _read(path: str, rows: int) -> Preview:
    with open(path, "rb") as stream:
        decoded = DecodedStream(stream)
        lines = (line for line in decoded.lines())
        header_line = next((line for line in lines if line.strip()), None)
        if header_line is None:
            raise ImportFileError(_("Le fichier est vide."))
        delimiter = detect_delimiter(header_line)
        parsed = csv_reader(chain([header_line], lines), delimiter)
        headers = next(parsed)
        fields, _extra = map_headers(headers)
        by_index = {index: name for name, index in fields.items()}
        columns = [Column(header.strip().lstrip("\ufeff") or _("colonne %(n)d", n=i + 1), by_index.get(i))
                   for i, header in enumerate(headers)]
        if "email" not in fields:
            raise no_email_column(headers)
        sample = [row for row in islice(parsed, rows)]
        return Preview(decoded.encoding, delimiter, columns, sample)
