"""In Chromium, where the public and the officer see issue #24's words, dates and links:
- the public registration form switched to English at 390 px (a phone): journée labels and dates in English,
  the venue on one line, nothing wider than the screen, and a registration made in English;
- a test message's "Voir la version en ligne" link opens the campaign before it is sent, for a proofreader
  who is not logged in, on her phone; the preview tab shows the phone at the composer's width."""
from __future__ import annotations

import email
import re
from email import policy

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import OutboxMessage, RegistrationDay
from app.web.admin import PREVIEW_WIDTHS
from tests.browser import screenshot
from tests.english_crawl import FRENCH_WORDS, french_words
from tests.event_factories import future_dates, make_cycle
from tests.sending_fixtures import deliver_queued, draft_letter

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
DAYS = "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"
MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
# "Day 1 — Thursday, March 11, 2027, 10:00 AM–5:00 PM" (Babel's space before AM may be a narrow one).
ENGLISH_LABEL = re.compile(rf"^Day \d — ({DAYS}), ({MONTHS}) \d{{1,2}}, \d{{4}}, \d{{1,2}}:\d\d\W?[AP]M–\d{{1,2}}:\d\d\W?[AP]M")


def test_the_registration_form_in_english_on_a_phone(live_server, page, app):
    cycle = make_cycle(dates=future_dates(), published=True)
    cycle.venue_address = "Maison départementale de l'habitat \r\nBoulevard de l'Ecoute-S'il-Pleut\r\n91000 EVRY"
    db.session.commit()
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/inscription/{cycle.slug}")
    assert page.locator("html").get_attribute("lang") == "fr"
    page.get_by_role("link", name="English").click()  # the footer's switch, as a reader does it
    page.wait_for_load_state("load")
    assert page.locator("html").get_attribute("lang") == "en"

    labels = [page.locator(f'label:has(input[name="journees"][value="{j.id}"])').inner_text().strip()
              for j in cycle.journees]
    assert len(labels) == 4 and all(ENGLISH_LABEL.match(label) for label in labels), labels
    typed = [cycle.title, cycle.kicker, cycle.period, *[j.title for j in cycle.journees if j.title]]
    body = page.locator("body").inner_text()
    assert french_words(body, typed) == [], french_words(body, typed)  # no month, day, "journée"... of the list
    assert "l'habitat, Boulevard de l'Ecoute-S'il-Pleut, 91000 EVRY" in body and "habitat ," not in body
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "registration-form-english-390")

    page.get_by_label("First name").fill("Helen")
    page.locator("#last_name").fill("Duchene")
    page.get_by_label("Email address").fill("helen@example.org")
    page.locator(f'input[name="journees"][value="{cycle.journees[1].id}"]').check()
    page.get_by_role("button", name=re.compile("register", re.I)).click()
    page.wait_for_load_state("load")
    thanks = page.locator("body").inner_text()
    assert page.locator("html").get_attribute("lang") == "en" and french_words(thanks, typed) == [], thanks
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    day = db.session.scalar(select(RegistrationDay))
    assert day is not None and day.journee_id == cycle.journees[1].id
    assert "matin" in FRENCH_WORDS and "journée" in FRENCH_WORDS  # the list the page was read against


def _login(page, live_server, email_address: str) -> None:
    page.goto(live_server.url + "/admin/login")
    page.get_by_label("Adresse e-mail").fill(email_address)
    page.get_by_label("Mot de passe").fill("correct horse battery")
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(live_server.url + "/admin/")


def test_a_test_message_web_view_link_opens_on_the_proofreader_phone(live_server, page, app, admin_user, _browser):
    campaign = draft_letter("Mars au CRPVE", "Bonjour à toutes et à tous.")
    _login(page, live_server, admin_user.email)
    page.goto(f"{live_server.url}/admin/campaigns/{campaign.id}/edit")
    page.get_by_label("Adresses de test").fill("relectrice@example.org")
    page.get_by_role("button", name="Envoyer le test").click()
    page.wait_for_load_state("load")
    deliver_queued()
    [row] = db.session.scalars(select(OutboxMessage)).all()
    message = email.message_from_bytes(row.raw, policy=policy.default)
    [href] = re.findall(r'<a href="([^"]+)"[^>]*>Voir la version en ligne</a>',
                        message.get_body(("html",)).get_content())
    assert "/apercu/" in href and href.startswith(live_server.url)

    # The preview tab shows the phone at the composer's width (it said 375 px, the composer 390 px).
    page.goto(f"{live_server.url}/admin/campaigns/{campaign.id}/preview")
    phone = page.locator("iframe.preview-phone").bounding_box()
    assert phone is not None and abs(phone["width"] - PREVIEW_WIDTHS["phone"]) <= 2
    assert page.get_by_text(f"Téléphone ({PREVIEW_WIDTHS['phone']} px)").is_visible()

    # The proofreader, on her phone, not logged in: the link opens the campaign, still a draft.
    reader = _browser.new_context(locale="fr-FR", timezone_id="Europe/Paris", viewport=PHONE)
    try:
        proof = reader.new_page()
        response = proof.goto(href)
        assert response is not None and response.status == 200
        proof.get_by_text("Mars au CRPVE").first.wait_for()
        assert proof.get_by_text("Bonjour à toutes et à tous.").is_visible()
        screenshot(proof, "test-message-web-view-390")
        assert proof.goto(f"{live_server.url}/c/{campaign.slug}").status == 404  # its public web view: not yet
    finally:
        reader.close()
