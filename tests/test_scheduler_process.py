"""The real `flask scheduler` processes under a shifted clock (Debian's faketime): once, twice at once, restarts, lock."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Campaign, CampaignStatus, Delivery
from app.services.events.cycles import save_cycle
from app.services.events.registrations import register
from tests.conftest import app_environ
from tests.event_factories import make_cycle

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
FLASK = str(ROOT / ".venv" / "bin" / "flask")
FAKETIME = "/usr/bin/faketime"
UTC = timezone.utc


def scheduler_cmd(fake_now: str, *args: str) -> list[str]:
    # -m: the thread-safe libfaketime (the scheduler and psycopg use threads).
    return [FAKETIME, "-m", fake_now, FLASK, "--app", "wsgi", "scheduler", *args]


def scheduler_env(database_url: str, **extra: str) -> dict[str, str]:
    env = app_environ(database_url, **extra)
    env.update(PATH=os.environ.get("PATH", "/usr/bin:/bin"), TZ="UTC",
               # libfaketime would also freeze the monotonic clock that timed waits use.
               FAKETIME_DONT_FAKE_MONOTONIC="1", PYTHONUNBUFFERED="1")
    return env


def run_once(database_url: str, fake_now: str) -> subprocess.Popen:
    return subprocess.Popen(scheduler_cmd(fake_now, "--once"), cwd=ROOT, env=scheduler_env(database_url),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def report_of(proc: subprocess.Popen) -> dict:
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    return json.loads(out.strip().splitlines()[-1])


def seed(now: datetime) -> list:
    cycle = make_cycle()
    save_cycle(cycle, now=now)
    j1, j2 = cycle.journees[0], cycle.journees[1]
    for who in ("ana", "ben"):
        register(cycle, f"{who}@example.org", journees=[j1, j2], now=now, notify=False)
    register(cycle, "eve@example.org", journees=[j2], now=now, notify=False)
    db.session.commit()
    return [j.id for j in cycle.journees]


def reminder_for(journee_ids: list[int], number: int, days: int) -> Campaign:
    db.session.expire_all()
    return db.session.scalar(select(Campaign).where(Campaign.journee_id == journee_ids[number - 1],
                                                    Campaign.reminder_days_before == days))


def deliveries(campaign_id: int | None = None) -> int:
    query = select(func.count()).select_from(Delivery)
    if campaign_id is not None:
        query = query.where(Delivery.campaign_id == campaign_id)
    return db.session.scalar(query)


def test_two_concurrent_once_passes_dispatch_each_reminder_once(app, migrated):
    cycle = seed(datetime(2016, 2, 1, tzinfo=UTC))
    week_before = reminder_for(cycle, 1, 7)
    assert week_before.scheduled_at == datetime(2016, 3, 3, 8, 0, tzinfo=UTC)
    db.session.remove()

    # Two schedulers at the same instant, 30 s after 09:00 Paris on 3 March 2016.
    procs = [run_once(migrated, "2016-03-03 08:00:30") for _ in range(2)]
    reports = [report_of(p) for p in procs]
    started = [r["started"] for r in reports]
    assert sorted(len(s) for s in started) == [0, 1], reports
    assert {k: v for s in started for k, v in s.items()} == {str(week_before.id): 2}
    campaign = reminder_for(cycle, 1, 7)
    assert campaign.status == CampaignStatus.SENDING
    assert deliveries() == 2

    # A restart at the same instant (or a bit later) queues nothing more.
    assert report_of(run_once(migrated, "2016-03-03 08:10:00"))["started"] == {}
    assert deliveries() == 2

    # After the summer-time change, the 7-day reminder of journée 2 is due at 07:00 UTC, not before.
    early = report_of(run_once(migrated, "2016-03-31 06:59:00"))
    assert early["started"] == {}
    # The day-before reminder of journée 1 fell due on 9 March while nothing ran: missed, never sent.
    assert early["missed"] == [reminder_for(cycle, 1, 1).id]
    assert reminder_for(cycle, 1, 1).status == CampaignStatus.MISSED
    late = report_of(run_once(migrated, "2016-03-31 07:00:05"))
    j2_week = reminder_for(cycle, 2, 7)
    assert late["started"] == {str(j2_week.id): 3}
    assert deliveries(j2_week.id) == 3


def wait_for(predicate, timeout: float = 90.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_one_active_scheduler_the_other_takes_over(app, migrated, tmp_path):
    cycle = seed(datetime(2016, 2, 1, tzinfo=UTC))
    db.session.remove()
    env = scheduler_env(migrated)
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    # Both start 10 s before the 3 March reminder is due, dispatching every second.
    # Each in its own process group: faketime runs flask as a child, and SIGTERM must reach it.
    first = subprocess.Popen(scheduler_cmd("2016-03-03 07:59:50", "--interval", "1"), cwd=ROOT, env=env,
                             stdout=logs[0].open("w"), stderr=subprocess.STDOUT, start_new_session=True)
    second = None
    try:
        wait_for(lambda: "scheduler active" in logs[0].read_text(), what="first scheduler active")
        second = subprocess.Popen(scheduler_cmd("2016-03-03 07:59:50", "--interval", "1"), cwd=ROOT, env=env,
                                  stdout=logs[1].open("w"), stderr=subprocess.STDOUT, start_new_session=True)
        wait_for(lambda: "another scheduler is active" in logs[1].read_text(), what="second scheduler waiting")
        wait_for(lambda: reminder_for(cycle, 1, 7).status == CampaignStatus.SENDING, what="reminder dispatched")
        assert deliveries() == 2
        assert "scheduler active" not in logs[1].read_text()

        stop(first)
        wait_for(lambda: "scheduler active" in logs[1].read_text(), what="second scheduler taking over")
        # What fell due while the first was stopped goes out from the second, within the grace period.
        extra = Campaign(slug="rattrapage", name="Rattrapage", subject="S", status=CampaignStatus.SCHEDULED,
                         scheduled_at=datetime(2016, 3, 3, 7, 0, tzinfo=UTC))
        db.session.add(extra)
        db.session.commit()
        wait_for(lambda: (db.session.expire_all(), db.session.get(Campaign, extra.id).status)[1]
                 == CampaignStatus.SENDING, what="catch-up by the second scheduler")
        assert deliveries() == 2  # the reminder was not queued again by the newcomer
    finally:
        for proc in (first, second):
            if proc is not None:
                stop(proc)


def stop(proc: subprocess.Popen) -> None:
    """SIGTERM the whole group (faketime and the flask child it started), then reap it."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    proc.wait(timeout=30)
