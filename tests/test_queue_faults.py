"""The delivery queue under faults: stalled workers, dead relays, lost databases, killed processes.

Each test reproduces one fault found by the held-back fault injection of the
delivery-core issue against a real SMTP server (aiosmtpd on loopback) and
asserts exact counts.
"""
from __future__ import annotations

import os
import signal
import socket
import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from app.extensions import db
from app.models import Campaign, CampaignStatus, Delivery, DeliveryStatus, utcnow
from app.sending import queue
from app.sending.worker import Worker, WorkerOptions
from app.services.campaigns import campaign_figures
from app.services.campaigns import sending_policy
from app.services.campaigns import lifecycle as service
from tests.sending_fixtures import make_campaign, start_worker
from tests.smtp_server import SMTPTestServer, smtp_server  # noqa: F401 (fixture)


def statuses(campaign_id: int) -> Counter:
    db.session.expire_all()
    rows = db.session.execute(
        select(Delivery.status, func.count()).where(Delivery.campaign_id == campaign_id).group_by(Delivery.status)
    ).all()
    db.session.commit()
    return Counter({status.value: n for status, n in rows})


def campaign_status(campaign_id: int) -> CampaignStatus:
    db.session.expire_all()
    status = db.session.scalar(select(Campaign.status).where(Campaign.id == campaign_id))
    db.session.commit()
    return status


def wait_for(predicate, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.02)


class StallingWorker(Worker):
    """A worker that freezes once, between two exchanges, for longer than its lease.

    Everything stops with it, its lease heartbeat included, as when a VM is frozen
    or the process is stopped; then it carries on where it was.
    """

    def __init__(self, *args, stall_after: int, stall_seconds: float, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.stall_after, self.stall_seconds = stall_after, stall_seconds
        self.stalled = threading.Event()
        self.resumed = threading.Event()
        self.groups = 0

    def _send_group(self, *args, **kwargs):
        self.groups += 1
        if self.groups == self.stall_after:
            self.heartbeat_paused = True
            self.stalled.set()
            time.sleep(self.stall_seconds)
            self.resumed.set()
        return super()._send_group(*args, **kwargs)


def test_a_worker_stalled_past_its_lease_sends_nothing_another_worker_took(app, smtp_server):
    app.config["SMTP_URL"] = smtp_server.url
    n = 200
    campaign = make_campaign(n)
    lease = 1.5
    stalled = StallingWorker(app, WorkerOptions(lease_seconds=lease, batch=200, pipeline=10, idle_seconds=0.02),
                             policy=sending_policy(), stall_after=3, stall_seconds=lease * 2.5)
    # The heartbeat would keep a merely slow worker's rows; a frozen process renews nothing.
    original = queue.extend_leases

    def frozen_heartbeat(owner, *args, **kwargs):
        if owner == stalled.owner and stalled.stalled.is_set() and not stalled.resumed.is_set():
            return None
        return original(owner, *args, **kwargs)

    queue.extend_leases = frozen_heartbeat
    try:
        thread = threading.Thread(target=stalled.run, kwargs={"until_idle": True}, daemon=True)
        thread.start()
        assert stalled.stalled.wait(30)
        time.sleep(lease + 0.3)  # its leases run out while it is frozen
        rescuer = Worker(app, WorkerOptions(lease_seconds=lease, idle_seconds=0.02), policy=sending_policy())
        rescuer.run(until_idle=True)
        thread.join(60)
    finally:
        queue.extend_leases = original
    received = smtp_server.counts()
    assert set(received) == {f"p{i:04d}@example.org" for i in range(n)}
    assert [r for r, c in received.items() if c > 1] == []  # 0 duplicates
    assert stalled.stats.lost_leases > 0  # it found its rows taken and did not send them
    assert statuses(campaign.id) == Counter(sent=n)
    assert campaign_status(campaign.id) == CampaignStatus.SENT


@pytest.mark.slow
def test_a_slow_relay_keeps_its_rows_through_the_heartbeat(app, smtp_server):
    """A relay that takes longer than the lease to answer: the heartbeat renews the lease,
    so a second worker never takes (and sends again) what is merely slow."""
    app.config["SMTP_URL"] = smtp_server.url
    n = 15
    campaign = make_campaign(n)
    smtp_server.data_delay = 0.6  # seconds before each reply to the end of DATA
    lease = 1.0
    first = Worker(app, WorkerOptions(lease_seconds=lease, pipeline=5, idle_seconds=0.02), policy=sending_policy())
    thread = threading.Thread(target=first.run, kwargs={"until_idle": True}, daemon=True)
    thread.start()
    wait_for(lambda: len(smtp_server.messages) >= 1)
    second = Worker(app, WorkerOptions(lease_seconds=lease, idle_seconds=0.05), policy=sending_policy())
    second_thread = threading.Thread(target=second.run, kwargs={"until_idle": True}, daemon=True)
    second_thread.start()
    thread.join(120)
    second_thread.join(120)
    received = smtp_server.counts()
    assert len(received) == n and max(received.values()) == 1
    assert statuses(campaign.id) == Counter(sent=n)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_relay_refusing_connections_delays_the_campaign_but_never_pauses_it(app):
    """Every connection refused for a few seconds (a relay restarting, a 421 burst at connect):
    no message counts as failed, no attempt is used up, the campaign is not paused."""
    port = _free_port()
    app.config["SMTP_URL"] = f"smtp://127.0.0.1:{port}"
    n = 120
    campaign = make_campaign(n)
    worker = Worker(app, WorkerOptions(relay_backoff_seconds=0.2, idle_seconds=0.02, max_attempts=2), policy=sending_policy())
    thread = threading.Thread(target=worker.run, kwargs={"until_idle": True}, daemon=True)
    thread.start()
    time.sleep(2.5)  # many connection attempts refused meanwhile
    assert campaign_status(campaign.id) == CampaignStatus.SENDING
    assert statuses(campaign.id)["failed"] == 0
    server = SMTPTestServer(port=port).start()
    try:
        thread.join(60)
        assert not thread.is_alive()
    finally:
        server.stop()
    assert worker.stats.relay_failures > 0
    assert statuses(campaign.id) == Counter(sent=n)
    assert Counter(server.counts().values()) == Counter({1: n})
    assert campaign_status(campaign.id) == CampaignStatus.SENT
    db.session.expire_all()
    assert max(db.session.scalars(select(Delivery.attempts))) == 1  # refused connections are not attempts


def test_retry_failed_keeps_the_bounce_record_of_what_it_skips(app, smtp_server):
    app.config["SMTP_URL"] = smtp_server.url
    campaign = make_campaign(6)
    smtp_server.reject["p0001@example.org"] = "550 5.1.1 User unknown"
    smtp_server.reject["p0002@example.org"] = "452 4.2.2 Mailbox full"
    Worker(app, WorkerOptions(idle_seconds=0.02, retry_base_seconds=0.01, max_attempts=2), policy=sending_policy()).run(until_idle=True)
    db.session.expire_all()
    before = {d.subscriber.email: (d.status, d.bounced) for d in db.session.scalars(select(Delivery))}
    assert before["p0001@example.org"] == (DeliveryStatus.FAILED, True)
    assert before["p0002@example.org"] == (DeliveryStatus.FAILED, False)
    fresh = db.session.get(Campaign, campaign.id)
    assert service.retry_failed(fresh) == 1  # only the full mailbox, not the dead one
    assert campaign_figures(fresh).bounced == 1
    bounced = db.session.scalar(select(Delivery).join(Delivery.subscriber).where(Delivery.bounced.is_(True)))
    assert bounced.status == DeliveryStatus.FAILED


def test_a_cycle_save_cannot_cancel_a_reminder_the_scheduler_just_started(app):
    from app.models import CampaignTemplate, Journee
    from app.services.events.cycles import save_cycle
    from tests.event_factories import future_dates, make_cycle

    cycle = make_cycle(dates=future_dates())
    save_cycle(cycle)
    reminder = db.session.scalar(select(Campaign).where(Campaign.template == CampaignTemplate.REMINDER)
                                 .order_by(Campaign.scheduled_at))
    # The scheduler starts it (another process: a plain UPDATE behind the session's back)…
    with db.engine.begin() as conn:
        conn.execute(update(Campaign.__table__).where(Campaign.__table__.c.id == reminder.id)
                     .values(status="sending", started_at=utcnow()))
    # …while the officer removes that journée's reminder rule in the cycle editor, from a stale page.
    cycle = db.session.get(type(cycle), cycle.id)
    cycle.reminder_rules = [r for r in cycle.reminder_rules if r.get("days_before") != reminder.reminder_days_before] \
        if isinstance(cycle.reminder_rules, list) else cycle.reminder_rules
    save_cycle(cycle)
    db.session.commit()
    assert campaign_status(reminder.id) == CampaignStatus.SENDING


def test_leases_are_short_by_default():
    assert WorkerOptions().lease_seconds <= 60


# --- processes ------------------------------------------------------------------------------

def _postgres_only():
    if not os.environ.get("TEST_DATABASE_URL"):
        pytest.skip("several worker processes at once are a PostgreSQL setup (TEST_DATABASE_URL)")


@pytest.mark.slow
def test_a_sigkilled_workers_rows_are_sent_by_another_within_one_lease(migrated, app, smtp_server):
    _postgres_only()
    n = 400
    campaign = make_campaign(n)
    smtp_server.data_delay = 0.01
    lease = 8
    victim = start_worker(migrated, smtp_server.url, "--lease", str(lease), "--batch", "200")
    wait_for(lambda: len(smtp_server.messages) >= 20)
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait()
    killed_at = time.monotonic()
    stranded = statuses(campaign.id)["sending"]
    assert stranded > 0
    rescuer = start_worker(migrated, smtp_server.url, "--until-idle", "--lease", str(lease))
    out, _ = rescuer.communicate(timeout=120)
    assert rescuer.returncode == 0, out.decode()
    assert time.monotonic() - killed_at < lease + 15
    assert statuses(campaign.id) == Counter(sent=n)
    received = smtp_server.counts()
    assert len(received) == n and sum(c - 1 for c in received.values()) <= 16  # at most the exchange in flight


@pytest.mark.slow
def test_after_a_database_outage_the_claimed_rows_go_at_once_not_after_the_lease(migrated, app, smtp_server):
    """The database drops every connection and refuses new ones for a few seconds (a restart, as a
    worker sees it). The worker waits for it, writes what it had noted and gives its claimed rows back
    as soon as it answers: the send ends long before its 60 s lease would have freed them."""
    _postgres_only()
    from sqlalchemy import create_engine, text

    n = 300
    campaign = make_campaign(n)
    smtp_server.data_delay = 0.02
    name = db.engine.url.database
    admin = create_engine(db.engine.url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    worker = start_worker(migrated, smtp_server.url, "--until-idle", "--lease", "60", "--batch", "200")
    try:
        wait_for(lambda: len(smtp_server.messages) >= 40)
        db.session.remove()  # this test holds no connection through the outage
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false'))
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"),
                         {"name": name})
        down_at = time.monotonic()
        time.sleep(4)
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true'))
        out, _ = worker.communicate(timeout=120)
        took = time.monotonic() - down_at
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true'))
        admin.dispose()
        if worker.poll() is None:
            worker.kill()
    db.engine.dispose()  # the pool's connections were cut too
    text_out = out.decode("utf-8", "replace")
    assert worker.returncode == 0, text_out
    assert "database failing" in text_out and "claimed rows given back" in text_out  # the back-off's one line
    assert took < 40, f"{took:.0f} s after the outage: the rows waited out their lease"
    assert statuses(campaign.id) == Counter(sent=n)
    received = smtp_server.counts()
    assert len(received) == n and sum(c - 1 for c in received.values()) <= 16  # at most the exchange in flight
