"""Readable, unique identifiers for URLs and the CLI ("Comment faire vivre…" → comment-faire-vivre)."""
from __future__ import annotations

import re
import unicodedata

from sqlalchemy import select

from app.extensions import db


def slugify(text: str, max_length: int = 80) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-") or "sans-titre"


def unique_slug(model, text: str, max_length: int = 80) -> str:
    """``slugify(text)``, suffixed -2, -3… until no row of ``model`` uses it."""
    base = slugify(text, max_length - 4)
    candidate, n = base, 1
    while db.session.scalar(select(model.id).where(model.slug == candidate)) is not None:
        n += 1
        candidate = f"{base}-{n}"
    return candidate
