"""Helpers for tests on rendered emails and pages: typography-insensitive text comparison, HTML text, seed lines."""
from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import lxml.html

SEED = Path(__file__).parent / "fixtures" / "crpve-cycle-contrat-de-ville-2016.txt"
CHROME = {"Logo CRPVE"}  # mail-client chrome in the seed, not content

_TRANSLATE = str.maketrans({
    "’": "'", "‘": "'", "ʼ": "'", "`": "'", "“": '"', "”": '"', "«": '"', "»": '"',
    "\u00a0": " ", "\u202f": " ", "\u2009": " ", "\u2007": " ",
    "–": " ", "—": " ", "‐": " ", "‑": " ", "-": " ", "•": " ", "·": " ", "◦": " ", "▪": " ",
})


def normalise(text: str) -> str:
    """Whitespace and typography folded: quotes, apostrophes, dashes, bullets, nbsp, case, space before ;:!?,
    hours ("10H00" = "10 h 00")."""
    text = unicodedata.normalize("NFC", text).translate(_TRANSLATE)
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r" ([:;!?])", r"\1", text)
    text = text.replace('" ', '"').replace(' "', '"')
    text = re.sub(r"\b(\d{1,2}) ?[hH] ?(\d{2})\b", r"\1h\2", text)  # "10H00" (the seed) = "10 h 00" (French)
    return text.strip().casefold()


def plain_spaces(text: str) -> str:
    """No-break spaces (U+00A0, U+202F) as plain ones, for assertions about what a page or a message
    says rather than its typography (French typography: tests/test_typography.py)."""
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def seed_lines() -> list[str]:
    lines = [line.strip() for line in SEED.read_text(encoding="utf-8").splitlines()]
    return [line for line in lines if line and line not in CHROME]


def html_text(html: str) -> str:
    """Visible text of an HTML part, block elements separated by spaces (no style, no head)."""
    spaced = re.sub(r"<(br|/p|/li|/td|/div|/h\d|/tr|/ul|/a)\b", r" <\1", html, flags=re.I)
    doc = lxml.html.fromstring(spaced)
    for bad in doc.xpath("//style|//head|//script"):
        bad.getparent().remove(bad)
    return doc.text_content()


def missing_lines(text: str) -> list[str]:
    folded = normalise(text)
    return [line for line in seed_lines() if normalise(line) not in folded]
