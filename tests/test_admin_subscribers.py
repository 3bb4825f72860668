"""Admin: subscriber search and keyset pagination, a subscriber's page, import upload → job → report, export."""
from __future__ import annotations

import codecs
import html as html_lib
import io
import os
import re
import time
import zipfile
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from app.extensions import db
from app.scheduling import run_once
from app.models import AuditLog, ImportJob, ImportStatus, MailingList, Subscriber, SubscriberStatus, SubscriptionStatus
from app.services.audience import import_jobs
from app.services.audience.core import Consent, set_subscription
from app.services.audience.importer import ImportFileError, import_csv
from tests.conftest import FIXTURES
from tests.import_helpers import confirm_import, job_id_of


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
    preview = admin_client.post("/admin/imports", data={
        "file": (io.BytesIO(data), "inscrits.csv"), "list_id": str(ml.id),
    }, content_type="multipart/form-data")
    page = html_lib.unescape(preview.get_data(as_text=True))
    # The mapping and the first rows are shown; nothing is written before the click.
    assert "Vérifier l'import" in page and "adresse e-mail" in page and "pas-une-adresse" in page
    assert db.session.scalar(select(ImportJob)) is None
    job_id = job_id_of(confirm_import(admin_client, preview))
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
    html = html_lib.unescape(response.get_data(as_text=True))
    assert response.status_code == 422 and "Aucune colonne d'adresse e-mail" in html
    assert db.session.scalar(select(ImportJob)) is None
    assert not os.listdir(os.path.join(admin_client.application.instance_path, "imports", "preview"))


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


def _workbooks() -> dict[str, bytes]:
    """Hand-made workbooks with the real containers: a ZIP holding what an .xlsx / .ods holds first
    ([Content_Types].xml, or the ODF mimetype entry stored uncompressed first, as ODF 1.2 §3.3 requires),
    and the 8-byte OLE2 compound-file signature that starts every Excel 97-2003 .xls."""
    xlsx, ods = io.BytesIO(), io.BytesIO()
    with zipfile.ZipFile(xlsx, "w") as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        z.writestr("xl/workbook.xml", "<workbook/>")
    with zipfile.ZipFile(ods, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", "<office:document-content/>")
    ole2 = bytes.fromhex("d0cf11e0a1b11ae1") + b"\x00" * 504
    return {"inscrits.xlsx": xlsx.getvalue(), "inscrits.ods": ods.getvalue(), "inscrits.xls": ole2}


def test_a_workbook_is_refused_with_what_to_do(admin_client):
    ml = MailingList(slug="formations", name="Formations CRPVE")
    db.session.add(ml)
    db.session.commit()
    for name, body in _workbooks().items():
        response = admin_client.post("/admin/imports", data={"file": (io.BytesIO(body), name), "list_id": str(ml.id)},
                                     content_type="multipart/form-data")
        page = html_lib.unescape(response.get_data(as_text=True))
        assert response.status_code == 422 and "enregistrez le fichier au format CSV" in page, name
        assert "import-mapping" not in page and "PK" not in page and "Content_Types" not in page
    assert db.session.scalar(select(ImportJob)) is None
    assert not os.listdir(os.path.join(admin_client.application.instance_path, "imports", "preview"))


def test_the_cli_and_the_importer_refuse_a_workbook_too(cli_runner, app):
    ml = MailingList(slug="formations", name="Formations CRPVE")
    db.session.add(ml)
    db.session.commit()
    try:
        import_csv(io.BytesIO(_workbooks()["inscrits.xlsx"]), ml, file_name="x.xlsx", actor="t")
    except ImportFileError as exc:
        assert "format CSV" in str(exc)
    else:
        raise AssertionError("a workbook was read as CSV")
    path = os.path.join(app.instance_path, "inscrits.xlsx")
    with open(path, "wb") as fh:
        fh.write(_workbooks()["inscrits.xlsx"])
    result = cli_runner.invoke(args=["subscribers", "import", path, "--list", "formations"])
    assert result.exit_code != 0 and "format CSV" in result.output
    assert db.session.scalar(select(Subscriber)) is None


def test_preview_then_cancel_imports_nothing(admin_client):
    ml = MailingList(slug="formations", name="Formations CRPVE")
    db.session.add(ml)
    db.session.commit()
    body = "Courriel;Prénom;NOM;Structure;Remarque\r\nann@exemple.fr;Ann;Lefèvre;Mairie d'Évry;VIP\r\n".encode("cp1252")
    preview = admin_client.post("/admin/imports", data={"file": (io.BytesIO(body), "x.csv"), "list_id": str(ml.id)},
                                content_type="multipart/form-data")
    page = html_lib.unescape(preview.get_data(as_text=True))
    mapping = dict(re.findall(r'<tr data-field="(\w*)"><td>([^<]+)</td>', page))
    assert mapping == {"email": "Courriel", "first_name": "Prénom", "last_name": "NOM", "organisation": "Structure",
                       "": "Remarque"}
    assert "Lefèvre" in page and "windows-1252" in page.lower() and "point-virgule" in page
    response = confirm_import(admin_client, preview, action="cancel")
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/imports")
    assert db.session.scalar(select(ImportJob)) is None and db.session.scalar(select(Subscriber)) is None
    assert not os.listdir(os.path.join(admin_client.application.instance_path, "imports", "preview"))
    # The same confirmation again (a back button, a double click) finds nothing and says so.
    again = confirm_import(admin_client, preview)
    assert again.status_code == 302 and db.session.scalar(select(ImportJob)) is None


def test_an_upload_never_confirmed_is_removed_after_a_day(admin_client, app):
    ml = MailingList(slug="formations", name="Formations CRPVE")
    db.session.add(ml)
    db.session.commit()
    folder = os.path.join(app.instance_path, "imports", "preview")
    for _ in range(2):
        admin_client.post("/admin/imports", data={"file": (io.BytesIO(b"email\r\nx@exemple.fr\r\n"), "x.csv"),
                                                  "list_id": str(ml.id)}, content_type="multipart/form-data")
    [old, recent] = sorted(os.listdir(folder), key=lambda n: os.stat(os.path.join(folder, n)).st_mtime)
    stale = time.time() - 25 * 3600
    os.utime(os.path.join(folder, old), (stale, stale))
    admin_client.get("/admin/imports")  # opening the page clears them…
    assert os.listdir(folder) == [recent]
    later = datetime.now(timezone.utc) + timedelta(hours=25)
    run_once(app, later)  # …and so does the scheduler, for a page nobody opens
    assert os.listdir(folder) == []


def test_random_bytes_are_refused_in_french_and_leave_no_file(admin_client, app, cli_runner):
    """Issue #22: random bytes uploaded as a CSV answered 500 and left the file on disk."""
    import random

    ml = MailingList(slug="formations", name="Formations CRPVE")
    db.session.add(ml)
    db.session.commit()
    preview_dir = os.path.join(app.instance_path, "imports", "preview")
    for seed in range(5):
        body = random.Random(seed).randbytes(20_000)
        response = admin_client.post("/admin/imports", data={"file": (io.BytesIO(body), "inscrits.csv"),
                                                             "list_id": str(ml.id)}, content_type="multipart/form-data")
        page = html_lib.unescape(response.get_data(as_text=True))
        assert response.status_code == 422 and "n'est pas un fichier texte" in page
        assert not os.path.exists(preview_dir) or not os.listdir(preview_dir)
    with pytest.raises(ImportFileError, match="pas un fichier texte"):
        import_csv(io.BytesIO(random.Random(9).randbytes(5000)), ml, file_name="x.csv", actor="t")
    path = os.path.join(app.instance_path, "bruit.csv")
    with open(path, "wb") as fh:
        fh.write(random.Random(7).randbytes(5000))
    result = cli_runner.invoke(args=["subscribers", "import", path, "--list", "formations"])
    assert result.exit_code != 0 and "pas un fichier texte" in result.output
    assert db.session.scalar(select(ImportJob)) is None and db.session.scalar(select(Subscriber)) is None


def test_text_files_from_spreadsheets_are_still_text(app):
    from app.services.support import is_text

    assert is_text("courriel;prénom\r\nanne@exemple.fr;Anne\tB\r\n".encode("cp1252"))
    assert is_text("\ufeffcourriel;prénom\r\n".encode("utf-8"))
    assert is_text(codecs.BOM_UTF16_LE + "courriel\tprénom\r\nanne@exemple.fr\tAnne\r\n".encode("utf-16-le"))
    assert not is_text(b"courriel\x00;nom") and not is_text(bytes(range(256)) * 4)
