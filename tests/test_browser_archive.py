"""The public archive in Chromium on a 390 px phone: from the subscribe page to the archive, to a letter, and
back to the subscribe form from the letter's footer; each page fits the width, in French, without serious axe
violation, under the app's Content-Security-Policy."""
from __future__ import annotations

import pytest

from tests.browser import screenshot
from tests.page_checks import page_problems
from tests.test_public_archive import _letter

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


def test_archive_journey_at_390px(live_server, page, app):
    _letter("lettre-mars", "Lettre de mars : les rendez-vous de la politique de la ville en Essonne", days_ago=30)
    _letter("lettre-avril", "Lettre d'avril", track=True, days_ago=2)
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + "/subscribe")
    page.get_by_role("link", name="Lire les messages déjà envoyés").click()
    page.wait_for_url("**/archives")
    assert page_problems(page, admin=False) == []
    links = page.locator(".archive-list a")
    assert links.all_inner_texts() == ["Lettre d'avril",
                                       "Lettre de mars\u202f: les rendez-vous de la politique de la ville en Essonne"]
    screenshot(page, "public-archives-390")
    links.first.click()
    page.wait_for_url("**/archives/lettre-avril")
    assert page_problems(page, admin=False) == []
    assert page.get_by_role("link", name="Lire le programme").get_attribute("href") == (
        "https://www.crpve91.fr/programme?annee=2027")
    page.get_by_role("link", name="Recevoir les prochains messages : s'abonner").click()
    page.wait_for_url("**/subscribe")
    assert page.get_by_role("button", name="M'abonner").is_visible()
