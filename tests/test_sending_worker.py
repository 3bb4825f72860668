"""The worker against a real SMTP server (aiosmtpd on loopback), in process and as subprocesses."""
from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.sending.worker import Worker, WorkerOptions
from app.services.campaigns import sending_policy
from app.models import Campaign, CampaignStatus, Delivery, DeliveryStatus
from tests.sending_fixtures import make_campaign
from tests.smtp_server import smtp_server  # noqa: F401 (fixture)


def statuses(campaign_id: int) -> Counter:
    rows = db.session.execute(
        select(Delivery.status, func.count()).where(Delivery.campaign_id == campaign_id).group_by(Delivery.status)
    ).all()
    return Counter({status.value: count for status, count in rows})


def run_worker(app, **options) -> Worker:
    worker = Worker(app, WorkerOptions(retry_base_seconds=0.01, idle_seconds=0.02, **options), policy=sending_policy())
    worker.run(until_idle=True)
    return worker


@pytest.fixture
def smtp_app(app, smtp_server):
    app.config["SMTP_URL"] = smtp_server.url
    return app


def test_every_recipient_gets_exactly_one_message(smtp_app, smtp_server):
    campaign = make_campaign(60)
    run_worker(smtp_app, batch=25, chunk=10, pipeline=7)
    assert smtp_server.counts() == Counter({f"p{i:04d}@example.org": 1 for i in range(60)})
    db.session.expire_all()
    assert statuses(campaign.id) == Counter(sent=60)
    assert db.session.get(Campaign, campaign.id).status == CampaignStatus.SENT
    ids = {m.message_id for m in smtp_server.messages}
    stored = set(db.session.scalars(select(Delivery.message_id)))
    assert len(ids) == 60 and ids == stored
    queue_ids = set(db.session.scalars(select(Delivery.queue_id)))
    assert all(q and q.startswith("T") for q in queue_ids) and len(queue_ids) == 60
    # the dot-stuffed line arrives intact
    assert "\n.ligne avec un point" in smtp_server.messages[0].parsed().get_body(("plain",)).get_content()


def test_550_fails_those_recipients_and_completes_the_campaign(smtp_app, smtp_server):
    from app.models import AuditLog, Subscriber, SubscriberStatus, Suppression, email_hash

    smtp_server.reject["p0003@example.org"] = "550 5.1.1 Utilisateur inconnu"
    smtp_server.reject["p0007@example.org"] = "550 5.1.1 Boîte inexistante"
    campaign = make_campaign(12)
    run_worker(smtp_app)
    db.session.expire_all()
    assert statuses(campaign.id) == Counter(sent=10, failed=2)
    assert "p0003@example.org" not in smtp_server.recipients() and len(smtp_server.messages) == 10
    failed = db.session.scalars(select(Delivery).where(Delivery.status == DeliveryStatus.FAILED)).all()
    assert all(d.bounced and d.smtp_code == 550 for d in failed)
    assert db.session.get(Campaign, campaign.id).status == CampaignStatus.SENT
    bounced = db.session.scalar(select(Subscriber).where(Subscriber.email == "p0003@example.org"))
    assert bounced.status == SubscriberStatus.BOUNCED
    assert db.session.get(Suppression, email_hash("p0003@example.org")) is not None
    assert db.session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "bounce_hard")) == 2


def test_temporary_errors_and_dropped_connections_still_deliver_everything(smtp_app, smtp_server):
    smtp_server.temp_fraction = 0.15
    smtp_server.drop_fraction = 0.1
    campaign = make_campaign(80)
    worker = run_worker(smtp_app, max_attempts=30, batch=30)
    db.session.expire_all()
    assert smtp_server.faults["drop"] > 0 and sum(smtp_server.faults.values()) > 10
    assert worker.stats.retried > 0
    assert smtp_server.counts() == Counter({f"p{i:04d}@example.org": 1 for i in range(80)})
    assert statuses(campaign.id) == Counter(sent=80)
    assert db.session.get(Campaign, campaign.id).status == CampaignStatus.SENT


def test_without_pipelining_too(smtp_app, smtp_server):
    smtp_server.pipelining = False
    smtp_server.reject["p0001@example.org"] = "550 5.1.1 inconnu"
    campaign = make_campaign(5)
    run_worker(smtp_app)
    db.session.expire_all()
    assert statuses(campaign.id) == Counter(sent=4, failed=1)
    assert len(smtp_server.messages) == 4


def test_too_many_errors_pause_the_campaign_with_a_reason(smtp_app, smtp_server):
    from app.services.deliverability.guards import SMTP_ERROR_MIN_OUTCOMES as AUTO_PAUSE_MIN_OUTCOMES

    n = AUTO_PAUSE_MIN_OUTCOMES + 30
    for i in range(n):
        smtp_server.reject[f"p{i:04d}@example.org"] = "554 5.7.1 Rejeté pour politique"
    campaign = make_campaign(n)
    run_worker(smtp_app, batch=20)
    db.session.expire_all()
    fresh = db.session.get(Campaign, campaign.id)
    assert fresh.status == CampaignStatus.PAUSED
    assert "Mise en pause automatique" in fresh.status_reason and "554" in fresh.status_reason
    counts = statuses(campaign.id)
    assert counts["failed"] == AUTO_PAUSE_MIN_OUTCOMES and counts["queued"] == n - AUTO_PAUSE_MIN_OUTCOMES
    assert counts["sending"] == 0


def test_pause_then_resume_and_cancel(smtp_app, smtp_server):
    from app.services.campaigns.lifecycle import cancel_campaign, pause_campaign, resume_campaign

    campaign = make_campaign(30)
    pause_campaign(campaign, "pause")
    run_worker(smtp_app)
    assert smtp_server.messages == []
    assert statuses(campaign.id) == Counter(queued=30)
    resume_campaign(campaign)
    assert campaign.status == CampaignStatus.SENDING
    run_worker(smtp_app)
    db.session.expire_all()
    assert statuses(campaign.id) == Counter(sent=30)
    assert len(smtp_server.messages) == 30

    other = make_campaign(10, slug="autre", prefix="q")
    assert cancel_campaign(other) == 10
    run_worker(smtp_app)
    db.session.expire_all()
    assert statuses(other.id) == Counter(skipped=10)
    assert len(smtp_server.messages) == 30
    assert db.session.get(Campaign, other.id).status == CampaignStatus.CANCELLED


def test_unsubscribed_before_their_turn_is_skipped(smtp_app, smtp_server):
    from app.models import MailingList, Subscriber, SubscriptionStatus
    from app.services.audience.core import set_subscription

    campaign = make_campaign(6)
    person = db.session.scalar(select(Subscriber).where(Subscriber.email == "p0004@example.org"))
    set_subscription(person, db.session.scalar(select(MailingList)), SubscriptionStatus.UNSUBSCRIBED)
    db.session.commit()
    run_worker(smtp_app)
    db.session.expire_all()
    assert "p0004@example.org" not in smtp_server.recipients() and len(smtp_server.messages) == 5
    assert statuses(campaign.id) == Counter(sent=5, skipped=1)


@pytest.mark.slow
def test_retry_failed_sends_again_to_those_who_failed(smtp_app, smtp_server):
    from app.services.campaigns.lifecycle import retry_failed

    smtp_server.temp_fraction = 1.0
    campaign = make_campaign(3)
    run_worker(smtp_app, max_attempts=2)
    db.session.expire_all()
    assert statuses(campaign.id) == Counter(failed=3)
    assert not any(d.bounced for d in db.session.scalars(select(Delivery)))
    smtp_server.temp_fraction = 0.0
    assert retry_failed(db.session.get(Campaign, campaign.id)) == 3
    run_worker(smtp_app)
    db.session.expire_all()
    assert statuses(campaign.id) == Counter(sent=3)
    assert db.session.get(Campaign, campaign.id).status == CampaignStatus.SENT


def test_without_smtp_url_the_worker_fills_the_outbox_and_runs_under_flask_dev(app):
    """``make run``: the worker thread ``flask dev`` starts (with its policy) sends to the outbox."""
    import threading

    from app.models import OutboxMessage
    from app.services.campaigns import dev_worker

    campaign = make_campaign(4)
    stop = threading.Event()
    thread = threading.Thread(target=dev_worker, args=(app, stop), daemon=True)
    thread.start()
    import time

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        db.session.expire_all()
        if db.session.get(Campaign, campaign.id).status == CampaignStatus.SENT:
            break
        db.session.commit()
        time.sleep(0.05)
    stop.set()
    thread.join(timeout=10)
    assert not thread.is_alive()
    rows = db.session.scalars(select(OutboxMessage)).all()
    assert sorted(r.recipients for r in rows) == [f"p{i:04d}@example.org" for i in range(4)]
    assert statuses(campaign.id) == Counter(sent=4)
