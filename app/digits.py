"""Whole numbers typed by people or sent in forms: ASCII digits only.

``str.isdigit`` accepts "²" or "٣", which ``int`` then refuses (a 500 waiting to happen);
every parse of an id or a count from outside goes through here instead.
"""
from __future__ import annotations

from typing import Iterable


def is_digits(text: object) -> bool:
    """``text`` is a non-empty string of ASCII digits 0-9."""
    return isinstance(text, str) and text.isascii() and text.isdigit()


def to_int(text: object) -> int | None:
    """The number ``text`` spells in ASCII digits, or None."""
    return int(text) if isinstance(text, str) and is_digits(text) else None


def parse_ids(values: Iterable[str]) -> set[int]:
    """Every value as an id; ValueError naming the first one that is not ASCII digits."""
    ids = set()
    for value in values:
        if not is_digits(value):
            raise ValueError(value)
        ids.add(int(value))
    return ids
