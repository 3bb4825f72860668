"""Reading the CSV files the CRPVE actually has: French Excel exports.

Excel writes Windows-1252 ("CSV (séparateur : point-virgule)"), UTF-8 with a BOM
("CSV UTF-8"), or UTF-16 with tabs ("Texte Unicode"); the separator is `;` in a
French locale, `,` elsewhere, or a tab. This module turns a binary stream into
physical text lines without reading it whole, and guesses the separator.
"""
from __future__ import annotations

import _csv
import codecs
import csv
import re
import unicodedata
from typing import BinaryIO, Iterator

from flask_babel import gettext as _

CHUNK = 1 << 20  # 1 MiB of bytes per read

BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))


def _cp1252_fallback(exc: UnicodeError) -> tuple[str, int]:
    """Decode a stray non-UTF-8 byte as Windows-1252 (a UTF-8 file edited by hand in Excel)."""
    if not isinstance(exc, UnicodeDecodeError):  # registered for decoding only
        raise exc
    bad = exc.object[exc.start:exc.end]
    return bad.decode("cp1252", errors="replace"), exc.end


codecs.register_error("lettrine-cp1252", _cp1252_fallback)


class DecodedStream:
    """Physical lines of a binary CSV stream, decoded on the fly.

    UTF-8 is tried first (a BOM is removed). At the first byte that is not UTF-8:
    if everything so far was ASCII the file is Windows-1252 and the rest is read
    as such; if real UTF-8 was already seen, the file *is* UTF-8 and the odd
    bytes alone are read as Windows-1252. ``bytes_read`` feeds progress bars.
    """

    def __init__(self, raw: BinaryIO):
        self.raw = raw
        self.bytes_read = 0
        self.encoding = "utf-8"
        head = self._read()
        self.first_bytes = head[:8]  # before the BOM is removed: is_workbook() reads them
        self.sample = head[:SAMPLE]  # for is_text()
        for bom, encoding in BOMS:
            if head.startswith(bom):
                head = head[len(bom):]
                self.encoding = encoding
                break
        self._head = head
        self._decoder = codecs.getincrementaldecoder(self.encoding)(errors="strict")
        self._seen_non_ascii = False
        self.newline = "\n"

    def _read(self) -> bytes:
        data = self.raw.read(CHUNK)
        self.bytes_read += len(data)
        return data

    def _decode(self, data: bytes, final: bool = False) -> str:
        if self.encoding != "utf-8":
            return self._decoder.decode(data, final)
        try:
            text = self._decoder.decode(data, final)
        except UnicodeDecodeError as exc:
            # The decoder keeps its state from before this chunk: decode the chunk again.
            data = self._decoder.getstate()[0] + data
            if not self._seen_non_ascii and data[: exc.start].isascii():
                self.encoding = "cp1252"
                # The five bytes cp1252 leaves undefined become U+FFFD: a bad row, never a crash.
                self._decoder = codecs.getincrementaldecoder("cp1252")(errors="replace")
            else:
                self._decoder = codecs.getincrementaldecoder("utf-8")(errors="lettrine-cp1252")
            return self._decoder.decode(data, final)
        if not self._seen_non_ascii and not text.isascii():
            self._seen_non_ascii = True
        return text

    def chunks(self) -> Iterator[str]:
        data = self._head
        self._head = b""
        while data:
            yield self._decode(data)
            data = self._read()
        tail = self._decode(b"", final=True)
        if tail:
            yield tail

    def lines(self) -> Iterator[str]:
        """Physical lines with their endings (``\\n``, ``\\r\\n``; old Mac ``\\r`` alone too)."""
        rest = ""
        splitter: re.Pattern[str] | None = None
        for text in self.chunks():
            text = rest + text
            if splitter is None:
                if "\n" not in text and "\r" in text and len(text) > 1:
                    splitter = re.compile(r"(?<=\r)")  # \r-only file (Excel for Mac, old)
                elif "\n" in text:
                    splitter = re.compile(r"(?<=\n)")
                else:
                    rest = text
                    continue
            parts = splitter.split(text)
            rest = parts.pop()
            yield from parts
        if rest:
            yield rest


DELIMITERS = (";", ",", "\t")


def detect_delimiter(first_line: str) -> str:
    """The separator of the header line: the most frequent of ; , tab outside quotes.

    The header is the most regular line of a file (no free text with commas), so
    counting there is more reliable than csv.Sniffer on data. Ties go to `;`,
    the French Excel default.
    """
    outside = re.sub(r'"[^"]*"', "", first_line)
    counts = {d: outside.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])  # max keeps the first on ties: ";"
    return best if counts[best] else ";"


def fold(text: str) -> str:
    """Lower-case, accents removed, punctuation as spaces: 'Prénom ' -> 'prenom'."""
    text = unicodedata.normalize("NFKD", text.strip().lstrip("\ufeff"))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "email": (
        "email", "e mail", "mail", "courriel", "mel", "adresse mail", "adresse email", "adresse e mail",
        "adresse courriel", "adresse electronique", "adresse mel", "email address", "e mail address",
        "mail address", "courriel professionnel", "email professionnel", "e mail professionnel",
    ),
    "first_name": ("prenom", "first name", "firstname", "given name", "prenom usuel"),
    "last_name": ("nom", "last name", "lastname", "surname", "family name", "nom de famille", "nom d usage"),
    "organisation": (
        "organisme", "structure", "organisation", "organization", "societe", "entreprise", "company",
        "employeur", "etablissement", "collectivite", "institution", "nom de la structure", "nom de l organisme",
    ),
    "function": ("fonction", "function", "poste", "job title", "titre du poste", "position", "metier", "role"),
    "commune": ("commune", "ville", "city", "town", "localite", "commune de rattachement"),
}
_ALIAS_TO_FIELD = {alias: field for field, aliases in HEADER_ALIASES.items() for alias in aliases}

FIELD_LIMITS = {"email": 320, "first_name": 200, "last_name": 200, "organisation": 300, "function": 300, "commune": 200}


def map_headers(headers: list[str]) -> tuple[dict[str, int], dict[int, str]]:
    """Known fields -> column index, and the other columns (index -> original header).

    The first column naming a field wins; a second one (two e-mail columns) is
    kept as an attribute rather than silently dropped.
    """
    fields: dict[str, int] = {}
    extra: dict[int, str] = {}
    for index, header in enumerate(headers):
        field = _ALIAS_TO_FIELD.get(fold(header))
        if field is not None and field not in fields:
            fields[field] = index
        else:
            label = header.strip().lstrip("\ufeff") or f"colonne {index + 1}"
            extra[index] = label[:100]
    return fields, extra


def reader(lines: Iterator[str], delimiter: str) -> _csv.Reader:
    return csv.reader(lines, delimiter=delimiter, quotechar='"', doublequote=True, skipinitialspace=False)


# First bytes: ZIP (Office Open XML .xlsx, OpenDocument .ods, Numbers) and OLE2 (Excel 97-2003 .xls).
WORKBOOK_MAGIC = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")


def is_workbook(head: bytes) -> bool:
    """A spreadsheet workbook rather than text: decoding it would show binary junk as "headers"."""
    return head.startswith(WORKBOOK_MAGIC)


SAMPLE = 64 * 1024  # bytes looked at to tell text from binary
_CONTROLS = frozenset(range(0x20)) - {0x09, 0x0A, 0x0C, 0x0D} | {0x7F}


def is_text(sample: bytes) -> bool:
    """The first bytes of a file read as text: no NUL, and (almost) no control characters.

    A CSV from a spreadsheet has none; random or binary bytes have about one in eight (issue #22:
    random bytes uploaded as a CSV answered 500 and left the file on disk). UTF-16 files (Excel's
    "Texte Unicode") are looked at once decoded."""
    for bom, encoding in BOMS[1:]:
        if sample.startswith(bom):
            text = sample[len(bom):len(bom) + (len(sample) - len(bom)) // 2 * 2].decode(encoding, errors="replace")
            codes = [ord(c) for c in text]
            return not any(c == 0 for c in codes) and sum(c in _CONTROLS for c in codes) <= len(codes) // 100
    if b"\x00" in sample:
        return False
    return sum(b in _CONTROLS for b in sample) <= len(sample) // 100


def not_text_error() -> str:
    return _("Ce fichier n'est pas un fichier texte (CSV) : il contient des caractères de contrôle ou des données "
             "binaires. Enregistrez-le au format CSV depuis votre tableur (« CSV UTF-8 » ou « CSV (séparateur : "
             "point-virgule) »), puis importez-le. Rien n'a été importé.")


def workbook_error() -> str:
    return _("Ce fichier est un classeur (Excel ou LibreOffice), pas un fichier CSV : enregistrez le fichier au "
             "format CSV (dans votre tableur, « Enregistrer sous », format « CSV UTF-8 » ou « CSV (séparateur : "
             "point-virgule) »), puis importez-le. Rien n'a été importé.")
