"""In Chromium: the footer link of a real campaign message → confirm page → unsubscribe → resubscribe."""
from __future__ import annotations

import re
from email import message_from_bytes, policy

import pytest

from app.extensions import db
from app.message.builder import Recipient
from app.sending.compose import builder_for
from app.sending.queue import still_eligible
from app.models import Subscriber, SubscriberStatus, SubscriptionStatus, Suppression
from tests.browser import screenshot
from tests.subscribe_helpers import make_audience, status_of

pytestmark = pytest.mark.browser


def test_footer_link_unsubscribe_and_come_back(live_server, page):
    sub, (formations, lettre), campaign = make_audience("laura.kossi@example.org")
    built = builder_for(campaign).build(Recipient(sub.id, sub.uid, sub.email, "Laura", "Kossi"))
    message = message_from_bytes(built.raw, policy=policy.default)
    (url,) = re.findall(r"<(https?://[^>]+)>", str(message["List-Unsubscribe"]))
    assert url.startswith(live_server.url + "/u/") and "@" not in url
    html = message.get_body(("html",)).get_content()
    assert f'href="{url}"' in html  # the visible footer link is the same page as List-Unsubscribe

    page.set_content(html)  # the message as a mail client shows it
    page.locator(f'a[href="{url}"]').first.click()
    page.wait_for_url(url)
    assert page.get_by_role("heading", name="Se désabonner").is_visible()
    assert status_of(sub, formations) == SubscriptionStatus.CONFIRMED  # opening the page changed nothing
    screenshot(page, "unsubscribe-confirm")

    page.get_by_label("Tous les messages du CRPVE").check()
    page.get_by_role("button", name="Me désabonner").click()
    page.get_by_role("heading", name="Vous êtes désabonné·e").wait_for()
    db.session.expire_all()
    assert db.session.get(Subscriber, sub.id).status == SubscriberStatus.UNSUBSCRIBED
    assert db.session.get(Suppression, sub.email_hash) is not None
    assert still_eligible(campaign, [sub.id]) == set()
    screenshot(page, "unsubscribe-done")

    page.get_by_role("button", name="Me réabonner").click()
    page.get_by_role("heading", name="Vous êtes de nouveau abonné·e").wait_for()
    db.session.expire_all()
    assert db.session.get(Subscriber, sub.id).status == SubscriberStatus.ACTIVE
    assert db.session.get(Suppression, sub.email_hash) is None
    assert status_of(sub, formations) == SubscriptionStatus.CONFIRMED
    assert still_eligible(campaign, [sub.id]) == {sub.id}
    screenshot(page, "unsubscribe-resubscribed")
