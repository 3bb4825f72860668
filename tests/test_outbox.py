"""The outbox transport keeps every message, and the admin shows it."""
from app.extensions import db
from app.sending.transport import Envelope, OutboxTransport
from app.models import OutboxMessage

RAW = (
    "From: CRPVE <formations@crpve91.fr>\r\nTo: a@example.org\r\nSubject: =?utf-8?q?Journ=C3=A9e_1?=\r\n"
    "Message-ID: <m1@crpve91.fr>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n"
    "--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nBonjour, \xc3\xa0 bient\xc3\xb4t\r\n"
    "--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Bonjour <b>Anne</b></p>\r\n--b--\r\n"
).encode("latin-1")


def test_outbox_stores_and_admin_shows(admin_client):
    result = OutboxTransport().send(Envelope("bounces@crpve91.fr", ("a@example.org",)), RAW)
    db.session.commit()
    assert result.accepted
    row = db.session.get(OutboxMessage, int(result.queue_id.split("-")[1]))
    assert row.subject == "Journée 1" and row.raw == RAW
    listing = admin_client.get("/admin/outbox").get_data(as_text=True)
    assert "Journée 1" in listing and "a@example.org" in listing
    detail = admin_client.get(f"/admin/outbox/{row.id}").get_data(as_text=True)
    assert "Bonjour, à bientôt" in detail and "m1@crpve91.fr" in detail
    html = admin_client.get(f"/admin/outbox/{row.id}/html")
    assert b"<b>Anne</b>" in html.data
    assert "sandbox" in html.headers["Content-Security-Policy"]
