"""Worker processes: killed at random points, several at once, an unsubscribe mid-campaign."""
from __future__ import annotations

import os
import random
import signal
import time
from collections import Counter

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Campaign, CampaignStatus, Delivery, DeliveryStatus
from tests.sending_fixtures import make_campaign, start_worker
from tests.smtp_server import smtp_server  # noqa: F401 (fixture)


def counts(campaign_id: int) -> Counter:
    db.session.expire_all()
    rows = db.session.execute(
        select(Delivery.status, func.count()).where(Delivery.campaign_id == campaign_id).group_by(Delivery.status)
    ).all()
    db.session.commit()
    return Counter({status.value: n for status, n in rows})


def wait_for(predicate, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.02)


def finish(proc, timeout: float = 120) -> str:
    out, _ = proc.communicate(timeout=timeout)
    text = out.decode("utf-8", "replace")
    assert proc.returncode == 0, text
    return text


@pytest.mark.slow
def test_sigkill_at_random_points_loses_no_one_and_repeats_only_messages_in_flight(migrated, app, smtp_server):
    n = 150
    campaign = make_campaign(n)
    rng = random.Random(4)
    allowed_repeats = 0
    for run in range(3):
        proc = start_worker(migrated, smtp_server.url, "--until-idle", "--lease", "1", "--batch", "40")
        already = len(smtp_server.messages)
        target = already + rng.randint(5, 40)
        wait_for(lambda: len(smtp_server.messages) >= min(target, n) or proc.poll() is not None)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        # What this worker held when it died is all that may be sent again.
        allowed_repeats += counts(campaign.id)["sending"]
    assert counts(campaign.id)["sending"] <= allowed_repeats
    time.sleep(1.1)  # the dead workers' leases expire
    finish(start_worker(migrated, smtp_server.url, "--until-idle", "--lease", "1"))
    received = smtp_server.counts()
    expected = {f"p{i:04d}@example.org" for i in range(n)}
    assert set(received) == expected  # no one missing
    repeats = sum(c - 1 for c in received.values())
    assert repeats <= allowed_repeats
    assert counts(campaign.id) == Counter(sent=n)
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).status == CampaignStatus.SENT


def test_sigterm_finishes_the_message_in_hand_and_releases_the_rest(migrated, app, smtp_server):
    campaign = make_campaign(200)
    proc = start_worker(migrated, smtp_server.url + "?rate=40", "--batch", "100")
    wait_for(lambda: len(smtp_server.messages) >= 5)
    proc.send_signal(signal.SIGTERM)
    finish(proc, timeout=30)
    state = counts(campaign.id)
    assert state["sending"] == 0
    assert state["sent"] == len(smtp_server.messages) and state["queued"] == 200 - state["sent"]
    assert max(db.session.scalars(select(Delivery.attempts).where(Delivery.status == DeliveryStatus.QUEUED))) == 0


def test_an_unsubscribe_during_the_campaign_stops_that_persons_message(migrated, app, smtp_server):
    from app.models import MailingList, Subscriber, SubscriptionStatus
    from app.services.audience.core import set_subscription

    campaign = make_campaign(40)
    proc = start_worker(migrated, smtp_server.url + "?rate=25", "--until-idle")
    wait_for(lambda: len(smtp_server.messages) >= 3)
    person = db.session.scalar(select(Subscriber).where(Subscriber.email == "p0039@example.org"))
    set_subscription(person, db.session.scalar(select(MailingList)), SubscriptionStatus.UNSUBSCRIBED)
    db.session.commit()
    assert len(smtp_server.messages) < 35
    finish(proc)
    assert "p0039@example.org" not in smtp_server.recipients()
    assert counts(campaign.id) == Counter(sent=39, skipped=1)


@pytest.mark.parametrize("processes", [2, 3])
def test_several_worker_processes_never_send_one_delivery_twice(migrated, app, smtp_server, processes):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("concurrent workers are a PostgreSQL setup (TEST_DATABASE_URL); SQLite runs one writer")
    n = 200
    campaign = make_campaign(n)
    procs = [start_worker(migrated, smtp_server.url, "--until-idle", "--batch", "20") for _ in range(processes)]
    for proc in procs:
        finish(proc)
    assert smtp_server.counts() == Counter({f"p{i:04d}@example.org": 1 for i in range(n)})
    assert counts(campaign.id) == Counter(sent=n)
    owners = db.session.scalars(select(func.count(func.distinct(Delivery.queue_id)))).one()
    assert owners == n


def test_processes_option_forks_workers(migrated, app, smtp_server):
    campaign = make_campaign(50)
    finish(start_worker(migrated, smtp_server.url, "--until-idle", "--processes", "2", "--batch", "10"))
    assert smtp_server.counts() == Counter({f"p{i:04d}@example.org": 1 for i in range(50)})
    assert counts(campaign.id) == Counter(sent=50)
