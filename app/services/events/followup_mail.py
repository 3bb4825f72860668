"""Sending one transactional message to each of a list of registrants (survey invitations, certificates).

One failed address is logged and counted; it never stops the others. Who may receive each
kind is ``app.sending.eligibility``: the survey invitation is editorial (someone who
unsubscribed is skipped), the certificate a service message; a skipped one is counted apart.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Callable, Iterable

from app.extensions import db
from app.models import MessageStatus, Registration
from app.sending.transactional import send_transactional

log = logging.getLogger(__name__)


@dataclass
class SendReport:
    sent: int = 0  # queued for the workers
    failed: int = 0  # could not even be built
    skipped: int = 0  # the kind's rule stops it (unsubscribed, bounced, erased…)


def send_each(kind: str, registrations: Iterable[Registration],
              context_for: Callable[[Registration], dict],
              on_queued: Callable[[Registration], None] | None = None) -> SendReport:
    """Queue one message of ``kind`` per registration, each committed on its own; ``on_queued`` writes
    what goes with a message actually queued (a sequence's trigger event), in its transaction."""
    report = SendReport()
    for registration in registrations:
        person = registration.subscriber
        if not person.email:
            continue
        context = {"first_name": person.first_name, **context_for(registration)}
        try:
            row = send_transactional(kind, person.email, context, subscriber_id=person.id)
            if on_queued is not None and row.status != MessageStatus.SKIPPED:
                on_queued(registration)
            db.session.commit()
            if row.status == MessageStatus.SKIPPED:
                report.skipped += 1
            else:
                report.sent += 1
        except Exception:  # noqa: BLE001 - the officer sees the log and the count
            db.session.rollback()
            log.exception("could not send %s for registration %s", kind, registration.id)
            report.failed += 1
    return report
