"""POST /api/v1/tx: queued in the transactional lane, sent by the worker to a real SMTP server
(aiosmtpd on loopback), DKIM-signed, and its status becomes "sent"."""
from __future__ import annotations

from app.extensions import db
from app.models import Campaign, Suppression, email_hash
from tests.api_helpers import token_header
from tests.sending_fixtures import deliver_queued
from tests.smtp_server import smtp_server  # noqa: F401 (fixture)
from tests.test_transactional_lane import _signed_app, _verifies


def _template() -> Campaign:
    campaign = Campaign(slug="bienvenue", name="Bienvenue", subject="Bienvenue au CRPVE",
                        content={"blocks": [{"type": "title", "text": "Bienvenue"},
                                            {"type": "text", "text": "Merci de votre inscription."}]})
    db.session.add(campaign)
    db.session.commit()
    return campaign


def test_tx_is_delivered_signed_and_its_status_becomes_sent(app, client, smtp_server, tmp_path):
    signer = _signed_app(app, smtp_server, tmp_path)
    campaign = _template()
    headers = token_header("tx:send")
    response = client.post("/api/v1/tx", headers=headers, json={
        "to": "Laura.Kossi@example.org", "campaign_id": campaign.id, "variables": {"first_name": "Laura"}})
    assert response.status_code == 202, response.get_json()
    queued = response.get_json()
    assert queued["status"] == "queued" and queued["to"] == "Laura.Kossi@example.org"
    assert smtp_server.messages == []  # the web request sent nothing itself
    deliver_queued(app)
    [message] = smtp_server.messages
    assert list(message.rcpt_tos) == ["Laura.Kossi@example.org"]  # the local part as typed
    assert message.data.startswith(b"DKIM-Signature:") and _verifies(message.data, signer)
    assert b"Laura" in message.data.replace(b"=\r\n", b"")
    after = client.get(f"/api/v1/tx/{queued['id']}", headers=headers).get_json()
    assert after["status"] == "sent" and after["smtp_code"] == 250 and after["sent_at"]


def test_tx_refuses_suppressed_addresses_unknown_campaigns_and_other_scopes(client):
    campaign = _template()
    db.session.add(Suppression(email_hash=email_hash("gone@example.org"), reason="bounced"))
    db.session.commit()
    headers = token_header("tx:send")
    refused = client.post("/api/v1/tx", headers=headers, json={"to": "gone@example.org", "campaign_id": campaign.id})
    assert refused.status_code == 409 and refused.content_type == "application/problem+json"
    assert client.post("/api/v1/tx", headers=headers, json={"to": "a@example.org", "campaign_id": 999}).status_code == 404
    assert client.post("/api/v1/tx", headers=headers, json={"to": "nope", "campaign_id": campaign.id}).status_code == 422
    assert client.post("/api/v1/tx", headers=token_header("subscribers:write"),
                       json={"to": "a@example.org", "campaign_id": campaign.id}).status_code == 403
    assert client.get("/api/v1/tx/1", headers=headers).status_code == 404
