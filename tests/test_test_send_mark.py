"""Test sends are marked ``[TEST]`` in the subject (admin and API), delivered by a real SMTP
server (aiosmtpd); the campaign's real send is not marked."""
from __future__ import annotations

import email
from email import policy

from sqlalchemy import select

from app.extensions import db
from app.models import Campaign
from app.sending.compose import builder_for
from app.services.campaigns.lifecycle import start_campaign
from tests.api_helpers import token_header
from tests.sending_fixtures import deliver_queued, draft_letter
from tests.smtp_server import smtp_server  # noqa: F401 (fixture)


def _subjects(server) -> dict[str, str]:
    return {m.rcpt_tos[0]: m.parsed()["Subject"] for m in server.messages}


def test_admin_and_api_test_sends_say_test_the_real_send_does_not(app, smtp_server, admin_client):
    app.config["SMTP_URL"] = smtp_server.url
    campaign = draft_letter()
    admin_client.post(f"/admin/campaigns/{campaign.id}/test", data={"addresses": "relecture@example.org"})
    sent = admin_client.post(f"/api/v1/campaigns/{campaign.id}/test", headers=token_header("campaigns:write"),
                             json={"addresses": ["api.relecture@example.org"]})
    assert sent.status_code == 202
    deliver_queued(app)
    assert _subjects(smtp_server) == {"relecture@example.org": "[TEST] Les nouvelles de mars",
                                      "api.relecture@example.org": "[TEST] Les nouvelles de mars"}
    # The compiled campaign is untouched: the real send goes out under its own subject.
    assert builder_for(campaign).subject == "Les nouvelles de mars"
    smtp_server.messages.clear()
    assert start_campaign(db.session.scalar(select(Campaign))) == 1
    deliver_queued(app)
    assert _subjects(smtp_server) == {"abonnee@example.org": "Les nouvelles de mars"}
    real = email.message_from_bytes(smtp_server.messages[0].data, policy=policy.default)
    assert "[TEST]" not in real.get_body(("plain",)).get_content()


def test_the_mark_is_not_doubled(app):
    campaign = draft_letter()
    campaign.subject = "[TEST] déjà marqué"
    db.session.commit()
    marked = builder_for(campaign).marked_as_test()
    assert marked.subject == "[TEST] déjà marqué"
