"""Finding subscribers in the admin, fast at a million rows.

No COUNT(*) and no OFFSET: browsing pages by keyset (``id < last id seen``), and
searches are prefix matches answered by an index, capped at ``SEARCH_LIMIT``
results (the admin asks to refine beyond that).

- The address: prefix of the stored (lower-case) e-mail, on its unique index.
- Names, organisation, commune: prefix of the words of ``subscriber_terms``
  (``app.models.search_index``), stored folded — no accent, lower case — so
  "lefevre" finds "Lefèvre", "helene" "Hélène" and "mairie" "Mairie d'Évry".
  Several words must all match ("marie dupont"), each one a prefix.
- PostgreSQL: ``LIKE 'prefix%'`` on C-collated indexes, whatever the database collation.
  SQLite: a range ``col >= prefix AND col < prefix || U+10FFFF`` (SQLite's LIKE is
  case-insensitive and would scan the table).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import aliased

from app.extensions import db
from app.models import Subscriber, SubscriberStatus, SubscriberTerm, Subscription, SubscriptionStatus, email_hash
from app.models.workspace import fold, terms_of
from app.services.audience import event_audiences
from app.services.audience.addresses import InvalidAddress, normalise_email
from app.services.audience.standing import standing_is, standings

PAGE_SIZE = 50
SEARCH_LIMIT = 100
_TOP = "\U0010ffff"


@dataclass
class SearchResult:
    rows: list[Subscriber]
    next_after: int | None  # keyset for the next page (browsing only)
    truncated: bool  # a search found more than SEARCH_LIMIT
    # Each row's shown status ("désabonné·e" once she left every list…): ``app.services.audience.standing``.
    standings: dict[int, SubscriberStatus] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.rows and not self.standings:
            self.standings = standings(row.id for row in self.rows)


def _prefix(column, value: str):
    if db.engine.dialect.name == "postgresql":
        escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return column.like(escaped + "%", escape="\\")
    return and_(column >= value, column < value + _TOP)


def _filters(list_id: int | None, status: str | None, event: dict | None = None) -> list:
    conditions = []
    if event:
        conditions.append(event_audiences.clause(event))
    if status:
        conditions.append(standing_is(SubscriberStatus(status)))
    if list_id:
        conditions.append(exists().where(
            Subscription.subscriber_id == Subscriber.id, Subscription.list_id == list_id,
            Subscription.status != SubscriptionStatus.UNSUBSCRIBED,
        ))
    return conditions


def search_subscribers(
    q: str = "", *, list_id: int | None = None, status: str | None = None, after: int | None = None,
    page_size: int = PAGE_SIZE, event: dict | None = None,
) -> SearchResult:
    """Browse (no ``q``) or search; ``event`` is a criterion of ``app.services.audience.event_audiences``."""
    q = (q or "").strip()
    conditions = _filters(list_id, status, event)
    if not q:
        query = select(Subscriber).where(*conditions).order_by(Subscriber.id.desc()).limit(page_size + 1)
        if after:
            query = query.where(Subscriber.id < after)
        rows = list(db.session.scalars(query))
        more = len(rows) > page_size
        rows = rows[:page_size]
        return SearchResult(rows, rows[-1].id if more and rows else None, False)

    found: dict[int, Subscriber] = {}
    if "@" in q:  # a whole address, any spelling (case, Unicode or xn-- domain): found by its key
        try:
            key = email_hash(normalise_email(q))
        except InvalidAddress:
            key = ""
        found.update((row.id, row) for row in db.session.scalars(
            select(Subscriber).where(Subscriber.email_hash == key, *conditions)) if key)
    # Addresses are stored as typed: the prefix is looked up as typed and in lower case.
    prefixes = [_prefix(Subscriber.email, p) for p in dict.fromkeys((q.lower(), q))]
    by_email = (select(Subscriber).where(or_(*prefixes), *conditions)
                .order_by(Subscriber.email).limit(SEARCH_LIMIT + 1))
    for row in db.session.scalars(by_email):
        found[row.id] = row
    words = sorted(terms_of(q), key=len, reverse=True) if "@" not in q else []
    if words:
        found.update((row.id, row) for row in _by_terms(words, conditions) if row.id not in found)
    rows = list(found.values())
    return SearchResult(rows[:SEARCH_LIMIT], None, len(rows) > SEARCH_LIMIT)


def _by_terms(words: list[str], conditions: list) -> list[Subscriber]:
    """People having a word starting with each of ``words`` (the longest read off the index).

    No ORDER BY and no DISTINCT: both would read every match ("dupont" is 50,000 rows at
    a million); the index is read until the cap, a person matching twice is kept once,
    and the few hundred rows found are sorted here.
    """
    first = aliased(SubscriberTerm)
    query = select(Subscriber).join(first, first.subscriber_id == Subscriber.id).where(
        _prefix(first.term, words[0]), *conditions)
    for word in words[1:]:
        other = aliased(SubscriberTerm)
        query = query.where(exists().where(other.subscriber_id == Subscriber.id, _prefix(other.term, word)))
    seen: dict[int, Subscriber] = {}
    for row in db.session.scalars(query.limit(2 * SEARCH_LIMIT + 1)):
        seen.setdefault(row.id, row)
    people = list(seen.values())
    people.sort(key=lambda p: (fold(p.last_name), fold(p.first_name), p.id))
    return people
