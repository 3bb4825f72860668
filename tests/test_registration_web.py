"""The public registration form and the signed manage link, end to end through the test client.

Web pages read the real clock, so these cycles use the seed's days in a future year.
"""
import email
import re
from email import policy

from icalendar import Calendar
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    AuditLog,
    MailingList,
    OutboxMessage,
    Registration,
    RegistrationStatus,
    Subscriber,
    Subscription,
    SubscriptionStatus,
)
from tests.conftest import make_app
from tests.event_factories import day_status, future_dates, make_cycle
from tests.sending_fixtures import deliver_queued


def form_data(cycle, email="ana@example.org", journees=None, **extra):
    data = {"first_name": "Ana", "last_name": "Lefèvre", "email": email, "organisation": "Grand Paris Sud",
            "function": "Cheffe de projet", "journees": [str(j.id) for j in (journees or cycle.journees)]}
    data.update(extra)
    return data


def outbox():
    deliver_queued()
    return db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


def parsed(row):
    return email.message_from_bytes(row.raw, policy=policy.default)


def manage_path(row) -> str:
    body = parsed(row).get_body(("plain",)).get_content()
    return re.search(r"https://lettrine\.test(/r/\S+)", body).group(1)


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_form_lists_upcoming_journees_none_ticked_newsletter_unchecked(client, app):
    cycle = make_cycle(dates=future_dates())
    page = client.get(f"/inscription/{cycle.slug}").get_data(as_text=True)
    assert page.count('name="journees"') == 4 and "checked" not in page  # she chooses: nothing pre-ticked
    # A link may name one journée ("?j=2"): only that one is ticked.
    one = client.get(f"/inscription/{cycle.slug}?j=2").get_data(as_text=True)
    assert one.count("checked") == 1 and re.search(rf'value="{cycle.journees[1].id}"\s+checked', one)
    assert "checked" not in client.get(f"/inscription/{cycle.slug}?j=x9").get_data(as_text=True)
    assert 'id="newsletter"' in page and 'id="newsletter" name="newsletter" type="checkbox" value="y" checked' not in page
    assert "Je m&#39;inscris" in page or "Je m'inscris" in page
    assert client.get("/inscription/nope").status_code == 404


def test_register_two_journees_sends_confirmation_with_two_ics(client, app):
    cycle = make_cycle(dates=future_dates())
    j1, j3 = cycle.journees[0], cycle.journees[2]
    response = client.post(f"/inscription/{cycle.slug}", data=form_data(cycle, email="Ana@Example.org",
                                                                       journees=[j1, j3]))
    assert response.status_code == 200
    assert "Merci" in response.get_data(as_text=True)
    reg = db.session.scalar(select(Registration))
    assert reg.subscriber.email == "Ana@example.org" and reg.subscriber.organisation == "Grand Paris Sud"
    assert reg.source == "form" and reg.newsletter_consent is False
    assert {d.journee.number: d.status for d in reg.days} == {1: RegistrationStatus.CONFIRMED,
                                                             3: RegistrationStatus.CONFIRMED}
    assert count(Subscription) == 0  # registering subscribes to nothing
    [row] = outbox()
    assert row.recipients == "Ana@example.org"  # the local part as typed
    parts = [p for p in parsed(row).iter_attachments() if p.get_content_type() == "text/calendar"]
    assert [p.get_filename() for p in parts] == ["journee-1.ics", "journee-3.ics"]
    assert all(p.get_param("method") == "PUBLISH" for p in parts)
    uids = [str(Calendar.from_ical(p.get_content()).walk("VEVENT")[0]["uid"]) for p in parts]
    assert uids == [f"journee-{j1.uid}@crpve91.fr", f"journee-{j3.uid}@crpve91.fr"]
    assert db.session.scalar(select(AuditLog.action)) == "event_register"


def test_newsletter_box_asks_for_double_opt_in(client, app):
    db.session.add(MailingList(slug="formations", name="Formations CRPVE"))
    cycle = make_cycle(dates=future_dates())
    client.post(f"/inscription/{cycle.slug}", data=form_data(cycle, newsletter="y"))
    sub = db.session.scalar(select(Subscription))
    assert sub.status == SubscriptionStatus.PENDING and sub.consent_source == f"inscription:{cycle.slug}"
    assert "lettre d'information" in sub.consent_text
    [row] = outbox()  # one message per form (issue #24): the registration, the newsletter's opt-in in it
    assert row.subject.startswith("Inscription")
    text = parsed(row).get_body(("plain",)).get_content()
    confirm = re.search(r"Confirmer mon abonnement\s*:\s*https?://[^/\s]+(/confirm/\S+)", text).group(1)
    assert client.get(confirm).status_code == 200 and sub.status == SubscriptionStatus.PENDING  # GET: a button
    client.post(confirm)
    db.session.refresh(sub)
    assert sub.status == SubscriptionStatus.CONFIRMED


def test_capacity_waiting_list_and_cancellation_via_signed_link(client, app):
    cycle = make_cycle(dates=future_dates(), capacity=1, hold_seats=False)  # seats given at once
    j1, j2 = cycle.journees[0], cycle.journees[1]
    client.post(f"/inscription/{cycle.slug}", data=form_data(cycle, email="ana@example.org", journees=[j1, j2]))
    response = client.post(f"/inscription/{cycle.slug}", data=form_data(cycle, email="ben@example.org",
                                                                       journees=[j1]))
    assert "attente" not in response.get_data(as_text=True)  # told to the address only, not on the page
    ben = db.session.scalar(select(Registration).join(Subscriber).where(Subscriber.email == "ben@example.org"))
    assert day_status(ben, j1) == RegistrationStatus.WAITING
    ben_mail = outbox()[-1]
    assert "attente" in parsed(ben_mail).get_body(("plain",)).get_content()
    assert [p.get_filename() for p in parsed(ben_mail).iter_attachments()] == []  # no seat, no .ics

    # The form shows journée 1 as full now.
    assert "complet" in client.get(f"/inscription/{cycle.slug}").get_data(as_text=True)

    ana_link = manage_path(outbox()[0])
    page = client.get(ana_link)
    assert page.status_code == 200 and "Annuler la journée 1" in page.get_data(as_text=True)
    before = len(outbox())
    done = client.post(ana_link, data={"action": f"cancel:{j1.id}"})
    assert done.status_code == 302
    ana = db.session.scalar(select(Registration).join(Subscriber).where(Subscriber.email == "ana@example.org"))
    assert day_status(ana, j1) == RegistrationStatus.CANCELLED
    assert day_status(ana, j2) == RegistrationStatus.CONFIRMED
    assert day_status(ben, j1) == RegistrationStatus.CONFIRMED  # first waiting promoted
    new = outbox()[before:]
    to_ben = [r for r in new if r.recipients == "ben@example.org"]
    assert len(to_ben) == 1 and "place s'est libérée" in parsed(to_ben[0]).get_body(("plain",)).get_content()
    ben_ics = [p.get_filename() for p in parsed(to_ben[0]).iter_attachments()]
    assert ben_ics == ["journee-1.ics"]
    to_ana = [r for r in new if r.recipients == "ana@example.org"]
    assert [p.get_param("method") for p in parsed(to_ana[0]).iter_attachments()] == ["CANCEL"]

    # Change the selection (journée 3 instead of 2), then cancel everything.
    client.post(ana_link, data={"action": "save", "journees": [str(cycle.journees[2].id)]})
    assert day_status(ana, j2) == RegistrationStatus.CANCELLED
    assert day_status(ana, cycle.journees[2]) == RegistrationStatus.CONFIRMED
    client.post(ana_link, data={"action": "cancel_all"})
    db.session.refresh(ana)
    assert all(d.status == RegistrationStatus.CANCELLED for d in ana.days)


def test_honeypot_invalid_address_and_bad_token_store_nothing(client, app):
    cycle = make_cycle(dates=future_dates())
    bot = client.post(f"/inscription/{cycle.slug}", data=form_data(cycle, website="http://spam.example"))
    assert bot.status_code == 200 and count(Registration) == 0 and outbox() == []
    bad = client.post(f"/inscription/{cycle.slug}", data=form_data(cycle, email="pas une adresse"))
    assert bad.status_code == 400 and "Adresse e-mail invalide" in bad.get_data(as_text=True)
    assert 'value="Lefèvre"' in bad.get_data(as_text=True)  # nothing typed is lost
    none = client.post(f"/inscription/{cycle.slug}", data=form_data(cycle, journees=[]) | {"journees": []})
    assert none.status_code == 400 and "au moins une journée" in none.get_data(as_text=True)
    assert count(Registration) == 0 and count(Subscriber) == 0
    assert client.get("/r/forged-token").status_code == 404


def test_past_cycle_is_closed(client, app):
    cycle = make_cycle()  # 2016: every journée is past
    page = client.get(f"/inscription/{cycle.slug}").get_data(as_text=True)
    assert "closes" in page and 'name="journees"' not in page


def test_csrf_and_rate_limit_protect_the_form(migrated):
    app = make_app(migrated, {"WTF_CSRF_ENABLED": True, "RATELIMIT_ENABLED": True})
    with app.app_context():
        try:
            cycle = make_cycle(dates=future_dates())
            client = app.test_client()
            no_token = client.post(f"/inscription/{cycle.slug}", data=form_data(cycle))
            assert no_token.status_code == 400 and count(Registration) == 0
            said = no_token.get_data(as_text=True)  # told in French, and what she typed is kept
            assert "La page est restée ouverte trop longtemps" in said and "CSRF" not in said
            assert 'value="Lefèvre"' in said
            page = client.get(f"/inscription/{cycle.slug}").get_data(as_text=True)
            token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
            statuses = [client.post(f"/inscription/{cycle.slug}", data=form_data(cycle, csrf_token=token)).status_code
                        for _ in range(11)]
            assert statuses[0] == 200 and statuses[-1] == 429
            assert count(Registration) == 1
        finally:
            from tests.conftest import _empty_tables

            db.session.remove()
            _empty_tables(app)
            db.engine.dispose()


def test_changing_the_selection_sends_one_combined_update(client, app):
    cycle = make_cycle(dates=future_dates())
    j1, j2, j3 = cycle.journees[:3]
    client.post(f"/inscription/{cycle.slug}", data=form_data(cycle, journees=[j1, j2]))
    link = manage_path(outbox()[0])
    client.post(link, data={"action": "save", "journees": [str(j1.id), str(j3.id)]})
    [update] = outbox()[1:]
    parts = [(p.get_filename(), p.get_param("method")) for p in parsed(update).iter_attachments()]
    assert parts == [("journee-3.ics", "PUBLISH"), ("journee-2-annulation.ics", "CANCEL")]
    assert "annulée pour la journée 2" in parsed(update).get_body(("plain",)).get_content()


def test_outside_registration_url_redirects_but_our_own_does_not_loop(client, app):
    outside = make_cycle(slug="ailleurs", dates=future_dates(), registration_url="https://www.crpve91.fr/inscription")
    assert client.get(f"/inscription/{outside.slug}").headers["Location"] == "https://www.crpve91.fr/inscription"
    own = make_cycle(dates=future_dates(), registration_url="https://lettrine.test/inscription/contrat-de-ville-2016")
    assert client.get(f"/inscription/{own.slug}").status_code == 200


def test_every_error_at_once_in_french_with_a_summary_first(client, app):
    """No name, an address email-validator refuses in English, and no journée: the three are told
    together, in French, in a summary at the top that takes the focus, each linking to its field."""
    cycle = make_cycle(dates=future_dates())
    data = form_data(cycle, email="ana@exemple", first_name="") | {"journees": []}
    page = client.post(f"/inscription/{cycle.slug}", data=data).get_data(as_text=True)
    summary = re.search(r'<div class="error-summary"[^>]*>(.*?)</div>', page, re.S)
    assert summary and "autofocus" in summary.group(0) and 'tabindex="-1"' in summary.group(0)
    items = re.findall(r'<li><a href="#(\w+)">([^<]+)</a></li>', summary.group(1))
    assert [anchor for anchor, _ in items] == ["first_name", "email", "journees"]
    assert "Le formulaire contient 3 erreurs" in page
    text = " ".join(message for _, message in items)
    assert "doit contenir un point" in text and "au moins une journée" in text
    assert "@-sign" not in page and "must" not in page and "period" not in page
    assert count(Registration) == 0


def test_unknown_address_errors_fall_back_to_french(client, app):
    cycle = make_cycle(dates=future_dates())
    for address in ("ana@@exemple.fr", "ana..b@exemple.fr", "<ana@exemple.fr> x", "ana@exemple.fr.", "ana @exemple.fr"):
        page = client.post(f"/inscription/{cycle.slug}", data=form_data(cycle, email=address)).get_data(as_text=True)
        assert "Adresse e-mail invalide" in page, address
        assert not re.search(r"\b(the|must|cannot|invalid|sign)\b", page.split("<form")[0], re.I), address


def test_the_manage_page_offers_the_ics_and_google_and_outlook_links(client, app):
    from urllib.parse import parse_qs, urlsplit

    cycle = make_cycle(dates=future_dates())
    j2 = cycle.journees[1]
    client.post(f"/inscription/{cycle.slug}", data=form_data(cycle, journees=[j2]))
    [row] = outbox()
    link = manage_path(row)
    page = client.get(link).get_data(as_text=True)
    google = re.search(r'href="(https://calendar\.google\.com/[^"]+)"', page).group(1).replace("&amp;", "&")
    outlook = re.search(r'href="(https://outlook\.live\.com/[^"]+)"', page).group(1).replace("&amp;", "&")
    assert page.count("calendar.google.com") == 1  # journée 2 only: the others are not held
    g = parse_qs(urlsplit(google).query)
    start = j2.starts_at
    year = start.year  # 7 April, 10:00–17:00 in Paris: summer time, 08:00–15:00 UTC
    assert g["action"] == ["TEMPLATE"] and g["dates"] == [f"{year}0407T080000Z/{year}0407T150000Z"]
    assert cycle.title in g["text"][0] and "/r/" not in google  # the personal link never leaves
    o = parse_qs(urlsplit(outlook).query)
    assert o["startdt"] == [f"{year}-04-07T08:00:00Z"] and o["enddt"] == [f"{year}-04-07T15:00:00Z"]
    assert o["subject"] == g["text"]
    ics = client.get(f"{link}/journee-2.ics")
    assert ics.status_code == 200 and ics.mimetype == "text/calendar"
    event = next(c for c in Calendar.from_ical(ics.data).walk("VEVENT"))
    assert event.decoded("dtstart") == start and str(event["uid"]).startswith(f"journee-{j2.uid}@")
    assert client.get(f"{link}/journee-1.ics").status_code == 404  # not held
    assert client.get("/r/forged/journee-2.ics").status_code == 404
