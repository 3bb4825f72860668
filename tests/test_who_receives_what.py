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
from app.services.audience import (
    Consent,
    search_subscribers,
    set_subscription,
    standing_of,
    unsubscribe_from,
    update_preferences,
)
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


def _list(slug: str) -> MailingList:
    mailing_list = MailingList(slug=slug, name=slug.capitalize())
    db.session.add(mailing_list)
    db.session.commit()
    return mailing_list


def _person(address: str, *lists: MailingList) -> Subscriber:
    person = Subscriber(email=address, first_name="Zoé")
    db.session.add(person)
    db.session.flush()
    for mailing_list in lists:
        set_subscription(person, mailing_list, SubscriptionStatus.CONFIRMED, Consent("test", "texte"))
    db.session.commit()
    return person


def _shown(admin_client, person: Subscriber) -> str:
    row = [line for line in admin_client.get(f"/admin/subscribers?q={person.email}").get_data(as_text=True)
           .splitlines() if 'class="badge"' in line]
    assert len(row) == 1, row
    return html_lib.unescape(re.search(r'class="badge">([^<]*)<', row[0]).group(1))


def test_one_click_shows_desabonne_in_abonnes_and_on_her_page(app, admin_client, smtp_server):
    app.config.update(SMTP_URL=smtp_server.url)
    lettre = _list("lettre")
    zoe = _person("zoe@example.org", lettre)
    campaign = Campaign(slug="lettre-mars", name="Lettre de mars", subject="Lettre de mars", lists=[lettre],
                        content={"blocks": [{"type": "title", "text": "Mars"}, {"type": "text", "text": "Bonjour"}]})
    db.session.add(campaign)
    db.session.commit()
    start_campaign(campaign)
    deliver_queued(app)
    [received] = smtp_server.messages
    assert _shown(admin_client, zoe) == "actif"
    header = str(received.parsed()["List-Unsubscribe"])
    path = UNSUBSCRIBE.search(header).group(1)
    one_click = app.test_client(use_cookies=False).post(
        path, data="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    assert one_click.status_code == 200
    assert _shown(admin_client, zoe) == "désabonné·e"
    page = html_lib.unescape(admin_client.get(f"/admin/subscribers/{zoe.id}").get_data(as_text=True))
    assert '<span class="badge">désabonné·e</span>' in page and "Réabonner (à sa demande)" in page
    listed = admin_client.get("/admin/subscribers?status=unsubscribed").get_data(as_text=True)
    assert "zoe@example.org" in listed
    assert "zoe@example.org" not in admin_client.get("/admin/subscribers?status=active").get_data(as_text=True)


def test_every_way_to_leave_shows_in_abonnes(admin_client):
    """The preference centre, the API's service, an imported suppression list: "désabonné·e";
    leaving one list of two is not leaving, and a registrant with no list is "actif"."""
    lettre, formations = _list("lettre"), _list("formations")
    by_preferences = _person("pref@example.org", lettre)
    by_api = _person("api@example.org", lettre, formations)
    by_import = _person("import@example.org", lettre)
    half = _person("moitie@example.org", lettre, formations)
    registrant = _person("inscrite@example.org")
    update_preferences(by_preferences, set(), ip=None)
    unsubscribe_from(by_api, [lettre, formations], source="api", actor="token:crm")
    db.session.add(Suppression(email_hash=email_hash("import@example.org"), reason=SuppressionReason.UNSUBSCRIBED,
                               source="import"))
    db.session.commit()
    unsubscribe_from(half, [lettre], source="api", actor="token:crm")
    for person in (by_preferences, by_api, by_import):
        assert _shown(admin_client, person) == "désabonné·e", person.email
    assert _shown(admin_client, half) == "actif" and _shown(admin_client, registrant) == "actif"
    bounced = _person("rebond@example.org", lettre)
    bounced.status = SubscriberStatus.BOUNCED
    db.session.commit()
    assert _shown(admin_client, bounced) == "adresse en erreur"
    assert db.session.scalars(select(TransactionalMessage)).all() == []  # none of this wrote to anyone
    # The search filter says the same as the badge, status by status.
    shown = {p.id: standing_of(p) for p in db.session.scalars(select(Subscriber))}
    for value in SubscriberStatus:
        found = {p.id for p in search_subscribers(status=value.value).rows}
        assert found == {i for i, status in shown.items() if status == value}, value
