"""Nobody is mail-bombed or phished through the registration form: per-address limits (the one message a
repeat gets is counted there), a neutral greeting for names nobody verified, and seats held until the address is
confirmed by a click (fake sign-ups cannot fill a journée)."""
from __future__ import annotations

import email
import re
from email import policy

from sqlalchemy import func, select

from app.extensions import db
from app.models import MailingList, OutboxMessage, Registration, RegistrationStatus, Subscriber, SubscriptionStatus
from app.models import Campaign, CampaignTemplate, Subscription
from tests.event_factories import day_status, future_dates, make_cycle
from tests.security_helpers import csrf_token, own_app
from tests.test_registration_web import form_data
from tests.sending_fixtures import deliver_queued
from tests.emailcheck import plain_spaces

PHISH = "Visit http://evil.example to claim your seat"


def outbox() -> list[OutboxMessage]:
    deliver_queued()
    return db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


def text_of(row: OutboxMessage) -> str:
    return email.message_from_bytes(row.raw, policy=policy.default).get_body(("plain",)).get_content()


def html_of(row: OutboxMessage) -> str:
    return email.message_from_bytes(row.raw, policy=policy.default).get_body(("html",)).get_content()


def manage_path(row: OutboxMessage) -> str:
    return re.search(r"https://lettrine\.test(/r/\S+)", text_of(row)).group(1)


def test_a_repeat_sends_the_same_messages_saying_nothing_changed(app, client):
    """Issue #22: a repeat used to send nothing, so it answered 3x faster than a new address.
    Now it queues the same messages (the per-address limit keeps it from mail-bombing)."""
    db.session.add(MailingList(slug="formations", name="Formations CRPVE"))
    cycle = make_cycle(dates=future_dates())
    data = form_data(cycle, newsletter="y")
    client.post(f"/inscription/{cycle.slug}", data=data)
    [sent] = outbox()  # one message per form: the registration, and the newsletter's double opt-in in it
    assert re.search(r"Confirmer mon abonnement\s*:\s*https://lettrine\.test/confirm/", text_of(sent))
    assert client.post(f"/inscription/{cycle.slug}", data=data).status_code == 200
    messages = outbox()
    assert len(messages) == 2  # the repeat: one message again, the newsletter's confirmation still in it
    assert "Vous êtes déjà inscrit·e" in text_of(messages[-1])
    assert re.search(r"Confirmer mon abonnement\s*:\s*https://lettrine\.test/confirm/", text_of(messages[-1]))
    client.post(f"/inscription/{cycle.slug}", data=form_data(cycle, journees=cycle.journees[:1]))
    messages = outbox()
    assert len(messages) == 3  # journée 1 was already there: one message saying so
    assert "Vous êtes déjà inscrit·e" in text_of(messages[-1])
    assert db.session.scalar(select(Subscription.status)) == SubscriptionStatus.PENDING
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 1


def test_per_address_limit_whatever_the_ip(migrated):
    with own_app(migrated, {"RATELIMIT_ENABLED": True}) as app:
        cycle = make_cycle(dates=future_dates())
        client = app.test_client()
        statuses = []
        for i in range(5):
            data = form_data(cycle, email="victim@example.org", journees=[cycle.journees[i % 4]])
            statuses.append(client.post(f"/inscription/{cycle.slug}", data=data,
                                        environ_base={"REMOTE_ADDR": f"198.51.100.{i}"}).status_code)
        assert statuses == [200, 200, 200, 429, 429]
        assert len(outbox()) == 3
        other = client.post(f"/inscription/{cycle.slug}", data=form_data(cycle, email="other@example.org"),
                            environ_base={"REMOTE_ADDR": "198.51.100.9"})
        assert other.status_code == 200  # the limit is the address's, not everyone's


def test_an_unverified_name_is_not_put_in_a_message(app, client):
    cycle = make_cycle(dates=future_dates())
    client.post(f"/inscription/{cycle.slug}", data=form_data(cycle, first_name=PHISH))
    [row] = outbox()
    body, html = text_of(row), html_of(row)
    assert "evil.example" not in body and "evil.example" not in html and "claim" not in body
    assert re.search(r"^Bonjour,\r?$", body, re.M)
    stored = db.session.scalar(select(Subscriber.first_name))
    assert stored == "Visit to claim your seat" and "http" not in stored  # letters, spaces, hyphens only


def test_coming_from_an_announcement_verifies_nothing(app, client):
    """The announcement's ``?c=`` is a statistic: a stranger posting through it gets the same neutral
    greeting, and held seats still wait for the address's owner."""
    cycle = make_cycle(dates=future_dates())
    announcement = Campaign(slug="annonce", name="Annonce", subject="S", template=CampaignTemplate.CYCLE_ANNOUNCEMENT,
                            cycle_id=cycle.id)
    db.session.add(announcement)
    db.session.commit()
    client.post(f"/inscription/{cycle.slug}?c={announcement.id}", data=form_data(cycle, first_name=PHISH))
    [row] = outbox()
    assert db.session.scalar(select(Registration.source)) == f"campaign:{announcement.id}"  # still counted
    assert re.search(r"^Bonjour,\r?$", text_of(row), re.M) and "claim" not in text_of(row)


def test_a_verified_address_is_greeted_by_its_cleaned_name(app, client):
    cycle = make_cycle(dates=future_dates(), capacity=10)
    client.post(f"/inscription/{cycle.slug}", data=form_data(cycle, first_name="Anne-Laure (www.evil.fr) !"))
    [ask] = outbox()
    assert re.search(r"^Bonjour,\r?$", text_of(ask), re.M)
    path = manage_path(ask)
    client.post(path, data={"action": "confirm"})
    confirmation = outbox()[-1]
    assert re.search(r"^Bonjour Anne-Laure,\r?$", text_of(confirmation), re.M)


def test_seats_are_held_until_the_address_is_confirmed(app, client):
    cycle = make_cycle(dates=future_dates(), capacity=1)
    assert cycle.hold_seats is True
    j1 = cycle.journees[0]
    # Fake sign-ups do not take the seat.
    for i in range(3):
        client.post(f"/inscription/{cycle.slug}", data=form_data(cycle, email=f"fake{i}@example.org", journees=[j1]))
    assert "complet : liste" not in plain_spaces(client.get(f"/inscription/{cycle.slug}").get_data(as_text=True))
    assert all(not r.days for r in db.session.scalars(select(Registration)))
    asks = outbox()
    assert len(asks) == 3 and all("Confirmez votre inscription" in r.subject for r in asks)
    assert all(not list(email.message_from_bytes(r.raw, policy=policy.default).iter_attachments()) for r in asks)

    # A real person confirms: the seat is theirs, with the .ics.
    client.post(f"/inscription/{cycle.slug}", data=form_data(cycle, email="ana@example.org", journees=[j1]))
    ask = outbox()[-1]
    path = manage_path(ask)
    page = client.get(path).get_data(as_text=True)
    assert ">Confirmer</button>" in page and "à confirmer" in page
    assert client.get(path).status_code == 200 and day_status(_reg("ana@example.org"), j1) is None  # GET changes nothing
    assert client.post(path, data={"action": "confirm"}).status_code == 302
    ana = _reg("ana@example.org")
    assert day_status(ana, j1) == RegistrationStatus.CONFIRMED and ana.address_confirmed_at is not None
    confirmation = outbox()[-1]
    names = [p.get_filename() for p in email.message_from_bytes(confirmation.raw, policy=policy.default)
             .iter_attachments()]
    assert names == ["journee-1.ics"]
    assert "complet : liste" in plain_spaces(client.get(f"/inscription/{cycle.slug}").get_data(as_text=True))
    # Confirming again changes nothing and sends nothing.
    before = len(outbox())
    client.post(path, data={"action": "confirm"})
    assert len(outbox()) == before


def test_hold_is_off_for_cycles_without_capacity_or_when_the_officer_says_so(app, client):
    free = make_cycle(slug="libre", dates=future_dates())
    client.post(f"/inscription/{free.slug}", data=form_data(free, email="a@example.org"))
    assert all(d.status == RegistrationStatus.CONFIRMED for d in _reg("a@example.org").days)
    open_ = make_cycle(slug="ouvert", dates=future_dates(), capacity=5, hold_seats=False)
    client.post(f"/inscription/{open_.slug}", data=form_data(open_, email="b@example.org"))
    assert {d.status for d in _reg("b@example.org").days} == {RegistrationStatus.CONFIRMED}


def test_the_csrf_protected_confirm_button(migrated):
    with own_app(migrated, {"WTF_CSRF_ENABLED": True}) as app:
        cycle = make_cycle(dates=future_dates(), capacity=3)
        client = app.test_client()
        token = csrf_token(client.get(f"/inscription/{cycle.slug}").get_data(as_text=True))
        client.post(f"/inscription/{cycle.slug}", data=form_data(cycle, csrf_token=token))
        path = manage_path(outbox()[-1])
        assert app.test_client().post(path, data={"action": "confirm"}).status_code == 400
        assert all(not r.days for r in db.session.scalars(select(Registration)))
        page = client.get(path).get_data(as_text=True)
        assert client.post(path, data={"action": "confirm", "csrf_token": csrf_token(page)}).status_code == 302
        assert db.session.scalar(select(func.count()).select_from(Registration)) == 1
        db.session.expire_all()
        assert len(db.session.scalar(select(Registration)).days) == 4


def _reg(address: str) -> Registration:
    db.session.expire_all()
    return db.session.scalar(select(Registration).join(Subscriber).where(Subscriber.email == address))


def test_the_subscription_confirmation_is_not_a_phishing_vehicle_either(app, client):
    db.session.add(MailingList(slug="formations", name="Formations", public=True))
    db.session.commit()
    client.post("/subscribe", data={"email": "ana@example.org", "lists": "formations", "first_name": PHISH})
    [row] = outbox()
    assert "evil.example" not in text_of(row) and re.search(r"^Bonjour,\r?$", text_of(row), re.M)
    assert db.session.scalar(select(Subscriber.first_name)) == "Visit to claim your seat"


def test_the_officer_turns_the_hold_on_or_off_per_cycle(app, admin_client):
    from app.models import Cycle
    from tests.test_cycle_editor import _cycle_data

    page = admin_client.get("/admin/events/new").get_data(as_text=True)
    assert re.search(r'id="hold_seats" name="hold_seats" type="checkbox" value="y"\s*checked', page) or \
        re.search(r'checked id="hold_seats"', page)
    admin_client.post("/admin/events/new", data=_cycle_data())  # the box left unticked in the post
    cycle = db.session.scalar(select(Cycle))
    assert cycle.hold_seats is False
    admin_client.post(f"/admin/events/{cycle.id}/edit", data=_cycle_data(hold_seats="y"))
    db.session.expire_all()
    assert db.session.get(Cycle, cycle.id).hold_seats is True


def test_the_thanks_page_says_what_a_repeat_gets(app, client):
    """The page after the form said a repeat got no new message; since issue #22 it gets one (saying
    "vous êtes déjà inscrit·e"), so the page may not send her looking for the first one."""
    cycle = make_cycle(dates=future_dates())
    client.post(f"/inscription/{cycle.slug}", data=form_data(cycle))
    page = client.post(f"/inscription/{cycle.slug}", data=form_data(cycle)).get_data(as_text=True)
    assert "aucun nouveau message" not in page
    assert "le message le dit et redonne votre lien personnel" in page
    assert len(outbox()) == 2  # the repeat did get its message


def test_the_thanks_page_says_it_in_english_too(app, client):
    cycle = make_cycle(dates=future_dates())
    client.post(f"/inscription/{cycle.slug}?lang=en", data=form_data(cycle))
    english = client.post(f"/inscription/{cycle.slug}?lang=en", data=form_data(cycle)).get_data(as_text=True)
    assert "no new message is sent" not in english
    assert "the message says so and gives your personal link again" in english


def test_the_consent_recorded_is_the_sentence_the_person_ticked(app, client):
    """The registration form's newsletter box and the consent kept as its proof said two different sentences
    ("Je pourrai me désabonner" shown, "Je peux me désabonner" recorded): the record is the text shown."""
    db.session.add(MailingList(slug="formations", name="Formations CRPVE"))
    cycle = make_cycle(dates=future_dates())
    page = client.get(f"/inscription/{cycle.slug}").get_data(as_text=True)
    client.post(f"/inscription/{cycle.slug}", data=form_data(cycle, newsletter="y"))
    recorded = db.session.scalar(select(Subscription.consent_text))
    assert recorded and recorded in page
