"""The import page in Chromium: upload, the progress page polls by itself, the report appears."""
import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import MailingList, Subscriber
from tests.browser import screenshot
from tests.conftest import FIXTURES

pytestmark = pytest.mark.browser


def test_upload_then_report_in_chromium(live_server, page, admin_user):
    db.session.add(MailingList(slug="formations", name="Formations CRPVE"))
    db.session.commit()
    page.goto(live_server.url + "/admin/login")
    page.get_by_label("Adresse e-mail").fill(admin_user.email)
    page.get_by_label("Mot de passe").fill("correct horse battery")
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(live_server.url + "/admin/")
    page.get_by_role("link", name="Import / export").first.click()
    page.get_by_label("Fichier CSV").set_input_files(str(FIXTURES / "csv" / "excel-cp1252-semicolon.csv"))
    page.get_by_label("Liste").select_option(label="Formations CRPVE")
    page.get_by_role("button", name="Importer").click()
    # The preview: how each column is read and the first rows, before anything is written.
    page.get_by_role("heading", name="Vérifier l'import avant de le lancer").wait_for()
    assert page.locator('#import-mapping tr[data-field="email"]').count() == 1
    assert page.locator("#import-sample tbody tr").count() == 3
    screenshot(page, "admin-import-preview")
    page.get_by_role("button", name="Lancer l'import").click()
    page.get_by_role("heading", name="Bilan").wait_for(timeout=60_000)
    page.get_by_text("terminé").first.wait_for(timeout=60_000)
    assert page.locator('[data-count="created"]').inner_text() == "3"
    screenshot(page, "admin-import-report")
    page.get_by_role("link", name="Abonnés").first.click()
    page.get_by_label("Rechercher (adresse, prénom, nom, organisme ou commune").fill("duch")
    page.get_by_role("button", name="Rechercher").click()
    assert page.get_by_role("link", name="helene.duchene@exemple.fr").is_visible()
    screenshot(page, "admin-subscribers-search")
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Subscriber)) == 3
