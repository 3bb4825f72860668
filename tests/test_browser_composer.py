"""The composer's live preview in Chromium (issue 14): upload an image into a newsletter and see it
load in the preview beside the blocks; type in a block and see the preview follow without saving;
switch between the desktop and phone widths."""
from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from sqlalchemy import select

from app.extensions import db
from app.models import Campaign, CampaignTemplate, MailingList
from tests.browser import screenshot
from tests.test_browser_workspace import _login

pytestmark = pytest.mark.browser

PUBLIC = "https://lettres.crpve91.fr"


def _serve_media_from(page, live_server) -> list[str]:
    """Production serves BASE_URL (https) from this app; here the browser's requests for it are
    answered by the live server, the same bytes (the message itself is not rewritten)."""
    fetched: list[str] = []

    def handle(route) -> None:
        path = route.request.url[len(PUBLIC):]
        fetched.append(path)
        route.fulfill(response=page.context.request.get(live_server.url + path))

    page.route(PUBLIC + "/media/**", handle)
    return fetched


def _frame_text(page) -> str:
    return page.frame_locator("#composer-preview").locator("body").inner_text()


def test_image_and_typing_show_in_the_live_preview(live_server, page, admin_user, tmp_path, app):
    db.session.add(MailingList(slug="formations", name="Formations CRPVE"))
    db.session.commit()
    app.config["BASE_URL"] = PUBLIC  # messages name images by BASE_URL, which is https in production
    fetched = _serve_media_from(page, live_server)
    image = tmp_path / "affiche.png"
    Image.new("RGB", (1600, 900), (20, 90, 160)).save(image)
    _login(page, live_server, admin_user.email)
    page.goto(live_server.url + "/admin/campaigns/new?template=newsletter")
    page.get_by_label("Nom interne").fill("Lettre d'été")
    page.get_by_role("button", name="Créer le brouillon").click()
    page.wait_for_url(re.compile(r".*/admin/campaigns/\d+/edit$"))
    page.locator("#subject").fill("L'été au CRPVE")
    page.locator("#blocks-0-text").fill("L'été au CRPVE")
    page.locator("#blocks-2-text").fill("Bonjour à toutes et à tous.")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    page.get_by_text("Campagne enregistrée.").wait_for()

    # Upload into the letter through the media library (the alt text is required).
    page.locator("#image").set_input_files(str(image))
    page.get_by_label("Texte alternatif (obligatoire").fill("Affiche jaune de l'été")
    page.get_by_role("button", name="Ajouter l'image à la lettre").click()
    page.get_by_text("Image ajoutée en fin de lettre.").wait_for()

    # The preview beside the blocks shows the real message with the image, loaded.
    pane = page.locator("#composer-preview-pane")
    form_box, pane_box = page.locator("#campaign-form").bounding_box(), pane.bounding_box()
    assert pane_box["x"] > form_box["x"] + form_box["width"] - 1  # beside the form at 1280 px
    img = page.frame_locator("#composer-preview").locator('img[alt="Affiche jaune de l\'été"]')
    img.wait_for()
    src = img.get_attribute("src")
    assert re.match(r"^https://lettres\.crpve91\.fr/media/[0-9a-f]{32}-1200\.png$", src)
    img_state = img.evaluate("el => new Promise(ok => el.complete ? ok(el.naturalWidth) : el.addEventListener('load', () => ok(el.naturalWidth)))")
    assert img_state == 1200 and any(p.endswith("-1200.png") for p in fetched)
    served = page.context.request.get(live_server.url + src[len(PUBLIC):])
    assert Image.open(io.BytesIO(served.body())).size == (1200, 675)

    # Typing updates the preview (debounced), nothing is saved.
    history = page.evaluate("history.length")
    page.locator("#blocks-2-text").fill("Bonjour à toutes et à tous. **Inscriptions ouvertes** dès lundi.")
    page.frame_locator("#composer-preview").locator("strong", has_text="Inscriptions ouvertes").wait_for()
    assert "dès lundi" in _frame_text(page)
    assert page.get_by_text("Aperçu à jour (non enregistré).").is_visible()
    db.session.expire_all()
    campaign = db.session.scalar(select(Campaign))
    assert "Inscriptions" not in campaign.content["blocks"][2]["text"]
    assert [b["type"] for b in campaign.content["blocks"]] == ["title", "greeting", "text", "image"]
    # The image is still there after the swap, and loads again.
    again = page.frame_locator("#composer-preview").locator('img[alt="Affiche jaune de l\'été"]')
    assert again.evaluate("el => new Promise(ok => el.complete ? ok(el.naturalWidth) : el.addEventListener('load', () => ok(el.naturalWidth)))") == 1200
    screenshot(page, "composer-live-preview-desktop")

    # Desktop / phone toggle.
    frame = page.locator("#composer-preview")
    assert 590 <= frame.bounding_box()["width"] <= 610
    page.get_by_role("button", name="Téléphone (390 px)").click()
    assert page.get_by_role("button", name="Téléphone (390 px)").get_attribute("aria-pressed") == "true"
    assert 380 <= frame.bounding_box()["width"] <= 400
    screenshot(page, "composer-live-preview-phone")
    # Typing again keeps the phone width; the subject field feeds the preview too.
    page.locator("#subject").fill("L'été au CRPVE : le programme")
    title = page.frame_locator("#composer-preview").locator("title")
    for _attempt in range(50):
        if "le programme" in (title.text_content() or ""):
            break
        page.wait_for_timeout(100)
    assert "le programme" in (title.text_content() or "")
    page.wait_for_function("() => document.querySelectorAll('iframe.composer-frame').length === 1 && "
                           "document.getElementById('composer-preview').classList.contains('phone')")
    page.get_by_role("button", name="Ordinateur (600 px)").click()
    assert 590 <= page.locator("#composer-preview").bounding_box()["width"] <= 610
    # The previews add no history entries (each update is a new frame): Back leaves the page.
    assert page.evaluate("history.length") == history


def test_without_javascript_previsualiser_posts_the_form_into_the_frame(live_server, _browser, admin_user):
    db.session.add(MailingList(slug="formations", name="Formations CRPVE"))
    campaign = Campaign(slug="sans-js", name="Sans JavaScript", subject="Objet enregistré",
                        template=CampaignTemplate.NEWSLETTER, lists=[],
                        content={"blocks": [{"type": "title", "text": "Titre"}, {"type": "text", "text": "Ancien texte."}]})
    db.session.add(campaign)
    db.session.commit()
    context = _browser.new_context(java_script_enabled=False, locale="fr-FR", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        _login(page, live_server, admin_user.email)
        page.goto(f"{live_server.url}/admin/campaigns/{campaign.id}/edit")
        assert page.locator(".preview-devices").is_hidden()  # the toggle needs the script
        frame = page.frame_locator("#composer-preview")
        frame.get_by_text("Ancien texte.").wait_for()
        page.locator("#blocks-1-text").fill("Texte tapé sans script.")
        page.get_by_role("button", name="Prévisualiser").click()
        frame.get_by_text("Texte tapé sans script.").wait_for()
        assert page.url.endswith(f"/admin/campaigns/{campaign.id}/edit")  # the page itself stays
        db.session.expire_all()
        assert db.session.get(Campaign, campaign.id).content["blocks"][1]["text"] == "Ancien texte."
        # Saving still goes to the page, not to the frame.
        page.get_by_role("button", name="Enregistrer", exact=True).click()
        page.get_by_text("Campagne enregistrée.").wait_for()
        db.session.expire_all()
        assert db.session.get(Campaign, campaign.id).content["blocks"][1]["text"] == "Texte tapé sans script."
    finally:
        context.close()
