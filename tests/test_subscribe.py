"""Public subscription: double opt-in end to end, consent, no enumeration, honeypot, rate limits."""
from __future__ import annotations

import time

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    MailingList,
    Subscriber,
    SubscriberStatus,
    Subscription,
    SubscriptionStatus,
    Suppression,
    SuppressionReason,
)
from app.services.audience.core import suppress
from app.tokens import Purpose
from tests.conftest import TEST_SECRET_KEYS, _empty_tables, make_app
from tests.subscribe_helpers import find_link, make_audience, outbox


def _lists():
    formations = MailingList(slug="formations", name="Formations CRPVE")
    lettre = MailingList(slug="lettre", name="Lettre d'information")
    interne = MailingList(slug="interne", name="Équipe interne", public=False)
    db.session.add_all([formations, lettre, interne])
    db.session.commit()
    return formations, lettre, interne


def _path(url: str) -> str:
    return url.split("://", 1)[1].split("/", 1)[1].join(["/", ""])


def test_form_lists_only_public_lists(app, client):
    _lists()
    html = client.get("/subscribe").get_data(as_text=True)
    assert "Formations CRPVE" in html and "Lettre d&#39;information" in html
    assert "Équipe interne" not in html
    assert 'name="website"' in html  # the honeypot


def test_double_opt_in_end_to_end(app, client):
    formations, lettre, _ = _lists()
    response = client.post("/subscribe", data={"email": " Anne.Sauvayre@Example.org ", "first_name": "Anne",
                                               "lists": ["formations", "lettre"]},
                           environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/subscribe/merci")
    sub = db.session.scalar(select(Subscriber).where(Subscriber.email == "Anne.Sauvayre@example.org"))  # as typed
    rows = db.session.scalars(select(Subscription).where(Subscription.subscriber_id == sub.id)).all()
    assert {r.status for r in rows} == {SubscriptionStatus.PENDING}
    (message,) = outbox()
    assert message["To"] == "Anne.Sauvayre@example.org"
    link = find_link(message, "/confirm/")
    assert "@" not in link.split("/confirm/")[1]

    page = client.get(_path(link))
    assert page.status_code == 200 and "Je confirme" in page.get_data(as_text=True)
    db.session.expire_all()
    assert {r.status for r in db.session.scalars(select(Subscription))} == {SubscriptionStatus.PENDING}  # GET: nothing
    done = client.post(_path(link))
    assert done.status_code == 200 and "confirmé" in done.get_data(as_text=True)
    db.session.expire_all()
    for row in db.session.scalars(select(Subscription).where(Subscription.subscriber_id == sub.id)):
        assert row.status == SubscriptionStatus.CONFIRMED
        assert row.consent_source == "form" and row.consent_ip == "192.0.2.7"
        assert row.consent_at is not None and row.confirmed_at is not None and row.confirmed_at >= row.consent_at
        assert "J'accepte de recevoir" in row.consent_text and "CRPVE" in row.consent_text


def test_same_answer_for_known_and_unknown_addresses(app, client):
    _lists()
    make_audience("known@example.org", lists=("formations",))
    answers = []
    for address in ("known@example.org", "unknown@example.org"):
        response = client.post("/subscribe", data={"email": address, "lists": ["formations"]})
        answers.append((response.status_code, response.headers.get("Location"), response.get_data()))
    assert answers[0] == answers[1]
    known = db.session.scalar(select(Subscriber).where(Subscriber.email == "known@example.org"))
    statuses = {r.status for r in db.session.scalars(select(Subscription).where(Subscription.subscriber_id == known.id))}
    assert statuses == {SubscriptionStatus.CONFIRMED}  # never downgraded to pending by a stranger
    assert len(outbox()) == 2


def test_invalid_address_is_a_french_error_that_keeps_the_input(app, client):
    _lists()
    response = client.post("/subscribe", data={"email": "pas-une-adresse", "first_name": "Zoé", "lists": ["lettre"]})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "n&#39;est pas valide" in html and 'value="Zoé"' in html and 'value="lettre" checked' in html
    assert outbox() == []


def test_honeypot_gets_the_same_answer_and_does_nothing(app, client):
    _lists()
    response = client.post("/subscribe", data={"email": "bot@example.org", "lists": ["lettre"], "website": "http://spam"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/subscribe/merci")
    assert db.session.scalar(select(func.count()).select_from(Subscriber)) == 0
    assert outbox() == []


def test_private_list_cannot_be_chosen(app, client):
    _lists()
    response = client.post("/subscribe", data={"email": "a@example.org", "lists": ["interne"]})
    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Subscription)) == 0


def test_rate_limits_per_ip_and_per_address(migrated):
    limited = make_app(migrated, {"RATELIMIT_ENABLED": True})
    with limited.app_context():
        try:
            _lists()
            client = limited.test_client()
            codes = [client.post("/subscribe", data={"email": "victim@example.org", "lists": ["lettre"]},
                                 environ_base={"REMOTE_ADDR": f"198.51.100.{i}"}).status_code for i in range(5)]
            assert codes[:3] == [303, 303, 303] and codes[3:] == [429, 429]  # per address, whatever the IP
            codes = [client.post("/subscribe", data={"email": f"p{i}@example.org", "lists": ["lettre"]},
                                 environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code for i in range(4)]
            assert codes == [303, 303, 303, 429]  # per IP: 3 a minute
            assert "Trop de demandes" in client.post(
                "/subscribe", data={"email": "x@example.org"}, environ_base={"REMOTE_ADDR": "203.0.113.9"}
            ).get_data(as_text=True)
            assert len(outbox()) == 6
        finally:
            db.session.remove()
            _empty_tables(limited)


def _expired_token(payload) -> str:
    class Past(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - 8 * 24 * 3600

    return URLSafeTimedSerializer([TEST_SECRET_KEYS[0]], salt=Purpose.CONFIRM.value, signer=Past).dumps(payload)


def test_expired_link_offers_a_new_one(app, client):
    formations, lettre, _ = _lists()
    client.post("/subscribe", data={"email": "late@example.org", "lists": ["lettre"]})
    sub = db.session.scalar(select(Subscriber).where(Subscriber.email == "late@example.org"))
    token = _expired_token({"s": sub.uid, "l": [lettre.id]})
    page = client.get(f"/confirm/{token}")
    assert page.status_code == 410 and "expiré" in page.get_data(as_text=True)
    assert client.post(f"/confirm/{token}").status_code == 410  # nothing confirmed
    resent = client.post("/confirm/renvoyer", data={"token": token})
    assert resent.status_code == 200
    messages = outbox()
    assert len(messages) == 2
    fresh = find_link(messages[-1], "/confirm/")
    assert client.post(_path(fresh)).status_code == 200
    db.session.expire_all()
    assert db.session.scalar(select(Subscription.status).where(Subscription.subscriber_id == sub.id)) \
        == SubscriptionStatus.CONFIRMED
    # Confirmed since: the old link asks for nothing more, and nothing is sent.
    assert client.post("/confirm/renvoyer", data={"token": token}).status_code == 200 and len(outbox()) == 2
    forged = token[:-4] + "AAAA"
    assert client.get(f"/confirm/{forged}").status_code == 400
    assert client.post("/confirm/renvoyer", data={"token": forged}).status_code == 400


def test_suppressed_address_comes_back_only_through_double_opt_in(app, client):
    sub, (formations,), _campaign = make_audience("gone@example.org", lists=("formations",))
    sub.status = SubscriberStatus.UNSUBSCRIBED
    suppress("gone@example.org", SuppressionReason.UNSUBSCRIBED)
    db.session.commit()
    client.post("/subscribe", data={"email": "gone@example.org", "lists": ["formations"]})
    db.session.expire_all()
    assert db.session.get(Suppression, sub.email_hash) is not None  # not yet
    assert db.session.get(Subscriber, sub.id).status == SubscriberStatus.UNSUBSCRIBED
    link = find_link(outbox()[-1], "/confirm/")
    client.post(_path(link))
    db.session.expire_all()
    assert db.session.get(Suppression, sub.email_hash) is None
    assert db.session.get(Subscriber, sub.id).status == SubscriberStatus.ACTIVE


def test_embedded_form_posts_without_csrf_but_preferences_need_it(migrated):
    strict = make_app(migrated, {"WTF_CSRF_ENABLED": True})
    with strict.app_context():
        try:
            _lists()
            client = strict.test_client()
            response = client.post("/subscribe", data={"email": "embed@example.org", "lists": ["lettre"]},
                                   headers={"Origin": "https://www.crpve91.fr"})
            assert response.status_code == 303
            sub = db.session.scalar(select(Subscriber).where(Subscriber.email == "embed@example.org"))
            from app import links

            prefs = links.preferences_url(sub.uid).split("lettrine.test", 1)[1]
            assert client.post(prefs, data={"lists": []}).status_code == 400  # no CSRF token
            confirm = find_link(outbox()[-1], "/confirm/").split("lettrine.test", 1)[1]
            assert client.post(confirm).status_code == 400  # the confirmation button carries one
            db.session.expire_all()
            assert db.session.scalar(select(Subscription.status).where(Subscription.subscriber_id == sub.id)) \
                == SubscriptionStatus.PENDING
        finally:
            db.session.remove()
            _empty_tables(strict)


@pytest.mark.parametrize("proxies, recorded", [("0", "192.0.2.7"), ("1", "203.0.113.9")])
def test_consent_ip_behind_a_reverse_proxy(app, migrated, proxies, recorded):
    """X-Forwarded-For counts only when TRUSTED_PROXIES says a proxy is there (anyone can send the header)."""
    from tests.conftest import make_app

    db.session.add(MailingList(slug="formations", name="Formations CRPVE"))
    db.session.commit()
    behind_proxy = make_app(migrated, TRUSTED_PROXIES=proxies)
    response = behind_proxy.test_client().post(
        "/subscribe", data={"email": "anne@example.org", "lists": ["formations"]},
        headers={"X-Forwarded-For": "203.0.113.9"}, environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert response.status_code == 303
    assert db.session.scalar(select(Subscription.consent_ip)) == recorded
