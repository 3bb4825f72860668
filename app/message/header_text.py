"""One check for the text a person types that ends up in a mail header: the subject, the preheader
(shown next to it in the inbox), the sender's display name and the reply-to address.

The builder refuses a control character in a header when it composes (``clean_header``), which
is too late: the campaign was saved and its preview broke. Every entry point (the composer, the
API, the CLI, a saved template) goes through :func:`check_field` before anything is stored, and
says why in French. Pure: no Flask, no database; the services translate :attr:`HeaderTextError.reason`.
"""
from __future__ import annotations

import re
import unicodedata

from app.errors import LettrineError

#: The fields this validator guards, and how each is checked.
SUBJECT, PREHEADER, FROM_NAME, REPLY_TO = "subject", "preheader", "from_name", "reply_to"
DISPLAY_NAMES = frozenset({FROM_NAME})
MAILBOXES = frozenset({REPLY_TO})
FIELDS = frozenset({SUBJECT, PREHEADER, FROM_NAME, REPLY_TO})

# Why a value is refused (``HeaderTextError.reason``).
CONTROL, ADDRESS_IN_NAME, NOT_ONE_MAILBOX = "control", "address_in_name", "not_one_mailbox"

# Line and paragraph separators are not "Cc" but end a line for mail readers and Python alike.
_SEPARATORS = frozenset("\u2028\u2029")
# One addr-spec, nothing else: no display name, no second address, no comment, no space.
_MAILBOX = re.compile(r"^[^\s@<>()\[\],;:\"\\]+@[^\s@<>()\[\],;:\"\\]+\.[^\s@<>()\[\],;:\"\\.][^\s@<>()\[\],;:\"\\]*$")
# What makes a display name pass for an address: an at sign, or angle brackets around anything.
_ADDRESS_LIKE = re.compile(r"[@<>＠﹫]")

_FRENCH = {
    CONTROL: "caractère de contrôle interdit (retour à la ligne, tabulation, U+{codepoint})",
    ADDRESS_IN_NAME: "un nom d'expéditeur ne contient pas d'adresse (ni « @ », ni « < > »)",
    NOT_ONE_MAILBOX: "une seule adresse e-mail, sans nom ni autre adresse (ex. formations@crpve91.fr)",
}
_ENGLISH = {
    CONTROL: "control character not allowed (line break, tab, U+{codepoint})",
    ADDRESS_IN_NAME: "a sender name holds no address (no \"@\", no \"< >\")",
    NOT_ONE_MAILBOX: "exactly one email address, with no name and no other address (e.g. formations@crpve91.fr)",
}


class HeaderTextError(LettrineError, ValueError):
    """A header-bound value refused; ``field`` and ``reason`` say which and why, ``codepoint`` the
    offending character for a control character."""

    status = 422
    code = "header_text"

    def __init__(self, field: str, reason: str, codepoint: str = "") -> None:
        super().__init__(f"« {field} » : " + _FRENCH[reason].format(codepoint=codepoint),
                         en=f"\"{field}\": " + _ENGLISH[reason].format(codepoint=codepoint))
        self.field, self.reason, self.codepoint = field, reason, codepoint


def control_character(value: str) -> str | None:
    """The first control character (or line/paragraph separator) in ``value``, as ``000B``; None if clean."""
    for char in value:
        if char in _SEPARATORS or unicodedata.category(char) == "Cc":
            return f"{ord(char):04X}"
    return None


def check_field(field: str, value: str) -> str:
    """``value`` stripped, or HeaderTextError: no control character anywhere; a display name holds no
    address; a reply-to is exactly one mailbox (or empty, for "the default")."""
    codepoint = control_character(value)
    if codepoint is not None:
        raise HeaderTextError(field, CONTROL, codepoint)
    value = value.strip()
    if field in DISPLAY_NAMES and _ADDRESS_LIKE.search(value):
        raise HeaderTextError(field, ADDRESS_IN_NAME)
    if field in MAILBOXES and value and not _MAILBOX.match(value):
        raise HeaderTextError(field, NOT_ONE_MAILBOX)
    return value


def without_controls(value: str) -> str:
    """A derived value (a cycle's title made into a subject) with each control character a space:
    what Lettrine writes itself is cleaned, what a person types is refused."""
    return "".join(" " if char in _SEPARATORS or unicodedata.category(char) == "Cc" else char for char in value).strip()
