"""The unsubscribe endpoint as email-standards.md and RFC 8058 require it, driven over HTTP."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app import links
from app.extensions import db
from app.sending.queue import still_eligible
from app.models import (
    AuditLog,
    Subscriber,
    SubscriberStatus,
    SubscriptionStatus,
    Suppression,
    SuppressionReason,
)
from app.tokens import Purpose, sign
from tests.conftest import TEST_SECRET_KEYS, make_app
from tests.subscribe_helpers import make_audience, status_of


def _path(url: str) -> str:
    return url.split("lettrine.test", 1)[1]


def _state(sub):
    db.session.expire_all()
    fresh = db.session.get(Subscriber, sub.id)
    audits = db.session.scalar(select(func.count()).select_from(AuditLog))
    return fresh.status, audits, db.session.scalar(select(func.count()).select_from(Suppression))


def test_get_shows_one_button_and_changes_nothing(app, client):
    sub, (formations, lettre), campaign = make_audience()
    before = _state(sub)
    path = _path(links.unsubscribe_url(sub.uid, campaign.id))
    for _ in range(3):  # a link scanner may fetch it several times
        response = client.get(path)
        assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Me désabonner" in html and "Formations CRPVE" in html
    assert html.count('type="submit"') == 1
    assert "/p/" in html  # the preference centre
    assert _state(sub) == before
    assert status_of(sub, formations) == SubscriptionStatus.CONFIRMED
    assert "@" not in path and sub.email not in html


@pytest.mark.parametrize("encoding", ["urlencoded", "multipart"])
def test_one_click_post_unsubscribes_without_cookie(app, encoding):
    sub, (formations, lettre), campaign = make_audience()
    client = app.test_client(use_cookies=False)
    path = _path(links.unsubscribe_url(sub.uid, campaign.id))
    kwargs = ({"data": "List-Unsubscribe=One-Click", "content_type": "application/x-www-form-urlencoded"}
              if encoding == "urlencoded" else
              {"data": {"List-Unsubscribe": "One-Click"}, "content_type": "multipart/form-data"})
    for _ in range(2):  # idempotent
        response = client.post(path, **kwargs)
        assert response.status_code == 200
        assert "Location" not in response.headers
        assert "Set-Cookie" not in response.headers
    assert status_of(sub, formations) == SubscriptionStatus.UNSUBSCRIBED
    assert status_of(sub, lettre) == SubscriptionStatus.CONFIRMED  # "this list": the campaign's list only
    assert still_eligible(campaign, [sub.id]) == set()
    unsubscribes = db.session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "unsubscribe"))
    assert unsubscribes == 1


def test_one_click_post_is_accepted_with_csrf_enabled(migrated):
    strict = make_app(migrated, {"WTF_CSRF_ENABLED": True})
    with strict.app_context():
        sub, (formations, _), campaign = make_audience()
        path = _path(links.unsubscribe_url(sub.uid, campaign.id))
        response = strict.test_client(use_cookies=False).post(
            path, data="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
        assert response.status_code == 200
        assert status_of(sub, formations) == SubscriptionStatus.UNSUBSCRIBED
        from tests.conftest import _empty_tables

        db.session.remove()
        _empty_tables(strict)


def test_page_button_all_suppresses_and_resubscribe_comes_back(app, client):
    sub, (formations, lettre), campaign = make_audience()
    path = _path(links.unsubscribe_url(sub.uid, campaign.id))
    response = client.post(path, data={"action": "unsubscribe", "scope": "all"})
    assert response.status_code == 200 and "Me réabonner" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Subscriber, sub.id).status == SubscriberStatus.UNSUBSCRIBED
    assert db.session.get(Suppression, sub.email_hash).reason == SuppressionReason.UNSUBSCRIBED
    assert status_of(sub, lettre) == SubscriptionStatus.UNSUBSCRIBED

    response = client.post(path, data={"action": "resubscribe"})
    assert response.status_code == 200
    db.session.expire_all()
    assert db.session.get(Subscriber, sub.id).status == SubscriberStatus.ACTIVE
    assert db.session.get(Suppression, sub.email_hash) is None
    assert status_of(sub, formations) == SubscriptionStatus.CONFIRMED
    assert still_eligible(campaign, [sub.id]) == {sub.id}
    from app.models import Subscription

    row = db.session.scalar(select(Subscription).where(Subscription.subscriber_id == sub.id,
                                                       Subscription.list_id == formations.id))
    assert row.consent_source == "resubscribe" and row.consent_at is not None


def test_link_without_campaign_means_everything(app, client):
    sub, (formations, lettre), _campaign = make_audience()
    client.post(_path(links.unsubscribe_url(sub.uid)), data="List-Unsubscribe=One-Click",
                content_type="application/x-www-form-urlencoded")
    assert status_of(sub, formations) == status_of(sub, lettre) == SubscriptionStatus.UNSUBSCRIBED
    assert db.session.get(Suppression, sub.email_hash) is not None


@pytest.mark.parametrize("mangle", [
    lambda t: t[:-3], lambda t: t[:10], lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),
    lambda t: "Z" + t[1:], lambda t: t.replace(".", "-"), lambda t: t + "x",
])
def test_forged_or_truncated_tokens_get_400_and_change_nothing(app, client, mangle):
    sub, (formations, _), campaign = make_audience()
    token = links.unsubscribe_token(sub.uid, campaign.id)
    before = _state(sub)
    bad = mangle(token)
    get = client.get(f"/u/{bad}")
    post = client.post(f"/u/{bad}", data="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    assert get.status_code == post.status_code == 400
    assert "Lien invalide" in get.get_data(as_text=True)
    assert _state(sub) == before and status_of(sub, formations) == SubscriptionStatus.CONFIRMED


def test_token_for_another_purpose_or_unknown_person_is_refused(app, client):
    sub, _lists, _campaign = make_audience()
    assert client.get(f"/u/{sign(Purpose.PREFERENCES, {'s': sub.uid})}").status_code == 400
    assert client.get(f"/u/{sign(Purpose.UNSUBSCRIBE, {'s': 'nobody', 'c': None})}").status_code == 400


def test_rotation_old_key_still_works_newest_only_signs(migrated):
    new_key = "brand-new-secret-key-0123456789abcdefgh"
    old_app = make_app(migrated, {"SECRET_KEYS": [TEST_SECRET_KEYS[1]]})
    with old_app.app_context():
        sub, (formations, _), campaign = make_audience()
        old_token = links.unsubscribe_token(sub.uid, campaign.id)
        sub_id, list_id = sub.id, formations.id
    rotated = make_app(migrated, {"SECRET_KEYS": [new_key, TEST_SECRET_KEYS[1]]})
    only_new = make_app(migrated, {"SECRET_KEYS": [new_key]})
    with rotated.app_context():
        try:
            assert only_new.test_client().get(f"/u/{old_token}").status_code == 400
            response = rotated.test_client(use_cookies=False).post(
                f"/u/{old_token}", data="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
            assert response.status_code == 200
            from app.models import MailingList

            assert status_of(db.session.get(Subscriber, sub_id), db.session.get(MailingList, list_id)) \
                == SubscriptionStatus.UNSUBSCRIBED
            new_token = links.unsubscribe_token(db.session.get(Subscriber, sub_id).uid)
            assert only_new.test_client().get(f"/u/{new_token}").status_code == 200  # newest key signs
        finally:
            from tests.conftest import _empty_tables

            db.session.remove()
            _empty_tables(rotated)


def test_preference_centre_keeps_the_chosen_lists(app, client):
    sub, (formations, lettre), _campaign = make_audience()
    path = _path(links.preferences_url(sub.uid))
    page = client.get(path)
    assert page.status_code == 200 and "Lettre d&#39;information" in page.get_data(as_text=True)
    response = client.post(path, data={"lists": [str(lettre.id)]})
    assert response.status_code == 303 and response.headers["Location"].endswith(path)
    assert status_of(sub, formations) == SubscriptionStatus.UNSUBSCRIBED
    assert status_of(sub, lettre) == SubscriptionStatus.CONFIRMED
    assert client.get(path[:-2]).status_code == 400


def test_after_unsubscribing_the_page_offers_the_way_back(app, client):
    sub, (formations, _), campaign = make_audience()
    path = _path(links.unsubscribe_url(sub.uid, campaign.id))
    client.post(path, data="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    html = client.get(path).get_data(as_text=True)
    assert "Vous êtes désabonné·e" in html and "Me réabonner" in html
    client.post(path, data={"action": "resubscribe"})
    assert status_of(sub, formations) == SubscriptionStatus.CONFIRMED
    assert "Me désabonner" in client.get(path).get_data(as_text=True)
