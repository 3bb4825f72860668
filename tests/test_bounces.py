"""Bounces and complaints: real DSN/ARF samples classified, attributed and applied."""
from __future__ import annotations

import json
import mailbox

import pytest
from sqlalchemy import select

from app.extensions import db
from app.message.dsn import classify
from app.message.builder import message_id_for, return_path
from app.sending.queue import still_eligible
from app.models import (
    Delivery,
    DeliveryStatus,
    Subscriber,
    SubscriberStatus,
    SubscriptionStatus,
    Suppression,
    SuppressionReason,
)
from tests.conftest import FIXTURES
from tests.subscribe_helpers import make_audience, status_of

SAMPLES = FIXTURES / "bounces"
FIXTURE_TOKEN = "WzEyLDM0NV0.Zk3vQf1bX9mJc2bq5vM0n1sPaeE"
FIXTURE_MSGID = "<lettrine.12.345.0a1b2c3d4e5f@crpve91.fr>"

EXPECTED = {
    "rfc3464-a1-timeout.eml": ("soft", "louisl@larry.slip.umd.edu", "4.0.0"),
    "rfc3464-a3-user-unknown.eml": ("hard", "arathib@vnet.ibm.com", "5.0.0"),
    "postfix-user-unknown.eml": ("hard", "jean.dupont@mairie-exemple.fr", "5.1.1"),
    "postfix-mailbox-full.eml": ("soft", "c.martin@orange.fr", "5.2.2"),
    "postfix-delayed.eml": ("ignore", "accueil@centre-social-exemple.fr", "4.4.1"),
    "exim-plain-failed.eml": ("hard", "contact@asso-quartiers.fr", "5.1.1"),
    "gmail-no-such-user.eml": ("hard", "inconnu.total@gmail.com", "5.1.1"),
    "outlook-recipient-not-found.eml": ("hard", "m.durand@ville-exemple.fr", "5.1.10"),
    "outlook-blocked-spam.eml": ("soft", "lea.petit@hotmail.fr", "5.7.1"),
    "arf-rfc5965-example.eml": ("complaint", "user@example.com", ""),
    "arf-jmrp-outlook.eml": ("complaint", "redacted@hotmail.fr", ""),
    "autoreply-absence.eml": ("ignore", None, ""),
}


def test_every_sample_is_covered():
    assert sorted(p.name for p in SAMPLES.glob("*.eml")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_samples_are_classified(name):
    kind, recipient, status = EXPECTED[name]
    report = classify((SAMPLES / name).read_bytes())
    assert (report.kind, report.recipient, report.status) == (kind, recipient, status)


@pytest.mark.parametrize("name", ["postfix-user-unknown.eml", "exim-plain-failed.eml", "gmail-no-such-user.eml",
                                  "outlook-recipient-not-found.eml", "arf-jmrp-outlook.eml"])
def test_our_message_id_is_found_in_the_returned_original(name):
    assert classify((SAMPLES / name).read_bytes()).message_id.startswith("<lettrine.12.")


def _sent_delivery(campaign, sub, message_id=None):
    delivery = Delivery(campaign_id=campaign.id, subscriber_id=sub.id, status=DeliveryStatus.SENT,
                        message_id=message_id or message_id_for(campaign.id, sub.id))
    db.session.add(delivery)
    db.session.commit()
    return delivery


def _postfix_bounce(token: str | None = None, message_id: str | None = None) -> bytes:
    raw = (SAMPLES / "postfix-user-unknown.eml").read_text()
    if token is not None:
        raw = raw.replace(FIXTURE_TOKEN, token)
    if message_id is not None:
        raw = raw.replace(FIXTURE_MSGID, message_id)
    return raw.encode()


def test_hard_bounce_attributed_by_verp_marks_bounced_and_suppresses(app, cli_runner, tmp_path):
    app.config["BOUNCE_DOMAIN"] = "bounces.crpve91.fr"
    sub, (formations, _), campaign = make_audience("jean.dupont@mairie-exemple.fr")
    delivery = _sent_delivery(campaign, sub, message_id="<someone-else@example.org>")
    verp = return_path(campaign.id, sub.id)
    token = verp.split("+", 1)[1].split("@")[0]
    path = tmp_path / "bounce.eml"
    path.write_bytes(_postfix_bounce(token=token, message_id="<not-ours@example.org>"))
    result = cli_runner.invoke(args=["bounces", "process", str(path)])
    assert result.exit_code == 0, result.output
    assert "hard" in result.output and "via verp" in result.output
    db.session.expire_all()
    assert db.session.get(Subscriber, sub.id).status == SubscriberStatus.BOUNCED
    assert db.session.get(Suppression, sub.email_hash).reason == SuppressionReason.BOUNCED
    delivery = db.session.get(Delivery, delivery.id)
    assert delivery.bounced and "5.1.1" in delivery.smtp_reply
    assert still_eligible(campaign, [sub.id]) == set()


def test_hard_bounce_attributed_by_message_id_from_a_maildir(app, cli_runner, tmp_path):
    sub, _lists, campaign = make_audience("jean.dupont@mairie-exemple.fr")
    other, _l, _c = make_audience("someone@example.org")
    delivery = _sent_delivery(campaign, other)  # the Message-ID points at "other", not at the address in the DSN
    box = mailbox.Maildir(str(tmp_path / "Maildir"), create=True)
    box.add(_postfix_bounce(message_id=delivery.message_id))
    box.add((SAMPLES / "autoreply-absence.eml").read_bytes())
    result = cli_runner.invoke(args=["bounces", "process", "--json", str(tmp_path / "Maildir")])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert sorted(r["kind"] for r in rows) == ["hard", "ignore"]
    assert next(r for r in rows if r["kind"] == "hard")["attributed_by"] == "message-id"
    db.session.expire_all()
    assert db.session.get(Subscriber, other.id).status == SubscriberStatus.BOUNCED
    assert db.session.get(Subscriber, sub.id).status == SubscriberStatus.ACTIVE


def test_soft_bounces_count_within_the_window(app, cli_runner):
    sub, _lists, campaign = make_audience("c.martin@orange.fr")
    raw = (SAMPLES / "postfix-mailbox-full.eml").read_bytes()
    for expected in (SubscriberStatus.ACTIVE, SubscriberStatus.ACTIVE, SubscriberStatus.BOUNCED):
        result = cli_runner.invoke(args=["bounces", "process", "-"], input=raw)
        assert result.exit_code == 0 and "soft" in result.output
        db.session.expire_all()
        assert db.session.get(Subscriber, sub.id).status == expected


def test_soft_bounces_outside_the_window_do_not_count(app, cli_runner):
    from datetime import timedelta

    from app.models import AuditLog, utcnow

    sub, _lists, _campaign = make_audience("c.martin@orange.fr")
    raw = (SAMPLES / "postfix-mailbox-full.eml").read_bytes()
    for _ in range(2):
        cli_runner.invoke(args=["bounces", "process", "-"], input=raw)
    for row in db.session.scalars(select(AuditLog).where(AuditLog.action == "bounce_soft")):
        row.at = utcnow() - timedelta(days=31)
    db.session.commit()
    cli_runner.invoke(args=["bounces", "process", "-"], input=raw)
    db.session.expire_all()
    assert db.session.get(Subscriber, sub.id).status == SubscriberStatus.ACTIVE


def test_complaint_unsubscribes_from_everything_and_suppresses(app, cli_runner):
    sub, (formations, lettre), campaign = make_audience()
    delivery = _sent_delivery(campaign, sub)
    raw = (SAMPLES / "arf-jmrp-outlook.eml").read_text().replace(
        "<lettrine.12.352.feedfacecafe@crpve91.fr>", delivery.message_id)
    result = cli_runner.invoke(args=["bounces", "process", "-"], input=raw)
    assert result.exit_code == 0 and "complaint" in result.output
    db.session.expire_all()
    assert db.session.get(Subscriber, sub.id).status == SubscriberStatus.COMPLAINED
    assert db.session.get(Suppression, sub.email_hash).reason == SuppressionReason.COMPLAINED
    assert status_of(sub, formations) == status_of(sub, lettre) == SubscriptionStatus.UNSUBSCRIBED


def test_unattributable_and_ignored_messages_change_nothing(app, cli_runner):
    sub, _lists, _campaign = make_audience()
    for name in ("autoreply-absence.eml", "postfix-delayed.eml", "rfc3464-a3-user-unknown.eml"):
        result = cli_runner.invoke(args=["bounces", "process", str(SAMPLES / name)])
        assert result.exit_code == 0
    db.session.expire_all()
    assert db.session.get(Subscriber, sub.id).status == SubscriberStatus.ACTIVE
    assert db.session.scalar(select(Suppression)) is None


def test_missing_path_is_a_clear_error(app, cli_runner):
    result = cli_runner.invoke(args=["bounces", "process", "/nonexistent/file.eml"])
    assert result.exit_code != 0 and "Introuvable" in result.output


def test_webhook_accepts_its_own_token_and_the_api_token(app, client):
    app.config.update(BOUNCE_WEBHOOK_TOKEN="relay-secret-123", API_TOKEN="api-secret-456")
    sub, _lists, campaign = make_audience("jean.dupont@mairie-exemple.fr")
    assert client.post("/api/bounces", json={"type": "hard", "email": sub.email}).status_code == 401
    assert client.post("/api/bounces", json={"type": "hard", "email": sub.email},
                       headers={"Authorization": "Bearer wrong"}).status_code == 401
    response = client.post("/api/bounces", json=[{"type": "soft", "email": sub.email, "status": "4.2.2"},
                                                 {"type": "nonsense"}],
                           headers={"Authorization": "Bearer relay-secret-123"})
    assert response.status_code == 207
    assert response.json["results"][0]["action"] == "counted" and "error" in response.json["results"][1]
    delivery = _sent_delivery(campaign, sub)
    response = client.post("/api/bounces", json={"raw": _postfix_bounce(message_id=delivery.message_id).decode()},
                           headers={"Authorization": "Bearer api-secret-456"})
    assert response.status_code == 200 and response.json["results"][0]["attributed_by"] == "message-id"
    db.session.expire_all()
    assert db.session.get(Subscriber, sub.id).status == SubscriberStatus.BOUNCED
