"""Who receives what, tried as the officer and a registrant would, over a real SMTP server.

- A registrant clicks "cliquez ici" in an "Écrire aux inscrits" message: the page tells her which
  messages still come; the next message to the registrants skips her, her reminder still arrives,
  and a survey invitation queued for her is recorded "non envoyé".
- The one-click button of her mail client, and every other way to leave, show "désabonné·e" in
  Abonnés and on her page.
"""
from __future__ import annotations

import html as html_lib
import re

from sqlalchemy import select

from app.extensions import db
from app.models import (
    AuditLog,
    Campaign,
    MailingList,
    MessageStatus,
    Subscriber,
    SubscriberStatus,
    SubscriptionStatus,
    Suppression,
    SuppressionReason,
    TransactionalMessage,
    email_hash,
)
from app.services.audience import Consent, set_subscription, unsubscribe_from, update_preferences
from app.services.campaigns import start_campaign, write_to_registrants
from app.services.events import register
from app.services.events.reminders import sync_reminders
from app.sending.transactional import send_transactional
from tests.emailcheck import plain_spaces
from tests.event_factories import future_dates, make_cycle
from tests.sending_fixtures import deliver_queued
from tests.smtp_server import smtp_server  # noqa: F401 (fixture)

UNSUBSCRIBE = re.compile(r"https://lettrine\.test(/u/[A-Za-z0-9_.\-]+)")


def _text(received) -> str:
    return received.parsed().get_body(preferencelist=("plain",)).get_content()


def _to_registrants(cycle, journee, subject: str) -> Campaign:
    """"Écrire aux inscrits" of journée N, written and sent as the officer does."""
    campaign = write_to_registrants(cycle, journee, user_id=None)
    campaign.subject = subject
    campaign.content = {"blocks": [{"type": "title", "text": subject},
                                   {"type": "text", "text": "La salle change : rendez-vous salle 2."}]}
    db.session.commit()
    start_campaign(campaign)
    return campaign


def _page(client, path: str) -> str:
    return _plain(client.get(path).get_data(as_text=True))


def _plain(page: str) -> str:
    """The page as read: entities decoded, the typography's no-break spaces as spaces."""
    return plain_spaces(html_lib.unescape(page))


def _token(page: str) -> str:
    return page.split('name="csrf_token" value="')[1].split('"')[0]


def test_a_registrant_who_unsubscribes_from_a_message_to_registrants(app, client, smtp_server):
    app.config.update(SMTP_URL=smtp_server.url)
    cycle = make_cycle(dates=future_dates(), reminder_rules=[{"days_before": 7, "time": "09:00"}])
    sync_reminders(cycle)
    db.session.commit()
    j2 = cycle.journees[1]
    for address in ("amina@example.org", "bruno@example.org"):  # registered on the public form's terms, no list
        register(cycle, address, first_name=address.split("@")[0].capitalize(), journees=[j2],
                 source="admin", actor="test")
    deliver_queued(app)  # the registration confirmations
    smtp_server.messages.clear()

    _to_registrants(cycle, j2, "Journée 2 : changement de salle")
    deliver_queued(app)
    [received] = [m for m in smtp_server.messages if m.rcpt_tos == ("amina@example.org",)]
    path = UNSUBSCRIBE.search(_text(received)).group(1)  # the footer's "cliquez ici"

    before = _page(client, path)
    assert "Me désabonner" in before and "Vous êtes désabonné·e" not in before  # not told it is done already
    promise = ("vous restez inscrit·e à la journée 2 du cycle « Comment faire vivre un contrat de ville : des "
               "principes à la mise en œuvre »")
    assert promise in before and "vous recevrez son rappel et un message si elle change de date ou de lieu" in before
    assert "votre attestation de présence à sa clôture" in before
    amina = db.session.scalar(select(Subscriber).where(Subscriber.email == "amina@example.org"))
    survey = {"subject": "Votre avis", "cycle": cycle, "journee": j2, "survey_url": "https://lettrine.test/s/x"}
    queued = send_transactional("survey_invitation", "amina@example.org", survey, subscriber_id=amina.id)
    db.session.commit()
    assert queued.status == MessageStatus.QUEUED  # queued a moment before she clicks
    done = _plain(client.post(path, data={"csrf_token": _token(before), "action": "unsubscribe",
                                          "scope": "all"}).get_data(as_text=True))
    assert "Vous êtes désabonné·e" in done and promise in done and "vous recevrez son rappel" in done
    db.session.refresh(amina)
    assert amina.status == SubscriberStatus.UNSUBSCRIBED
    assert "Vous êtes désabonné·e" in _page(client, path)  # the link now offers the way back

    smtp_server.messages.clear()
    _to_registrants(cycle, j2, "Journée 2 : le programme")
    deliver_queued(app)  # the survey invitation queued before her click is claimed here too
    assert [m.rcpt_tos for m in smtp_server.messages] == [("bruno@example.org",)]  # the next one skips her

    smtp_server.messages.clear()
    reminder = db.session.scalar(select(Campaign).where(Campaign.journee_id == j2.id))
    start_campaign(reminder)
    deliver_queued(app)
    assert sorted(m.rcpt_tos for m in smtp_server.messages) == [("amina@example.org",), ("bruno@example.org",)]

    # A survey invitation is editorial too: the one queued before her click is not sent (the worker reads
    # the rule again), one queued after is kept "non envoyé" at once; both say why, and keep no bytes.
    smtp_server.messages.clear()
    later = send_transactional("survey_invitation", "amina@example.org", survey, subscriber_id=amina.id)
    deliver_queued(app)
    assert smtp_server.messages == []
    for row in (queued, later):
        db.session.refresh(row)
        assert row.status == MessageStatus.SKIPPED and row.smtp_reply == "désabonné·e" and row.raw == b""
    [audit] = db.session.scalars(select(AuditLog).where(AuditLog.subscriber_id == amina.id,
                                                        AuditLog.action == "message_skipped")).all()
    assert audit.detail["kind"] == "survey_invitation" and audit.detail["message"] == queued.id
