"""``Idempotency-Key`` for the API's POSTs that create or send: the same request with the same key
(for 24 hours) is answered once, then replayed.

A placeholder is committed before the request runs, so a concurrent duplicate is told the key
is in use instead of running twice; a success is stored and replayed; a failure frees the key.
The web layer fingerprints the request and turns the refusals into HTTP answers.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import IdempotencyRecord, utcnow

IDEMPOTENCY_TTL = timedelta(hours=24)


class KeyInUse(Exception):
    """A request with this key is still running."""


class KeyReused(Exception):
    """This key already served a different request."""


@dataclass(frozen=True)
class Replay:
    """The first answer, to send again as it was."""

    status_code: int
    body: bytes
    content_type: str


def claim_key(token_id: int, key: str, fingerprint: str) -> int | Replay:
    """Hold ``key`` for this request (the placeholder's id, to :func:`finish_key` later), or the
    answer to replay. KeyInUse, KeyReused as their names say. Commits (keys past their 24 hours go)."""
    now = utcnow()
    db.session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.created_at < now - IDEMPOTENCY_TTL))
    record = db.session.scalar(select(IdempotencyRecord).where(
        IdempotencyRecord.token_id == token_id, IdempotencyRecord.key == key))
    if record is None:
        record = IdempotencyRecord(token_id=token_id, key=key, fingerprint=fingerprint, status_code=0,
                                   body=b"", content_type="", created_at=now)
        db.session.add(record)
        try:
            db.session.commit()
        except IntegrityError:  # the same key, claimed by a concurrent request
            db.session.rollback()
            raise KeyInUse() from None
        return record.id
    if record.fingerprint != fingerprint:
        raise KeyReused()
    if record.status_code == 0:
        raise KeyInUse()
    return Replay(record.status_code, record.body, record.content_type)


def finish_key(record_id: int, status_code: int, body: bytes, content_type: str) -> None:
    """Keep a success for its repeats; free the key after any other answer. Commits."""
    if 200 <= status_code < 300:
        db.session.execute(update(IdempotencyRecord).where(IdempotencyRecord.id == record_id).values(
            status_code=status_code, body=body, content_type=content_type or "application/json"))
    else:
        db.session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.id == record_id))
    db.session.commit()


def release_key(record_id: int) -> None:
    """The request failed with an error: drop what it left half done, free the key. Commits."""
    db.session.rollback()
    db.session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.id == record_id))
    db.session.commit()
