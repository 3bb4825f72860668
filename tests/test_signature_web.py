""""Faire signer" without a browser: the signature route needs a login, a checked-in person and path data only."""
from sqlalchemy import select

from app.extensions import db
from app.models import Attendance, AuditLog
from app.services.events import attendance as att
from tests.event_factories import make_cycle
from app.services.events.registrations import register

BASE = "https://lettrine.test"


def _marie():
    cycle = make_cycle()
    outcome = register(cycle, "marie@example.org", first_name="Marie", last_name="Curie",
                       journees=list(cycle.journees[:2]), allow_past=True, source="admin", actor="test", notify=False)
    return cycle, outcome.registration


def test_signing_needs_a_login(client, app):
    _cycle, marie = _marie()
    url = att.checkin_url(marie).removeprefix(BASE) + "/signature"
    response = client.post(url, data={"signature": "M 1 1 L 2 2"})
    assert response.status_code in (302, 400) and db.session.scalars(select(Attendance)).all() == []


def test_signature_after_check_in_only_and_path_data_only(admin_client, app):
    cycle, marie = _marie()
    scan = att.checkin_url(marie).removeprefix(BASE)
    admin_client.post(f"/admin/events/{cycle.id}/presence", data={"journee": cycle.journees[0].id, "half": "pm"})
    early = admin_client.post(scan + "/signature", data={"signature": "M 1 1 L 2 2"}, follow_redirects=True)
    assert "pas encore marquée présente" in early.get_data(as_text=True)
    admin_client.post(scan)  # checked in (no signature)
    listing = admin_client.get(f"/admin/events/{cycle.id}/presence").get_data(as_text=True)
    assert f'href="{scan}#signature-pad">Faire signer' in listing  # from the door list, for those present
    page = admin_client.get(scan).get_data(as_text=True)
    assert "Faire signer" in page and 'data-signature hidden' in page and "signature.js" in page
    assert "<script>" not in page.split("</footer>")[0].split("<body")[1]  # CSP: no inline script
    bad = admin_client.post(scan + "/signature", data={"signature": 'M 0 0"/><script>'}, follow_redirects=True)
    assert "Signature non enregistrée" in bad.get_data(as_text=True)
    [row] = db.session.scalars(select(Attendance)).all()
    assert row.signature_svg is None
    done = admin_client.post(scan + "/signature", data={"signature": "M 10 40 L 60 20 L 120 50"}, follow_redirects=True)
    text = done.get_data(as_text=True)
    assert "Signature enregistrée." in text and "Signé à" in text and "Signer à nouveau" in text
    db.session.expire_all()
    row = db.session.scalars(select(Attendance)).one()
    assert row.signature_svg == "M 10 40 L 60 20 L 120 50" and row.signed_at is not None
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "attendance_signed")) is not None
    listing = admin_client.get(f"/admin/events/{cycle.id}/presence").get_data(as_text=True)
    assert listing.count("Faire signer") == 0 and ">signé<" in listing  # Marie has signed: no second invitation
