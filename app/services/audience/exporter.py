"""CSV export of subscribers, for French Excel: UTF-8 with BOM, `;`, formulas neutralised.

Rows are read by keyset (id > last, LIMIT n) and written as they come, so a
million subscribers stream with flat memory and no long-lived cursor (a web
response may be slow to drain). Cells that Excel would run as a formula
(starting with = + - @, tab or CR) get a leading apostrophe (OWASP's advice);
our importer removes it again, so an export re-imports unchanged.
"""
from __future__ import annotations

import codecs
import csv
import io
from typing import Iterator

from sqlalchemy import func, select

from app.extensions import db
from app.timeutil import format_when
from app.models import BounceRecord, MailingList, Subscriber, Subscription, SubscriptionStatus
from app.services.support import text_cell

PAGE = 2000

LIST_HEADERS = ["Courriel", "Prénom", "Nom", "Organisme", "Fonction", "Commune", "Inscrit le", "Source du consentement"]
ALL_HEADERS = ["Courriel", "Prénom", "Nom", "Organisme", "Fonction", "Commune", "Statut", "Créé le", "Raison du rebond"]

STATUS_LABELS = {
    "active": "actif", "unsubscribed": "désinscrit", "bounced": "en erreur",
    "complained": "plainte", "erased": "effacé",
}



def _stamp(value) -> str:
    """A stored UTC instant as the file's other dates: Paris time, dd/mm/yyyy HH:MM (it wrote UTC before)."""
    return format_when(value, "numeric", "fr")


def _rows(mailing_list: MailingList | None) -> Iterator[list[object]]:
    last = 0
    while True:
        if mailing_list is not None:
            query = (
                select(Subscriber, Subscription)
                .join(Subscription, Subscription.subscriber_id == Subscriber.id)
                .where(Subscription.list_id == mailing_list.id,
                       Subscription.status == SubscriptionStatus.CONFIRMED,
                       Subscriber.id > last)
                .order_by(Subscriber.id).limit(PAGE)
            )
            batch = db.session.execute(query).all()
            ids = [person.id for person, _sub in batch]
            for person, sub in batch:
                yield [person.email, person.first_name, person.last_name, person.organisation,
                       person.function, person.commune, _stamp(sub.confirmed_at or sub.consent_at),
                       sub.consent_source]
        else:
            people = list(db.session.scalars(
                select(Subscriber).where(Subscriber.id > last).order_by(Subscriber.id).limit(PAGE)))
            ids = [p.id for p in people]
            reasons = _last_bounce_reasons(ids)
            for person in people:
                yield [person.email or "", person.first_name, person.last_name, person.organisation,
                       person.function, person.commune, STATUS_LABELS.get(person.status.value, person.status.value),
                       _stamp(person.created_at), reasons.get(person.id, "")]
        if not ids:
            return
        last = ids[-1]
        db.session.expunge_all()  # keep the identity map from growing with the export


def export_csv(mailing_list: MailingList | None = None) -> Iterator[bytes]:
    """The export as UTF-8 byte chunks, BOM first (Excel reads the accents right)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(LIST_HEADERS if mailing_list is not None else ALL_HEADERS)
    yield codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8")
    buffer.seek(0)
    buffer.truncate()
    for count, row in enumerate(_rows(mailing_list), 1):
        writer.writerow([text_cell(v) for v in row])
        if count % 500 == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode("utf-8")


def _last_bounce_reasons(subscriber_ids: list[int]) -> dict[int, str]:
    """The latest attributed reason per subscriber (exports)."""
    if not subscriber_ids:
        return {}
    latest = (select(BounceRecord.subscriber_id, func.max(BounceRecord.id).label("last"))
              .where(BounceRecord.subscriber_id.in_(subscriber_ids), BounceRecord.undone_at.is_(None))
              .group_by(BounceRecord.subscriber_id).subquery())
    rows = db.session.execute(select(BounceRecord.subscriber_id, BounceRecord.reason)
                              .join(latest, BounceRecord.id == latest.c.last))
    return {subscriber_id: reason for subscriber_id, reason in rows if subscriber_id is not None}
