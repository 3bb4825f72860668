"""Bounces and complaints: recorded, attributed only with our own token and a matching address, then applied.

Samples are HAND-MADE (tests/fixtures/bounces, tests/bounce_samples.py).
"""
from __future__ import annotations

import json
import mailbox
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.extensions import db
from app.message import message_ids
from app.sending.compose import message_id_for, return_path
from app.message.dsn import classify
from app.models import (
    BounceRecord,
    Delivery,
    DeliveryStatus,
    Subscriber,
    SubscriberStatus,
    SubscriptionStatus,
    Suppression,
    SuppressionReason,
    utcnow,
)
from app.sending.queue import still_eligible
from app.services.deliverability.bounces import HARD, apply_report, attribute, register_bounce, undo
from tests import bounce_samples as samples
from tests.conftest import FIXTURES
from tests.subscribe_helpers import make_audience, status_of

SAMPLES = FIXTURES / "bounces"
FIXTURE_TOKEN = "WzEyLDM0NV0.Zk3vQf1bX9mJc2bq5vM0n1sPaeE"
FIXTURE_MSGID = "<lettrine.12.345.0a1b2c3d4e5f@crpve91.fr>"

EXPECTED = {
    "rfc3464-a1-timeout.eml": ("soft", "networkerror", "louisl@larry.slip.umd.edu", "4.0.0"),
    "rfc3464-a3-user-unknown.eml": ("hard", "userunknown", "arathib@vnet.ibm.com", "5.0.0"),
    "postfix-user-unknown.eml": ("hard", "userunknown", "jean.dupont@mairie-exemple.fr", "5.1.1"),
    "postfix-mailbox-full.eml": ("soft", "mailboxfull", "c.martin@orange.fr", "5.2.2"),
    "postfix-delayed.eml": ("soft", "networkerror", "accueil@centre-social-exemple.fr", "4.4.1"),
    "exim-plain-failed.eml": ("hard", "userunknown", "contact@asso-quartiers.fr", "5.1.1"),
    "gmail-no-such-user.eml": ("hard", "userunknown", "inconnu.total@gmail.com", "5.1.1"),
    "outlook-recipient-not-found.eml": ("hard", "userunknown", "m.durand@ville-exemple.fr", "5.1.10"),
    "outlook-blocked-spam.eml": ("soft", "blocked", "lea.petit@hotmail.fr", "5.7.1"),
    "arf-rfc5965-example.eml": ("complaint", "feedback", "user@example.com", ""),
    "arf-jmrp-outlook.eml": ("complaint", "feedback", "redacted@hotmail.fr", ""),
    "autoreply-absence.eml": ("ignore", "vacation", None, ""),
}


def test_every_sample_is_covered():
    assert sorted(p.name for p in SAMPLES.glob("*.eml")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_samples_are_classified(name):
    kind, reason, recipient, status = EXPECTED[name]
    report = classify((SAMPLES / name).read_bytes())
    assert (report.kind, report.reason, report.recipient, report.status) == (kind, reason, recipient, status)


def _sent_delivery(campaign, sub, message_id=None):
    delivery = Delivery(campaign_id=campaign.id, subscriber_id=sub.id, status=DeliveryStatus.SENT,
                        message_id=message_id or message_id_for(campaign.id, sub.id))
    db.session.add(delivery)
    db.session.commit()
    return delivery


def _postfix_bounce(token: str | None = None, message_id: str | None = None, rcpt: str | None = None) -> bytes:
    raw = (SAMPLES / "postfix-user-unknown.eml").read_text()
    if token is not None:
        raw = raw.replace(FIXTURE_TOKEN, token)
    if message_id is not None:
        raw = raw.replace(FIXTURE_MSGID, message_id)
    if rcpt is not None:
        raw = raw.replace("jean.dupont@mairie-exemple.fr", rcpt)
    return raw.encode()


def _token(campaign, sub) -> str:
    return return_path(campaign.id, sub.id).split("+", 1)[1].split("@")[0]


# -- Message-IDs only we can make ------------------------------------------------------------

def test_message_id_carries_an_hmac_that_survives_key_rotation(app):
    made = message_id_for(12, 345)
    assert message_ids.verify(made, app.config["SECRET_KEYS"]) == (12, 345)
    assert message_ids.verify(made, ["a-new-key-" + "x" * 30, *app.config["SECRET_KEYS"]]) == (12, 345)
    assert message_ids.verify(made, ["another-key-" + "y" * 30]) is None
    assert message_ids.verify("<lettrine.12.345.0a1b2c3d4e5f@crpve91.fr>", app.config["SECRET_KEYS"]) is None


@given(st.integers(1, 10**9), st.integers(1, 10**9), st.integers(0, 23), st.sampled_from("0123456789abcdef"))
@settings(max_examples=200)
def test_property_any_changed_mac_or_id_is_refused(campaign_id, subscriber_id, position, char):
    keys = ["k" * 40]
    made = message_ids.make(campaign_id, subscriber_id, "crpve91.fr", keys[0])
    assert message_ids.verify(made, keys) == (campaign_id, subscriber_id)
    mac_start = made.index(".", len(f"<lettrine.{campaign_id}.{subscriber_id}")) + 1
    tampered = made[:mac_start + position] + char + made[mac_start + position + 1:]
    assert (message_ids.verify(tampered, keys) is not None) == (tampered == made)
    other = made.replace(f".{subscriber_id}.", f".{subscriber_id + 1}.", 1)
    assert message_ids.verify(other, keys) is None


# -- the attribution rule --------------------------------------------------------------------

TOKENS = st.sampled_from(["verp", "message-id", "forged-verp", "unsigned-message-id", "none"])
ADDRESSES = st.sampled_from(["same", "same-uppercase", "other", "none"])


@given(TOKENS, ADDRESSES)
@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
def test_property_only_a_signed_token_with_the_matching_address_attributes(app, token_kind, address_kind):
    app.config["BOUNCE_DOMAIN"] = "bounces.crpve91.fr"
    sub = db.session.scalar(select(Subscriber).where(Subscriber.email == "prop@mairie.example"))
    if sub is None:
        sub, _lists, _campaign = make_audience("prop@mairie.example")
    campaign_id = 7
    tokens, ids = [], []
    if token_kind == "verp":
        tokens = [return_path(campaign_id, sub.id).split("+", 1)[1].split("@")[0]]
    elif token_kind == "forged-verp":
        tokens = ["WzcsMV0.forgedsignatureAAAAAAAAAAAA"]
    elif token_kind == "message-id":
        ids = [message_id_for(campaign_id, sub.id)]
    elif token_kind == "unsigned-message-id":
        ids = [f"<lettrine.{campaign_id}.{sub.id}.0a1b2c3d4e5f@crpve91.fr>"]
    recipient = {"same": sub.email, "same-uppercase": sub.email.upper(), "other": "someone@else.example",
                 "none": None}[address_kind]
    report = classify(samples.postfix(recipient or "", "5.1.1", "550 5.1.1 User unknown"))
    report.verp_tokens, report.message_ids = tokens, ids
    report.recipients = [recipient.lower()] if recipient else []
    report.recipient = recipient
    who = attribute(report)
    should = token_kind in ("verp", "message-id") and address_kind in ("same", "same-uppercase")
    assert (who.subscriber is not None) == should
    if should:
        assert who.subscriber.id == sub.id and who.how == token_kind


def test_hard_bounce_with_verp_and_matching_address_suppresses(app, cli_runner, tmp_path):
    app.config["BOUNCE_DOMAIN"] = "bounces.crpve91.fr"
    sub, (formations, _), campaign = make_audience("jean.dupont@mairie-exemple.fr")
    delivery = _sent_delivery(campaign, sub)
    path = tmp_path / "bounce.eml"
    path.write_bytes(_postfix_bounce(token=_token(campaign, sub), message_id="<not-ours@example.org>"))
    result = cli_runner.invoke(args=["bounces", "process", str(path)])
    assert result.exit_code == 0, result.output
    assert "hard userunknown" in result.output and "via verp" in result.output
    db.session.expire_all()
    assert db.session.get(Subscriber, sub.id).status == SubscriberStatus.BOUNCED
    assert db.session.get(Suppression, sub.email_hash).reason == SuppressionReason.BOUNCED
    delivery = db.session.get(Delivery, delivery.id)
    assert delivery.bounced and "5.1.1" in delivery.smtp_reply
    assert still_eligible(campaign, [sub.id]) == set()
    record = db.session.scalar(select(BounceRecord))
    assert (record.reason, record.attributed_by, record.action, record.subscriber_id) == \
        ("userunknown", "verp", "bounced", sub.id)


def test_signed_message_id_attributes_from_a_maildir_with_json_output(app, cli_runner, tmp_path):
    sub, _lists, campaign = make_audience("jean.dupont@mairie-exemple.fr")
    delivery = _sent_delivery(campaign, sub)
    box = mailbox.Maildir(str(tmp_path / "Maildir"), create=True)
    box.add(_postfix_bounce(message_id=delivery.message_id))
    box.add((SAMPLES / "autoreply-absence.eml").read_bytes())
    result = cli_runner.invoke(args=["bounces", "process", "--json", str(tmp_path / "Maildir")])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert sorted(r["kind"] for r in rows) == ["hard", "ignore"]
    hard = next(r for r in rows if r["kind"] == "hard")
    assert {k: hard[k] for k in ("reason", "status", "attributed_by", "action")} == \
        {"reason": "userunknown", "status": "5.1.1", "attributed_by": "message-id", "action": "bounced"}
    assert all({"message", "kind", "reason", "status", "attributed_by", "action"} <= set(r) for r in rows)
    db.session.expire_all()
    assert db.session.get(Subscriber, sub.id).status == SubscriberStatus.BOUNCED


@pytest.mark.parametrize("case", ["address-only", "unsigned-message-id", "forged-verp", "mismatched-recipient"])
def test_forged_reports_change_nobody_and_say_so(app, cli_runner, case):
    app.config["BOUNCE_DOMAIN"] = "bounces.crpve91.fr"
    sub, _lists, campaign = make_audience("jean.dupont@mairie-exemple.fr")
    other, _l, _c = make_audience("autre@mairie-exemple.fr")
    _sent_delivery(campaign, sub)
    raw = {
        "address-only": _postfix_bounce(token="nothing", message_id="<x@example.org>"),
        "unsigned-message-id": _postfix_bounce(token="nothing", message_id=f"<lettrine.{campaign.id}.{sub.id}.0a1b2c3d4e5f@crpve91.fr>"),
        "forged-verp": _postfix_bounce(token="WzEsMV0.AAAAAAAAAAAAAAAAAAAAAAAAAAA", message_id="<x@example.org>"),
        # a genuine token of "other", but the report names sub's address
        "mismatched-recipient": _postfix_bounce(token=_token(campaign, other), message_id="<x@example.org>"),
    }[case]
    result = cli_runner.invoke(args=["bounces", "process", "--json", "-"], input=raw)
    row = json.loads(result.output.splitlines()[0])
    assert row["action"] == "review" and row["changed"] is False and "changed nobody" in row["note"]
    db.session.expire_all()
    assert {db.session.get(Subscriber, s.id).status for s in (sub, other)} == {SubscriberStatus.ACTIVE}
    assert db.session.scalar(select(func.count()).select_from(Suppression)) == 0
    assert db.session.scalar(select(BounceRecord.review)) in ("no-token", "recipient-mismatch")


def test_forged_arf_changes_nobody_and_a_genuine_one_unsubscribes(app, cli_runner):
    sub, (formations, lettre), campaign = make_audience("redacted@hotmail.fr")
    delivery = _sent_delivery(campaign, sub)
    forged = (SAMPLES / "arf-jmrp-outlook.eml").read_text()  # its Message-ID is not signed by us
    result = cli_runner.invoke(args=["bounces", "process", "-"], input=forged)
    assert "changed nobody" in result.output
    db.session.expire_all()
    assert db.session.get(Subscriber, sub.id).status == SubscriberStatus.ACTIVE
    genuine = forged.replace("<lettrine.12.352.feedfacecafe@crpve91.fr>", delivery.message_id)
    result = cli_runner.invoke(args=["bounces", "process", "-"], input=genuine)
    assert result.exit_code == 0 and "complaint feedback" in result.output and "via message-id" in result.output
    db.session.expire_all()
    assert db.session.get(Subscriber, sub.id).status == SubscriberStatus.COMPLAINED
    assert db.session.get(Suppression, sub.email_hash).reason == SuppressionReason.COMPLAINED
    assert status_of(sub, formations) == status_of(sub, lettre) == SubscriptionStatus.UNSUBSCRIBED


# -- soft-bounce policy -----------------------------------------------------------------------

def _campaign_numbered(number: int) -> int:
    from app.models import Campaign

    found = db.session.scalar(select(Campaign).where(Campaign.slug == f"soft-{number}"))
    if found is None:
        found = Campaign(slug=f"soft-{number}", name=f"Campagne {number}")
        db.session.add(found)
        db.session.commit()
    return found.id


def _soft(sub, number, reason="mailboxfull", days_ago=0):
    campaign_id = _campaign_numbered(number)
    report = classify(samples.postfix(sub.email, "5.2.2", "552 5.2.2 Mailbox full"))
    report.message_ids, report.reason = [message_id_for(campaign_id, sub.id)], reason
    outcome = apply_report(report, source="test")
    record = db.session.get(BounceRecord, outcome.record_id)
    record.received_at = utcnow() - timedelta(days=days_ago)
    db.session.commit()
    return outcome


def test_soft_bounces_need_the_limit_from_different_campaigns_over_two_days(app):
    sub, _lists, _campaign = make_audience("c.martin@orange.fr")
    assert [_soft(sub, 1).action, _soft(sub, 1).action, _soft(sub, 1).action] == ["counted"] * 3  # one campaign's burst
    assert _soft(sub, 2).action == "counted" and _soft(sub, 3).action == "counted"  # 3 campaigns, but one day
    db.session.expire_all()
    assert db.session.get(Subscriber, sub.id).status == SubscriberStatus.ACTIVE
    assert _soft(sub, 4, days_ago=0).action == "counted"
    db.session.execute(BounceRecord.__table__.update().where(BounceRecord.campaign_id == _campaign_numbered(1))
                       .values(received_at=utcnow() - timedelta(days=3)))
    db.session.commit()
    assert _soft(sub, 5).action == "bounced-repeated"
    db.session.expire_all()
    assert db.session.get(Subscriber, sub.id).status == SubscriberStatus.BOUNCED


def test_soft_bounces_outside_the_window_do_not_count(app):
    sub, _lists, _campaign = make_audience("c.martin@orange.fr")
    _soft(sub, 1, days_ago=40)
    _soft(sub, 2, days_ago=35)
    assert _soft(sub, 3, days_ago=1).action == "counted"
    assert _soft(sub, 4).action == "counted"


def test_policy_reputation_and_auth_refusals_never_count(app):
    sub, _lists, _campaign = make_audience("c.martin@orange.fr")
    actions = [_soft(sub, i, reason=r, days_ago=i).action
               for i, r in enumerate(["blocked", "authfailure", "policyviolation", "spamdetected", "toomanyconn"], 1)]
    assert actions == ["sender-health"] * 5
    db.session.expire_all()
    assert db.session.get(Subscriber, sub.id).status == SubscriberStatus.ACTIVE
    assert db.session.scalar(select(func.count()).select_from(BounceRecord).where(BounceRecord.counted.is_(True))) == 0


def test_the_workers_5xx_call_is_classified_mailbox_full_stays_soft(app):
    sub, _lists, campaign = make_audience("c.martin@orange.fr")
    outcome = register_bounce(sub, HARD, diagnostic="552 5.2.2 <c.martin@orange.fr>: Mailbox full",
                              campaign_id=campaign.id, source="smtp")
    db.session.commit()
    assert (outcome.kind, outcome.reason, outcome.action) == ("soft", "mailboxfull", "counted")
    outcome = register_bounce(sub, HARD, diagnostic="550 5.1.1 <c.martin@orange.fr>: User unknown",
                              campaign_id=campaign.id, source="smtp")
    db.session.commit()
    assert (outcome.kind, outcome.action) == ("hard", "bounced")


def test_not_a_bounce_undoes_the_suppression_with_an_audit_line(app):
    from app.models import AuditLog

    sub, _lists, campaign = make_audience("jean.dupont@mairie-exemple.fr")
    delivery = _sent_delivery(campaign, sub)
    outcome = apply_report(classify(_postfix_bounce(message_id=delivery.message_id)), source="test")
    assert outcome.action == "bounced"
    undo(db.session.get(BounceRecord, outcome.record_id), actor="agent@crpve91.fr")
    db.session.expire_all()
    assert db.session.get(Subscriber, sub.id).status == SubscriberStatus.ACTIVE
    assert db.session.get(Suppression, sub.email_hash) is None
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "bounce_undone")).actor == "agent@crpve91.fr"


# -- files: one bad message never stops the others -------------------------------------------

def test_a_poison_file_is_moved_to_rejected_and_the_next_is_processed(app, cli_runner, tmp_path):
    sub, _lists, campaign = make_audience("jean.dupont@mairie-exemple.fr")
    delivery = _sent_delivery(campaign, sub)
    depth = 300
    poison = ("From: MAILER-DAEMON@mx.example\nSubject: Undelivered Mail\n" + "".join(
        f'Content-Type: multipart/mixed; boundary="b{i}"\n\n--b{i}\n' for i in range(depth))).encode()
    (tmp_path / "a-poison.eml").write_bytes(poison)
    (tmp_path / "b-bounce.eml").write_bytes(_postfix_bounce(message_id=delivery.message_id))
    result = cli_runner.invoke(args=["bounces", "process", "--json", str(tmp_path)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [r["action"] for r in rows] == ["rejected", "bounced"]
    assert (tmp_path / "rejected" / "a-poison.eml").exists() and not (tmp_path / "a-poison.eml").exists()


def test_missing_path_is_a_clear_error(app, cli_runner):
    result = cli_runner.invoke(args=["bounces", "process", "/nonexistent/file.eml"])
    assert result.exit_code != 0 and "Introuvable" in result.output


# -- webhook ----------------------------------------------------------------------------------

def _auth():
    return {"Authorization": "Bearer relay-secret-123"}


def test_webhook_auth_and_the_attribution_rule(app, client):
    app.config.update(BOUNCE_WEBHOOK_TOKEN="relay-secret-123", API_TOKEN="api-secret-456")
    sub, _lists, campaign = make_audience("jean.dupont@mairie-exemple.fr")
    assert client.post("/api/bounces", json={"type": "hard", "email": sub.email}).status_code == 401
    response = client.post("/api/bounces", json={"type": "hard", "email": sub.email, "status": "5.1.1"}, headers=_auth())
    assert response.status_code == 200 and response.json["results"][0]["action"] == "review"
    delivery = _sent_delivery(campaign, sub)
    response = client.post("/api/bounces", json={"raw": _postfix_bounce(message_id=delivery.message_id).decode()},
                           headers={"Authorization": "Bearer api-secret-456"})
    assert response.status_code == 200 and response.json["results"][0]["attributed_by"] == "message-id"
    db.session.expire_all()
    assert db.session.get(Subscriber, sub.id).status == SubscriberStatus.BOUNCED


@pytest.mark.parametrize("body, reason", [
    ([{"type": "hard", "email": "a@b.example"}, {"type": "nonsense", "email": "a@b.example"}], "type"),
    ([{"type": "hard", "email": 12}], "email"),
    ([{"type": "hard", "email": "a@b.example", "status": ["5.1.1"]}], "status"),
    ([{"type": "hard", "email": "a@b.example", "extra": 1}], "extra"),
    ({"notificationType": "Bounce", "bounce": {"bounceType": "Permanent", "bouncedRecipients": "x"}}, "bouncedRecipients"),
    ("not an object", "JSON"),
])
def test_webhook_refuses_malformed_batches_whole_with_the_reason(app, client, body, reason):
    app.config.update(BOUNCE_WEBHOOK_TOKEN="relay-secret-123")
    make_audience("a@b.example")
    response = client.post("/api/bounces", data=json.dumps(body), headers=_auth(), content_type="application/json")
    assert response.status_code == 400 and reason in response.json["error"]
    assert db.session.scalar(select(func.count()).select_from(BounceRecord)) == 0


def test_webhook_reads_amazon_ses_through_sns(app, client):
    app.config.update(BOUNCE_WEBHOOK_TOKEN="relay-secret-123", BOUNCE_DOMAIN="bounces.crpve91.fr")
    sub, _lists, campaign = make_audience("jean.dupont@mairie-exemple.fr")
    _sent_delivery(campaign, sub)
    inner = {"notificationType": "Bounce",
             "bounce": {"bounceType": "Permanent", "bounceSubType": "General",
                        "bouncedRecipients": [{"emailAddress": sub.email, "action": "failed", "status": "5.1.1",
                                               "diagnosticCode": "smtp; 550 5.1.1 user unknown"}]},
             "mail": {"source": return_path(campaign.id, sub.id), "messageId": "0102018f-ses",
                      "headers": [{"name": "Message-ID", "value": message_id_for(campaign.id, sub.id)}]}}
    envelope = {"Type": "Notification", "MessageId": "sns-1", "Message": json.dumps(inner)}
    response = client.post("/api/bounces", data=json.dumps(envelope), headers=_auth(), content_type="text/plain")
    assert response.status_code == 200, response.json
    first = response.json["results"][0]
    assert {k: first[k] for k in ("kind", "reason", "action")} == {"kind": "hard", "reason": "userunknown", "action": "bounced"}
    mailbox_full = dict(inner, bounce={"bounceType": "Transient", "bounceSubType": "MailboxFull",
                                       "bouncedRecipients": [{"emailAddress": sub.email}]})
    response = client.post("/api/bounces", json=mailbox_full, headers=_auth())
    assert response.json["results"][0]["reason"] == "mailboxfull" and response.json["results"][0]["kind"] == "soft"


# -- the officer's pages --------------------------------------------------------------------

def test_admin_page_lists_reports_filters_by_reason_and_undoes(app, admin_client):
    sub, _lists, campaign = make_audience("jean.dupont@mairie-exemple.fr")
    delivery = _sent_delivery(campaign, sub)
    apply_report(classify(_postfix_bounce(message_id=delivery.message_id)), source="test")
    apply_report(classify(samples.postfix("x@ailleurs.example", "5.7.1",
                                          "554 5.7.1 Client host [192.0.2.10] blocked using zen.spamhaus.org")),
                 source="test")
    page = admin_client.get("/admin/bounces").get_data(as_text=True)
    assert "adresse inconnue" in page and "IP ou réputation bloquée" in page and "Message-ID signé" in page
    assert "n&#39;a modifié personne" in page or "n'a modifié personne" in page
    only = admin_client.get("/admin/bounces?reason=blocked").get_data(as_text=True)
    assert "zen.spamhaus.org" in only and "jean.dupont@mairie-exemple.fr" not in only
    record = db.session.scalar(select(BounceRecord).where(BounceRecord.subscriber_id == sub.id))
    assert 'name="csrf_token"' in page  # the undo form carries it (CSRF is off in tests, on in the app)
    dashboard = admin_client.get("/admin/").get_data(as_text=True)
    assert "Nos envois sont refusés" in dashboard and "zen.spamhaus.org" in dashboard
    report_page = admin_client.get(f"/admin/campaigns/{campaign.id}/report").get_data(as_text=True)
    assert "Rebonds par raison" in report_page and "adresse inconnue" in report_page
    subscriber_page = admin_client.get(f"/admin/subscribers/{sub.id}").get_data(as_text=True)
    assert "adresse inconnue" in subscriber_page and "Pas un rebond" in subscriber_page
    assert admin_client.post(f"/admin/bounces/{record.id}/undo", data={"next": "https://evil.example/"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Subscriber, sub.id).status == SubscriberStatus.ACTIVE
    assert db.session.get(BounceRecord, record.id).undone_at is not None


def test_dashboard_warns_when_bounce_domain_is_missing_in_production(app, admin_client):
    app.config.update(LETTRINE_ENV="production", BOUNCE_DOMAIN="")
    assert "bounce-domain-missing" in admin_client.get("/admin/").get_data(as_text=True)
    app.config.update(BOUNCE_DOMAIN="bounces.crpve91.fr")
    assert "bounce-domain-missing" not in admin_client.get("/admin/").get_data(as_text=True)
