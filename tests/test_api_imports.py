"""/api/v1/imports: a CSV (body or multipart) started as the admin's import job and followed by its id;
a column mapping names the columns the importer would not recognise."""
from __future__ import annotations

import io
import time

from sqlalchemy import select

from app.extensions import db
from app.models import MailingList, Subscriber, Subscription, SubscriptionStatus
from app.services.audience import wait_for_import
from tests.api_helpers import token_header


def _list() -> MailingList:
    row = MailingList(slug="formations", name="Formations")
    db.session.add(row)
    db.session.commit()
    return row


def _follow(client, location: str, headers) -> dict:
    job_id = int(location.rsplit("/", 1)[1])
    wait_for_import(job_id, timeout=30)
    deadline = time.monotonic() + 30
    while True:
        body = client.get(location, headers=headers).get_json()
        if body["status"] in ("done", "failed") or time.monotonic() > deadline:
            return body
        time.sleep(0.1)


def test_a_csv_body_with_a_mapping_is_imported_and_followed(client):
    _list()
    headers = {**token_header("subscribers:write"), "Content-Type": "text/csv"}
    # Hand-made: a CRM export whose address column no alias names, Windows-1252, semicolons.
    body = ("Contact principal;Prénom;Structure;Courriel\r\n"
            "laura.kossi@example.org;Laura;Mairie d'Évry;autre@example.org\r\n"
            "pas-une-adresse;Jean;;\r\n"
            "m.diallo@example.org;Mariam;CCAS;\r\n").encode("cp1252")
    started = client.post("/api/v1/imports?list=formations&file_name=crm.csv"
                          "&mapping=%7B%22Contact%20principal%22%3A%20%22email%22%7D", headers=headers, data=body)
    assert started.status_code == 202, started.get_json()
    assert started.get_json()["status"] in ("queued", "running", "done")
    job = _follow(client, started.headers["Location"], headers)
    assert job["status"] == "done", job
    assert job["list"] == "formations" and job["file_name"] == "crm.csv" and job["double_opt_in"] is False
    assert job["counts"]["created"] == 2 and job["counts"]["invalid"] == 1
    assert [r["line"] for r in job["rejections"]] == [3]
    db.session.expire_all()
    laura = db.session.scalar(select(Subscriber).where(Subscriber.email == "laura.kossi@example.org"))
    assert (laura.first_name, laura.organisation) == ("Laura", "Mairie d'Évry")
    # Unmapped, "Courriel" would have been taken as the address: the mapping wins, the column is kept
    # as a free attribute.
    assert laura.attributes == {"Courriel (non retenue)": "autre@example.org"}
    statuses = db.session.scalars(select(Subscription.status)).all()
    assert statuses == [SubscriptionStatus.CONFIRMED] * 2


def test_a_multipart_upload_in_double_opt_in(client):
    _list()
    headers = token_header("subscribers:write")
    data = {"file": (io.BytesIO(b"courriel,nom\nanne@example.org,Martin\n"), "inscrits.csv"),
            "list": "formations", "double_opt_in": "true"}
    started = client.post("/api/v1/imports", headers=headers, data=data, content_type="multipart/form-data")
    assert started.status_code == 202, started.get_json()
    job = _follow(client, started.headers["Location"], headers)
    assert job["status"] == "done" and job["file_name"] == "inscrits.csv" and job["double_opt_in"] is True
    assert job["counts"]["created"] == 1
    assert sum(job["messages"].values()) == 1  # the confirmation message, followed like the admin's page does
    assert db.session.scalar(select(Subscription.status)) == SubscriptionStatus.PENDING


def test_import_refusals(client):
    _list()
    headers = {**token_header("subscribers:write"), "Content-Type": "text/csv"}
    csv = b"email\na@example.org\n"
    assert client.post("/api/v1/imports", headers=headers, data=csv).status_code == 422  # no list
    assert client.post("/api/v1/imports?list=nope", headers=headers, data=csv).status_code == 404
    wrong_header = client.post('/api/v1/imports?list=formations&mapping={"Adresse":"email"}', headers=headers, data=csv)
    assert wrong_header.status_code == 422 and "Adresse" in wrong_header.get_json()["detail"]
    wrong_field = client.post('/api/v1/imports?list=formations&mapping={"email":"telephone"}', headers=headers, data=csv)
    assert wrong_field.status_code == 422 and "telephone" in wrong_field.get_json()["detail"]
    assert client.post("/api/v1/imports?list=formations&mapping=[1]", headers=headers, data=csv).status_code == 422
    json_body = client.post("/api/v1/imports?list=formations", headers=token_header("subscribers:write"),
                            json={"email": "a@example.org"})
    assert json_body.status_code == 415 and json_body.mimetype == "application/problem+json"
    reader = {**token_header("subscribers:read"), "Content-Type": "text/csv"}
    assert client.post("/api/v1/imports?list=formations", headers=reader, data=csv).status_code == 403
    assert client.get("/api/v1/imports/99", headers=headers).status_code == 404
    # Nothing was stored or imported by the refused requests.
    assert db.session.scalar(select(Subscriber.id)) is None


def test_the_import_has_the_import_body_limit_not_the_api_one(app, client):
    """A CSV is larger than the 1 MB every other body may be: the import's own limit applies (here scaled down)."""
    _list()
    app.config.update(MAX_CONTENT_LENGTH=1000, IMPORT_MAX_CONTENT_LENGTH=5000)
    headers = {**token_header("subscribers:write"), "Content-Type": "text/csv"}
    rows = "".join(f"personne{i}@example.org\n" for i in range(150))  # about 3.5 KB
    started = client.post("/api/v1/imports?list=formations", headers=headers, data=("email\n" + rows).encode())
    assert started.status_code == 202, started.get_json()
    assert _follow(client, started.headers["Location"], headers)["counts"]["created"] == 150
    too_big = client.post("/api/v1/imports?list=formations", headers=headers, data=("email\n" + rows * 2).encode())
    assert too_big.status_code == 413 and too_big.mimetype == "application/problem+json"
    # Other API bodies keep the small limit.
    assert client.post("/api/v1/lists", headers=token_header("lists:write"),
                       json={"slug": "x", "name": "x" * 2000}).status_code == 413


def test_nginx_asks_about_the_token_before_accepting_a_large_import(client):
    """``GET /api/v1/imports/allowed`` answers nginx's ``auth_request`` from the headers alone: only a
    token that may import gets its 200 MB body accepted (deploy/nginx/lettrine.conf; prod-check sends
    an anonymous 2 MB import through nginx)."""
    path = "/api/v1/imports/allowed"
    assert client.get(path).status_code == 401
    assert client.get(path, headers={"Authorization": "Bearer lt_not-a-token"}).status_code == 401
    assert client.get(path, headers=token_header("subscribers:read")).status_code == 403
    allowed = client.get(path, headers=token_header("subscribers:write"))
    assert allowed.status_code == 204 and allowed.get_data() == b""
