"""The send loop: claim, re-check, build, sign, send, record — until told to stop.

One worker is one process (processes, not threads: the GIL would serialise the
CPU-bound build and sign steps). Start as many as wanted, on one machine or
several sharing PostgreSQL; the queue's claim keeps them off each other's rows.

Two lanes, one path. Before each campaign batch the worker takes the due
transactional messages (confirmations, registration messages, test sends…), so
they leave within a second or two even during a 50,000-recipient send; both are
signed by the same signer, sent through the same transport, retried with the
same backoff and recorded the same way.

Exactly-once, as far as SMTP allows:
- right before each pipelined exchange the worker re-checks that it still holds
  the rows (``queue.hold``, which also extends their lease), and right after it
  writes the outcomes: a worker stalled past its lease finds its rows gone and
  does not send them again;
- a heartbeat thread extends the leases of every row in hand while a slow relay
  takes its time, so leases can be short (a minute) and a dead worker's rows come
  back within about a minute;
- every outcome write is fenced by the lease owner;
- a crash between a server's acceptance and the next write can repeat at most
  that one exchange (``pipeline`` messages); the Message-ID is the same on the
  repeat, so a receiving system can recognise it.

Failures of the relay (refused connection, lost connection, 421 at the greeting)
are not failures of the message: the rows go back to the queue without counting
an attempt, the worker backs off, and they never count toward the auto-pause.
A database outage: the worker waits for the database, writes what it had not
written, and gives its claimed rows back at once instead of letting their
leases run out. A schema error (not migrated) stops the worker.

What the rest of the product must hear (a hard bounce at RCPT, a transactional
message's outcome, a finished campaign) and the reminders' personal blocks come
from the :class:`~app.sending.policy.SendingPolicy` the worker is given and checks
when it is made; who may receive what is ``app.sending.eligibility``, read by the
queue at claim time for both lanes.
"""
from __future__ import annotations

import logging
import os
import signal
import socket
import sys
import threading
import time
import uuid
from collections import defaultdict, deque
from dataclasses import dataclass, field
from datetime import timedelta

from flask import Flask
from sqlalchemy import event, select
from sqlalchemy.exc import DBAPIError

from app.backoff import Backoff
from app.database import db_error_kind
from app.extensions import db
from app.message.bounce_reasons import decide
from app.message.builder import OutgoingMessage, Recipient
from app.message.dkim import signer_from_config
from app.models import Campaign, CampaignStatus, DeliveryStatus, MessageStatus, utcnow
from app import heartbeat
from app.operations import metrics
from app.sending import campaign_state, personal, queue, webhooks
from app.sending.guards import RecentOutcomes
from app.sending.providers import ProviderPacer, provider_of
from app.sending.compose import builder_for, wire_bytes
from app.sending.policy import RefusedRecipient, SendingPolicy, TransactionalOutcome, checked
from app.sending import transport as transports
from app.sending.transport import Envelope, SendResult, get_transport
from config import Guards

log = logging.getLogger(__name__)

class SchemaError(RuntimeError):
    """The database is not migrated: the worker stops instead of retrying forever."""


@dataclass
class WorkerOptions:
    batch: int = 500  # rows claimed at once
    # Rows re-checked (eligibility, campaign status) at once: sized so a chunk takes about
    # ``recheck_seconds`` at the worker's current pace, between 10 and ``chunk``. An
    # unsubscribe is therefore honoured within about a quarter of a second, and a fast
    # worker does not spend its time re-checking.
    chunk: int = 250
    # Messages handed over in one pipelined exchange (SMTP PIPELINING across messages): the
    # most a crash can leave sent-but-unrecorded, so keep it small.
    pipeline: int = 16
    recheck_seconds: float = 0.25
    # How long a claimed row stays this worker's without news: the heartbeat renews it every
    # ``lease_seconds / 4``, so only a dead or frozen worker lets it run out.
    lease_seconds: float = 60.0
    max_attempts: int = 6  # a 4xx or lost connection is retried up to this many tries in all
    retry_base_seconds: float = 60.0  # backoff: base, 2×base, 4×base… capped at an hour
    idle_seconds: float = 1.0  # sleep when nothing is due
    transactional_batch: int = 50  # transactional messages taken before each campaign batch
    relay_backoff_seconds: float = 2.0  # first wait when no relay answers (doubled, at most a minute)
    quota_wait_seconds: float = 5.0  # longest wait inside one exchange for a relay's shared quota
    # The campaign guards (complaints, hard bounces) look before each batch and every this many outcomes:
    # often enough to stop within a batch of a threshold, rarely enough to cost nothing (two count queries).
    guard_every: int = 100


@dataclass
class WorkerStats:
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    retried: int = 0
    batches: int = 0
    transactional: int = 0  # transactional messages accepted by a server
    lost_leases: int = 0  # rows found taken by another worker before they were sent
    relay_failures: int = 0  # messages put back because no relay could take them
    deferred: int = 0  # messages put back because their provider is throttled (app.sending.providers)
    cpu_seconds: float = 0.0  # CPU of the send loop (start-up excluded)
    # CPU seconds per stage (process time, so a busy machine does not inflate them)
    timings: dict[str, float] = field(default_factory=lambda: defaultdict(float))


def new_owner() -> str:
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class LeaseHeartbeat(threading.Thread):
    """Renews the leases of every row the worker holds, on its own connection.

    It runs while the main thread waits on a slow relay (10 minutes after DATA are
    allowed), so no other worker takes rows that are merely slow. A frozen or dead
    process renews nothing, and its rows come back after one lease.
    """

    def __init__(self, app: Flask, owner: str, lease_seconds: float) -> None:
        super().__init__(name="lettrine-lease-heartbeat", daemon=True)
        self.app, self.owner, self.lease_seconds = app, owner, lease_seconds
        self.halt = threading.Event()

    def run(self) -> None:
        backoff = Backoff(log, f"worker {self.owner}: lease heartbeat", first=self.lease_seconds / 4,
                          most=self.lease_seconds / 4)
        with self.app.app_context():
            while not self.halt.wait(backoff.wait or self.lease_seconds / 4):
                try:
                    with db.engine.begin() as connection:
                        queue.extend_leases(self.owner, self.lease_seconds, connection=connection)
                    backoff.succeeded()
                except Exception as exc:  # noqa: BLE001 - the main loop deals with the database being down
                    backoff.failed(exc)


class WebhookPoster(threading.Thread):
    """Posts the due outgoing webhooks (``app.sending.webhooks``) beside the send loop.

    A thread of its own: an endpoint that takes its 10 s to answer must not hold up a
    confirmation or a campaign batch. Each delivery is claimed under a lease, so several
    workers share them like the queue's rows.
    """

    # Longest a stop waits for the post in hand (its overall deadline, and the write after).
    JOIN_SECONDS = webhooks.TOTAL_SECONDS + 5

    def __init__(self, app: Flask, owner: str, idle_seconds: float) -> None:
        super().__init__(name="lettrine-webhooks", daemon=True)
        self.app, self.owner, self.idle_seconds = app, owner, idle_seconds
        self.halt = threading.Event()
        self.backoff = Backoff(log, f"worker {owner}: webhook delivery", first=max(idle_seconds, 0.5), most=60.0)

    def run(self) -> None:
        with self.app.app_context():
            while not self.halt.is_set():
                try:
                    posted = webhooks.deliver_due(self.owner, 5, stop=self.halt.is_set)
                    self.backoff.succeeded()
                except Exception as exc:  # noqa: BLE001 - the database may be down: back off, say it once
                    db.session.rollback()
                    self.halt.wait(self.backoff.failed(exc))
                    continue
                if not posted:
                    self.halt.wait(self.idle_seconds)
            db.session.remove()

    def stop(self) -> None:
        """Finish the post in hand (it is recorded), give back the others, and return."""
        self.halt.set()
        self.join(self.JOIN_SECONDS)


class Worker:
    """Sends due deliveries until ``stop`` is set (or, with ``until_idle``, nothing is left).

    ``policy`` is required: without it, or with a part missing, the worker is not made
    (:class:`~app.sending.policy.PolicyError`, one line).
    """

    def __init__(self, app: Flask, options: WorkerOptions | None = None, stop: threading.Event | None = None, *,
                 policy: SendingPolicy | None = None) -> None:
        self.policy = checked(policy)
        self.app = app
        self.options = options or WorkerOptions()
        self.stop = stop or threading.Event()
        self.owner = new_owner()
        self.stats = WorkerStats()
        self._pending: list[dict] = []  # campaign outcomes noted, not yet written
        self._bounces: list[tuple[int, str, int]] = []
        self._recent: dict[int, deque[bool]] = defaultdict(lambda: deque(maxlen=100))
        self._unguarded: dict[int, int] = defaultdict(int)  # outcomes since the guards last looked, per campaign
        self._pace = 40.0  # messages per second, measured per chunk (sizes the re-check chunks)
        self._relay_wait = 0.0  # current back-off while no relay answers
        self._db_down = False
        self._schema_error = False

    # -- the loop ----------------------------------------------------------
    def run(self, until_idle: bool = False) -> WorkerStats:
        with self.app.app_context():
            self.transport = get_transport()
            if hasattr(self.transport, "quota_wait"):
                # A relay's quota used up: do not sit in send_many for an hour; the rows come back as a
                # relay failure (not an attempt) and the worker backs off, serving the transactional lane.
                self.transport.quota_wait = self.options.quota_wait_seconds
            self.signer = signer_from_config(self.app.config)
            self.providers = ProviderPacer(self.app.config.get("GUARDS") or Guards())
            log.info("worker %s started", self.owner)
            leases = LeaseHeartbeat(self.app, self.owner, self.options.lease_seconds)
            leases.start()
            poster = WebhookPoster(self.app, self.owner, max(self.options.idle_seconds, 0.5))
            poster.start()
            cpu_start = time.process_time()
            database = Backoff(log, f"worker {self.owner}: database", first=0.5, most=10.0)
            try:
                while not self.stop.is_set():
                    try:
                        heartbeat.beat("worker", self.owner, every=10.0)  # /readyz, /metrics: the loop turns
                        if self._db_down:
                            self._recover()
                        busy = self.run_transactional() + self.run_once()
                        database.succeeded()
                        if busy:
                            continue
                        self._finish_campaigns()
                        # Due webhook deliveries are work too: the poster thread posts them.
                        if until_idle and queue.pending_count() == 0 and webhooks.due_count() == 0:
                            break
                        db.session.commit()
                    except DBAPIError as exc:
                        db.session.rollback()
                        if db_error_kind(exc) == "schema":
                            self._schema_error = True
                            raise SchemaError(str(exc.orig).strip().splitlines()[0]) from exc
                        self._db_down = True
                        self.stop.wait(database.failed(exc))
                        continue
                    self.stop.wait(max(self.options.idle_seconds, self._relay_wait))
            finally:
                leases.halt.set()
                poster.stop()  # the post in hand is recorded, the rest given back
                self.stats.cpu_seconds = time.process_time() - cpu_start
                if not self._schema_error:  # with no queue table there is nothing to give back
                    self._give_back_everything()
                heartbeat.forget(self.owner)
                db.session.remove()
            log.info("worker %s stopped: %s", self.owner,
                     {k: v for k, v in vars(self.stats).items() if k != "timings"})
        return self.stats

    def _give_back_everything(self) -> None:
        """On the way out: write what was noted, return every row still held to the queue."""
        try:
            self._flush()
            released = queue.release_owner(self.owner)
            if released:
                log.info("worker %s released %d deliveries", self.owner, released)
        except DBAPIError as exc:
            log.warning("worker %s: could not give its rows back (they return in %s s): %s",
                        self.owner, self.options.lease_seconds, exc)

    def _recover(self) -> None:
        """The database answers again: write what was noted, give back every claimed row."""
        self._flush()
        released = queue.release_owner(self.owner)
        self._db_down = False
        log.info("worker %s: database back; %d claimed rows given back to the queue", self.owner, released)

    # -- the transactional lane -------------------------------------------
    def run_transactional(self) -> int:
        """Send the due transactional messages (before any campaign batch); returns how many were taken."""
        claimed = queue.claim_transactional(self.owner, self.options.transactional_batch, self.options.lease_seconds)
        if not claimed:
            return 0
        now = utcnow()
        stopped = queue.stopped_messages(claimed)
        outcomes, finals = [], []
        for row in claimed:
            if row.id in stopped:  # its kind's rule stops it now (an unsubscribe, a bounce since it was queued)
                outcomes.append(queue.outcome(row.id, MessageStatus.SKIPPED, now=now, reply=stopped[row.id]))
                finals.append((row, "skipped", stopped[row.id]))
        rows = [row for row in claimed if row.id not in stopped]
        if not rows:
            self._record_transactional(outcomes, finals)
            return len(claimed)
        items = []
        for row in rows:
            raw = bytes(row.raw)
            if self.signer is not None:
                raw = self.signer.sign(raw)
            items.append(raw)
        results = self.transport.send_many([(_envelope(row), raw) for row, raw in zip(rows, items)])
        metrics.note_exchange(results, lane="transactional")
        _log_exchange("transactional", results)
        now = utcnow()
        for row, result in zip(rows, results):
            if result.accepted:
                self.stats.transactional += 1
                outcomes.append(queue.outcome(row.id, MessageStatus.SENT, now=now, code=result.code,
                                              reply=result.reply, queue_id=result.queue_id))
                finals.append((row, "sent", result.reply))
            else:
                outcome, _ = self._failure(row.id, row.attempts, result, now, MessageStatus)
                outcomes.append(outcome)
                if outcome["_status"] == MessageStatus.FAILED.value:
                    finals.append((row, "failed", _reply_of(result)))
        self._record_transactional(outcomes, finals)
        self._note_relay(results)
        return len(claimed)

    def _record_transactional(self, outcomes: list[dict], finals: list[tuple[queue.ClaimedMessage, str, str]]) -> None:
        """Write the lane's outcomes, and tell the product the final ones, in one transaction."""
        queue.record(outcomes, self.owner, transactional=True, commit=False)
        for row, status, reply in finals:
            metrics.note_transactional(row.kind, status)
            self.policy.transactional_outcome(TransactionalOutcome(
                row.kind, row.id, row.subscriber_id, status, reply, row.to_address))
        db.session.commit()

    # -- the campaign lane ------------------------------------------------
    def run_once(self) -> int:
        """Claim and process one campaign batch; returns how many rows were claimed."""
        if self._relay_wait and self._resting():
            return 0
        batch = queue.claim(self.owner, self._batch_size(), self.options.lease_seconds)
        if not batch:
            return 0
        self.stats.batches += 1
        by_campaign: dict[int, list[queue.Claimed]] = defaultdict(list)
        for row in batch:
            by_campaign[row.campaign_id].append(row)
        for campaign_id, rows in by_campaign.items():
            self._send_campaign_rows(campaign_id, rows)
        self._flush()
        for campaign_id in by_campaign:
            campaign_state.finish_if_done(campaign_id, then=self.policy.campaign_finished)
        return len(batch)

    def _resting(self) -> bool:
        return time.monotonic() < self._relay_rest_until

    _relay_rest_until = 0.0

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
            # The guards (complaints, hard bounces: app.services.deliverability) read what came back so far:
            # before each claimed batch, and every ``guard_every`` outcomes within it.
            if start == 0 or self._unguarded[campaign_id] >= self.options.guard_every:
                self._unguarded[campaign_id] = 0
                t0 = time.process_time()
                paused = self.policy.campaign_guard.before_chunk(campaign_id)
                self.stats.timings["guard"] += time.process_time() - t0
                if paused:
                    self._give_back(rows[start:], CampaignStatus.PAUSED)
                    return
            t0 = time.process_time()
            found = queue.recipients(campaign, [r.subscriber_id for r in chunk])
            people = personal.with_personal(found, self.policy.personal_for(campaign, list(found)) if found else {})
            db.session.commit()  # end the read transaction: SQLite must not hold a stale snapshot
            self.stats.timings["db"] += time.process_time() - t0
            position = 0
            while position < len(chunk):
                if self.stop.is_set() or self._resting():
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
        owned = self._flush(hold=[r.id for r in group])
        if len(owned) < len(group):
            lost = len(group) - len(owned)
            self.stats.lost_leases += lost
            metrics.note_lost_leases(lost)
            log.warning("worker %s: %d rows of campaign %s were taken by another worker (lease lost); "
                        "not sending them", self.owner, lost, campaign_id)
            group = [r for r in group if r.id in owned]
        ready: list[tuple[queue.Claimed, OutgoingMessage, bytes]] = []
        last_error = None
        # 8bit parts (about 10 % fewer bytes than quoted-printable) when every relay announced 8BITMIME
        offers = getattr(self.transport, "offers", None)
        eight_bit = bool(offers is not None and offers("8BITMIME"))
        held = self.providers.held(utcnow(), time.monotonic())
        for row in group:
            person = people.get(row.subscriber_id)
            if person is None:
                self._note(campaign_id, queue.outcome(row.id, DeliveryStatus.SKIPPED, now=utcnow(),
                                                      reply="désinscrit ou exclu avant l'envoi"), None)
                self.stats.skipped += 1
                continue
            provider = provider_of(person[2]) if held else ""
            if provider in held:  # that provider refuses us on policy: its rows wait, every other goes on
                self._note(campaign_id, queue.outcome(
                    row.id, DeliveryStatus.QUEUED, now=utcnow(), next_attempt_at=held[provider], uncounted=True,
                    reply=f"{provider} ralenti : refus pour politique ou réputation, reprise à "
                          f"{held[provider]:%H:%M} UTC"), None)
                self.stats.deferred += 1
                continue
            t0 = time.process_time()
            try:
                message = builder.build(Recipient(*person), eight_bit=eight_bit)
                t1 = time.process_time()
                raw = wire_bytes(message, self.signer)
                timings["sign"] += time.process_time() - t1
            except Exception as exc:  # noqa: BLE001 - a bad value must fail one message, not the worker
                log.exception("cannot build message for delivery %s", row.id)
                self._note(campaign_id, queue.outcome(row.id, DeliveryStatus.FAILED, now=utcnow(),
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
            metrics.note_exchange(results, lane="campaign")
            _log_exchange(f"campaign {campaign_id}", results)
            now = utcnow()
            for (row, message, _), result in zip(ready, results):
                if result.accepted:
                    self._note(campaign_id, queue.outcome(
                        row.id, DeliveryStatus.SENT, now=now, code=result.code, reply=result.reply,
                        queue_id=result.queue_id, message_id=message.message_id), True)
                    self.stats.sent += 1
                    continue
                outcome, refused = self._failure(row.id, row.attempts, result, now, DeliveryStatus,
                                                 message_id=message.message_id)
                if refused:  # the bounce rules classify it (hard, soft, about us) and count it
                    self._bounces.append((row.subscriber_id, f"{result.code} {result.reply}", row.campaign_id))
                # Relay failures are the relay's, not the message's: they never count toward the auto-pause.
                self._note(campaign_id, outcome, None if _relay_failure(result) else False)
                if not _relay_failure(result):
                    last_error = f"{result.code or '—'} {result.reply[:200]}"
            self._note_relay(results)
            self.providers.note([(m.envelope.recipients[0], result) for (_, m, _), result in zip(ready, results)],
                                now, time.monotonic())
            # Written now, not with the next group: a worker frozen between two exchanges must not
            # leave accepted messages looking unsent to whoever takes its rows.
            self._flush()
        return last_error is not None and self._maybe_auto_pause(campaign_id, last_error)

    def _failure(self, row_id: int, attempts: int, result: SendResult, now, statuses, *,
                 message_id: str | None = None) -> tuple[dict, bool]:
        """A refusal or a lost connection: retry later with backoff, or give up.

        Returns the outcome and whether the server refused the recipient for good (a 5xx at RCPT).
        """
        reply = _reply_of(result)
        if _relay_failure(result):
            # No relay took it: not an attempt. Back to the queue after the relay back-off.
            self.stats.relay_failures += 1
            wait = max(self._relay_wait * 2, self.options.relay_backoff_seconds)
            return queue.outcome(row_id, statuses.QUEUED, now=now, code=result.code or None, reply=reply,
                                 message_id=message_id, next_attempt_at=now + timedelta(seconds=min(wait, 60.0)),
                                 uncounted=True), False
        if result.temporary and attempts < self.options.max_attempts:
            delay = min(3600.0, self.options.retry_base_seconds * 2 ** (attempts - 1))
            self.stats.retried += 1
            return queue.outcome(row_id, statuses.QUEUED, now=now, code=result.code or None, reply=reply,
                                 message_id=message_id, next_attempt_at=now + timedelta(seconds=delay)), False
        refused = result.recipient_rejected and 500 <= result.code < 600
        # Only a dead mailbox or domain is a hard bounce: "550 5.7.1 blocked by policy" at RCPT is about us.
        hard = refused and decide(remote=f"{result.code} {result.reply}").hard
        self.stats.failed += 1
        return queue.outcome(row_id, statuses.FAILED, now=now, code=result.code or None, reply=reply,
                             message_id=message_id, bounced=hard), refused

    def _note_relay(self, results: list[SendResult]) -> None:
        """Back off while no relay answers; any acceptance or refusal by a server ends the back-off."""
        if results and all(_relay_failure(r) for r in results):
            self._relay_wait = min(60.0, max(self._relay_wait * 2, self.options.relay_backoff_seconds))
            self._relay_rest_until = time.monotonic() + self._relay_wait
            log.warning("worker %s: no relay answers (%s); waiting %.0f s", self.owner,
                        _reply_of(results[-1]), self._relay_wait)
        elif results:
            self._relay_wait = 0.0
            self._relay_rest_until = 0.0

    # -- bookkeeping -------------------------------------------------------
    def _note(self, campaign_id: int, outcome: dict, ok: bool | None) -> None:
        """Note an outcome (``ok`` None: counts neither as a success nor as an error)."""
        self._pending.append(outcome)
        if ok is not None:
            self._recent[campaign_id].append(not ok)
            self._unguarded[campaign_id] += 1

    def _flush(self, hold: list[int] | None = None) -> set[int]:
        """Write the noted outcomes and the hard bounces and, with ``hold``, re-check and
        extend the lease of those rows: one transaction, one commit. Returns the rows held."""
        t0 = time.process_time()
        held: set[int] = set()
        if self._pending or self._bounces or hold:
            queue.record(self._pending, self.owner, commit=False)
            for subscriber_id, reply, campaign_id in self._bounces:
                metrics.note_recipient_refused()
                self.policy.recipient_refused(RefusedRecipient(subscriber_id, reply, campaign_id,
                                                               f"smtp: campagne {campaign_id}"))
            if hold:
                held = queue.hold(self.owner, hold, self.options.lease_seconds)
            db.session.commit()
            self._pending = []
            self._bounces = []
        self.stats.timings["db"] += time.process_time() - t0
        return held

    def _maybe_auto_pause(self, campaign_id: int, last_error: str) -> bool:
        """The guard reads this worker's last outcomes (relay failures excluded): too many refusals pause."""
        recent = self._recent[campaign_id]
        seen = RecentOutcomes(len(recent), sum(recent), last_error)
        self._flush()
        if not self.policy.campaign_guard.after_errors(campaign_id, seen):
            return False
        recent.clear()
        log.warning("campaign %s auto-paused: %d errors in its last %d outcomes", campaign_id, seen.errors,
                    seen.outcomes)
        return True

    def _give_back(self, rows: list[queue.Claimed], status) -> None:
        """Rows claimed but not sent: back to the queue (or skipped if the campaign was cancelled)."""
        if not rows:
            return
        self._flush()
        if status == CampaignStatus.CANCELLED:
            now = utcnow()
            queue.record([queue.outcome(r.id, DeliveryStatus.SKIPPED, now=now, reply=campaign_state.CANCELLED_REPLY) for r in rows],
                         self.owner)
        else:
            queue.release(self.owner, [r.id for r in rows])

    def _finish_campaigns(self) -> None:
        ids = db.session.scalars(select(Campaign.id).where(Campaign.status == CampaignStatus.SENDING)).all()
        for campaign_id in ids:
            campaign_state.finish_if_done(campaign_id, then=self.policy.campaign_finished)


def _log_exchange(what: str, results: list[SendResult]) -> None:
    """One line per SMTP exchange: how many accepted, deferred, refused (addresses are never logged)."""
    accepted = sum(1 for r in results if r.accepted)
    deferred = sum(1 for r in results if not r.accepted and r.temporary)
    refused = len(results) - accepted - deferred
    level = logging.INFO if accepted == len(results) else logging.WARNING
    if log.isEnabledFor(level):
        last = next((r for r in reversed(results) if not r.accepted), None)
        log.log(level, "%s: %d accepted, %d deferred, %d refused%s", what, accepted, deferred, refused,
                f" (last: {last.code} {last.reply[:120]})" if last is not None else "")


def _relay_failure(result: SendResult) -> bool:
    """The relay, not the message: no answer, refused connection, 421 at the greeting…"""
    return bool(getattr(result, "connection_failure", False)) or result.code == 0


def _reply_of(result: SendResult) -> str:
    return result.reply if result.code else f"pas de réponse : {result.reply}"


def _envelope(row: queue.ClaimedMessage) -> Envelope:
    return Envelope(row.mail_from, (row.to_address,))


# -- processes -------------------------------------------------------------

def asynchronous_commits(app: Flask) -> None:
    """On PostgreSQL, this process's commits do not wait for the WAL flush (``synchronous_commit=off``).

    A worker commits twice per exchange (the lease check before, the outcomes after); waiting
    for the disk each time cost more than building the messages. What it risks is bounded:
    after a crash of the database server itself, the last fraction of a second of outcomes
    may be lost, so those messages are sent again (never lost, never reported sent without
    a server's acceptance). Only worker processes do this; the web and the scheduler do not.
    """
    with app.app_context():
        engine = db.engine
        if engine.dialect.name != "postgresql":
            return

        @event.listens_for(engine, "connect")
        def _no_flush_wait(dbapi_connection, _record) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("SET synchronous_commit TO off")
            cursor.close()
            dbapi_connection.commit()

        engine.dispose()


def run_process(app: Flask, options: WorkerOptions, until_idle: bool, policy: SendingPolicy) -> WorkerStats:
    """One worker in this process; SIGTERM/SIGINT finish the message in hand and release the rest."""
    checked(policy)
    stop = threading.Event()
    asynchronous_commits(app)

    def _stop(signum, _frame) -> None:
        log.info("worker: signal %s, stopping after the message in hand", signum)
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    return Worker(app, options, stop, policy=policy).run(until_idle=until_idle)


def _child(app: Flask, options: WorkerOptions, until_idle: bool, policy: SendingPolicy) -> None:
    with app.app_context():
        db.engine.dispose(close=False)  # never share the parent's connections after fork
    transports._POOLS.clear()  # nor its SMTP sockets
    try:
        run_process(app, options, until_idle, policy)
    except SchemaError as exc:
        print(f"Base de données non initialisée : lancez flask --app wsgi db upgrade / "
              f"database not initialised: run flask --app wsgi db upgrade ({exc})", file=sys.stderr)
        sys.exit(1)


def run_processes(app: Flask, count: int, options: WorkerOptions, until_idle: bool, policy: SendingPolicy) -> int:
    """Fork ``count`` workers and wait; SIGTERM is passed on to each. Returns the worst exit code.

    The policy is checked here, before any fork: a missing part is one error, not ``count``.
    """
    import multiprocessing

    checked(policy)
    context = multiprocessing.get_context("fork")
    with app.app_context():
        db.engine.dispose()
    children = [context.Process(target=_child, args=(app, options, until_idle, policy), name=f"lettrine-worker-{i}")
                for i in range(count)]
    for child in children:
        child.start()

    def _forward(signum, _frame) -> None:
        for child in children:
            if child.is_alive() and child.pid is not None:  # pid is None only before start()
                os.kill(child.pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, _forward)
    signal.signal(signal.SIGINT, _forward)
    for child in children:
        child.join()
    return max((child.exitcode or 0) for child in children)


def run_thread(app: Flask, stop: threading.Event, policy: SendingPolicy) -> None:
    """A worker beside the web server in one process (``flask dev``: outbox or SMTP, per SMTP_URL):
    a slow idle loop, retries after half a minute."""
    Worker(app, WorkerOptions(idle_seconds=2.0, retry_base_seconds=30.0), stop, policy=policy).run()
