"""The composer's images and block moves in Chromium: an image uploaded from its own block lands there (and in
the live preview), a library image is picked in another block, and "↑ Monter" moves a block without reloading
the page (the order saved, focus kept on the moved block's button), under the app's CSP."""
from __future__ import annotations

import re

import pytest
from PIL import Image
from sqlalchemy import select

from app.extensions import db
from app.models import Campaign, CampaignTemplate, MailingList, MediaFile
from tests.browser import screenshot
from tests.test_browser_workspace import _login

pytestmark = pytest.mark.browser


def test_pick_upload_in_place_and_move_without_reload(live_server, page, admin_user, tmp_path, app):
    lst = MailingList(slug="formations", name="Formations CRPVE")
    campaign = Campaign(slug="lettre-juin", name="Lettre de juin", subject="Juin au CRPVE",
                        template=CampaignTemplate.NEWSLETTER, lists=[lst],
                        content={"blocks": [{"type": "title", "text": "Juin au CRPVE"},
                                            {"type": "text", "text": "Premier paragraphe."},
                                            {"type": "text", "text": "Second paragraphe."}]})
    db.session.add(campaign)
    db.session.commit()
    photo = tmp_path / "salle.png"
    Image.new("RGB", (1200, 600), (200, 120, 30)).save(photo)
    _login(page, live_server, admin_user.email)
    page.goto(f"{live_server.url}/admin/campaigns/{campaign.id}/edit")

    # A new image block: no address to type, the library (empty) and an upload in place.
    page.locator(".add-block").get_by_role("button", name="Image", exact=True).click()
    page.wait_for_url(re.compile(r".*/edit#block-3$"))
    block = page.locator("#block-3")
    assert block.locator("input[type=url][name=blocks-3-src]").count() == 0
    block.get_by_label("Texte alternatif (ce que").fill("La salle pleine pour la journée 2")
    block.get_by_label("ou envoyer une nouvelle image dans ce bloc").set_input_files(str(photo))
    block.get_by_role("button", name="Envoyer l'image dans ce bloc").click()
    page.wait_for_url(re.compile(r".*/edit#block-3$"))
    row = db.session.scalar(select(MediaFile))
    assert row is not None and row.alt == "La salle pleine pour la journée 2"
    page.frame_locator("#composer-preview").locator('img[alt="La salle pleine pour la journée 2"]').wait_for()

    # Move the image up twice, without a reload: a marker set in the page survives, focus stays on the button.
    page.evaluate("window.__notReloaded = true")
    page.locator("#block-3").get_by_role("button", name="Monter").click()
    page.locator("#block-2 input[name=blocks-2-media]:checked").wait_for()
    assert page.evaluate("document.activeElement.value") == "up:2"
    page.keyboard.press("Enter")  # again, from the keyboard: the focused button is the moved block's
    page.locator("#block-1 input[name=blocks-1-media]:checked").wait_for()
    assert page.evaluate("window.__notReloaded") is True
    db.session.expire_all()
    assert [b["type"] for b in db.session.get(Campaign, campaign.id).content["blocks"]] == [
        "title", "image", "text", "text"]
    screenshot(page, "composer-image-picker")

    # Another image block picks the same library image by its thumbnail.
    page.locator(".add-block").get_by_role("button", name="Image", exact=True).click()
    page.wait_for_url(re.compile(r".*/edit#block-4$"))
    page.locator("#block-4 .media-choice").first.click()
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    page.get_by_text("Campagne enregistrée.").wait_for()
    db.session.expire_all()
    picked = db.session.get(Campaign, campaign.id).content["blocks"][4]
    assert picked["media"] == row.key and picked["alt"] == "La salle pleine pour la journée 2"
