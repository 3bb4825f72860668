"""The send loop: claim a batch, re-check, build, sign, send, record — until told to stop.

One worker is one process (processes, not threads: the GIL would serialise the
CPU-bound build and sign steps). Start as many as wanted, on one machine or
several sharing PostgreSQL; the queue's claim keeps them off each other's rows.

Exactly-once, as far as SMTP allows: a row is marked ``sent`` in the batch
written right after the server accepted it (every ``flush_every`` messages or
``flush_seconds``). A crash between the acceptance and that write is the only
way to send twice, and only for the rows this worker held; the Message-ID is
the same on the repeat, so a receiving system can recognise it.
"""
from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
import uuid
from collections import defaultdict, deque
from dataclasses import dataclass, field
from datetime import timedelta

from flask import Flask
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from app import background
from app.extensions import db
from app.sending import queue
from app.message.dkim import signer_from_config
from app.message.builder import OutgoingMessage, Recipient, builder_for
from app.sending.transport import SendResult, get_transport
from app.models import Campaign, CampaignStatus, DeliveryStatus, Subscriber, utcnow
from app.services import campaigns as campaign_service
from app.services.bounces import HARD, register_bounce

log = logging.getLogger(__name__)


@dataclass
class WorkerOptions:
    batch: int = 500  # rows claimed at once
    # Rows re-checked (eligibility, campaign status) at once: sized so a chunk takes about
    # ``recheck_seconds`` at the worker's current pace, between 10 and ``chunk``. An
    # unsubscribe is therefore honoured within about a quarter of a second, and a fast
    # worker does not spend its time re-checking.
    chunk: int = 250
    # Messages handed over in one pipelined exchange (SMTP PIPELINING across messages): the
    # most a crash can leave sent-but-unrecorded grows by this, so keep it small.
    pipeline: int = 16
    recheck_seconds: float = 0.25
    lease_seconds: float = 300.0
    flush_every: int = 200  # results written back at least this often…
    flush_seconds: float = 0.5  # …or after this long
    max_attempts: int = 6  # a 4xx or lost connection is retried up to this many tries in all
    retry_base_seconds: float = 60.0  # backoff: base, 2×base, 4×base… capped at an hour
    idle_seconds: float = 1.0  # sleep when nothing is due


@dataclass
class WorkerStats:
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    retried: int = 0
    batches: int = 0
    cpu_seconds: float = 0.0  # CPU of the send loop (start-up excluded)
    # CPU seconds per stage (process time, so a busy machine does not inflate them)
    timings: dict[str, float] = field(default_factory=lambda: defaultdict(float))


def new_owner() -> str:
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Worker:
    """Sends due deliveries until ``stop`` is set (or, with ``until_idle``, nothing is left)."""

    def __init__(self, app: Flask, options: WorkerOptions | None = None, stop: threading.Event | None = None) -> None:
        self.app = app
        self.options = options or WorkerOptions()
        self.stop = stop or threading.Event()
        self.owner = new_owner()
        self.stats = WorkerStats()
        self._pending: list[dict] = []
        self._bounces: list[tuple[int, str, int]] = []
        self._last_flush = time.monotonic()
        self._claimed_at = time.monotonic()
        self._recent: dict[int, deque[bool]] = defaultdict(lambda: deque(maxlen=100))
        self._pace = 40.0  # messages per second, measured per chunk (sizes the re-check chunks)

    # -- the loop ----------------------------------------------------------
    def run(self, until_idle: bool = False) -> WorkerStats:
        with self.app.app_context():
            self.transport = get_transport()
            self.signer = signer_from_config(self.app.config)
            log.info("worker %s started", self.owner)
            cpu_start = time.process_time()
            try:
                while not self.stop.is_set():
                    try:
                        claimed = self.run_once()
                    except OperationalError as exc:  # database restarting, lock timeout…
                        db.session.rollback()
                        log.warning("worker %s: database error, retrying: %s", self.owner, exc)
                        self.stop.wait(self.options.idle_seconds)
                        continue
                    if claimed:
                        continue
                    self._finish_campaigns()
                    if until_idle and queue.pending_count() == 0:
                        break
                    db.session.commit()
                    self.stop.wait(self.options.idle_seconds)
            finally:
                self._flush()
                self.stats.cpu_seconds = time.process_time() - cpu_start
                released = queue.release_owner(self.owner)
                if released:
                    log.info("worker %s released %d deliveries", self.owner, released)
                db.session.remove()
            log.info("worker %s stopped: %s", self.owner, {k: v for k, v in vars(self.stats).items() if k != "timings"})
        return self.stats

    def run_once(self) -> int:
        """Claim and process one batch; returns how many rows were claimed."""
        batch = queue.claim(self.owner, self._batch_size(), self.options.lease_seconds)
        if not batch:
            return 0
        self._claimed_at = time.monotonic()
        self.stats.batches += 1
        by_campaign: dict[int, list[queue.Claimed]] = defaultdict(list)
        for row in batch:
            by_campaign[row.campaign_id].append(row)
        for campaign_id, rows in by_campaign.items():
            self._send_campaign_rows(campaign_id, rows)
        self._flush()
        for campaign_id in by_campaign:
            campaign_service.finish_if_done(campaign_id)
        return len(batch)

    def _batch_size(self) -> int:
        """Smaller batches when a relay is rate-limited, so a batch takes about a second at most."""
        rates = [s.config.limits.rate for s in getattr(self.transport, "servers", [])]
        if rates and all(r > 0 for r in rates):
            return max(1, min(self.options.batch, int(sum(rates))))
        return self.options.batch

    def _send_campaign_rows(self, campaign_id: int, rows: list[queue.Claimed]) -> None:
        campaign = db.session.get(Campaign, campaign_id, populate_existing=True)
        if campaign is None:
            return
        builder = builder_for(campaign)
        start = 0
        while start < len(rows):
            chunk_size = max(1, min(self.options.chunk, self._batch_size(), int(self._pace * self.options.recheck_seconds)))
            chunk = rows[start:start + chunk_size]
            chunk_started = time.monotonic()
            status = db.session.scalar(select(Campaign.status).where(Campaign.id == campaign_id))
            if status != CampaignStatus.SENDING or self.stop.is_set():
                self._give_back(rows[start:], status)
                return
            t0 = time.process_time()
            people = queue.recipients(campaign, [r.subscriber_id for r in chunk])
            db.session.commit()  # end the read transaction: SQLite must not hold a stale snapshot
            self.stats.timings["db"] += time.process_time() - t0
            position = 0
            while position < len(chunk):
                if self.stop.is_set():
                    self._give_back(rows[start + position:], status)
                    return
                group = chunk[position:position + max(1, min(self.options.pipeline, self._batch_size() // 4))]
                position += len(group)
                if self._send_group(campaign_id, builder, group, people):
                    self._give_back(rows[start + position:], CampaignStatus.PAUSED)
                    return
            elapsed = max(time.monotonic() - chunk_started, 1e-3)
            self._pace = 0.5 * self._pace + 0.5 * (len(chunk) / elapsed)
            start += len(chunk)

    def _send_group(self, campaign_id: int, builder, group: list[queue.Claimed], people: dict) -> bool:
        """Build and sign a few messages, hand them over in one pipelined exchange, note each outcome.

        Returns True when the campaign got auto-paused (the group's outcomes are all recorded).
        """
        timings = self.stats.timings
        ready: list[tuple[queue.Claimed, OutgoingMessage, bytes]] = []
        last_error = None
        for row in group:
            person = people.get(row.subscriber_id)
            if person is None:
                self._add(campaign_id, queue.outcome(row.id, DeliveryStatus.SKIPPED, now=utcnow(),
                                                     reply="désinscrit ou exclu avant l'envoi"), None)
                self.stats.skipped += 1
                continue
            t0 = time.process_time()
            try:
                message = builder.build(Recipient(*person))
                t1 = time.process_time()
                raw = message.raw if self.signer is None else \
                    self.signer.sign(message.raw, canonical_body=message.transparent)
                timings["sign"] += time.process_time() - t1
            except Exception as exc:  # noqa: BLE001 - a bad value must fail one message, not the worker
                log.exception("cannot build message for delivery %s", row.id)
                self._add(campaign_id, queue.outcome(row.id, DeliveryStatus.FAILED, now=utcnow(),
                                                     reply=f"message impossible à construire : {exc}"), False)
                self.stats.failed += 1
                last_error = f"erreur de construction ({exc})"
                continue
            timings["build"] += t1 - t0
            ready.append((row, message, raw))
        if ready:
            t0 = time.process_time()
            results = self.transport.send_many([(m.envelope, raw) for _, m, raw in ready],
                                               transparent=all(m.transparent for _, m, _ in ready))
            timings["smtp"] += time.process_time() - t0
            now = utcnow()
            outcomes = []
            for (row, message, _), result in zip(ready, results):
                if result.accepted:
                    outcomes.append((queue.outcome(
                        row.id, DeliveryStatus.SENT, now=now, code=result.code, reply=result.reply,
                        queue_id=result.queue_id, message_id=message.message_id), True))
                    self.stats.sent += 1
                else:
                    outcomes.append((self._failure(row, result, message.message_id, now), False))
                    last_error = f"{result.code or '—'} {result.reply[:200]}"
            # All of them noted before any write: a failing write ("database is locked") must not
            # leave an accepted message unrecorded, to be claimed and sent again.
            self._add_many(campaign_id, outcomes)
        return last_error is not None and self._maybe_auto_pause(campaign_id, last_error)

    def _failure(self, row: queue.Claimed, result: SendResult, message_id: str, now) -> dict:
        """A refusal or a lost connection: retry later with backoff, or give up."""
        reply = result.reply if result.code else f"pas de réponse : {result.reply}"
        if result.temporary and row.attempts < self.options.max_attempts:
            delay = min(3600.0, self.options.retry_base_seconds * 2 ** (row.attempts - 1))
            self.stats.retried += 1
            return queue.outcome(row.id, DeliveryStatus.QUEUED, now=now, code=result.code or None, reply=reply,
                                 message_id=message_id, next_attempt_at=now + timedelta(seconds=delay))
        hard = result.recipient_rejected and 500 <= result.code < 600
        if hard:
            self._bounces.append((row.subscriber_id, f"{result.code} {result.reply}", row.campaign_id))
        self.stats.failed += 1
        return queue.outcome(row.id, DeliveryStatus.FAILED, now=now, code=result.code or None, reply=reply,
                             message_id=message_id, bounced=hard)

    # -- bookkeeping -------------------------------------------------------
    def _add(self, campaign_id: int, outcome: dict, ok: bool | None) -> None:
        self._add_many(campaign_id, [(outcome, ok)])

    def _add_many(self, campaign_id: int, outcomes: list[tuple[dict, bool | None]]) -> None:
        """Note outcomes (``ok`` None: neither success nor error) and write them when it is time."""
        for outcome, ok in outcomes:
            self._pending.append(outcome)
            if ok is not None:
                self._recent[campaign_id].append(not ok)
        if len(self._pending) >= self.options.flush_every or time.monotonic() - self._last_flush >= self.options.flush_seconds:
            self._flush()

    def _flush(self) -> None:
        """Write the results gathered so far: one UPDATE batch, the hard bounces, one commit."""
        t0 = time.process_time()
        if self._pending or self._bounces:
            queue.record(self._pending, commit=False)
            for subscriber_id, reply, campaign_id in self._bounces:
                subscriber = db.session.get(Subscriber, subscriber_id)
                if subscriber is not None:
                    register_bounce(subscriber, HARD, diagnostic=reply, campaign_id=campaign_id,
                                    source=f"smtp: campagne {campaign_id}")
            if time.monotonic() - self._claimed_at > self.options.lease_seconds / 2:
                queue.extend_leases(self.owner, self.options.lease_seconds)
                self._claimed_at = time.monotonic()
            db.session.commit()
            self._pending = []
            self._bounces = []
        self._last_flush = time.monotonic()
        self.stats.timings["db"] += time.process_time() - t0

    def _maybe_auto_pause(self, campaign_id: int, last_error: str) -> bool:
        recent = self._recent[campaign_id]
        errors = sum(recent)
        if len(recent) < campaign_service.AUTO_PAUSE_MIN_OUTCOMES or errors < campaign_service.AUTO_PAUSE_ERROR_RATIO * len(recent):
            return False
        self._flush()
        reason = (f"Mise en pause automatique : {errors} erreurs sur les {len(recent)} derniers envois "
                  f"(dernière : {last_error}). Vérifiez le serveur d'envoi, puis reprenez la campagne.")
        recent.clear()
        if campaign_service.auto_pause(campaign_id, reason):
            log.warning("campaign %s auto-paused: %s", campaign_id, reason)
        return True

    def _give_back(self, rows: list[queue.Claimed], status) -> None:
        """Rows claimed but not sent: back to the queue (or skipped if the campaign was cancelled)."""
        if not rows:
            return
        self._flush()
        if status == CampaignStatus.CANCELLED:
            now = utcnow()
            queue.record([queue.outcome(r.id, DeliveryStatus.SKIPPED, now=now, reply="campagne annulée") for r in rows])
        else:
            queue.release(self.owner, [r.id for r in rows])

    def _finish_campaigns(self) -> None:
        ids = db.session.scalars(select(Campaign.id).where(Campaign.status == CampaignStatus.SENDING)).all()
        for campaign_id in ids:
            campaign_service.finish_if_done(campaign_id)


# -- processes -------------------------------------------------------------

def run_process(app: Flask, options: WorkerOptions, until_idle: bool) -> WorkerStats:
    """One worker in this process; SIGTERM/SIGINT finish the message in hand and release the rest."""
    stop = threading.Event()

    def _stop(signum, _frame) -> None:
        log.info("worker: signal %s, stopping after the message in hand", signum)
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    return Worker(app, options, stop).run(until_idle=until_idle)


def _child(app: Flask, options: WorkerOptions, until_idle: bool) -> None:
    from app.sending import transport

    with app.app_context():
        db.engine.dispose(close=False)  # never share the parent's connections after fork
    transport._POOLS.clear()  # nor its SMTP sockets
    run_process(app, options, until_idle)


def run_processes(app: Flask, count: int, options: WorkerOptions, until_idle: bool) -> int:
    """Fork ``count`` workers and wait; SIGTERM is passed on to each. Returns the worst exit code."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    with app.app_context():
        db.engine.dispose()
    children = [context.Process(target=_child, args=(app, options, until_idle), name=f"lettrine-worker-{i}")
                for i in range(count)]
    for child in children:
        child.start()

    def _forward(signum, _frame) -> None:
        for child in children:
            if child.is_alive():
                os.kill(child.pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, _forward)
    signal.signal(signal.SIGINT, _forward)
    for child in children:
        child.join()
    return max((child.exitcode or 0) for child in children)


def _background_worker(app: Flask, stop: threading.Event) -> None:
    """``flask dev``: a worker thread beside the web server (outbox or SMTP, per SMTP_URL)."""
    Worker(app, WorkerOptions(idle_seconds=2.0, retry_base_seconds=30.0), stop).run()


background.register("worker", _background_worker)
