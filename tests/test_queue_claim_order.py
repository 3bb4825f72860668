"""A dead worker's rows are claimed first, not at the end of the queue; the lease-expiry metric counts
only what still waits; the claim reads indexes only, with no statistics (autovacuum is off here)."""
from __future__ import annotations

import os
import re
import signal
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from app.extensions import db
from app.models import Campaign, CampaignStatus, Delivery, DeliveryStatus, utcnow
from app.sending import queue
from tests.sending_fixtures import make_campaign, start_worker
from tests.smtp_server import smtp_server  # noqa: F401 (fixture)
from tests.test_operations import sample, scrape
from tests.test_queue_faults import wait_for


def _strand(count: int, at, lease: float = 60.0) -> set[int]:
    """A worker claims ``count`` rows at ``at`` and dies (its lease is never renewed)."""
    return {row.id for row in queue.claim("dead-worker", count, lease, now=at)}


def test_rows_whose_lease_expired_are_claimed_before_fresh_ones(app):
    make_campaign(300)
    start = utcnow()
    stranded = _strand(20, start)
    # Their due time is later than the rest of the queue's (as for retries after a 4xx, or on PostgreSQL
    # where the claim's UPDATE moved them to the end of the table): the order must not depend on it.
    db.session.execute(update(Delivery).where(Delivery.id.in_(stranded))
                       .values(next_attempt_at=start + timedelta(seconds=30)))
    db.session.commit()
    later = start + timedelta(seconds=91)  # the lease (60 s) has run out; 280 fresh rows are due since the start
    claimed = queue.claim("alive", 20, 60, now=later)
    assert {row.id for row in claimed} == stranded
    assert {row.id for row in queue.claim("alive", 20, 60, now=later)}.isdisjoint(stranded)


def test_the_lease_expiry_metric_counts_only_what_still_waits(app, client):
    make_campaign(30, slug="en-cours", prefix="a")
    paused = make_campaign(30, slug="en-pause", prefix="b")
    assert len(queue.claim("dead-worker", 60, 60)) == 60
    db.session.execute(update(Delivery).values(lease_expires_at=utcnow() - timedelta(seconds=4)))  # it died
    db.session.execute(update(Campaign).where(Campaign.id == paused.id).values(status=CampaignStatus.PAUSED))
    db.session.commit()
    held_by_paused = db.session.scalar(select(func.count()).select_from(Delivery).where(
        Delivery.campaign_id == paused.id, Delivery.status == DeliveryStatus.SENDING))
    assert held_by_paused == 30  # rows of a paused campaign: held, claimed by nobody until it resumes
    assert sample(scrape(client), "lettrine_leases_expired") == 30
    queue.claim("alive", 100, 60)
    assert sample(scrape(client), "lettrine_leases_expired") == 0


def test_the_claim_reads_indexes_only_without_statistics(app):
    """5,000 rows queued, a few in hand: the plan is made with no ANALYZE (autovacuum is off here)."""
    campaign = make_campaign(5_000, start=False)
    now = utcnow()
    db.session.execute(update(Campaign).where(Campaign.id == campaign.id).values(status=CampaignStatus.SENDING))
    db.session.execute(queue.enqueue_statement(campaign, now))  # not enqueue(): that one refreshes statistics
    db.session.commit()
    queue.claim("dead-worker", 50, 1, now=now)
    now += timedelta(seconds=5)
    compiled = queue.claim_statement("w", 500, 60, now).compile(dialect=db.engine.dialect,
                                                                compile_kwargs={"render_postcompile": True})
    postgresql = db.engine.dialect.name == "postgresql"
    explain = "EXPLAIN " if postgresql else "EXPLAIN QUERY PLAN "
    params = compiled.params if postgresql else tuple(compiled.params[k] for k in compiled.positiontup)
    plan = "\n".join(" ".join(str(v) for v in row)
                     for row in db.session.connection().exec_driver_sql(explain + str(compiled), params).all())
    db.session.rollback()
    whole_table = [line for line in plan.splitlines()
                   if re.search(r"Seq Scan on deliveries|SCAN deliveries(?! USING)", line)]
    assert not whole_table, plan
    started = time.perf_counter()
    rows = queue.claim("w", 500, 60, now=now)
    assert time.perf_counter() - started < 2.0
    assert len(rows) == 500 and len({r.id for r in rows}) == 500


@pytest.mark.slow
def test_after_a_sigkill_the_stranded_rows_go_within_the_lease_and_a_batch_not_at_the_end(migrated, app, smtp_server):
    """Two workers share a campaign; one is killed. Its rows go out about a lease later, while the
    healthy worker still has most of the queue ahead of it."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("several worker processes share a queue on PostgreSQL (SQLite: a single worker)")
    n, lease = 1500, 4
    campaign = make_campaign(n)
    smtp_server.data_delay = 0.01  # about 100 messages a second for each worker: the queue lasts ~10 s
    victim = start_worker(migrated, smtp_server.url, "--lease", str(lease), "--batch", "200")
    wait_for(lambda: len(smtp_server.messages) >= 40)
    healthy = start_worker(migrated, smtp_server.url, "--until-idle", "--lease", str(lease), "--batch", "200")
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait()
    killed_at = utcnow()
    db.session.expire_all()
    stranded = set(db.session.scalars(select(Delivery.id).where(Delivery.campaign_id == campaign.id,
                                                                Delivery.status == DeliveryStatus.SENDING)))
    db.session.commit()
    out, _ = healthy.communicate(timeout=180)
    assert healthy.returncode == 0, out.decode()
    assert stranded
    db.session.expire_all()
    sent_at = dict(db.session.execute(select(Delivery.id, Delivery.sent_at).where(Delivery.campaign_id == campaign.id)).all())
    assert all(sent_at.values()), "everyone is sent"
    stranded_done = max(sent_at[i] for i in stranded)
    last = max(sent_at.values())
    after_kill = sorted(t for t in sent_at.values() if t > killed_at)
    rate = len(after_kill) / max((last - killed_at).total_seconds(), 0.1)  # the healthy worker's pace
    batch = timedelta(seconds=200 / rate)
    # Within the lease plus the batch the healthy worker had in hand plus the stranded rows' own batch…
    assert stranded_done - killed_at < timedelta(seconds=lease + 1) + 2 * batch, \
        (stranded_done - killed_at, len(stranded), rate)
    # …and not at the end of the queue: more than a batch was still to go after them.
    assert last - stranded_done > batch, (last - killed_at, stranded_done - killed_at, rate)
    received = smtp_server.counts()
    assert len(received) == n and sum(c - 1 for c in received.values()) <= 16  # at most the exchange in flight
