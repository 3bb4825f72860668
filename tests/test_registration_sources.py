"""Registrations per announcement ("12 inscriptions depuis cette annonce") and places left on the form."""
from __future__ import annotations

import email
from email import policy

import lxml.html
from sqlalchemy import select

from app import links
from app.tokens import Purpose, sign
from app.extensions import db
from app.message.builder import Recipient
from app.models import Campaign, CampaignStatus, CampaignTemplate, Registration, Subscriber
from app.sending.compose import builder_for
from app.services.events.registration_sources import by_announcement, registrations_from
from tests.event_factories import future_dates, make_cycle
from tests.test_registration_web import form_data


def _announcement(cycle, slug: str = "annonce") -> Campaign:
    campaign = Campaign(slug=slug, name=f"Annonce {slug}", subject="Un cycle", template=CampaignTemplate.CYCLE_ANNOUNCEMENT,
                        cycle_id=cycle.id)
    db.session.add(campaign)
    db.session.commit()
    return campaign


def _registration(address: str) -> Registration:
    return db.session.scalar(select(Registration).join(Subscriber).where(Subscriber.email == address))


def test_the_announcement_link_carries_the_campaign_and_the_form_records_it(client, app):
    cycle = make_cycle(dates=future_dates())
    other_cycle = make_cycle(slug="autre-cycle", dates=future_dates())
    campaign, foreign = _announcement(cycle), _announcement(other_cycle, "autre")
    raw = builder_for(campaign).build(Recipient(0, "u", "lea@example.org", "Léa")).raw
    html = email.message_from_bytes(raw, policy=policy.default).get_body(("html",)).get_content()
    hrefs = {a.get("href") for a in lxml.html.fromstring(html).xpath("//a") if "Inscrivez-vous" in a.text_content()}
    token = sign(Purpose.PREFILL, {"s": "u"})  # her own token: the form opens filled in, and nothing else
    assert hrefs == {f"https://lettrine.test/inscription/{cycle.slug}?c={campaign.id}&p={token}"}

    path = f"/inscription/{cycle.slug}?c={campaign.id}"
    page = client.get(path).get_data(as_text=True)
    assert f'action="/inscription/{cycle.slug}?c={campaign.id}"' in page  # kept through the POST
    client.post(path, data=form_data(cycle, email="ana@example.org"))
    client.post(f"/inscription/{cycle.slug}?c={campaign.id}", data=form_data(cycle, email="ben@example.org"))
    # Not credited: the plain form, another cycle's announcement, a number that is no campaign, junk.
    client.post(f"/inscription/{cycle.slug}", data=form_data(cycle, email="cleo@example.org"))
    client.post(f"/inscription/{cycle.slug}?c={foreign.id}", data=form_data(cycle, email="dan@example.org"))
    client.post(f"/inscription/{cycle.slug}?c=999999", data=form_data(cycle, email="eva@example.org"))
    client.post(f"/inscription/{cycle.slug}?c=1%20OR%201", data=form_data(cycle, email="flo@example.org"))
    sources = {a: _registration(a).source for a in ("ana@example.org", "ben@example.org", "cleo@example.org",
                                                    "dan@example.org", "eva@example.org", "flo@example.org")}
    assert sources == {"ana@example.org": f"campaign:{campaign.id}", "ben@example.org": f"campaign:{campaign.id}",
                       "cleo@example.org": "form", "dan@example.org": "form", "eva@example.org": "form",
                       "flo@example.org": "form"}
    assert registrations_from(campaign) == 2 and registrations_from(foreign) == 0
    assert [(c.id, n) for c, n in by_announcement(cycle)] == [(campaign.id, 2)]


def test_report_and_cycle_page_show_the_count(admin_client):
    cycle = make_cycle(dates=future_dates())
    campaign = _announcement(cycle)
    campaign.status = CampaignStatus.SENT
    db.session.commit()
    for address in ("a@example.org", "b@example.org", "c@example.org"):
        admin_client.post(f"/inscription/{cycle.slug}?c={campaign.id}", data=form_data(cycle, email=address))
    report = admin_client.get(f"/admin/campaigns/{campaign.id}/report").get_data(as_text=True)
    stat = lxml.html.fromstring(report).get_element_by_id("announcement-registrations").text_content()
    assert " ".join(stat.split()) == "3 inscriptions depuis cette annonce"
    page = admin_client.get(f"/admin/events/{cycle.id}").get_data(as_text=True)
    assert "3 inscriptions depuis cette annonce" in page and f"/admin/campaigns/{campaign.id}/report" in page


def test_the_form_shows_places_left_whenever_there_is_a_capacity(client, app):
    cycle = make_cycle(dates=future_dates(), capacity=30, hold_seats=False)
    client.post(f"/inscription/{cycle.slug}", data=form_data(cycle, email="ana@example.org",
                                                            journees=[cycle.journees[0]]))
    page = client.get(f"/inscription/{cycle.slug}").get_data(as_text=True)
    assert page.count("29 places restantes") == 1 and page.count("30 places restantes") == 3
    unlimited = make_cycle(slug="sans-limite", dates=future_dates())
    assert "places restantes" not in client.get(f"/inscription/{unlimited.slug}").get_data(as_text=True)


def test_the_announcement_link_opens_the_form_filled_in_for_its_recipient(client, app):
    """Each recipient's "Inscrivez-vous" carries her own signed token: name, address, structure and
    function are filled in; a forged or foreign token, the web view and an erased person give the empty form."""
    cycle = make_cycle(dates=future_dates())
    campaign = _announcement(cycle)
    lea = Subscriber(email="lea.martin@example.org", first_name="Léa", last_name="Martin", organisation="Mairie d'Évry",
                     function="Cheffe de projet")
    db.session.add(lea)
    db.session.commit()
    raw = builder_for(campaign).build(Recipient(lea.id, lea.uid, lea.email, lea.first_name, lea.last_name)).raw
    message = email.message_from_bytes(raw, policy=policy.default)
    html = message.get_body(("html",)).get_content()
    [href] = {a.get("href") for a in lxml.html.fromstring(html).xpath("//a") if "Inscrivez-vous" in a.text_content()}
    assert href in message.get_body(("plain",)).get_content()  # the text part carries the same link
    response = client.get(href.removeprefix("https://lettrine.test"))
    page = response.get_data(as_text=True)
    form = lxml.html.fromstring(page)
    values = {name: form.xpath(f'//input[@name="{name}"]/@value') for name in
              ("first_name", "last_name", "email", "organisation", "function")}
    assert values == {"first_name": ["Léa"], "last_name": ["Martin"], "email": ["lea.martin@example.org"],
                      "organisation": ["Mairie d'Évry"], "function": ["Cheffe de projet"]}
    assert response.headers["Referrer-Policy"] == "no-referrer" and "no-store" in response.headers["Cache-Control"]
    assert "p=" not in form.xpath("//form/@action")[0]  # the token is not posted on
    preferences = links.preferences_url(lea.uid).rsplit("/", 1)[1]  # a token of another purpose fills nothing
    assert client.get(f"/p/{href.split('&p=')[1]}").status_code in (400, 404)  # and this one opens no preferences
    for bad in (href.replace("&p=", "&p=x"), f"/inscription/{cycle.slug}?p=", f"/inscription/{cycle.slug}?p=forged",
                f"/inscription/{cycle.slug}?p={preferences}"):
        empty = lxml.html.fromstring(client.get(bad.removeprefix("https://lettrine.test")).get_data(as_text=True))
        assert not empty.xpath('//input[@name="email"]/@value') or empty.xpath('//input[@name="email"]/@value') == [""]
    lea.email = None  # erased: the link opens an empty form
    db.session.commit()
    erased = lxml.html.fromstring(client.get(href.removeprefix("https://lettrine.test")).get_data(as_text=True))
    assert erased.xpath('//input[@name="first_name"]/@value') in ([], [""])
