"""Fill English translations into app/translations/en from a JSON map {french: english}.

Usage: python tools/po_fill.py translations.json — keeps existing translations,
reports French strings still untranslated. Run after ``make messages``.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

PO = Path(__file__).resolve().parent.parent / "app" / "translations" / "en" / "LC_MESSAGES" / "messages.po"


def main(map_file: str) -> int:
    mapping = json.loads(Path(map_file).read_text(encoding="utf-8"))
    with PO.open("rb") as fh:
        catalog = read_po(fh, locale="en")
    missing = []
    for message in catalog:
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        if key in mapping:
            message.string = mapping[key]
            message.flags.discard("fuzzy")
        elif not message.string or message.fuzzy:
            missing.append(key)
    with PO.open("wb") as fh:
        write_po(fh, catalog, width=100)
    for key in missing:
        print("untranslated:", key)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
