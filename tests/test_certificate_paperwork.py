"""The certificate's paperwork: the signatory's scanned signature and the centre's stamp, uploaded once in
the settings (checked as images, size-limited) and printed on each certificate, dated on the day the cycle
was closed — not on the day the PDF is downloaded."""
from __future__ import annotations

import io
from datetime import date, datetime, timezone

from PIL import Image
from pypdf import PdfReader

from app.extensions import db
from app.models import CertificateSettings
from app.services.events import attendance as att
from app.services.events import certificate_pdf, close_cycle
from app.services.events.registrations import register
from tests.event_factories import make_cycle
from tests.pdf_text import pdf_text


def _image(kind: str, size=(240, 90), colour=(20, 40, 160)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format=kind)
    return out.getvalue()


def _marie(cycle):
    outcome = register(cycle, "marie@example.org", first_name="Marie", last_name="Curie", organisation="Ville d'Évry",
                       journees=list(cycle.journees[:2]), allow_past=True, source="admin", actor="test")
    journee = cycle.journees[0]
    att.check_in(outcome.registration, journee, att.Half.AM, actor="accueil@example.org", now=journee.starts_at)
    return outcome.registration


def _images_on(pdf: bytes) -> int:
    """Images drawn on the first page, also inside form XObjects (a translucent stamp is drawn in a group)."""
    def count(resources) -> int:
        total = 0
        for item in resources.get("/XObject", {}).values():
            item = item.get_object()
            if item["/Subtype"] == "/Image":
                total += 1
            elif "/Resources" in item:
                total += count(item["/Resources"].get_object())
        return total

    return count(PdfReader(io.BytesIO(pdf)).pages[0]["/Resources"])


def test_signature_and_stamp_uploaded_in_the_settings_are_checked_and_printed(admin_client, app):
    cycle = make_cycle()
    marie = _marie(cycle)
    page = admin_client.get("/admin/settings").get_data(as_text=True)
    assert 'action="/admin/settings/certificates"' in page and 'name="stamp"' in page

    def post(**files):
        data = {"signatory_name": "Claire Dupont", "signatory_title": "Directrice", "place": "Évry-Courcouronnes"}
        data.update({name: (io.BytesIO(content), f"{name}.bin") for name, content in files.items()})
        return admin_client.post("/admin/settings/certificates", data=data, content_type="multipart/form-data",
                                 headers={"Referer": "https://lettrine.test/admin/settings"}, follow_redirects=True)

    import weasyprint  # noqa: F401  (once imported, as any PDF makes it, Pillow accepts truncated images)

    png = _image("PNG")
    truncated = post(signature=png[:60])  # the PNG signature bytes, but not a readable image
    assert "PNG ou un JPEG lisible" in truncated.get_data(as_text=True)
    disguised = post(stamp=b"\xff\xd8\xff" + b"<script>" * 10)
    assert "PNG ou un JPEG lisible" in disguised.get_data(as_text=True)
    half_jpeg = post(stamp=_image("JPEG")[:-200])
    assert "PNG ou un JPEG lisible" in half_jpeg.get_data(as_text=True)
    too_big = post(stamp=png + b"\0" * 500_001)
    assert "dépasse 500 ko" in too_big.get_data(as_text=True)
    gif = io.BytesIO()
    Image.new("RGB", (10, 10)).save(gif, format="GIF")
    assert "PNG ou un JPEG" in post(stamp=gif.getvalue()).get_data(as_text=True)
    assert db.session.get(CertificateSettings, 1) is None  # every refusal kept nothing

    saved = post(signature=png, stamp=_image("JPEG", (300, 300), (180, 20, 20)))
    assert "Signataire des attestations enregistré" in saved.get_data(as_text=True)
    db.session.expire_all()
    row = db.session.get(CertificateSettings, 1)
    assert (row.signature_mime, row.stamp_mime) == ("image/png", "image/jpeg")
    shown = admin_client.get("/admin/settings/certificates/stamp.png")
    assert shown.status_code == 200 and shown.mimetype == "image/png" and shown.headers["Cache-Control"] == (
        "private, no-store")
    assert Image.open(io.BytesIO(shown.data)).size == (300, 300)
    assert admin_client.get("/admin/settings/certificates/other.png").status_code == 404

    pdf = admin_client.get(f"/admin/events/{cycle.id}/attestations/{marie.id}.pdf").data
    assert _images_on(pdf) == 2  # the signature and the stamp
    assert "Je soussigné·e, Claire Dupont, Directrice" in pdf_text(pdf)

    # Removing the stamp keeps the signature.
    admin_client.post("/admin/settings/certificates", data={"signatory_name": "Claire Dupont", "remove_stamp": "1"})
    db.session.expire_all()
    assert _images_on(certificate_pdf(db.session.merge(marie))) == 1


def test_only_an_admin_sets_the_signatory(editor_client, app):
    response = editor_client.post("/admin/settings/certificates", data={"signatory_name": "Quelqu'un"})
    assert response.status_code == 403 and db.session.get(CertificateSettings, 1) is None


def test_certificate_is_dated_on_the_day_the_cycle_closed(app):
    cycle = make_cycle()  # journées in 2016, the last on 23 June
    marie = _marie(cycle)
    close_cycle(cycle, actor="test", notify=False, now=datetime(2016, 7, 1, 8, 30, tzinfo=timezone.utc))
    text = pdf_text(certificate_pdf(marie))
    assert "Fait à Evry, le 1er juillet 2016" in text  # downloaded years later: still the closing day
    assert str(date.today().year) not in text.split("Fait à", 1)[1]


def test_a_future_cycle_is_never_dated_before_its_journees(app):
    cycle = make_cycle(dates=[date(2027, 3, 11), date(2027, 4, 8), date(2027, 5, 27), date(2027, 6, 24)])
    marie = _marie(cycle)
    assert "Fait à Evry, le 24 juin 2027" in pdf_text(certificate_pdf(marie))
