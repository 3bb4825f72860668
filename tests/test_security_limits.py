"""Limits: request bodies (1 MB, the CSV import its own), numbers from forms in ASCII digits only
(``journees=²`` is a 400, never a 500), and per-address limits on the public forms."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.services.audience import import_jobs
from app.models import ImportJob, MailingList, Registration, Subscriber
from tests.conftest import make_app
from tests.import_helpers import confirm_import
from tests.event_factories import future_dates, make_cycle
from tests.security_helpers import make_world

MB = 1024 * 1024


def _big_form(size: int) -> dict:
    return {"email": "ana@example.org", "lists": "formations", "first_name": "x" * size}


@pytest.mark.parametrize("path", ["/subscribe", "/admin/login", "/inscription/contrat-de-ville-2016"])
def test_a_25_mb_post_answers_413(app, client, path):
    make_cycle(dates=future_dates())
    response = client.post(path, data=_big_form(25 * MB))
    assert response.status_code == 413
    assert "trop volumineux" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Subscriber)) == 0


def test_the_limit_is_one_megabyte(app, client):
    db.session.add(MailingList(slug="formations", name="Formations", public=True))
    db.session.commit()
    assert client.post("/subscribe", data=_big_form(MB + 1)).status_code == 413
    assert client.post("/subscribe", data=_big_form(MB // 2)).status_code == 303


def test_the_import_upload_has_its_own_larger_limit(app, admin_client):
    mailing_list = MailingList(slug="formations", name="Formations")
    db.session.add(mailing_list)
    db.session.commit()
    pad = "x" * 800  # few rows (a quick import), a big file
    rows = "courriel;prénom;remarque\r\n" + "".join(f"p{i}@example.org;Prénom{i};{pad}\r\n" for i in range(2000))
    body = rows.encode("utf-8")
    assert len(body) > 1.5 * MB
    response = admin_client.post("/admin/imports", data={"file": (io.BytesIO(body), "gros.csv"),
                                                         "list_id": str(mailing_list.id)},
                                 content_type="multipart/form-data")
    assert confirm_import(admin_client, response).status_code == 302
    job = db.session.scalar(select(ImportJob))
    assert job.file_name == "gros.csv"
    import_jobs.wait(job.id, timeout=120)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Subscriber)) == 2000


def test_the_import_limit_is_a_setting(migrated):
    app = make_app(migrated, IMPORT_MAX_MB="3")
    assert app.config["IMPORT_MAX_CONTENT_LENGTH"] == 3 * MB and app.config["MAX_CONTENT_LENGTH"] == MB
    from config import ConfigError, load_settings
    from tests.conftest import app_environ

    with pytest.raises(ConfigError, match="IMPORT_MAX_MB"):
        load_settings(app_environ(migrated, IMPORT_MAX_MB="²"))


@pytest.mark.parametrize("value", ["²", "٣", "1.5", "-1", " 1"])
def test_journees_that_are_not_ascii_digits_answer_400(app, client, value):
    cycle = make_cycle(dates=future_dates())
    data = {"first_name": "Ana", "last_name": "L", "email": "ana@example.org", "journees": [value]}
    response = client.post(f"/inscription/{cycle.slug}", data=data)
    assert response.status_code == 400 and "un numéro est attendu" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 0


def test_lists_that_are_not_ascii_digits_answer_400_on_every_page(app, admin_client):
    world = make_world()
    token = world.tokens["public.preferences"]
    assert admin_client.post(f"/p/{token}", data={"lists": "²"}).status_code == 400
    manage = world.tokens["public.registration_manage"]
    assert admin_client.post(f"/r/{manage}", data={"action": "save", "journees": "²"}).status_code == 400
    assert admin_client.post(f"/r/{manage}", data={"action": "cancel:²"}).status_code == 302  # unknown action
    campaign = world.campaign
    assert admin_client.get(f"/admin/campaigns/{campaign.id}/audience-count?lists=²").status_code == 400
    assert admin_client.post(f"/admin/campaigns/{campaign.id}/edit",
                             data={"name": "n", "subject": "s", "lists": "²", "action": "save"}).status_code == 400
    assert admin_client.post(f"/admin/events/{world.cycle.id}/registrants",
                             data={"email": "b@example.org", "journees": "²"}).status_code == 400
