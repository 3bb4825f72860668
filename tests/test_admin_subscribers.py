"""Admin: subscriber search and keyset pagination, a subscriber's page, import upload → job → report, export."""
from __future__ import annotations

import io
import re

from sqlalchemy import select

from app.extensions import db
from app.models import AuditLog, ImportJob, ImportStatus, MailingList, Subscriber, SubscriberStatus, SubscriptionStatus
from app.services import import_jobs
from app.services.audience import Consent, set_subscription
from app.services.importer import import_csv
from tests.conftest import FIXTURES


def _people(n: int = 120) -> MailingList:
    ml = MailingList(slug="formations", name="Formations CRPVE")
    db.session.add(ml)
    db.session.commit()
    rows = "".join(f"personne{i:03d}@exemple.fr;Prénom{i};Nom{i:03d}\n" for i in range(n))
    rows += "helene.duchene@grandparissud.fr;Hélène;Duchêne\nzoe@exemple.fr;Zoé;DUPONT\n"
    import_csv(io.BytesIO(("email;prénom;nom\n" + rows).encode()), ml, file_name="t.csv", actor="t")
    return ml


def _emails(html: str) -> list[str]:
    return re.findall(r'/admin/subscribers/\d+">([^<]+)</a>', html)


def test_search_by_email_prefix_and_name(admin_client):
    _people()
    page = admin_client.get("/admin/subscribers?q=Helene.Duch").get_data(as_text=True)
    assert _emails(page) == ["helene.duchene@grandparissud.fr"]
    page = admin_client.get("/admin/subscribers?q=duchêne").get_data(as_text=True)
    assert _emails(page) == ["helene.duchene@grandparissud.fr"]
    page = admin_client.get("/admin/subscribers?q=dupont").get_data(as_text=True)
    assert _emails(page) == ["zoe@exemple.fr"]  # stored as DUPONT
    page = admin_client.get("/admin/subscribers?q=personne01").get_data(as_text=True)
    assert _emails(page) == [f"personne01{i}@exemple.fr" for i in range(10)]
    page = admin_client.get("/admin/subscribers?q=personne").get_data(as_text=True)
    assert len(_emails(page)) == 100 and "précisez la recherche" in page
    page = admin_client.get("/admin/subscribers?q=100%25").get_data(as_text=True)
    assert _emails(page) == [] and "Aucun abonné ne correspond" in page


def test_keyset_pagination_walks_everyone_once(admin_client):
    _people()
    seen, url = [], "/admin/subscribers"
    while url:
        html = admin_client.get(url).get_data(as_text=True)
        seen += _emails(html)
        nxt = re.search(r'rel="next" href="([^"]+)"', html)
        url = nxt.group(1).replace("&amp;", "&") if nxt else None
    assert len(seen) == 122 and len(set(seen)) == 122
    assert seen[0] == "zoe@exemple.fr"  # newest first


def test_filters_by_list_and_status(admin_client):
    ml = _people(3)
    other = MailingList(slug="autre", name="Autre")
    lone = Subscriber(email="seul@exemple.fr", status=SubscriberStatus.BOUNCED)
    db.session.add_all([other, lone])
    db.session.commit()
    set_subscription(lone, other, SubscriptionStatus.CONFIRMED, Consent(source="x"))
    db.session.commit()
    html = admin_client.get(f"/admin/subscribers?list={other.id}").get_data(as_text=True)
    assert _emails(html) == ["seul@exemple.fr"]
    html = admin_client.get(f"/admin/subscribers?list={ml.id}&status=bounced").get_data(as_text=True)
    assert _emails(html) == []
    html = admin_client.get("/admin/subscribers?status=bounced").get_data(as_text=True)
    assert _emails(html) == ["seul@exemple.fr"]


def test_subscriber_page_shows_consent_and_history(admin_client):
    _people(1)
    person = db.session.scalar(select(Subscriber).where(Subscriber.email == "helene.duchene@grandparissud.fr"))
    html = admin_client.get(f"/admin/subscribers/{person.id}").get_data(as_text=True)
    assert "Hélène" in html and "Formations CRPVE" in html and "confirmé" in html
    assert "import: t.csv by t" in html and "subscribe" in html
    assert admin_client.get("/admin/subscribers/999999").status_code == 404


def test_import_page_end_to_end(admin_client):
    ml = MailingList(slug="formations", name="Formations CRPVE")
    db.session.add(ml)
    db.session.commit()
    assert "Import / export" in admin_client.get("/admin/imports").get_data(as_text=True)
    data = (FIXTURES / "csv" / "quoted-multiline.csv").read_bytes()
    response = admin_client.post("/admin/imports", data={
        "file": (io.BytesIO(data), "inscrits.csv"), "list_id": str(ml.id),
    }, content_type="multipart/form-data")
    assert response.status_code == 302
    job_id = int(response.headers["Location"].rsplit("/", 1)[1])
    import_jobs.wait(job_id, timeout=120)
    db.session.expire_all()
    job = db.session.get(ImportJob, job_id)
    assert job.status == ImportStatus.DONE and job.actor == "admin@example.org"
    assert job.counts["created"] == 3 and job.counts["invalid"] == 1 and job.bytes_done == len(data)
    assert job.report == [{"line": 7, "email": "pas-une-adresse", "reason": "adresse e-mail invalide"}]
    status = admin_client.get(f"/admin/imports/{job_id}.json").get_json()
    assert status["finished"] and status["percent"] == 100
    html = admin_client.get(f"/admin/imports/{job_id}").get_data(as_text=True)
    assert "pas-une-adresse" in html and "abonnés créés" in html and 'http-equiv="refresh"' not in html
    summary = db.session.scalar(select(AuditLog).where(AuditLog.action == "import"))
    assert summary.source == "import: inscrits.csv by admin@example.org"


def test_import_page_reports_a_file_without_email_column(admin_client):
    ml = MailingList(slug="formations", name="Formations CRPVE")
    db.session.add(ml)
    db.session.commit()
    response = admin_client.post("/admin/imports", data={
        "file": (io.BytesIO((FIXTURES / "csv" / "no-email.csv").read_bytes()), "x.csv"), "list_id": str(ml.id),
    }, content_type="multipart/form-data")
    job_id = int(response.headers["Location"].rsplit("/", 1)[1])
    import_jobs.wait(job_id, timeout=60)
    html = admin_client.get(f"/admin/imports/{job_id}").get_data(as_text=True)
    assert "Aucune colonne d&#39;adresse e-mail" in html and "échec" in html


def test_running_job_page_refreshes_without_js(admin_client):
    ml = MailingList(slug="formations", name="Formations CRPVE")
    db.session.add(ml)
    db.session.commit()
    job = ImportJob(list_id=ml.id, file_name="x.csv", status=ImportStatus.RUNNING, bytes_total=200, bytes_done=50)
    db.session.add(job)
    db.session.commit()
    html = admin_client.get(f"/admin/imports/{job.id}").get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="2">' in html and 'value="25"' in html


def test_upload_without_file_is_refused(admin_client):
    ml = MailingList(slug="formations", name="Formations CRPVE")
    db.session.add(ml)
    db.session.commit()
    html = admin_client.post("/admin/imports", data={"list_id": str(ml.id)}, follow_redirects=True).get_data(as_text=True)
    assert "Choisissez un fichier." in html
    assert db.session.scalar(select(ImportJob)) is None


def test_export_download(admin_client):
    _people(2)
    response = admin_client.get("/admin/export/formations.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert 'filename="abonnes-formations.csv"' in response.headers["Content-Disposition"]
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbfCourriel;Pr\xc3\xa9nom;Nom;")
    assert body.count(b"\r\n") == 5
    everyone = admin_client.get("/admin/export.csv").get_data()
    assert b"Statut" in everyone.splitlines()[0]
    assert admin_client.get("/admin/export/nope.csv").status_code == 404


def test_pages_need_login(client):
    for url in ("/admin/subscribers", "/admin/imports", "/admin/export.csv", "/admin/subscribers/1"):
        assert client.get(url).status_code == 302
