"""Prometheus metrics at ``/metrics`` (prometheus-client, text exposition format).

Two sources, so that every figure is right whatever number of processes run:

- **A campaign's figures** (:class:`CampaignFiguresCollector`): ``lettrine_campaign_<figure>``
  per campaign (label ``campaign``, its slug) while it sends and for a week after it ended,
  read from the one function the report, the calendar and the API read
  (``app.services.campaigns.figures``), handed in by the web layer since this layer is
  below the services.
- **The database, read at scrape time** (:class:`DatabaseCollector`): deliveries and
  transactional messages by status, the queue's depth and the age of its oldest due
  row, expired leases, bounce reports by kind and reason (complaints are kind
  ``complaint``), the scheduler's lag and last pass, workers alive, import jobs. The
  database is the queue, so these are exact and need no coordination between
  processes; ``lettrine_deliveries_sent_total`` only grows, so ``rate()`` of it is the
  send rate.
- **In-process counters** (web request latency by endpoint, and what the sending layer
  reports as it happens: refused recipients, transactional outcomes, campaign status
  changes, per-exchange SMTP replies and lost leases, through the ``note_*`` functions). With ``PROMETHEUS_MULTIPROC_DIR``
  set (the systemd units set it for every process) each process writes its values
  there and a scrape sums them: gunicorn's workers and the send workers alike.

Access: ``Authorization: Bearer <METRICS_TOKEN>`` when that is set, otherwise loopback
clients only (nginx keeps /metrics to this machine too).
"""

from __future__ import annotations

import hmac
import ipaddress
import time
from datetime import datetime, timedelta
from typing import Any, Callable, Iterable, Iterator, Mapping

from flask import Flask, Response, abort, current_app, g, request
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy import and_, func, select

from app.extensions import db
from app.operations import health
from app.models import (
    BounceRecord,
    Campaign,
    CampaignStatus,
    Delivery,
    DeliveryStatus,
    ImportJob,
    MessageStatus,
    ProcessHeartbeat,
    TransactionalMessage,
    utcnow,
)

WORKER_ALIVE_SECONDS = 60.0
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

HTTP_LATENCY = Histogram(
    "lettrine_http_request_duration_seconds",
    "Web request latency by Flask endpoint.",
    ["endpoint", "method"],
    buckets=LATENCY_BUCKETS,
)
HTTP_REQUESTS = Counter(
    "lettrine_http_requests", "Web requests by Flask endpoint and status class.", ["endpoint", "method", "status"]
)
SMTP_REPLIES = Counter(
    "lettrine_smtp_replies",
    "SMTP replies per message handed to a relay, by class (2xx, 4xx, 5xx, none = no answer).",
    ["lane", "class"],
)
LOST_LEASES = Counter("lettrine_lost_leases", "Rows a worker found taken by another before sending them.")
RECIPIENTS_REFUSED = Counter("lettrine_recipients_refused", "Recipients refused for good at RCPT (5xx).")
TRANSACTIONAL_OUTCOMES = Counter(
    "lettrine_transactional_outcomes", "Final outcomes of transactional messages.", ["kind", "status"]
)
CAMPAIGN_CHANGES = Counter("lettrine_campaign_status_changes", "Campaign status changes.", ["status"])


def reply_class(code: int) -> str:
    return f"{code // 100}xx" if 200 <= code < 600 else "none"


def note_exchange(results: Iterable, lane: str = "campaign") -> None:
    """The worker's report of one SMTP exchange: one count per message, by the class of its reply."""
    for result in results:
        SMTP_REPLIES.labels(lane, reply_class(int(getattr(result, "code", 0) or 0))).inc()


def note_lost_leases(count: int) -> None:
    if count:
        LOST_LEASES.inc(count)


def note_recipient_refused() -> None:
    """A recipient refused for good at RCPT (5xx), reported by the worker."""
    RECIPIENTS_REFUSED.inc()


def note_transactional(kind: str, status: str) -> None:
    """A transactional message's final outcome ("sent", "failed", "skipped")."""
    TRANSACTIONAL_OUTCOMES.labels(str(kind), str(status)).inc()


def note_campaign_status(status: str) -> None:
    """A campaign moved to ``status`` (``app.sending.campaign_state``)."""
    CAMPAIGN_CHANGES.labels(str(status)).inc()


# -- web request latency -----------------------------------------------------------------


def _start_timer() -> None:
    g._metrics_started = time.perf_counter()


def _observe(response: Response) -> Response:
    started = g.pop("_metrics_started", None)
    if started is not None:
        endpoint = request.endpoint or "unmatched"  # 404s: one label, not one per URL
        HTTP_LATENCY.labels(endpoint, request.method).observe(time.perf_counter() - started)
        HTTP_REQUESTS.labels(endpoint, request.method, f"{response.status_code // 100}xx").inc()
    return response


# -- the database, at scrape time --------------------------------------------------------


def _age(now: datetime, then: datetime | None) -> float:
    return max(0.0, (now - then).total_seconds()) if then is not None else 0.0


class DatabaseCollector(Collector):
    """Figures read from the database at each scrape (needs an app context)."""

    def collect(self) -> Iterator[Metric]:
        now = utcnow()
        session = db.session
        by_status = dict(session.execute(select(Delivery.status, func.count()).group_by(Delivery.status)).all())
        gauge = GaugeMetricFamily("lettrine_deliveries", "Campaign deliveries by status.", labels=["status"])
        for status in DeliveryStatus:
            gauge.add_metric([status.value], by_status.get(status, 0))
        yield gauge
        for status, help_text in (
            (DeliveryStatus.SENT, "accepted by a relay"),
            (DeliveryStatus.FAILED, "failed for good"),
            (DeliveryStatus.SKIPPED, "skipped (unsubscribed, suppressed, cancelled)"),
        ):
            yield CounterMetricFamily(
                f"lettrine_deliveries_{status.value}",
                f"Campaign deliveries {help_text}.",
                value=by_status.get(status, 0),
            )

        tx = dict(
            session.execute(
                select(TransactionalMessage.status, func.count()).group_by(TransactionalMessage.status)
            ).all()
        )
        gauge = GaugeMetricFamily(
            "lettrine_transactional_messages", "Transactional messages by status.", labels=["status"]
        )
        for mstatus in MessageStatus:
            gauge.add_metric([mstatus.value], tx.get(mstatus, 0))
        yield gauge
        yield CounterMetricFamily(
            "lettrine_transactional_sent",
            "Transactional messages accepted by a relay.",
            value=tx.get(MessageStatus.SENT, 0),
        )

        in_queue = Delivery.status.in_([DeliveryStatus.QUEUED, DeliveryStatus.SENDING])
        sending = and_(in_queue, Campaign.status == CampaignStatus.SENDING)
        depth = session.scalar(select(func.count()).select_from(Delivery).join(Campaign).where(sending)) or 0
        held = (
            session.scalar(
                select(func.count())
                .select_from(Delivery)
                .join(Campaign)
                .where(in_queue, Campaign.status != CampaignStatus.SENDING)
            )
            or 0
        )
        tx_depth = tx.get(MessageStatus.QUEUED, 0) + tx.get(MessageStatus.SENDING, 0)
        gauge = GaugeMetricFamily(
            "lettrine_queue_depth",
            "Messages still to send (campaign lane: campaigns sending; held: paused or other campaigns).",
            labels=["lane"],
        )
        gauge.add_metric(["campaign"], depth)
        gauge.add_metric(["held"], held)
        gauge.add_metric(["transactional"], tx_depth)
        yield gauge

        due_since = func.coalesce(Delivery.next_attempt_at, Campaign.started_at)
        oldest = session.scalar(
            select(func.min(due_since))
            .select_from(Delivery)
            .join(Campaign)
            .where(
                Delivery.status == DeliveryStatus.QUEUED, Campaign.status == CampaignStatus.SENDING, due_since <= now
            )
        )
        oldest_tx = session.scalar(
            select(func.min(TransactionalMessage.next_attempt_at)).where(
                TransactionalMessage.status == MessageStatus.QUEUED, TransactionalMessage.next_attempt_at <= now
            )
        )
        gauge = GaugeMetricFamily(
            "lettrine_queue_oldest_due_age_seconds",
            "How long the oldest due, unclaimed message has waited (0: none).",
            labels=["lane"],
        )
        gauge.add_metric(["campaign"], _age(now, oldest))
        gauge.add_metric(["transactional"], _age(now, oldest_tx))
        yield gauge

        # Only what is still waiting to be taken back: rows of a paused or cancelled campaign are
        # claimed by nobody until it resumes, so they are held, not stranded.
        expired = (
            session.scalar(
                select(func.count())
                .select_from(Delivery)
                .join(Campaign)
                .where(
                    Delivery.status == DeliveryStatus.SENDING,
                    Delivery.lease_expires_at < now,
                    Campaign.status == CampaignStatus.SENDING,
                )
            )
            or 0
        )
        expired += (
            session.scalar(
                select(func.count())
                .select_from(TransactionalMessage)
                .where(
                    TransactionalMessage.status == MessageStatus.SENDING, TransactionalMessage.lease_expires_at < now
                )
            )
            or 0
        )
        yield GaugeMetricFamily(
            "lettrine_leases_expired",
            "Rows of sending campaigns (and transactional messages) whose worker's lease ran out and that no "
            "worker has taken back yet (a dead or frozen worker; they are claimed first, within a batch).",
            value=expired,
        )

        counter = CounterMetricFamily(
            "lettrine_bounce_reports",
            "Bounce and complaint reports received, by kind (hard, soft, complaint) and reason.",
            labels=["kind", "reason"],
        )
        for kind, reason, count in session.execute(
            select(BounceRecord.kind, BounceRecord.reason, func.count()).group_by(
                BounceRecord.kind, BounceRecord.reason
            )
        ).all():
            counter.add_metric([kind, reason], count)
        yield counter

        overdue = session.scalar(
            select(func.min(Campaign.scheduled_at)).where(
                Campaign.status == CampaignStatus.SCHEDULED, Campaign.scheduled_at <= now
            )
        )
        yield GaugeMetricFamily(
            "lettrine_scheduler_lag_seconds",
            "How late the oldest due scheduled campaign is and still not started (0: none waiting).",
            value=_age(now, overdue),
        )
        beats = dict(
            session.execute(
                select(ProcessHeartbeat.kind, func.max(ProcessHeartbeat.seen_at)).group_by(ProcessHeartbeat.kind)
            ).all()
        )
        if beats.get("scheduler") is not None:
            yield GaugeMetricFamily(
                "lettrine_scheduler_last_pass_age_seconds",
                "Seconds since the active scheduler's last dispatch pass.",
                value=_age(now, beats["scheduler"]),
            )
        alive = session.scalar(
            select(func.count())
            .select_from(ProcessHeartbeat)
            .where(
                ProcessHeartbeat.kind == "worker",
                ProcessHeartbeat.seen_at >= now - timedelta(seconds=WORKER_ALIVE_SECONDS),
            )
        )
        yield GaugeMetricFamily(
            "lettrine_workers_alive", "Send worker processes seen in the last minute.", value=alive or 0
        )
        configured, answering = health.relays()
        gauge = GaugeMetricFamily(
            "lettrine_smtp_relays",
            "Relays of SMTP_URL by state at the last probe (cached 30 s): one down of several is degraded, still ready.",
            labels=["state"],
        )
        gauge.add_metric(["answering"], answering)
        gauge.add_metric(["down"], configured - answering)
        yield gauge

        campaigns = dict(session.execute(select(Campaign.status, func.count()).group_by(Campaign.status)).all())
        gauge = GaugeMetricFamily("lettrine_campaigns", "Campaigns by status.", labels=["status"])
        for cstatus in CampaignStatus:
            gauge.add_metric([cstatus.value], campaigns.get(cstatus, 0))
        yield gauge

        imports = session.execute(select(ImportJob.status, func.count()).group_by(ImportJob.status)).all()
        gauge = GaugeMetricFamily("lettrine_import_jobs", "Subscriber import jobs by status.", labels=["status"])
        for istatus, count in imports:
            gauge.add_metric([getattr(istatus, "value", str(istatus))], count)
        yield gauge
        session.rollback()  # end the read transaction


# Each campaign figure exposed, with its help text (the definitions: docs/campaign-figures.md).
CAMPAIGN_FIGURES = {
    "audience": "People the campaign was addressed to (one delivery each, fixed when sending started).",
    "queued": "Deliveries waiting for their turn (deferred ones included).",
    "in_flight": "Deliveries in a worker's hands.",
    "sent": "Messages accepted by the relay (later bounces included).",
    "refused": "Messages failed for good (refused by a server, or not buildable).",
    "skipped": "Deliveries not sent: unsubscribed, suppressed or erased before their turn.",
    "abandoned": "Deliveries not sent: the campaign was cancelled before their turn.",
    "bounced": "Messages reported undeliverable (among sent and refused).",
    "unsubscribed": "People who unsubscribed through the campaign's links.",
    "clicks": "Clicks on the campaign's links (campaigns with click tracking only).",
}
CampaignFiguresSource = Callable[[], Iterable[Mapping[str, Any]]]


class CampaignFiguresCollector(Collector):
    """``lettrine_campaign_<figure>{campaign="<slug>"}`` from the figures ``source`` returns."""

    def __init__(self, source: CampaignFiguresSource) -> None:
        self.source = source

    def collect(self) -> Iterator[Metric]:
        families = {
            name: GaugeMetricFamily(f"lettrine_campaign_{name}", help_text, labels=["campaign"])
            for name, help_text in CAMPAIGN_FIGURES.items()
        }
        for figures in self.source():
            for name, family in families.items():
                if figures.get(name) is not None:
                    family.add_metric([str(figures["slug"])], figures[name])
        yield from families.values()


_DATABASE_REGISTRY = CollectorRegistry(auto_describe=False)
_DATABASE_REGISTRY.register(DatabaseCollector())


def exposition(campaign_figures: CampaignFiguresSource | None = None) -> bytes:
    """Every metric, in the text format: this process's (or all processes') counters, then the
    database's, then the campaigns' figures when a source of them is given."""
    if current_app.config["PROMETHEUS_MULTIPROC_DIR"]:
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        own = generate_latest(registry)
    else:
        own = generate_latest(REGISTRY)
    body = own + generate_latest(_DATABASE_REGISTRY)
    if campaign_figures is not None:
        campaigns = CollectorRegistry(auto_describe=False)
        campaigns.register(CampaignFiguresCollector(campaign_figures))
        body += generate_latest(campaigns)
    return body


def _has_token() -> bool:
    token = current_app.config["METRICS_TOKEN"]
    given = request.headers.get("Authorization", "")
    return bool(token) and hmac.compare_digest(given.encode(), f"Bearer {token}".encode())


def _loopback() -> bool:
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


def allowed() -> bool:
    """``/metrics``: a valid bearer token when METRICS_TOKEN is set; otherwise a loopback client."""
    return _has_token() if current_app.config["METRICS_TOKEN"] else _loopback()


def trusted_client() -> bool:
    """May see the details of ``/readyz``: a loopback client, or one with the METRICS_TOKEN."""
    return _loopback() or _has_token()


def metrics_view(campaign_figures: CampaignFiguresSource | None = None) -> Response:
    if not allowed():
        abort(403 if not current_app.config["METRICS_TOKEN"] else 401)
    return Response(
        exposition(campaign_figures), mimetype=CONTENT_TYPE_LATEST.split(";")[0], headers={"Cache-Control": "no-store"}
    )


def init_app(app: Flask) -> None:
    app.before_request(_start_timer)
    app.after_request(_observe)
