"""The "Séquences" journey in Chromium: from the sidebar, create a sequence from the ready-made "Bienvenue",
edit a step, preview it, test-send it to a real SMTP server, resume then pause it. Every page is French, has
no critical or serious axe-core violation and fits 1280 px and a 390 px phone without a horizontal scroll."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import MailingList, Sequence
from tests.browser import screenshot
from tests.page_checks import page_problems
from tests.sending_fixtures import deliver_queued
from tests.smtp_server import smtp_server  # noqa: F401 (fixture)
from tests.test_browser_workspace import _login

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # about 10 s: a journey through four pages at two widths
PHONE = {"width": 390, "height": 844}


def _fits(page, name: str) -> None:
    """No problem at 1280 px (admin layout), then none at 390 px (the sidebar folds: not checked there)."""
    assert page_problems(page, admin=True) == [], name
    screenshot(page, f"sequences-{name}-1280")
    page.set_viewport_size(PHONE)
    page.reload()
    problems = page_problems(page, admin=False)
    screenshot(page, f"sequences-{name}-390")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.reload()
    assert problems == [], name


def test_create_from_bienvenue_edit_preview_test_send_and_pause(app, live_server, page, admin_user, smtp_server):  # noqa: F811
    app.config.update(SMTP_URL=smtp_server.url)
    db.session.add(MailingList(slug="lettre", name="La lettre du CRPVE"))
    db.session.commit()
    _login(page, live_server, admin_user.email)

    page.get_by_role("link", name="Séquences", exact=True).click()
    page.wait_for_url(live_server.url + "/admin/sequences")
    page.get_by_label("Séquence toute faite", exact=True).select_option(label="Bienvenue")
    page.get_by_label("Nom de la nouvelle séquence").fill("Bienvenue à la lettre")
    page.get_by_label("Liste (bienvenue, relance)").select_option(label="La lettre du CRPVE")
    page.get_by_role("button", name="Créer la séquence").click()
    page.wait_for_url(re.compile(r".*/admin/sequences/\d+$"))
    page.get_by_text("créée, en pause").wait_for()
    editor_url = page.url
    # The two steps on the timeline, the second three days later inside its window.
    timeline = page.locator(".sequence-timeline")
    assert timeline.locator("#step-1").inner_text().count("Bienvenue au CRPVE") == 1
    assert "3 j" in timeline.locator("#step-2").inner_text() and "mon-fri 09:00-18:00" in timeline.inner_text()
    _fits(page, "editor")

    # Edit the first step's subject and text.
    page.locator("#steps-0-subject").fill("Bienvenue parmi les lecteurs du CRPVE")
    page.locator("#steps-0-markdown").fill("Bonjour,\n\nMerci de votre inscription : **à très bientôt**.")
    page.get_by_role("button", name="Enregistrer la séquence").click()
    page.get_by_text("Séquence enregistrée.").wait_for()
    assert "Bienvenue parmi les lecteurs du CRPVE" in page.locator("#step-1").inner_text()

    # Preview it: the real message, at both widths.
    page.locator("#step-1").get_by_role("link", name="Aperçu et test").click()
    page.wait_for_url(re.compile(r".*/steps/1/preview$"))
    frame = page.frame_locator("iframe.preview-desktop")
    frame.get_by_text("à très bientôt").wait_for()
    _fits(page, "preview")

    # Test-send it: the message reaches a real SMTP server, marked [TEST].
    page.get_by_label("Adresses de test").fill("relecture@crpve91.fr")
    page.get_by_role("button", name="Envoyer le test").click()
    page.get_by_text("Message de test en file pour relecture@crpve91.fr").wait_for()
    deliver_queued(app)
    [message] = smtp_server.messages
    assert list(message.rcpt_tos) == ["relecture@crpve91.fr"]
    assert b"[TEST]" in message.data and b"Bienvenue parmi les lecteurs du CRPVE" in message.data.replace(b"=\r\n", b"")

    # Resume, then pause.
    page.goto(editor_url)
    page.get_by_role("button", name="Reprendre la séquence").click()
    page.get_by_text("Séquence reprise").wait_for()
    assert db.session.scalar(select(Sequence.paused).where(Sequence.name == "Bienvenue à la lettre")) is False
    page.get_by_role("button", name="Mettre en pause").click()
    page.get_by_text("Séquence en pause : chacun attend").wait_for()
    db.session.expire_all()
    assert db.session.scalar(select(Sequence.paused).where(Sequence.name == "Bienvenue à la lettre")) is True

    # The list, with its counts.
    page.get_by_role("link", name="Séquences", exact=True).first.click()
    card = page.locator('[data-sequence="bienvenue-a-la-lettre"]')
    assert card.locator('[data-count="enrolled"]').inner_text() == "0"
    _fits(page, "list")
