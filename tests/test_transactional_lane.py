"""The one send path: transactional messages go through the delivery queue and the workers.

Against a real SMTP server (aiosmtpd on loopback): a confirmation asked for during a
5,000-recipient campaign leaves within seconds, DKIM-signed; a 451 is retried; a 550
is recorded as refused, and the audit and the admin say so.
"""
from __future__ import annotations

import threading
import time

import dkim
from cryptography.hazmat.primitives.asymmetric import ed25519
from sqlalchemy import func, select

from app.extensions import db
from app.message.dkim import DKIMSigner
from app.models import AuditLog, Delivery, DeliveryStatus, MailingList, MessageStatus, TransactionalMessage
from app.sending.worker import Worker, WorkerOptions
from app.services.campaigns import sending_policy
from app.services.audience.subscriptions import request_subscription
from tests.sending_fixtures import deliver_queued, make_campaign
from tests.smtp_server import smtp_server  # noqa: F401 (fixture)
from tests.test_dkim import pem


def _signed_app(app, smtp_server, tmp_path):
    key_file = tmp_path / "dkim.pem"
    key_file.write_bytes(pem(ed25519.Ed25519PrivateKey.generate()))
    app.config.update(SMTP_URL=smtp_server.url, DKIM_DOMAIN="crpve91.fr", DKIM_SELECTOR="sel",
                      DKIM_PRIVATE_KEY_FILE=str(key_file))
    return DKIMSigner.from_file("crpve91.fr", "sel", key_file)


def _verifies(raw: bytes, signer: DKIMSigner) -> bool:
    record = signer.public_dns_record().encode()
    return dkim.verify(raw, dnsfunc=lambda name, timeout=5: record if name == b"sel._domainkey.crpve91.fr." else None)


def _formations() -> MailingList:
    lst = MailingList(slug="lettre", name="Lettre du CRPVE")
    db.session.add(lst)
    db.session.commit()
    return lst


def test_a_confirmation_overtakes_a_running_campaign_and_is_signed(app, smtp_server, tmp_path):
    signer = _signed_app(app, smtp_server, tmp_path)
    campaign = make_campaign(5000)
    lst = _formations()
    stop = threading.Event()
    worker = Worker(app, WorkerOptions(idle_seconds=0.05), stop, policy=sending_policy())
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 60
        while len(smtp_server.messages) < 300 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(smtp_server.messages) >= 300, "the campaign did not start sending"
        request_subscription("laura.kossi@example.org", "Laura", [lst], ip=None, shown_text="…")
        asked = time.monotonic()
        while time.monotonic() - asked < 20:
            found = [m for m in smtp_server.messages if "laura.kossi@example.org" in m.rcpt_tos]
            if found:
                break
            time.sleep(0.02)
        waited = time.monotonic() - asked
        assert found, "the confirmation never left"
        sent_during = db.session.scalar(select(func.count()).select_from(Delivery).where(
            Delivery.campaign_id == campaign.id, Delivery.status == DeliveryStatus.QUEUED))
    finally:
        stop.set()
        thread.join(60)
    assert waited < 5, f"the confirmation waited {waited:.1f} s behind the campaign"
    assert sent_during > 0, "the campaign had already finished: the test proves nothing"
    raw = found[0].data
    assert raw.startswith(b"DKIM-Signature:") and _verifies(raw, signer)
    assert b"/confirm/" in raw.replace(b"=\r\n", b"")


def test_a_451_is_retried_and_then_delivered(app, smtp_server):
    app.config["SMTP_URL"] = smtp_server.url
    smtp_server.scripted["ines@example.org"] = ["451 4.7.1 Greylisted, please retry"]
    lst = _formations()
    request_subscription("ines@example.org", "Inès", [lst], ip=None, shown_text="…")
    message = db.session.scalar(select(TransactionalMessage))
    assert message.status == MessageStatus.QUEUED
    deliver_queued(retry_base_seconds=0.05)
    message = db.session.get(TransactionalMessage, message.id)
    assert message.status == MessageStatus.SENT and message.attempts == 2
    assert [m.rcpt_tos for m in smtp_server.messages] == [("ines@example.org",)]
    assert message.raw == b""  # the bytes (personal data) are not kept once sent
    actions = [a.action for a in db.session.scalars(select(AuditLog).order_by(AuditLog.id))]
    assert "confirmation_queued" in actions and actions[-1] == "message_sent"


def test_a_550_is_recorded_as_refused_and_the_audit_and_admin_say_so(app, smtp_server, admin_client):
    app.config["SMTP_URL"] = smtp_server.url
    smtp_server.reject["nobody@example.org"] = "550 5.1.1 <nobody@example.org>: Recipient address rejected"
    lst = _formations()
    request_subscription("nobody@example.org", "", [lst], ip=None, shown_text="…")
    deliver_queued()
    message = db.session.scalar(select(TransactionalMessage))
    assert message.status == MessageStatus.FAILED and message.smtp_code == 550
    assert "Recipient address rejected" in message.smtp_reply
    assert smtp_server.messages == []
    refused = db.session.scalar(select(AuditLog).where(AuditLog.action == "message_refused"))
    assert refused is not None and "Recipient address rejected" in refused.detail["reply"]
    assert refused.detail["kind"] == "subscription_confirmation"
    page = admin_client.get(f"/admin/subscribers/{message.subscriber_id}").get_data(as_text=True)
    assert "Recipient address rejected" in page


def test_a_test_send_refused_by_the_server_says_refused(app, smtp_server, admin_client):
    from tests.test_admin_campaigns import _list_with_people

    app.config["SMTP_URL"] = smtp_server.url
    smtp_server.reject["relecture@example.org"] = "550 5.7.1 Message refusé pour raison de politique"
    _list_with_people(1)
    admin_client.post("/admin/campaigns/new", data={"template": "newsletter", "name": "X", "cycle_id": 0,
                                                    "journee_id": 0})
    from app.models import Campaign

    campaign = db.session.scalar(select(Campaign))
    admin_client.post(f"/admin/campaigns/{campaign.id}/test", data={"addresses": "relecture@example.org"})
    deliver_queued()
    page = admin_client.get(f"/admin/campaigns/{campaign.id}/tests").get_data(as_text=True)
    assert 'data-status="failed"' in page and "Message refusé pour raison de politique" in page
    assert "envoyé" not in page.split("<tbody>")[1]
