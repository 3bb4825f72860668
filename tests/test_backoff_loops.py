"""Issue #22, recovery: every background loop says once that it is failing, not at every turn.

Each loop runs against a database that refuses every connection (nothing listens on
127.0.0.1:1, as during an outage): the scheduler's tick (and its resuming of imports), the
worker's send loop with its lease heartbeat and the process heartbeat, and an import's heartbeat.
The webhook poster's own test is in ``test_backoff.py``. Bounce intake is no loop (``flask bounces
poll`` runs once, from a timer), so it has nothing to back off.
"""
from __future__ import annotations

import logging
import threading
import time
from contextlib import contextmanager

import pytest

from app import heartbeat, scheduling
from app.backoff import Backoff
from app.sending.worker import Worker, WorkerOptions
from app.services.audience import import_jobs
from app.services.campaigns import sending_policy
from tests.conftest import make_app
from tests.test_backoff import Lines

DOWN = "postgresql://postgres@127.0.0.1:1/none"


@contextmanager
def logged(*names: str):
    """Every line those loggers write meanwhile (alembic's fileConfig may have disabled them)."""
    handler = Lines()
    loggers = [logging.getLogger(n) for n in names]
    states = [(lg.disabled, lg.level) for lg in loggers]
    for lg in loggers:
        lg.addHandler(handler)
        lg.disabled = False
        lg.setLevel(logging.INFO)
    try:
        yield handler.lines
    finally:
        for lg, (disabled, level) in zip(loggers, states):
            lg.removeHandler(handler)
            lg.disabled, lg.level = disabled, level


@pytest.fixture
def down_app(migrated):
    return make_app(migrated, DATABASE_URL=DOWN)


def test_the_scheduler_tick_logs_once_while_the_database_is_down(down_app, monkeypatch):
    # No wait between tries here (the real one skips ticks: 30 s, 60 s, then every 2 minutes): five passes.
    monkeypatch.setattr(scheduling, "_failures", Backoff(scheduling.log, "scheduler: dispatch pass", first=0, most=0))
    monkeypatch.setattr(scheduling, "_import_failures",
                        Backoff(scheduling.log, "scheduler: resuming stale imports", first=0, most=0))
    monkeypatch.setattr(scheduling, "_sequence_failures",
                        Backoff(scheduling.log, "scheduler: sequences tick", first=0, most=0))
    halted = threading.Event()
    with logged("app.scheduling") as lines:
        for _ in range(5):
            scheduling._job(down_app, halted)
    assert not halted.is_set()  # an outage is waited out, not a reason to stop
    assert scheduling._failures.failures == 5
    assert len(lines) == 3, lines  # the pass, the imports it resumes, the sequences' tick; no traceback
    assert all("failing, retrying with back-off" in line and "\n" not in line for line in lines)


def test_the_worker_loop_and_its_heartbeats_log_once_each_while_the_database_is_down(down_app, monkeypatch):
    monkeypatch.setattr(heartbeat, "_missed", Backoff(heartbeat.log, "heartbeat", first=0.05, most=0.05))
    stop = threading.Event()
    worker = Worker(down_app, WorkerOptions(idle_seconds=0.05, lease_seconds=0.4), stop, policy=sending_policy())
    thread = threading.Thread(target=worker.run, daemon=True)
    with logged("app.sending.worker", "app.heartbeat") as lines:
        thread.start()
        time.sleep(2.5)
        stop.set()
        thread.join(30)
    assert not thread.is_alive()
    failing = [line for line in lines if "failing" in line]
    # The send loop (database), the lease heartbeat, the webhook poster and the process heartbeat: one line each.
    for loop in ("database", "lease heartbeat", "webhook delivery"):
        assert len([line for line in failing if f"{loop} failing" in line]) == 1, (loop, lines)
    assert len([line for line in failing if line.startswith("heartbeat failing")]) == 1, lines
    assert len(lines) < 10, lines  # not one per turn (the lease heartbeat alone turns every 0.1 s)


def test_an_import_heartbeat_logs_once_while_the_database_is_down(down_app, monkeypatch):
    monkeypatch.setattr(import_jobs, "BEAT_SECONDS", 0.05)
    heart = import_jobs._Heartbeat(down_app, 41, lease=0)
    with logged("app.services.audience.import_jobs") as lines:
        with heart:
            time.sleep(1.0)
    assert heart.missed.failures >= 5 and not heart.lost.is_set()  # still beating at its pace
    assert len(lines) == 1 and "import 41: heartbeat failing" in lines[0], lines
