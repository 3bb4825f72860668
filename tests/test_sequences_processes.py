"""The welcome series end to end, as processes on PostgreSQL under one fake clock (libfaketime).

Two ``flask worker`` processes and a ``flask scheduler`` run the whole time; the test moves their
clock (``tests/sequence_clock.py``) through a Thursday-to-Tuesday in January 2027, makes 50 people
confirm their subscription over two days (double opt-in, through the real service, in a process
under the same clock), kills a worker with SIGKILL while it holds a step's messages, lets one
person unsubscribe through her message's one-click link, and counts what a real SMTP server
(aiosmtpd on loopback) received: "Bienvenue 1" within a minute of each confirmation, "Bienvenue 2"
three days later inside the window (weekdays 09:00–18:00, Paris), each exactly once, none for the
person who left.
"""
from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert, select

from app.extensions import db
from app.models import (
    Delivery,
    DeliveryStatus,
    MailingList,
    SequenceStep,
    Subscriber,
    Subscription,
    SubscriptionStatus,
    email_hash,
    utcnow,
)
from app.services.sequences import example_files, load_sequence, sequence_by_name, sequence_counts
from tests.conftest import app_environ
from tests.sequence_clock import FakeClock, available
from tests.smtp_server import smtp_server  # noqa: F401 - fixture

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"),
                       reason="needs PostgreSQL (TEST_DATABASE_URL): two workers and a scheduler share the queue "
                              "with FOR UPDATE SKIP LOCKED and an advisory lock, as in production"),
    pytest.mark.skipif(not available(), reason="needs Debian's faketime (.ci/system-packages.sh installs it)"),
]

ROOT = Path(__file__).resolve().parent.parent
FLASK = str(ROOT / ".venv" / "bin" / "flask")
UTC = timezone.utc
PARIS = ZoneInfo("Europe/Paris")
START = datetime(2027, 1, 7, 8, 0, tzinfo=UTC)  # a Thursday, 09:00 in Paris
PEOPLE = 50
BATCHES = 10  # five people every 4 h 48 min: two days
KILLED_BATCH = 3  # its step-1 messages are in a worker's hands when it is killed
LEAVER = 7  # unsubscribes (one click) between the two messages
FIRST, SECOND = "Bienvenue au CRPVE", "Nos prochains cycles et nos ressources"


def _env(database_url: str, smtp_url: str, clock: FakeClock) -> dict[str, str]:
    env = app_environ(database_url, SMTP_URL=smtp_url, SCHEDULER_INTERVAL_SECONDS="1")
    env.update(PATH=os.environ.get("PATH", "/usr/bin:/bin"), PYTHONUNBUFFERED="1", **clock.env())
    return env


def _start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen([FLASK, "--app", "wsgi", *args], cwd=ROOT, env=env, stdout=log.open("a"),
                            stderr=subprocess.STDOUT, start_new_session=True)


def _worker(env: dict[str, str], log: Path) -> subprocess.Popen:
    # --batch 4: a quarter of a batch per SMTP exchange, so one message each, recorded before the next.
    return _start(["worker", "--batch", "4", "--lease", "5", "--idle", "0.1", "--retry-base", "1"], env, log)


def _wait(predicate, what: str, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def _stop(proc: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, sig)
    proc.wait(timeout=60)


def _people(mailing_list: MailingList) -> list[tuple[int, str, str]]:
    """50 people with a pending subscription, as the public form leaves them (hand-made rows)."""
    now = utcnow()
    rows = [{"uid": f"seq{i:05d}uid{i:05d}", "email": f"w{i:02d}@example.org", "email_hash": email_hash(f"w{i:02d}@example.org"),
             "first_name": f"W{i}", "last_name": "Durand", "attributes": {}, "created_at": now, "updated_at": now}
            for i in range(PEOPLE)]
    ids = db.session.execute(insert(Subscriber).returning(Subscriber.id), rows).scalars().all()
    db.session.execute(insert(Subscription), [
        {"subscriber_id": sid, "list_id": mailing_list.id, "status": SubscriptionStatus.PENDING, "consent_at": now,
         "created_at": now, "updated_at": now, "consent_source": "formulaire", "consent_text": "consentement"}
        for sid in ids])
    db.session.commit()
    return [(sid, row["uid"], row["email"]) for sid, row in zip(ids, rows)]


class Gate:
    """Holds every DATA at the SMTP server while closed (the client waits for its reply); a client that
    dies meanwhile leaves nothing behind: aiosmtpd cancels the handler with the connection."""

    def __init__(self, handler) -> None:
        self.open = threading.Event()
        self.open.set()
        self.waiting = 0
        original = handler.handle_DATA

        async def gated(server, session, envelope):
            self.waiting += 1
            try:
                while not self.open.is_set():
                    await asyncio.sleep(0.05)
            finally:
                self.waiting -= 1
            return await original(server, session, envelope)

        handler.handle_DATA = gated


def _in_window(moment: datetime) -> bool:
    local = moment.astimezone(PARIS)
    return local.weekday() < 5 and 9 <= local.hour < 18


def _first_allowed(moment: datetime) -> datetime:
    """The first minute at or after ``moment`` inside the window (the test's own reading of the rule)."""
    probe = moment
    while not _in_window(probe):
        probe = (probe + timedelta(minutes=1)).replace(second=0, microsecond=0)
    return probe


def _sent(subject_step: int) -> dict[int, list[datetime]]:
    """subscriber id → sent_at of each delivery of the step that the server accepted."""
    db.session.expire_all()
    campaign_id = db.session.scalar(select(SequenceStep.campaign_id).where(SequenceStep.position == subject_step))
    found: dict[int, list[datetime]] = {}
    for sid, sent_at in db.session.execute(select(Delivery.subscriber_id, Delivery.sent_at).where(
            Delivery.campaign_id == campaign_id, Delivery.status == DeliveryStatus.SENT)):
        found.setdefault(sid, []).append(sent_at)
    db.session.commit()
    return found


def test_fifty_welcomes_two_messages_each_exactly_once_through_a_killed_worker(migrated, app, client, smtp_server,
                                                                               tmp_path):
    clock = FakeClock(tmp_path / "clock")
    clock.set(START - timedelta(minutes=5))
    mailing_list = MailingList(slug="formations", name="Formations CRPVE")
    db.session.add(mailing_list)
    db.session.commit()
    load_sequence(json.loads(next(p for p in example_files() if p.stem == "bienvenue").read_text(encoding="utf-8")))
    people = _people(mailing_list)
    by_id = {sid: (uid, address) for sid, uid, address in people}
    env = _env(migrated, smtp_server.url, clock)
    gate = Gate(smtp_server.handler)
    log = tmp_path / "processes.log"
    workers = [_worker(env, log), _worker(env, log)]
    scheduler = _start(["scheduler", "--interval", "1"], env, log)
    confirmed_at: dict[int, datetime] = {}
    try:
        _wait(lambda: "scheduler active" in log.read_text(), "the scheduler")
        for batch in range(BATCHES):
            moment = START + batch * timedelta(hours=4, minutes=48)
            clock.set(moment)
            time.sleep(1.5)  # every process has read the new time
            chosen = people[batch * 5:(batch + 1) * 5]
            if batch == KILLED_BATCH:
                gate.open.clear()
            done = subprocess.run([sys.executable, "-m", "tests.sequence_clock", "confirm", str(mailing_list.id),
                                   *[uid for _, uid, _ in chosen]], cwd=ROOT, env=env, capture_output=True, text=True,
                                  timeout=120)
            assert done.returncode == 0, done.stderr[-2000:]
            for sid, _, _ in chosen:
                confirmed_at[sid] = db.session.scalar(select(Subscription.confirmed_at).where(
                    Subscription.subscriber_id == sid))
            if batch == KILLED_BATCH:
                # A worker holds this step's messages and waits on the server: kill it there.
                _wait(lambda: gate.waiting >= 1, "a worker in the middle of the step")
                owners = Counter(db.session.scalars(select(Delivery.lease_owner).where(
                    Delivery.status == DeliveryStatus.SENDING)))
                db.session.commit()
                owner = owners.most_common(1)[0][0]
                victim = next(w for w in workers if f":{w.pid}:" in owner)
                _stop(victim, signal.SIGKILL)
                workers.remove(victim)
                gate.open.set()
                workers.append(_worker(env, log))  # a restart; the dead one's rows come back after its lease
            ids = [sid for sid, _, _ in chosen]
            _wait(lambda ids=ids: all(sid in _sent(1) for sid in ids), f"Bienvenue 1 of batch {batch}")
        first = _sent(1)
        assert sorted(first) == sorted(by_id)
        late = {sid: (times[0] - confirmed_at[sid]).total_seconds() for sid, times in first.items()}
        assert max(late.values()) < 60, late  # within a minute of confirming, the killed worker's too

        # One person leaves between the two messages, with the one-click link of the first.
        leaver = people[LEAVER][0]
        message = next(m for m in smtp_server.messages if by_id[leaver][1] in m.rcpt_tos)
        link = str(message.parsed()["List-Unsubscribe"]).split("<", 1)[1].split(">", 1)[0]
        assert client.post(link.split("lettrine.test", 1)[1], data="List-Unsubscribe=One-Click",
                           content_type="application/x-www-form-urlencoded").status_code == 200

        # The clock walks to each moment a second message falls due (jumps forward: days at once).
        allowed = {sid: _first_allowed(confirmed_at[sid] + timedelta(days=3)) for sid in by_id if sid != leaver}
        for moment in sorted(set(allowed.values())):
            clock.set(moment - timedelta(seconds=5))
            due = [sid for sid, at in allowed.items() if at == moment]
            _wait(lambda due=due: all(sid in _sent(2) for sid in due), f"Bienvenue 2 due {moment}")
        clock.set(START + timedelta(days=8))  # a week on: anything left would have gone by now
        time.sleep(4)
        second = _sent(2)
    finally:
        gate.open.set()
        for proc in [scheduler, *workers]:
            _stop(proc)
    assert sorted(second) == sorted(sid for sid in by_id if sid != leaver)
    for sid, times in second.items():
        assert len(times) == 1
        assert times[0] >= confirmed_at[sid] + timedelta(days=3) and _in_window(times[0])
        assert (times[0] - allowed[sid]).total_seconds() < 60, (sid, times[0], allowed[sid])
    subjects = Counter((str(m.parsed()["Subject"]), rcpt) for m in smtp_server.messages for rcpt in m.rcpt_tos)
    assert sum(1 for (subject, _), n in subjects.items() if subject == FIRST and n == 1) == PEOPLE
    assert sum(1 for (subject, _), n in subjects.items() if subject == SECOND and n == 1) == PEOPLE - 1
    assert max(subjects.values()) == 1  # nothing twice, the killed worker's messages included
    assert (SECOND, by_id[leaver][1]) not in subjects
    counts = sequence_counts(sequence_by_name("Bienvenue"))
    assert counts["completed"] == PEOPLE - 1 and counts["exited"] == {"unsubscribed": 1}
