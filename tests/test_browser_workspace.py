"""The communication officer's journeys in Chromium: announce the demo cycle, preview, test, schedule,
send now and watch the progress reach 100 %, read the report; a newsletter with an image and a button;
an editor cannot reach users or settings. (The CSV import journey is tests/test_browser_import.py.)"""
from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.services import demo
from app.services.demo import CYCLE_SLUG
from app.extensions import db
from app.sending.worker import Worker, WorkerOptions
from app.services.campaigns import sending_policy
from app.models import Campaign, CampaignStatus, CampaignTemplate, Cycle, OutboxMessage, utcnow
from app.timeutil import to_local
from tests.browser import screenshot
from tests.sending_fixtures import deliver_queued
from tests.emailcheck import plain_spaces

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery"


def _login(page, live_server, email: str) -> None:
    page.goto(live_server.url + "/admin/login")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(live_server.url + "/admin/")


def _load_demo() -> Cycle:
    demo.load_demo()
    db.session.commit()
    return db.session.scalar(select(Cycle).where(Cycle.slug == CYCLE_SLUG))


def test_announce_the_demo_cycle_from_preview_to_report(live_server, page, admin_user, app):
    cycle = _load_demo()
    _login(page, live_server, admin_user.email)

    # The demo holds the announcement in draft: the cycle editor offers to reopen it first.
    page.goto(f"{live_server.url}/admin/events/{cycle.id}/edit")
    page.get_by_role("heading", name="Calendrier des envois").wait_for()
    assert page.get_by_role("button", name="Créer l'annonce").count() == 0  # one draft at a time
    page.get_by_role("link", name="Reprendre l'annonce en brouillon").click()
    page.wait_for_url(re.compile(r".*/admin/campaigns/\d+/edit$"))
    campaign_url = page.url
    db.session.expire_all()
    campaign = db.session.scalar(select(Campaign).where(
        Campaign.cycle_id == cycle.id, Campaign.template == CampaignTemplate.CYCLE_ANNOUNCEMENT,
        Campaign.status == CampaignStatus.DRAFT).order_by(Campaign.id.desc()))
    assert campaign_url.endswith(f"/admin/campaigns/{campaign.id}/edit")
    recipients = int(re.sub(r"\D", "", page.locator("#audience-count").text_content() or ""))
    assert recipients > 0

    # Preview at desktop and phone widths.
    page.get_by_role("link", name="Aperçu et vérifications").click()
    desktop, phone = page.locator("iframe.preview-desktop"), page.locator("iframe.preview-phone")
    assert desktop.is_visible() and phone.is_visible()
    assert desktop.bounding_box()["width"] > phone.bounding_box()["width"]
    assert "Comment faire vivre un contrat de ville" in page.frame_locator("iframe.preview-phone").locator("body").inner_text()
    assert page.get_by_text("Aucune erreur bloquante.").is_visible()

    # Test send: lands in the outbox.
    page.get_by_role("link", name="Rédaction").click()
    page.get_by_label("Adresses de test").fill("relecture@example.org")
    page.get_by_role("button", name="Envoyer le test").click()
    page.get_by_text("Message de test en file pour relecture@example.org").wait_for()
    deliver_queued()
    page.locator('tr[data-status="sent"]').wait_for()  # the page refreshes itself until the answer
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.recipients.contains("relecture@example.org"))) == 1
    page.get_by_role("link", name=campaign.name).first.click()  # back to the campaign

    # Schedule for tomorrow 10:00, Paris time, confirmed with the recipient count.
    tomorrow = to_local(utcnow() + timedelta(days=1)).date()
    page.get_by_label("Date et heure d'envoi").fill(f"{tomorrow.isoformat()}T10:00")
    page.get_by_role("button", name="Programmer…").click()
    page.get_by_role("heading", name=f"Programmer l'envoi à {recipients} destinataires ?").wait_for()
    screenshot(page, "workspace-confirm-schedule")
    page.get_by_role("button", name=f"Oui, programmer pour {recipients} destinataires").click()
    page.get_by_text("Envoi programmé le").wait_for()
    db.session.expire_all()
    scheduled = db.session.get(Campaign, campaign.id)
    assert scheduled.status == CampaignStatus.SCHEDULED and to_local(scheduled.scheduled_at).hour == 10

    # The dashboard lists it among upcoming sends.
    page.get_by_role("link", name="Tableau de bord").first.click()
    assert page.get_by_role("link", name=campaign.name).first.is_visible()

    # Send now (confirmed), a worker sends, the page's progress bar reaches 100 % by itself.
    page.goto(campaign_url)
    page.get_by_role("link", name="Envoyer maintenant").click()
    page.get_by_role("heading", name=f"Envoyer à {recipients} destinataires ?").wait_for()
    page.get_by_role("button", name=f"Oui, envoyer à {recipients} destinataires").click()
    page.get_by_text(f"{recipients} destinataires en file").wait_for()
    assert page.locator("#sending-progress").get_attribute("data-status") == "sending"
    stop = threading.Event()
    worker = threading.Thread(target=Worker(app, WorkerOptions(idle_seconds=0.2), stop, policy=sending_policy()).run,
                              kwargs={"until_idle": True}, daemon=True)
    worker.start()
    try:
        page.locator('#sending-progress[data-status="sent"]').wait_for(timeout=30_000)
    finally:
        stop.set()
        worker.join(timeout=10)
    assert plain_spaces(page.locator(".progress-percent").inner_text()) == "100 %"
    assert page.locator("#sending-progress progress").get_attribute("value") == str(recipients)
    screenshot(page, "workspace-sent")

    # The report.
    page.locator("#sending-progress").get_by_role("link", name="Voir le rapport").click()
    page.get_by_role("heading", name=f"Rapport : {campaign.name}").wait_for()
    assert page.locator('.campaign-figures [data-figure="sent"]').get_attribute("data-value") == str(recipients)


def test_free_newsletter_with_an_image_and_a_button(live_server, page, admin_user, tmp_path):
    from PIL import Image

    poster = tmp_path / "affiche.png"
    Image.new("RGB", (800, 400), (200, 60, 40)).save(poster)
    demo.load_base()
    _login(page, live_server, admin_user.email)
    page.goto(live_server.url + "/admin/campaigns/new")
    page.get_by_label("Lettre d'information (blocs)").check()
    page.get_by_label("Nom interne").fill("Lettre de mars")
    page.get_by_role("button", name="Créer le brouillon").click()
    page.get_by_text("Campagne créée").wait_for()
    page.get_by_label("Objet", exact=True).fill("Les nouvelles du CRPVE")
    page.locator("#blocks-0-text").fill("Nouvelles de mars")
    page.locator("#blocks-2-text").fill("Un **texte** de présentation.")
    page.get_by_role("button", name="Image", exact=True).click()
    # No address to type: the image is uploaded from the block itself, with its text alternative.
    page.locator("#blocks-3-alt").fill("Affiche du cycle")
    page.locator("#blocks-3-upload").set_input_files(str(poster))
    page.locator("#block-3").get_by_role("button", name="Envoyer l'image dans ce bloc").click()
    page.locator("#block-3 input[name=blocks-3-media]:checked").wait_for()
    page.get_by_role("button", name="Bouton", exact=True).click()
    page.locator("#blocks-4-label").fill("S'inscrire")
    page.locator("#blocks-4-url").fill("https://www.crpve91.fr/inscription")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    page.get_by_text("Campagne enregistrée.").wait_for()
    page.get_by_role("link", name="Aperçu et vérifications").click()
    frame = page.frame_locator("iframe.preview-desktop")
    src = frame.locator('img[alt="Affiche du cycle"]').get_attribute("src")
    assert re.fullmatch(rf"{live_server.url}/media/[0-9a-f]{{32}}-1200\.png", src), src
    assert frame.locator('a[href="https://www.crpve91.fr/inscription"]').first.inner_text().strip() == "S'inscrire"
    screenshot(page, "workspace-newsletter-preview")


def test_an_editor_cannot_reach_users_or_settings(live_server, page, editor_user):
    _login(page, live_server, editor_user.email)
    nav = page.get_by_role("navigation", name="Navigation principale")
    assert nav.get_by_role("link", name="Campagnes").is_visible()
    assert nav.get_by_role("link", name="Utilisateurs").count() == 0
    assert nav.get_by_role("link", name="Paramètres").count() == 0
    for path in ("/admin/users", "/admin/settings"):
        response = page.goto(live_server.url + path)
        assert response.status == 403
