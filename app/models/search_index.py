"""Keeps ``subscriber_terms`` (the accent-free search index) in step with the subscribers.

ORM changes are caught by an ``after_flush`` hook, so every editor (admin, public forms,
registrations, erasure, a future API) keeps the index right without remembering to.
The importer writes subscribers in bulk without the ORM: it calls :func:`term_rows` and
inserts the rows itself in the same transaction.
"""
from __future__ import annotations

from typing import Any, Iterable

from sqlalchemy import delete, event, insert, inspect
from sqlalchemy.orm import Session

from app.models.audience import Subscriber
from app.models.workspace import TERM_FIELDS, SubscriberTerm, terms_of


def term_rows(subscriber_id: int, values: dict[str, Any]) -> list[dict[str, Any]]:
    """The index rows for one person's field values."""
    return [{"term": t, "subscriber_id": subscriber_id}
            for t in sorted(terms_of(*(str(values.get(f) or "") for f in TERM_FIELDS)))]


def _changed(obj: Subscriber) -> bool:
    state: Any = inspect(obj)
    return any(state.attrs[f].history.has_changes() for f in TERM_FIELDS)


@event.listens_for(Session, "before_flush")
def _collect(session: Session, _context, _instances) -> None:
    pending = session.info.setdefault("reindex_subscribers", set())
    for obj in session.new:
        if isinstance(obj, Subscriber):
            pending.add(obj)
    for obj in session.dirty:
        if isinstance(obj, Subscriber) and _changed(obj):
            pending.add(obj)


@event.listens_for(Session, "after_flush")
def _write(session: Session, _context) -> None:
    pending: set[Subscriber] = session.info.pop("reindex_subscribers", set())
    people = [p for p in pending if p.id is not None and p not in session.deleted]
    if not people:
        return
    reindex(session, people)


def reindex(session: Session, people: Iterable[Subscriber]) -> None:
    people = list(people)
    connection = session.connection()
    connection.execute(delete(SubscriberTerm).where(SubscriberTerm.subscriber_id.in_([p.id for p in people])))
    rows = [row for p in people for row in term_rows(p.id, {f: getattr(p, f) for f in TERM_FIELDS})]
    if rows:
        connection.execute(insert(SubscriberTerm), rows)
