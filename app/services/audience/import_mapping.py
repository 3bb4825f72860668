"""A column mapping given with an import (the API's ``mapping``): the file is stored with its header
line renamed, so the importer, its resumption after a crash and its report read the columns as mapped.

The mapping names the file's headers and the field each one holds (``{"Courriel pro": "email"}``);
columns it does not name are recognised as usual. A column that would be recognised as a field the
mapping gives to another column is kept as a free attribute (its header suffixed), so the mapping
wins. The stored copy is UTF-8 whatever the upload's encoding, the rest of the file unchanged.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import IO, BinaryIO, cast

from app.services.audience.importer import ImportFileError
from app.services.support import FIELD_LIMITS, DecodedStream, csv_reader, detect_delimiter, is_workbook, map_headers
from app.services.support import workbook_error

#: The fields a column can be mapped to.
MAPPABLE_FIELDS = tuple(FIELD_LIMITS)
NOT_KEPT = " (non retenue)"


def check_mapping(mapping: dict[str, str]) -> None:
    """ImportFileError (French) for a field that does not exist or is given to two columns."""
    unknown = sorted({field for field in mapping.values() if field not in MAPPABLE_FIELDS})
    if unknown:
        raise ImportFileError(f"Champ inconnu dans la correspondance : « {unknown[0]} » "
                              f"(champs : {', '.join(MAPPABLE_FIELDS)}).")
    fields = list(mapping.values())
    twice = sorted({field for field in fields if fields.count(field) > 1})
    if twice:
        raise ImportFileError(f"Le champ « {twice[0]} » est donné à deux colonnes dans la correspondance.")


def _header(cell: str, mapping: dict[str, str], taken: set[str]) -> str:
    name = cell.strip().lstrip("\ufeff")
    if name in mapping:
        return mapping[name].replace("_", " ")  # the field's own name, which the importer recognises
    fields, _extra = map_headers([name])
    if fields and next(iter(fields)) in taken:
        return name + NOT_KEPT
    return cell


def remapped_lines(stream: IO[bytes], mapping: dict[str, str]) -> Iterator[str]:
    """The file's lines, decoded, its header renamed by ``mapping``; ImportFileError (before yielding
    anything) when the file is empty or a workbook, or a mapped header is not in it."""
    check_mapping(mapping)
    decoded = DecodedStream(cast(BinaryIO, stream))
    if is_workbook(decoded.first_bytes):
        raise ImportFileError(workbook_error())
    lines = decoded.lines()
    leading: list[str] = []
    for line in lines:
        if line.strip():
            break
        leading.append(line)
    else:
        raise ImportFileError("Le fichier est vide.")
    delimiter = detect_delimiter(line)
    try:
        headers = next(csv_reader(iter([line]), delimiter))
    except (csv.Error, StopIteration) as exc:
        raise ImportFileError(f"En-tête illisible : {exc}") from exc
    present = {cell.strip().lstrip("\ufeff") for cell in headers}
    missing = [name for name in mapping if name not in present]
    if missing:
        raise ImportFileError(f"La colonne « {missing[0]} » de la correspondance n'est pas dans l'en-tête "
                              f"du fichier ({', '.join(sorted(present))[:300]}).")
    taken = set(mapping.values())
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n" if line.endswith("\r\n") else "\n").writerow(
        [_header(cell, mapping, taken) for cell in headers])
    return _chain(leading, out.getvalue(), lines)


def _chain(leading: list[str], header: str, rest: Iterator[str]) -> Iterator[str]:
    yield from leading
    yield header
    yield from rest
