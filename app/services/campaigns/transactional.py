"""What became of the transactional messages a page or a job asked for."""
from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.models import MessageStatus, TransactionalMessage


def message_counts(reference: str) -> dict[str, int]:
    """``{"queued": n, "sent": n, "failed": n, "skipped": n}`` for the messages tagged ``reference``
    (in flight counts as queued; skipped: their kind's rule stopped them)."""
    counts = {"queued": 0, "sent": 0, "failed": 0, "skipped": 0}
    rows = db.session.execute(
        select(TransactionalMessage.status, func.count())
        .where(TransactionalMessage.reference == reference)
        .group_by(TransactionalMessage.status)
    ).all()
    for status, count in rows:
        key = "queued" if status in (MessageStatus.QUEUED, MessageStatus.SENDING) else status.value
        counts[key] += count
    return counts


def last_refusals(reference: str, limit: int = 20) -> list[TransactionalMessage]:
    """The refused messages tagged ``reference``, newest first (address and the server's words)."""
    return list(db.session.scalars(
        select(TransactionalMessage)
        .where(TransactionalMessage.reference == reference, TransactionalMessage.status == MessageStatus.FAILED)
        .order_by(TransactionalMessage.id.desc()).limit(limit)
    ))
