"""The admin login works in a real browser (Debian's Chromium through Playwright)."""
import pytest

from tests.browser import screenshot

pytestmark = pytest.mark.browser


def test_login_in_chromium(live_server, page, admin_user):
    page.goto(live_server.url + "/admin/")
    assert "/admin/login" in page.url
    page.get_by_label("Adresse e-mail").fill(admin_user.email)
    page.get_by_label("Mot de passe").fill("correct horse battery")
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(live_server.url + "/admin/")
    assert page.get_by_role("heading", name="Tableau de bord").is_visible()
    screenshot(page, "admin-dashboard")
