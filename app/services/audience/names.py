"""Names typed into public forms: they end up in messages sent from our domain.

A form is not proof of anything: "Visit http://evil.example to claim your seat" typed as
a first name must not become "Bonjour Visit http://evil.example…" in a message from the
CRPVE. Names are cleaned when stored (no URL or address, only letters, spaces, hyphens
and apostrophes, 60 characters at most), and messages greet by name only people whose
address is verified; everyone else gets a neutral "Bonjour,".
"""
from __future__ import annotations

import re

MAX_NAME = 60
# URLs, bare domains (evil.example, www.x.fr) and addresses: dropped whole, not just their punctuation.
_LINKISH = re.compile(r"\S*(?:://|www\.|@)\S*|\S+\.[A-Za-z]{2,}\S*", re.IGNORECASE)
_ALLOWED_PUNCTUATION = {" ", "-", "'", "’"}


def clean_name(text: str | None) -> str:
    """Letters, spaces, hyphens and apostrophes of ``text``, without URLs, at most 60 characters."""
    text = _LINKISH.sub(" ", (text or "")[:4 * MAX_NAME])  # cut first: the pattern is quadratic on long words
    kept = "".join(c if (c.isalpha() or c in _ALLOWED_PUNCTUATION) else " " for c in text)
    return " ".join(kept.split())[:MAX_NAME].strip(" -'’")
