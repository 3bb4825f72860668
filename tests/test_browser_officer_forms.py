"""Issue #24, in Chromium: the forms and defaults no longer act for the officer.

Cycles chosen by their period, journées by their date; "Inscrire quelqu'un" ticks nothing."""
from __future__ import annotations

import email
import re
from email import policy

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import (
    Campaign,
    MailingList,
    OutboxMessage,
    Registration,
    RegistrationStatus,
    Subscription,
    SubscriptionStatus,
)
from tests.browser import screenshot
from tests.event_factories import SEED_DATES, future_dates, make_cycle
from tests.page_checks import page_problems
from tests.sending_fixtures import deliver_queued
from tests.test_browser_workspace import _login

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


def test_the_officer_picks_the_2027_cycle_by_its_period(live_server, page, admin_user):
    cycles = {year: make_cycle(slug=f"cdv-{year}", dates=[d.replace(year=year) for d in SEED_DATES])
              for year in (2016, 2027, 2028)}
    _login(page, live_server, admin_user.email)
    page.goto(f"{live_server.url}/admin/campaigns/new")
    page.locator("#name").fill("Annonce 2027")
    title = cycles[2027].title
    page.locator("#cycle_id").select_option(label=f"{title} — mars–juin 2027")
    days = page.locator("#journee_id option").all_inner_texts()
    assert f"{title} — mars–juin 2027 · Journée 2 — 7 avril 2027" in days and len(set(days)) == len(days) == 13
    page.get_by_role("button", name="Créer le brouillon").click()
    page.get_by_text("Campagne créée").wait_for()
    campaign = db.session.scalar(select(Campaign).where(Campaign.name == "Annonce 2027"))
    assert campaign.cycle_id == cycles[2027].id


def test_inscrire_quelquun_ticks_no_journee(live_server, page, admin_user):
    cycle = make_cycle(dates=future_dates())
    _login(page, live_server, admin_user.email)
    page.goto(f"{live_server.url}/admin/events/{cycle.id}")
    boxes = page.locator('form[action$="/registrants"] input[name="journees"]')
    assert boxes.count() == 4 and not any(boxes.nth(i).is_checked() for i in range(4))
    form = page.locator('form[action$="/registrants"]')
    form.get_by_label("Adresse e-mail").fill("camille@example.org")
    form.get_by_role("button", name="Inscrire").click()
    page.get_by_text("Choisissez au moins une journée.").wait_for()  # nothing registered behind her back
    assert db.session.scalar(select(Registration)) is None
    form.get_by_label("Adresse e-mail").fill("camille@example.org")
    boxes.nth(1).check()
    form.get_by_role("button", name="Inscrire").click()
    page.get_by_text("Inscription enregistrée : 1 confirmée(s)").wait_for()
    db.session.expire_all()
    assert [d.journee.number for d in db.session.scalar(select(Registration)).days] == [2]


def test_one_message_confirms_the_journee_and_the_newsletter_on_a_phone(live_server, page, app):
    """A cycle that holds seats, the newsletter ticked on the same form: ONE message, headed and buttoned
    "Confirmer", naming both; its button opens a page that confirms both with one more tap (a POST)."""
    db.session.add(MailingList(slug="formations", name="Formations CRPVE"))
    cycle = make_cycle(dates=future_dates(), capacity=20)
    assert cycle.hold_seats
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/inscription/{cycle.slug}")
    page.get_by_label("Prénom").fill("Camille")
    page.locator("#last_name").fill("Martin")
    page.get_by_label("Adresse e-mail").fill("camille.martin@example.org")
    page.locator('input[name="journees"]').nth(1).check()
    page.get_by_label("J'accepte de recevoir").check()
    page.get_by_role("button", name="Je m'inscris").click()
    page.get_by_role("heading", name=re.compile("Merci")).wait_for()
    assert page.get_by_text(re.compile("cliquez sur .{1,3}Confirmer.{1,3} dans le message, puis sur .{1,3}Confirmer")).is_visible()

    deliver_queued()
    [row] = db.session.scalars(select(OutboxMessage)).all()  # one message for the one form
    message = email.message_from_bytes(row.raw, policy=policy.default)
    html = message.get_body(("html",)).get_content()
    mail = page.context.new_page()  # the message as a phone's mail client shows it (about:blank, no CSP)
    mail.set_viewport_size(PHONE)
    mail.set_content(html)
    assert mail.get_by_role("heading", level=1).inner_text() == "Confirmez votre demande"
    links = mail.get_by_role("link").all_inner_texts()
    assert [t.strip() for t in links if "Confirmer" in t or "Modifier" in t] == ["Confirmer"]
    body = mail.locator("body").inner_text()
    assert "Journée 2" in body and "Formations CRPVE" in body and "Modifier ou annuler" not in body
    screenshot(mail, "registration-check-message")
    link = mail.get_by_role("link", name="Confirmer").get_attribute("href")
    mail.close()

    page.goto(link)  # what a link scanner would do too: nothing confirmed by a GET
    registration = db.session.scalar(select(Registration))
    subscription = db.session.scalar(select(Subscription))
    assert not registration.days and subscription.status == SubscriptionStatus.PENDING
    box = page.get_by_role("status")
    assert "Formations CRPVE" in box.inner_text()
    assert page_problems(page, admin=False) == []
    box.get_by_role("button", name="Confirmer").click()
    page.get_by_text("Merci, votre inscription et votre abonnement à la lettre d'information sont confirmés.").wait_for()
    db.session.expire_all()
    assert [(d.journee.number, d.status) for d in db.session.scalar(select(Registration)).days] == [
        (2, RegistrationStatus.CONFIRMED)]
    assert db.session.scalar(select(Subscription)).status == SubscriptionStatus.CONFIRMED
    assert page.get_by_role("button", name="Confirmer", exact=True).count() == 0  # nothing left to confirm


def test_the_announcement_is_opened_once_and_its_texts_edited_from_the_campaign(live_server, page, admin_user):
    cycle = make_cycle(dates=future_dates(), sponsor_note="Avec le soutien de l'ANCT (2016).")
    _login(page, live_server, admin_user.email)
    other_tab = page.context.new_page()  # the cycle open in two tabs: "Créer l'annonce" clicked in both
    for tab in (page, other_tab):
        tab.goto(f"{live_server.url}/admin/events/{cycle.id}/edit")
    page.get_by_role("button", name="Créer l'annonce").click()
    page.get_by_text("Annonce créée").wait_for()
    other_tab.get_by_role("button", name="Créer l'annonce").click()
    other_tab.get_by_text("L'annonce de ce cycle est déjà en brouillon").wait_for()
    assert other_tab.url == page.url
    other_tab.close()
    assert [c.name for c in db.session.scalars(select(Campaign))] == [f"Annonce — {cycle.title}"]

    texts = page.locator("#cycle-texts")
    assert "Ces textes sont ceux du cycle" in texts.inner_text()
    texts.get_by_label("Mention des financeurs").fill(f"Avec le soutien de l'ANCT ({future_dates()[0].year}).")
    texts.get_by_role("button", name="Enregistrer les textes du cycle").click()
    page.get_by_text("Textes du cycle enregistrés").wait_for()
    page.get_by_role("link", name="Ouvrir le cycle").click()
    page.wait_for_url(f"{live_server.url}/admin/events/{cycle.id}/edit")
    assert page.locator("#sponsor_note").input_value() == f"Avec le soutien de l'ANCT ({future_dates()[0].year})."
    assert page.get_by_role("button", name="Créer l'annonce").count() == 0
    page.get_by_role("link", name="Reprendre l'annonce en brouillon").click()
    page.locator("#cycle-texts").wait_for()


def test_the_greeting_is_a_block_she_sees_moves_and_removes(live_server, page, admin_user):
    db.session.add(MailingList(slug="formations", name="Formations CRPVE"))
    db.session.commit()
    _login(page, live_server, admin_user.email)
    page.goto(live_server.url + "/admin/campaigns/new?template=newsletter")
    page.get_by_label("Nom interne").fill("Lettre de mai")
    page.get_by_role("button", name="Créer le brouillon").click()
    page.wait_for_url(re.compile(r".*/admin/campaigns/\d+/edit$"))
    legends = page.locator("fieldset.block legend")
    assert [t.replace("\u202f", " ") for t in legends.all_inner_texts()] == [
        "Titre", "Salutation (« Bonjour Prénom, »)", "Texte"]  # French spacing: narrow no-break spaces
    page.locator("#subject").fill("Les nouvelles de mai")
    page.locator("#blocks-0-text").fill("Les nouvelles de mai")
    page.locator("#blocks-2-text").fill("Bonjour à toutes et à tous, voici les nouvelles.")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    page.get_by_text("Campagne enregistrée.").wait_for()
    page.get_by_role("link", name="Aperçu et vérifications").click()
    page.get_by_text("Le message salue deux fois").wait_for()  # her own "Bonjour" after the greeting block
    page.go_back()
    page.locator("fieldset.block").nth(1).get_by_role("button", name="Supprimer").click()
    page.wait_for_load_state()
    assert legends.all_inner_texts() == ["Titre", "Texte"]
    page.get_by_role("link", name="Aperçu et vérifications").click()
    body = page.frame_locator("iframe.preview-desktop").locator("body").inner_text()
    assert body.count("Bonjour") == 1 and page.get_by_text("Le message salue deux fois").count() == 0


def test_reminders_have_one_place_their_own_introduction_and_whole_words(live_server, page, admin_user):
    from app.services.events import save_cycle

    cycle = make_cycle(dates=future_dates())
    save_cycle(cycle)
    _login(page, live_server, admin_user.email)
    page.goto(f"{live_server.url}/admin/events/{cycle.id}")
    assert page.locator('input[placeholder="7@09:00, 1@09:00"]').count() == 0  # the second syntax is gone
    subjects = page.locator("table .muted").all_inner_texts()
    assert subjects and all(s.endswith("vivre un contrat…") for s in subjects if "Rappel" in s)
    page.get_by_role("link", name="Modifier les rappels (moments et introductions) dans l'éditeur du cycle").click()
    page.wait_for_url(re.compile(rf".*/admin/events/{cycle.id}/edit#rule-days-0$"))
    page.get_by_label("Rappel 1 : introduction").fill("Plus qu'une **semaine** avant la journée !")
    page.get_by_role("button", name="Enregistrer le cycle").click()
    page.get_by_text("Cycle enregistré ; rappels").wait_for()
    assert page.get_by_label("Rappel 1 : introduction").input_value() == "Plus qu'une **semaine** avant la journée !"
    reminder = db.session.scalar(select(Campaign).where(Campaign.reminder_days_before == 7).order_by(Campaign.id))
    db.session.refresh(reminder)
    assert reminder.content == {"intro": "Plus qu'une **semaine** avant la journée !"}
    page.goto(f"{live_server.url}/admin/campaigns/{reminder.id}/preview")
    frame = page.frame_locator("iframe.preview-desktop")
    frame.locator("strong", has_text="semaine").wait_for()
    body = frame.locator("body").inner_text()
    assert body.index("avant la journée") < body.index("91000 EVRY")  # the details still follow
    page.goto(f"{live_server.url}/admin/campaigns/{reminder.id}/edit")  # the reminder says where its words come from
    assert "avant la journée" in page.locator("#reminder-text").inner_text()
    page.get_by_role("link", name="Modifier l'introduction de ce rappel dans l'éditeur du cycle").click()
    page.wait_for_url(re.compile(rf".*/admin/events/{cycle.id}/edit#rule-days-0$"))
