"""The officer's workspace: suppressed domains, the search index, saved segments."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, utcnow


class SuppressedDomain(db.Model):
    """A whole domain nobody may be written to (a defunct organisation, a spam trap)."""

    __tablename__ = "suppressed_domains"

    domain: Mapped[str] = mapped_column(String(253), primary_key=True)
    reason: Mapped[str] = mapped_column(String(500), default="")
    created_by: Mapped[str] = mapped_column(String(320), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SubscriberTerm(db.Model):
    """One folded word (no accent, lower case) of a subscriber's names, organisation or commune.

    The admin search reads this index by prefix: "lefevre" finds Lefèvre, "mairie" the
    organisation "Mairie d'Évry". Collation "C" on PostgreSQL so ``LIKE 'pre%'`` uses it.
    """

    __tablename__ = "subscriber_terms"

    term: Mapped[str] = mapped_column(
        String(100).with_variant(String(100, collation="C"), "postgresql"), primary_key=True)
    # No foreign key: checking one per inserted word doubled a 100,000-row import on
    # PostgreSQL. Subscribers are never deleted (erasure keeps the row and clears its
    # words), and the search joins subscribers, so a stray word could only find nobody.
    subscriber_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)

    # SQLite: WITHOUT ROWID, so the primary key is the table (two B-trees to write, not three).
    __table_args__ = (Index("ix_subscriber_terms_subscriber_term", "subscriber_id", "term"),
                      {"sqlite_with_rowid": False})


class SavedSegment(db.Model):
    """A named audience (lists + filters + event criterion), reusable in any campaign."""

    __tablename__ = "saved_segments"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    list_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    segment: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_by: Mapped[str] = mapped_column(String(320), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MessageTemplate(db.Model):
    """A campaign saved as a starting point: content and settings, no audience, no date."""

    __tablename__ = "message_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300), unique=True)
    template: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(300), default="")
    preheader: Mapped[str] = mapped_column(String(300), default="")
    from_name: Mapped[str] = mapped_column(String(200), default="")
    reply_to: Mapped[str] = mapped_column(String(320), default="")
    content: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_by: Mapped[str] = mapped_column(String(320), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MediaFile(db.Model):
    """An uploaded image, stored under ``instance/media/`` in two widths (600 and 1200 px)."""

    __tablename__ = "media_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)  # file stem, content-addressed
    original_name: Mapped[str] = mapped_column(String(300), default="")
    alt: Mapped[str] = mapped_column(Text, default="")
    width: Mapped[int] = mapped_column()
    height: Mapped[int] = mapped_column()
    extension: Mapped[str] = mapped_column(String(8))
    created_by: Mapped[str] = mapped_column(String(320), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# --- folding, shared by the search index, its migration and the search itself ----------

import re as _re  # noqa: E402
from functools import lru_cache as _lru_cache  # noqa: E402
import unicodedata as _unicodedata  # noqa: E402

_WORD = _re.compile(r"[a-z0-9]+")
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss", "ø": "o", "đ": "d", "ł": "l"})
TERM_FIELDS = ("first_name", "last_name", "organisation", "commune")


def fold(text: str) -> str:
    """Lower case without accents: "Lefèvre" → "lefevre", "Œuvre" → "oeuvre"."""
    decomposed = _unicodedata.normalize("NFKD", (text or "").lower().translate(_LIGATURES))
    return "".join(c for c in decomposed if not _unicodedata.combining(c))


def terms_of(*values: str) -> set[str]:
    """The index words of these values: folded, split on anything not a letter or digit,
    two characters at least ("d'Évry" gives "evry"), at most 100 (the column's width)."""
    words: set[str] = set()
    for value in values:
        if value:
            words.update(_words(value))
    return words


@_lru_cache(maxsize=65536)
def _words(value: str) -> frozenset[str]:
    # Cached: an import repeats the same first names, organisations and communes endlessly.
    return frozenset(w[:100] for w in _WORD.findall(fold(value)) if len(w) >= 2)
