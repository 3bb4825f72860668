"""The clock: APScheduler runs a short-interval job that dispatches what the database says is due.

The schedule itself lives in ``campaigns.scheduled_at`` (architecture.md, "The
database is the schedule"), so APScheduler keeps no job store of its own and a
restart loses nothing: the first pass after start-up catches up.

- :func:`dispatch_due` is one pass: every ``scheduled`` campaign whose time has
  come is started (``start_campaign``: a compare-and-set plus enqueue, so two
  passes or two processes cannot queue it twice) if it is at most
  ``SCHEDULE_GRACE_HOURS`` late; later than that it is marked ``missed`` with a
  French reason for the officer, never sent as a surprise. The same pass runs the
  sequences' tick (``app.services.sequences``): enrolments, and the steps that fell due.
- :class:`SchedulerLock` makes one scheduler process active at a time: a
  PostgreSQL session advisory lock held on a dedicated connection, or on SQLite
  an exclusive ``flock`` on a file beside the database. Both vanish with the
  process, so a waiting scheduler takes over when the active one dies.
- :func:`run_scheduler` waits for the lock, then runs the interval job until
  told to stop. ``flask scheduler`` (production) and ``flask dev`` (a thread)
  both use it.

Every instant is read with ``datetime.now(timezone.utc)`` (via ``utcnow``), so a
process started under ``faketime`` sees the shifted clock.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TextIO

from flask import Flask, current_app
from sqlalchemy import select, text
from sqlalchemy.engine import Connection

from app import background
from app.backoff import Backoff
from app.database import db_error_kind
from app.extensions import db
from app.models import Campaign, CampaignStatus, utcnow
from app import heartbeat
from app.sending import campaign_state
from app.services.audience import forget_old_previews, resume_stale_imports
from app.services.campaigns import PreflightFailed, start_campaign
from app.services.sequences import tick as tick_sequences
from app.timeutil import format_local

log = logging.getLogger(__name__)

# Any constant works; this one spells "LETTRINE" in ASCII and is unlikely to clash.
ADVISORY_LOCK_KEY = 0x4C45545452494E45 - (1 << 63)


@dataclass
class DispatchReport:
    """What one pass did: campaign ids started (with their queued counts) and marked missed."""

    started: dict[int, int] = field(default_factory=dict)
    missed: list[int] = field(default_factory=list)
    already_taken: list[int] = field(default_factory=list)
    held: list[int] = field(default_factory=list)  # due, but failing preflight: paused with the reasons
    imports_resumed: list[int] = field(default_factory=list)  # admin imports whose process had died
    sequences: dict = field(default_factory=dict)  # what the sequences' tick did (app.services.sequences)


def grace_period() -> timedelta:
    return timedelta(hours=float(current_app.config["SCHEDULE_GRACE_HOURS"]))


def missed_reason(scheduled_at: datetime, now: datetime) -> str:
    late = now - scheduled_at
    hours = late.total_seconds() / 3600
    return (
        f"Envoi manqué : prévu le {format_local(scheduled_at)}, le planificateur ne l'a vu que "
        f"le {format_local(now)} ({hours:.1f} h de retard, au-delà du délai de grâce de "
        f"{grace_period().total_seconds() / 3600:g} h). Rien n'a été envoyé ; reprogrammez-le si besoin."
    )


def dispatch_due(now: datetime | None = None) -> DispatchReport:
    """One dispatch pass at ``now``: start what is due within the grace period, mark the rest missed."""
    now = now or utcnow()
    report = DispatchReport()
    grace = grace_period()
    due = db.session.scalars(
        select(Campaign)
        .where(Campaign.status == CampaignStatus.SCHEDULED, Campaign.scheduled_at <= now)
        .order_by(Campaign.scheduled_at, Campaign.id)
    ).all()
    db.session.rollback()  # end the read; each campaign gets its own short write transaction
    for campaign in due:
        scheduled_at = campaign.scheduled_at
        if scheduled_at is None:  # not due (the query's ``<=`` is never true for NULL)
            continue
        if now - scheduled_at <= grace:
            try:
                queued = start_campaign(campaign, now)
            except PreflightFailed as failed:
                # Never send a broken message as a surprise: hold it where the officer will see it.
                db.session.rollback()
                if campaign_state.hold_scheduled(campaign.id, str(failed)):
                    report.held.append(campaign.id)
                    log.warning("scheduler: campaign %s held: %s", campaign.slug, failed)
                continue
            if queued is None:
                report.already_taken.append(campaign.id)
            else:
                report.started[campaign.id] = queued
                log.info("scheduler: started campaign %s (%s deliveries queued)", campaign.slug, queued)
        elif campaign_state.mark_missed(campaign.id, missed_reason(scheduled_at, now), now):
            report.missed.append(campaign.id)
            log.warning("scheduler: campaign %s missed (due %s)", campaign.slug, scheduled_at)
        else:
            report.already_taken.append(campaign.id)
    return report


class SchedulerLock:
    """One active scheduler: a PostgreSQL advisory lock, or a ``flock`` on SQLite.

    PostgreSQL: ``pg_try_advisory_lock`` on a connection kept open outside the
    pool for as long as the scheduler runs; the server drops it if the process
    or its connection dies. SQLite: an exclusive ``fcntl.flock`` on
    ``<database>.scheduler.lock``; the kernel drops it when the process exits.
    (A SQLite database is only ever shared by processes on one machine, so a
    file lock is the equivalent.)
    """

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._conn: Connection | None = None
        self._fh: TextIO | None = None

    @property
    def held(self) -> bool:
        return self._conn is not None or self._fh is not None

    def try_acquire(self) -> bool:
        if self.held:
            return True
        with self.app.app_context():
            engine = db.engine
            if engine.dialect.name == "postgresql":
                conn = engine.connect()
                got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": ADVISORY_LOCK_KEY}).scalar()
                conn.commit()
                if got:
                    self._conn = conn
                    return True
                conn.close()
                return False
            return self._try_file_lock(self._lock_path(engine.url.database))

    def _lock_path(self, database: str | None) -> Path:
        if database and database != ":memory:":
            return Path(database + ".scheduler.lock")
        return Path(self.app.instance_path) / "scheduler.lock"

    def _try_file_lock(self, path: Path) -> bool:
        import fcntl

        path.parent.mkdir(parents=True, exist_ok=True)
        fh = open(path, "a+")
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            fh.close()
            return False
        fh.seek(0)
        fh.truncate()
        fh.write(f"{os.getpid()}\n")
        fh.flush()
        self._fh = fh
        return True

    def still_held(self) -> bool:
        """For PostgreSQL, check the lock's connection is alive (the lock dies with it)."""
        if self._conn is None:
            return self._fh is not None
        try:
            self._conn.execute(text("SELECT 1"))
            self._conn.commit()
            return True
        except Exception:  # noqa: BLE001 - any failure means the session, and its lock, are gone
            self._drop_connection()
            return False

    def _drop_connection(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.invalidate()
                conn.close()
            except Exception:  # noqa: BLE001
                pass

    def release(self) -> None:
        if self._conn is not None:
            try:
                self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_LOCK_KEY})
                self._conn.commit()
                self._conn.close()
                self._conn = None
            except Exception:  # noqa: BLE001 - connection already gone: so is the lock
                self._drop_connection()
        if self._fh is not None:
            import fcntl

            fcntl.flock(self._fh.fileno(), fcntl.LOCK_UN)
            self._fh.close()
            self._fh = None


def run_once(app: Flask, now: datetime | None = None) -> DispatchReport:
    """One pass inside an app context, the session cleaned up after (job body and ``--once``).

    Besides campaigns, it resumes admin imports whose process died (they run on in this process).
    """
    with app.app_context():
        try:
            try:
                report = dispatch_due(now)
            finally:  # even when dispatching failed
                resumed = _resume_imports(now)
                steps = _run_sequences(now)
            report.imports_resumed = resumed
            report.sequences = steps
            return report
        finally:
            db.session.remove()


def _run_sequences(now: datetime | None) -> dict:
    """The sequences' tick: enrol who the triggers name, queue the steps that fell due (each once).
    Logged once per streak of failures (the database is down: every tick would say so)."""
    try:
        counts = tick_sequences(now).as_dict()
    except Exception as error:  # noqa: BLE001 - a sequence that fails must not stop campaigns going out
        db.session.rollback()
        if db_error_kind(error) != "connection" and not _sequence_failures.failing:
            log.exception("scheduler: sequences tick failed")
        _sequence_failures.failed(error)
        return {}
    _sequence_failures.succeeded()
    return counts


# Logged once when the sequences' tick starts failing.
_sequence_failures = Backoff(log, "scheduler: sequences tick", first=30.0, most=120.0)


_import_failures = Backoff(log, "scheduler: resuming stale imports", first=30.0, most=120.0)


def _resume_imports(now: datetime | None) -> list[int]:
    try:
        forget_old_previews(now.timestamp() if now else None)  # unconfirmed uploads: a day at most
    except OSError:
        log.exception("scheduler: could not remove old import uploads")
    try:
        resumed = resume_stale_imports(now)
    except Exception as error:  # noqa: BLE001 - a stuck import must not stop campaigns going out
        db.session.rollback()
        if db_error_kind(error) != "connection" and not _import_failures.failing:
            log.exception("scheduler: could not resume stale imports")
        _import_failures.failed(error)
        return []
    _import_failures.succeeded()
    return resumed


def run_scheduler(
    app: Flask,
    stop: threading.Event,
    interval: float | None = None,
    lock_poll: float = 5.0,
    on_active=None,
) -> bool:
    """Wait for the lock, then dispatch every ``interval`` seconds until ``stop`` is set.

    Returns False when it stopped because the database has no schema (or an old one),
    True when told to stop.

    The first pass runs immediately (catch-up after downtime). ``on_active`` is
    called each time the lock is won (the CLI prints a line; tests wait on it).
    If the lock is lost (the database connection holding it dropped), the clock
    stops and the process goes back to waiting, so two never run side by side
    for long — and even then the compare-and-set start keeps sends single.
    """
    interval = interval or float(app.config["SCHEDULER_INTERVAL_SECONDS"])
    lock = SchedulerLock(app)
    while not stop.is_set():
        if not _wait_for_lock(lock, stop, lock_poll):
            return True
        log.info("scheduler: active (dispatch every %ss, grace %s h)", interval,
                 app.config.get("SCHEDULE_GRACE_HOURS"))
        if on_active is not None:
            on_active()
        try:
            if not _run_while_held(app, lock, stop, interval):
                return False
        finally:
            lock.release()
    log.info("scheduler: stopped")
    return True


def _wait_for_lock(lock: SchedulerLock, stop: threading.Event, poll: float) -> bool:
    logged = False
    while not lock.try_acquire():
        if not logged:
            log.info("scheduler: another scheduler is active; waiting to take over")
            logged = True
        if stop.wait(poll):
            return False
    return True


def _run_while_held(app: Flask, lock: SchedulerLock, stop: threading.Event, interval: float) -> bool:
    """Run the clock while the lock is held; False if a pass found the schema missing."""
    from apscheduler.schedulers.background import BackgroundScheduler

    # APScheduler logs every run at INFO: twice a minute forever. Our own lines say what matters.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    scheduler = BackgroundScheduler(timezone="UTC")
    halted = threading.Event()  # set by a pass that met a schema error
    scheduler.add_job(
        _job, "interval", args=[app, halted], seconds=interval, id="dispatch",
        next_run_time=datetime.now().astimezone(), max_instances=1, coalesce=True,
        misfire_grace_time=None,
    )
    scheduler.start()
    checked = time.monotonic()
    try:
        while not stop.wait(min(interval, 1.0)):
            if halted.is_set():
                return False
            if time.monotonic() - checked >= max(interval, 1.0):
                checked = time.monotonic()
                if not lock.still_held():
                    log.error("scheduler: lost the scheduler lock; pausing until it can be taken again")
                    return True
        return True
    finally:
        scheduler.shutdown(wait=True)


# Repeated failures skip ticks (30 s, 60 s, then every 2 minutes) and are logged once, not at every tick.
_failures = Backoff(log, "scheduler: dispatch pass", first=30.0, most=120.0)


def _job(app: Flask, halted: threading.Event) -> None:
    """One tick. A missing table stops the scheduler (retrying cannot create it); an unreachable
    database, or any other failure, backs off (one log line when it starts, one when it ends;
    an unexpected error's traceback the first time)."""
    if not _failures.due():
        return
    try:
        run_once(app)
    except Exception as error:  # noqa: BLE001 - one failed pass must not stop the clock
        kind = db_error_kind(error)
        if kind == "schema":
            log.error("scheduler: database not initialised or not up to date (%s); "
                      "run flask --app wsgi db upgrade. Stopping.", " ".join(str(error).split())[:200])
            halted.set()
        else:
            if kind != "connection" and not _failures.failing:
                log.exception("scheduler: dispatch pass failed")
            _failures.failed(error)
        return
    _failures.succeeded()
    with app.app_context():  # /readyz and /metrics: "the scheduler passed N seconds ago"
        heartbeat.beat("scheduler")


def _start_in_dev(app: Flask, stop: threading.Event) -> None:
    """``flask dev`` runs the scheduler as a thread (same lock, so never two)."""
    run_scheduler(app, stop)  # every SCHEDULER_INTERVAL_SECONDS


background.register("scheduler", _start_in_dev)
