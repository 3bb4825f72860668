"""The J-1 reminder carries each registrant's own check-in code and QR image (inline, cid:), delivered
to a real SMTP server; the QR holds that person's check-in URL, which marks them present once."""
from __future__ import annotations

from html import unescape
from datetime import time

from sqlalchemy import select

from app.extensions import db
from app.message.builder import Recipient
from app.message.inspect import message_parts
from app.models import Attendance, AttendanceStatus, Campaign, CampaignTemplate, utcnow
from app.sending.compose import builder_for
from app.sending.views import webview_values
from app.services.events import attendance as att
from app.services.campaigns.lifecycle import start_campaign
from app.services.events.registrations import register
from app.services.events.reminders import sync_reminders
from app.timeutil import local_to_utc, to_local
from tests.emailcheck import plain_spaces
from tests.event_factories import future_dates, make_cycle
from tests.sending_fixtures import deliver_queued
from tests.smtp_server import smtp_server  # noqa: F401 (fixture)

BASE = "https://lettrine.test"


def _reminder_setup(app, smtp_server):
    app.config.update(SMTP_URL=smtp_server.url)
    cycle = make_cycle(dates=future_dates(), reminder_rules=[{"days_before": 1, "time": "09:00"}])
    sync_reminders(cycle)
    db.session.commit()
    people = {}
    for first, last, address, days in (("Marie", "Curie", "marie@example.org", cycle.journees[:2]),
                                       ("Paul", "Langevin", "paul@example.org", cycle.journees[:2]),
                                       ("Irène", "Joliot", "irene@example.org", cycle.journees[1:2])):
        outcome = register(cycle, address, first_name=first, last_name=last, journees=list(days),
                           source="admin", actor="test")
        people[address] = outcome.registration
    deliver_queued(app)  # the confirmations
    smtp_server.messages.clear()
    reminder = db.session.scalar(select(Campaign).where(
        Campaign.template == CampaignTemplate.REMINDER, Campaign.journee_id == cycle.journees[0].id,
        Campaign.reminder_days_before == 1))
    assert reminder is not None
    start_campaign(reminder)
    deliver_queued(app)
    return cycle, people, reminder


def _parts(received):
    message = received.parsed()
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    images = {str(part["Content-ID"]).strip("<>"): part for part in message.walk()
              if part.get_content_type() == "image/png"}
    return message, text, html, images


def test_the_j1_reminder_gives_each_registrant_their_own_code_and_qr(app, admin_client, smtp_server):
    cycle, people, reminder = _reminder_setup(app, smtp_server)
    by_address = {rcpt: received for received in smtp_server.messages for rcpt in received.rcpt_tos}
    assert sorted(by_address) == ["marie@example.org", "paul@example.org"]  # Irène is not at journée 1
    codes = {}
    for address in by_address:
        registration = people[address]
        message, text, html, images = _parts(by_address[address])
        code = att.short_code(registration)
        codes[address] = code
        assert f"Code : {code}" in plain_spaces(text)
        assert f"<strong>{code}</strong>" in html
        # mixed (the .ics) > related (the QR image) > alternative (text, HTML)
        assert message.get_content_type() == "multipart/mixed"
        related = message.get_payload()[0]
        assert related.get_content_type() == "multipart/related"
        assert related.get_payload()[0].get_content_type() == "multipart/alternative"
        [(cid, image)] = images.items()
        assert f'src="cid:{cid}"' in html and "/presence/qr/" not in html  # inline: no remote image to fetch
        assert image.get_content_disposition() == "inline"
        # The image is the QR code of this person's check-in URL (segno is deterministic).
        assert image.get_content() == att.qr_png(registration)
        assert message.get_body(preferencelist=("plain",)) is not None
        assert [p.get_filename() for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert codes["marie@example.org"] != codes["paul@example.org"]
    # The admin's outbox / preview reader shows the QR in place (a data: URL its sandboxed frame may load).
    shown = message_parts(by_address["marie@example.org"].data)
    assert "cid:" not in shown.html and "data:image/png;base64," in shown.html and shown.attachments == ["journee-1.ics"]
    other = _parts(by_address["paul@example.org"])[1]
    assert codes["marie@example.org"] not in other

    # Opening the URL the QR holds (as the officer's phone does) marks Marie present, once.
    journee = cycle.journees[0]
    assert admin_client.post(f"/admin/events/{cycle.id}/presence",
                             data={"journee": journee.id, "half": "am"}).status_code == 302
    scan = att.checkin_url(people["marie@example.org"]).removeprefix(BASE)
    assert att.registration_from_token(scan.rsplit("/", 1)[1]).id == people["marie@example.org"].id
    # The reminder goes the day before: scanned then, the code is refused (check-in opens on the day)…
    early = unescape(admin_client.post(scan).get_data(as_text=True))
    assert "l'émargement ouvre ce jour-là" in early and db.session.scalar(select(Attendance)) is None
    # …and works on the day itself (the journée brought to today, as the calendar would).
    today = to_local(utcnow()).date()
    journee.starts_at, journee.ends_at = local_to_utc(today, time(0, 30)), local_to_utc(today, time(23, 30))
    db.session.commit()
    assert "présent·e ✓" in admin_client.post(scan).get_data(as_text=True)
    assert "déjà présent·e" in admin_client.post(scan).get_data(as_text=True)
    [row] = db.session.scalars(select(Attendance)).all()
    assert (row.registration_id, row.journee_id, row.status) == (
        people["marie@example.org"].id, journee.id, AttendanceStatus.PRESENT)


def test_without_a_registration_the_block_is_cut_not_left_empty(app, smtp_server):
    _cycle, people, reminder = _reminder_setup(app, smtp_server)
    builder = builder_for(db.session.get(Campaign, reminder.id))
    # A test send to the staff, or the web view: no code, no broken image, no leftover marker.
    staff = builder.build(Recipient(0, "staffuid", "equipe@example.org", "Laura")).raw.decode()
    assert "code de pr=C3=A9sence" not in staff.lower() and "LTRNx" not in staff and "cid:" not in staff
    assert "multipart/related" not in staff and "multipart/mixed" in staff  # the .ics is still attached
    html, text = builder.compiled.fill(webview_values(reminder))
    assert "Votre code de présence" not in html + text and "LTRNx" not in html + text
    # The same builder, given a registrant's values, keeps the block.
    registration = people["marie@example.org"]
    personal = builder.build(Recipient(registration.subscriber_id, "uid", "marie@example.org", "Marie",
                                       personal={"checkin_code": "ABCD-EFGH", "checkin_qr_src": "cid:x@y"}))
    assert b"ABCD-EFGH" in personal.raw and b"LTRNx" not in personal.raw


def test_the_reminder_with_its_inline_image_is_dkim_signed_and_verifies(app, smtp_server, tmp_path):
    from tests.test_transactional_lane import _signed_app, _verifies

    signer = _signed_app(app, smtp_server, tmp_path)
    _reminder_setup(app, smtp_server)
    assert len(smtp_server.messages) == 2
    for received in smtp_server.messages:
        assert received.data.startswith(b"DKIM-Signature:") and b"multipart/related" in received.data
        assert _verifies(received.data, signer)
