"""Guards that stop a bad send: complaints and hard bounces pause a campaign within one batch.

A real SMTP server on loopback plays the relay; its feedback loop files an ARF complaint
(hand-made, RFC 5965) through the bounce webhook the moment some messages arrive, as the
fastest provider would. The thresholds are the defaults (0.3 % of delivered after 1,000;
5 % of sent after 500).
"""
from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    Campaign, CampaignStatus, Delivery, DeliveryStatus, GuardTrip, MessageStatus, Role,
    TransactionalMessage, User,
)
from app.sending.worker import Worker, WorkerOptions
from app.services.campaigns import sending_policy
from tests.feedback_loop import arf_complaint
from tests.sending_fixtures import make_campaign
from tests.smtp_server import Received, smtp_server  # noqa: F401 (fixture)

BATCH = 100
WEBHOOK_TOKEN = "fbl-webhook-token-0123456789"


def statuses(campaign_id: int) -> Counter:
    rows = db.session.execute(select(Delivery.status, func.count()).where(Delivery.campaign_id == campaign_id)
                              .group_by(Delivery.status)).all()
    return Counter({status.value: count for status, count in rows})


def plain(html: str) -> str:
    """The page with French typography's no-break spaces read as spaces."""
    return html.replace("\u202f", " ").replace("\u00a0", " ")


def run_worker(app) -> Worker:
    worker = Worker(app, WorkerOptions(retry_base_seconds=0.01, idle_seconds=0.02, batch=BATCH), policy=sending_policy())
    worker.run(until_idle=True)
    db.session.expire_all()
    return worker


@pytest.fixture
def guarded_app(app, smtp_server):
    app.config["SMTP_URL"] = smtp_server.url
    app.config["BOUNCE_WEBHOOK_TOKEN"] = WEBHOOK_TOKEN
    admin = User(email="admin@crpve91.fr", name="Admin", role=Role.ADMIN)
    admin.set_password("correct horse battery staple")
    db.session.add_all([admin, User(email="editrice@crpve91.fr", name="Éditrice", role=Role.EDITOR,
                                    password_hash="x")])
    db.session.commit()
    return app


def feedback_loop(app, complainers: set[str]):
    """The relay's feedback loop: an ARF report to the bounce webhook for each complainer's message."""
    client = app.test_client()

    def report(received: Received) -> None:
        for rcpt in received.rcpt_tos:
            if rcpt in complainers:
                answer = client.post("/api/bounces", json={"raw": arf_complaint(received.data, received.mail_from, rcpt)},
                                     headers={"Authorization": f"Bearer {WEBHOOK_TOKEN}"})
                assert answer.status_code == 200, answer.get_data(as_text=True)
    return report


@pytest.mark.slow
def test_complaints_above_0_3_percent_pause_the_campaign_within_one_batch(guarded_app, smtp_server):
    n = 1400
    # One person in 100 complains: 1 % of delivered, over the 0.3 % limit as soon as 1,000 are delivered.
    complainers = {f"p{i:04d}@example.org" for i in range(0, n, 100)}
    smtp_server.on_message = feedback_loop(guarded_app, complainers)
    campaign = make_campaign(n)
    run_worker(guarded_app)

    fresh = db.session.get(Campaign, campaign.id)
    counts = statuses(campaign.id)
    assert fresh.status == CampaignStatus.PAUSED
    # Not before 1,000 were delivered, and at most one batch after.
    assert 1000 <= counts["sent"] <= 1000 + BATCH, counts
    assert counts["queued"] == n - counts["sent"] and counts["sending"] == 0
    assert "plaintes pour indésirable" in fresh.status_reason and "seuil de 0,3\u00a0%" in fresh.status_reason

    trip = db.session.scalar(select(GuardTrip).where(GuardTrip.campaign_id == campaign.id))
    assert trip.rule == "complaints" and trip.base >= 1000 and trip.observed > 0.003 * trip.base
    assert trip.acknowledged_at is None

    # The admins (not the editors) are told by email, in the transactional lane.
    mails = db.session.scalars(select(TransactionalMessage).where(TransactionalMessage.kind == "campaign_paused")).all()
    assert [m.to_address for m in mails] == ["admin@crpve91.fr"]
    assert mails[0].status in (MessageStatus.SENT, MessageStatus.QUEUED)
    sent_alert = [m for m in smtp_server.messages if "admin@crpve91.fr" in m.rcpt_tos]
    assert len(sent_alert) == 1
    body = sent_alert[0].parsed().get_body(("plain",)).get_content()
    assert "plaintes pour indésirable" in body and f"/admin/campaigns/{campaign.id}/edit" in body


def test_dashboard_and_campaign_page_say_why_and_resume_needs_the_acknowledgement(guarded_app, smtp_server):
    from app.services.deliverability.guards import Trip, pause_for

    campaign = make_campaign(30)
    assert pause_for(campaign.id, Trip("complaints", 5, 1200, 0.003, "Mise en pause automatique : 5 plaintes "
                                       "pour indésirable sur 1 200 messages délivrés (0,42 %)."))
    client = guarded_app.test_client()
    login = client.post("/admin/login", data={"email": "admin@crpve91.fr", "password": "correct horse battery staple"})
    assert login.status_code == 302, login.get_data(as_text=True)[-3000:]
    dashboard = plain(client.get("/admin/").get_data(as_text=True))
    assert "Mise en pause automatique : 5 plaintes pour indésirable sur 1 200 messages délivrés" in dashboard
    page = plain(client.get(f"/admin/campaigns/{campaign.id}/sending?fragment=1").get_data(as_text=True))
    assert "J'ai pris connaissance de ce qui a été constaté : 5 plaintes pour indésirable sur 1 200 " \
           "messages délivrés (0,42 %, seuil 0,3 %)" in page
    assert 'name="acknowledge"' in page and "required" in page

    # Without the box ticked, nothing resumes.
    answer = client.post(f"/admin/campaigns/{campaign.id}/resume", data={}, follow_redirects=True)
    assert "Cochez la case" in answer.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).status == CampaignStatus.PAUSED

    client.post(f"/admin/campaigns/{campaign.id}/resume", data={"acknowledge": "1"})
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).status == CampaignStatus.SENDING
    trip = db.session.scalar(select(GuardTrip).where(GuardTrip.campaign_id == campaign.id))
    assert trip.acknowledged_by == "admin@crpve91.fr" and trip.baseline["delivered"] == 0


def one_in_twelve_refused(app, smtp_server, n: int, reply: str) -> Campaign:
    """A campaign to ``n`` people, one in twelve refused at RCPT with ``reply``, sent until the worker stops."""
    for i in range(0, n, 12):
        smtp_server.reject[f"p{i:04d}@example.org"] = reply
    campaign = make_campaign(n)
    run_worker(app)
    return campaign


def test_hard_bounces_above_5_percent_pause_the_campaign_within_one_batch(guarded_app, smtp_server):
    # 1 address in 12 is dead (8 %): over 5 % as soon as 500 messages are sent.
    campaign = one_in_twelve_refused(guarded_app, smtp_server, 900,
                                     "550 5.1.1 <p@example.org>: Recipient address rejected: User unknown")

    fresh = db.session.get(Campaign, campaign.id)
    counts = statuses(campaign.id)
    assert fresh.status == CampaignStatus.PAUSED
    done = counts["sent"] + counts["failed"]
    assert 500 <= done <= 500 + BATCH, counts
    assert "adresses inexistantes" in fresh.status_reason and "seuil de 5\u00a0%" in fresh.status_reason
    trip = db.session.scalar(select(GuardTrip).where(GuardTrip.campaign_id == campaign.id))
    assert trip.rule == "hard_bounces" and trip.observed > 0.05 * trip.base

    # Acknowledged, it measures anew: the dead addresses already counted do not pause it again.
    from app.services.campaigns import resume_campaign

    resume_campaign(fresh, acknowledged=True, by="test")
    smtp_server.reject.clear()
    run_worker(guarded_app)
    assert db.session.get(Campaign, campaign.id).status == CampaignStatus.SENT


def test_policy_refusals_are_not_hard_bounces(guarded_app, smtp_server):
    """A 5.7.1 block is about our mail, not the address: the stale-list guard does not count it."""
    campaign = one_in_twelve_refused(guarded_app, smtp_server, 600, "550 5.7.1 Message rejected due to local policy")
    assert db.session.get(Campaign, campaign.id).status == CampaignStatus.SENT
    assert statuses(campaign.id)["failed"] == 50


def test_resume_without_acknowledgement_is_refused_by_the_cli_and_the_api(guarded_app, smtp_server):
    from app.services.campaigns import GuardNotAcknowledged, resume_campaign
    from app.services.deliverability.guards import Trip, pause_for

    campaign = make_campaign(5)
    assert pause_for(campaign.id, Trip("hard_bounces", 40, 600, 0.05, "Mise en pause automatique : 40 adresses."))
    with pytest.raises(GuardNotAcknowledged):
        resume_campaign(campaign)
    result = guarded_app.test_cli_runner().invoke(args=["campaigns", "resume", campaign.slug])
    assert result.exit_code != 0 and "--acknowledge" in result.output
    assert len(result.output.strip().splitlines()) == 1
    result = guarded_app.test_cli_runner().invoke(args=["campaigns", "resume", campaign.slug, "--acknowledge"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).status == CampaignStatus.SENDING
    assert db.session.scalar(select(GuardTrip.acknowledged_by)) == "cli"


def test_manual_pause_resumes_with_one_click(guarded_app, smtp_server):
    from app.services.campaigns import pause_campaign, resume_campaign

    campaign = make_campaign(3)
    pause_campaign(campaign, "pause")
    resume_campaign(campaign)
    assert campaign.status == CampaignStatus.SENDING
    assert db.session.scalar(select(func.count()).select_from(GuardTrip)) == 0
    assert DeliveryStatus.QUEUED.value in statuses(campaign.id)


def test_the_api_resumes_a_guard_paused_campaign_only_when_acknowledged(guarded_app, smtp_server):
    from app.services.deliverability.guards import Trip, pause_for
    from tests.api_helpers import token_header

    campaign = make_campaign(5)
    assert pause_for(campaign.id, Trip("complaints", 4, 1000, 0.003, "Mise en pause automatique : 4 plaintes."))
    headers = token_header("campaigns:send", "envoi")
    client = guarded_app.test_client()
    progress = client.get(f"/api/v1/campaigns/{campaign.id}/progress", headers=headers).get_json()
    assert progress["status"] == "paused" and progress["guard"].startswith("4 plaintes pour indésirable sur 1")
    refused = client.post(f"/api/v1/campaigns/{campaign.id}/resume", headers=headers)
    assert refused.status_code == 409 and "4 plaintes" in refused.get_data(as_text=True)
    answer = client.post(f"/api/v1/campaigns/{campaign.id}/resume?acknowledge=true", headers=headers)
    assert answer.status_code == 200 and answer.get_json()["status"] == "sending"
    db.session.expire_all()
    assert db.session.scalar(select(GuardTrip.acknowledged_by)) == "api:envoi"
