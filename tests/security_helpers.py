"""Shared by the tests/test_security_*.py modules: a small world with one of everything, and a URL
for every registered route (real signed tokens where the route takes one)."""
from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import dataclass

from werkzeug.routing import Rule

from app import links
from app.extensions import db
from app.models import Campaign, CampaignTemplate, MailingList, Subscriber, Subscription, SubscriptionStatus
from app.services.events.registrations import register
from app.tokens import Purpose, sign
from tests.event_factories import future_dates, make_cycle


@dataclass
class World:
    subscriber: Subscriber
    mailing_list: MailingList
    campaign: Campaign
    cycle: object
    tokens: dict[str, str]  # endpoint -> a valid token for it


def make_world() -> World:
    mailing_list = MailingList(slug="formations", name="Formations CRPVE", public=True)
    subscriber = Subscriber(email="ana@example.org", first_name="Ana")
    db.session.add_all([mailing_list, subscriber])
    db.session.flush()
    db.session.add(Subscription(subscriber_id=subscriber.id, list_id=mailing_list.id,
                                status=SubscriptionStatus.CONFIRMED))
    campaign = Campaign(slug="lettre", name="Lettre", subject="Lettre", template=CampaignTemplate.NEWSLETTER)
    db.session.add(campaign)
    db.session.commit()
    cycle = make_cycle(dates=future_dates())
    outcome = register(cycle, "ana@example.org", first_name="Ana", source="admin", actor="test", notify=False)
    tokens = {
        "public.unsubscribe_page": links.unsubscribe_token(subscriber.uid, campaign.id),
        "public.preferences": sign(Purpose.PREFERENCES, {"s": subscriber.uid}),
        "public.privacy_request": sign(Purpose.PREFERENCES, {"s": subscriber.uid}),
        "public.privacy_export": sign(Purpose.DATA_EXPORT, {"s": subscriber.uid}),
        "public.confirm_subscription": sign(Purpose.CONFIRM, {"s": subscriber.uid, "l": [mailing_list.id]}),
        "public.registration_manage": sign(Purpose.REGISTRATION, {"r": outcome.registration.uid}),
        "public.click": sign(Purpose.CLICK, [campaign.id, "https://www.crpve91.fr/"]),
        "public.webview_preview": sign(Purpose.PREVIEW, {"c": campaign.id}),
    }
    return World(subscriber, mailing_list, campaign, cycle, tokens)


def rule_url(rule: Rule, world: World) -> str:
    """A concrete URL for ``rule``: ids of the world's rows, its tokens, a static file."""
    values = {}
    for name in rule.arguments:
        if name == "token":
            values[name] = world.tokens.get(rule.endpoint, "forged-token")
        elif name == "filename":
            values[name] = "lettrine.css"
        elif name == "slug":
            values[name] = world.campaign.slug if rule.endpoint == "public.webview" else (
                world.cycle.slug if "registration" in rule.endpoint else world.mailing_list.slug)
        else:
            values[name] = 1
    path = rule.rule
    for name, value in values.items():
        path = re.sub(r"<(?:[^:<>]+:)?%s>" % name, str(value), path)
    return path


def routes(app, method: str) -> list[Rule]:
    return sorted((r for r in app.url_map.iter_rules() if method in r.methods), key=lambda r: r.rule)


def csrf_token(page_html: str) -> str:
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page_html).group(1)


@contextmanager
def own_app(database_url: str, overrides: dict):
    """An app with other settings than the ``app`` fixture's (CSRF or rate limits on), emptied after."""
    from tests.conftest import _empty_tables, make_app

    application = make_app(database_url, overrides)
    with application.app_context():
        try:
            yield application
        finally:
            db.session.remove()
            _empty_tables(application)
            db.engine.dispose()
