"""Heartbeat rows: each worker and the active scheduler say "alive" every few seconds.

One UPSERT on its own short transaction (never inside the caller's), so a beat neither
commits nor rolls back anybody's work, and a failed beat (database restarting) is
logged and forgotten: the next one repairs it.

- The scheduler beats after every dispatch pass (:func:`beat`, from ``scheduling._job``).
- A worker process beats from a small daemon thread (:class:`Beater`, started by
  ``flask worker`` in every worker process). The send loop itself can beat instead by
  calling ``heartbeat.beat("worker", self.owner)`` once per loop turn (throttled here).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy import delete, func, select

from app.backoff import Backoff
from app.database import upsert_insert
from app.extensions import db
from app.models import ProcessHeartbeat, utcnow

log = logging.getLogger(__name__)

BEAT_SECONDS = 10.0
_STARTED: dict[str, datetime] = {}
_LAST: dict[str, float] = {}
_lock = threading.Lock()
_missed = Backoff(log, "heartbeat", first=BEAT_SECONDS, most=BEAT_SECONDS)  # logs when beats start and stop failing


def process_name() -> str:
    return f"{socket.gethostname()[:60]}:{os.getpid()}"


def beat(kind: str, name: str | None = None, *, every: float = 0.0) -> bool:
    """Record that ``name`` (default: this host:pid) of ``kind`` is alive now. Needs an app context.

    With ``every``, a beat less than that many seconds after the previous one is skipped
    (a send loop can call this on every turn). Returns whether a row was written.
    """
    name = name or process_name()
    now_mono = time.monotonic()
    with _lock:
        if every and now_mono - _LAST.get(name, -1e9) < every:
            return False
        _LAST[name] = now_mono
        started = _STARTED.setdefault(name, utcnow())
    now = utcnow()
    values = {
        "name": name,
        "kind": kind,
        "host": socket.gethostname()[:100],
        "pid": os.getpid(),
        "started_at": started,
        "seen_at": now,
    }
    try:
        with db.engine.begin() as connection:
            statement = upsert_insert(ProcessHeartbeat, connection.engine).values(values)
            connection.execute(
                statement.on_conflict_do_update(
                    index_elements=["name"], set_={"seen_at": now, "kind": kind, "pid": os.getpid()}
                )
            )
    except Exception as exc:  # noqa: BLE001 - a missed beat only makes /readyz pessimistic for a while
        _missed.failed(exc)
        return False
    _missed.succeeded()
    return True


def forget(name: str | None = None) -> None:
    """On a clean stop: remove this process's row, so /readyz counts only the living at once."""
    name = name or process_name()
    try:
        with db.engine.begin() as connection:
            connection.execute(delete(ProcessHeartbeat).where(ProcessHeartbeat.name == name))
    except Exception as exc:  # noqa: BLE001 - the row ages out anyway
        log.info("heartbeat %s not removed: %s", name, str(exc).splitlines()[0])


def seen_since(kind: str, seconds: float, now: datetime | None = None) -> int:
    """How many processes of ``kind`` beat in the last ``seconds``."""
    since = (now or utcnow()) - timedelta(seconds=seconds)
    return (
        db.session.scalar(
            select(func.count())
            .select_from(ProcessHeartbeat)
            .where(ProcessHeartbeat.kind == kind, ProcessHeartbeat.seen_at >= since)
        )
        or 0
    )


def last_seen(kind: str) -> datetime | None:
    return db.session.scalar(select(func.max(ProcessHeartbeat.seen_at)).where(ProcessHeartbeat.kind == kind))


def prune(older_than: timedelta = timedelta(days=1)) -> None:
    """Rows of processes gone for a day: dropped by the scheduler's beat (a restart makes a new pid)."""
    with db.engine.begin() as connection:
        connection.execute(delete(ProcessHeartbeat).where(ProcessHeartbeat.seen_at < utcnow() - older_than))


class Beater(threading.Thread):
    """Beats every ``interval`` seconds on behalf of this process until ``halt`` is set."""

    def __init__(self, app: Flask, kind: str, interval: float = BEAT_SECONDS) -> None:
        super().__init__(name=f"lettrine-{kind}-heartbeat", daemon=True)
        self.app, self.kind, self.interval = app, kind, interval
        self.halt = threading.Event()

    def run(self) -> None:
        with self.app.app_context():
            name = process_name()
            beat(self.kind, name)
            while not self.halt.wait(self.interval):
                beat(self.kind, name)
            forget(name)

    def stop(self, timeout: float = 5.0) -> None:
        self.halt.set()
        self.join(timeout)
