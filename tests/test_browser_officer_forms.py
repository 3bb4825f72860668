"""Issue #24, in Chromium: the forms and defaults no longer act for the officer.

Cycles chosen by their period, journées by their date; "Inscrire quelqu'un" ticks nothing."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Campaign, Registration
from tests.event_factories import SEED_DATES, future_dates, make_cycle
from tests.test_browser_workspace import _login

pytestmark = pytest.mark.browser


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
