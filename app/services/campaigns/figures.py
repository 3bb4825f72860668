"""One set of numbers for a campaign: who it was addressed to, what became of each message, where the send stands.

The calendar, the report, the outbox, the dashboard, the CLI, the API and ``/metrics`` all
read :func:`campaign_figures` (or :func:`figures_for`, the same for several campaigns), so
one sent campaign shows the same numbers everywhere. Before this module each surface
counted on its own: the calendar showed today's audience (people who left since were gone
from it), the report summed every delivery row, and the outbox counted what the transport
was handed, so one campaign read 7, 9 and 8.

The figures (``docs/campaign-figures.md`` says the same for the officer and the operator):

``audience``
    The people the campaign was addressed to: one delivery row each, fixed when sending
    starts. Before that (draft, scheduled, held, missed) it is today's count of who would
    receive it, and ``audience_estimated`` is true. A campaign cancelled before it started
    was addressed to nobody: 0.

Each delivery row is in exactly one of these six, so they add up to ``audience``:

``queued``
    Waiting for its turn, including a message deferred by a server (4xx) until its retry.
``in_flight``
    In a worker's hands right now.
``sent``
    Accepted by the relay (SMTP 250). A message that bounces afterwards stays counted here.
``refused``
    Failed for good: refused by a server (5xx, or 4xx until the retries ran out), or the
    message could not be built for that person. It was not delivered.
``skipped``
    Not sent on purpose when its turn came: the person had unsubscribed, been suppressed
    (bounce, complaint) or erased since the send started.
``abandoned``
    Not sent because the campaign was cancelled before its turn.

And three that count people or events across those buckets:

``bounced``
    Messages reported undeliverable: refused at send time as a dead mailbox, or accepted and
    then returned by a bounce report (DSN, relay webhook). Part of ``sent`` or ``refused``.
``unsubscribed``
    Distinct people who unsubscribed through this campaign's links (the footer link, the
    preference centre, the one-click button), at any time since it started.
``clicks``
    Clicks on the campaign's links when click tracking is on; ``None`` when it is off.
    Lettrine counts no opens (no tracking pixel, by policy), so there is no "opened".

And the progress of the send:

``done``
    ``sent + refused + skipped + abandoned``: rows with an outcome.
``percent``
    ``done`` out of ``audience`` while sending, paused or sent; ``None`` otherwise (a
    cancelled campaign shows what was sent and what was abandoned, never "100 %").
``rate``
    Messages accepted per second over the last minute, only while ``sending``; else ``None``.
``eta``
    Seconds until the rows still queued or in flight are done at that rate, only while
    ``sending`` (0 when nothing is left, ``None`` when nothing went out in the last minute).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Iterable

from sqlalchemy import Select, bindparam, func, select

from app.extensions import db
from app.models import AuditLog, Campaign, CampaignStatus, Delivery, DeliveryStatus, LinkClick, utcnow
from app.sending.campaign_state import CANCELLED_REPLY
from app.services.deliverability import guard_seen, pending_guard_trip
from app.services.audience import cached_count

RATE_WINDOW_SECONDS = 60
UNSUBSCRIBE_ACTIONS = ("unsubscribe", "unsubscribe_all")
# A campaign that never started and is still expected to: its audience is today's count.
_NOT_STARTED = (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED, CampaignStatus.PAUSED, CampaignStatus.MISSED)
# Where a share of the send means something; a cancelled campaign has no "percent done".
_PERCENT = (CampaignStatus.SENDING, CampaignStatus.PAUSED, CampaignStatus.SENT)


@dataclass(frozen=True)
class CampaignFigures:
    """A campaign's figures and its progress; see the module docstring for each definition."""

    id: int
    slug: str
    status: str
    status_reason: str
    audience: int
    audience_estimated: bool
    queued: int
    in_flight: int
    sent: int
    refused: int
    skipped: int
    abandoned: int
    bounced: int
    unsubscribed: int
    clicks: int | None
    rate: float | None
    eta: float | None
    guard: str = ""  # while paused by a send guard: what it saw, until the officer acknowledges it

    @property
    def done(self) -> int:
        return self.sent + self.refused + self.skipped + self.abandoned

    @property
    def remaining(self) -> int:
        return self.queued + self.in_flight

    @property
    def percent(self) -> int | None:
        if self.status not in {s.value for s in _PERCENT} or not self.audience or self.audience_estimated:
            return None
        return 100 * self.done // self.audience

    def as_dict(self) -> dict[str, Any]:
        """The JSON of ``campaigns progress --json`` and of the API's progress endpoints, key for key."""
        return {
            "id": self.id, "slug": self.slug, "status": self.status, "status_reason": self.status_reason,
            "audience": self.audience, "audience_estimated": self.audience_estimated,
            "queued": self.queued, "in_flight": self.in_flight, "sent": self.sent, "refused": self.refused,
            "skipped": self.skipped, "abandoned": self.abandoned, "bounced": self.bounced,
            "unsubscribed": self.unsubscribed, "clicks": self.clicks,
            "done": self.done, "percent": self.percent, "rate": self.rate, "eta": self.eta, "guard": self.guard,
        }


def _guard_seen(campaign_id: int, state: CampaignStatus) -> str:
    """What a send guard saw, for a campaign it paused and nobody has acknowledged yet."""
    if state != CampaignStatus.PAUSED:
        return ""
    trip = pending_guard_trip(campaign_id)
    return guard_seen(trip) if trip is not None else ""


def campaign_figures(campaign: Campaign, now: datetime | None = None) -> CampaignFigures:
    """One campaign's figures, read fresh from the database (its status included)."""
    return figures_for([campaign], now)[campaign.id]


def _statements() -> tuple[Select, Select]:
    """The two queries, built once: building the ten filtered counts costs as much as running them."""
    status = Delivery.status
    ids: Any = bindparam("ids", expanding=True)
    counts = select(
        Delivery.campaign_id,
        func.count(),
        func.count().filter(status == DeliveryStatus.QUEUED),
        func.count().filter(status == DeliveryStatus.SENDING),
        func.count().filter(status == DeliveryStatus.SENT),
        func.count().filter(status == DeliveryStatus.FAILED),
        func.count().filter(status == DeliveryStatus.SKIPPED),
        func.count().filter(status == DeliveryStatus.SKIPPED, Delivery.smtp_reply == CANCELLED_REPLY),
        func.count().filter(Delivery.bounced.is_(True)),
        func.count().filter(status == DeliveryStatus.SENT, Delivery.sent_at >= bindparam("since")),
    ).where(Delivery.campaign_id.in_(ids)).group_by(Delivery.campaign_id)
    # The audit log's index (action, at) keeps this to the unsubscribes since the campaign began.
    unsubscribed = (
        select(func.count(func.distinct(AuditLog.subscriber_id)))
        .where(AuditLog.action.in_(UNSUBSCRIBE_ACTIONS),
               AuditLog.at >= func.coalesce(Campaign.started_at, Campaign.created_at),
               AuditLog.detail["campaign"].as_integer() == Campaign.id)
        .scalar_subquery()
    )
    clicks = select(func.coalesce(func.sum(LinkClick.clicks), 0)).where(
        LinkClick.campaign_id == Campaign.id).scalar_subquery()
    states = select(Campaign.id, Campaign.slug, Campaign.status, Campaign.status_reason, Campaign.started_at,
                    Campaign.track_clicks, unsubscribed, clicks).where(Campaign.id.in_(ids))
    return counts, states


_COUNTS, _STATES = _statements()


def figures_for(campaigns: Iterable[Campaign], now: datetime | None = None) -> dict[int, CampaignFigures]:
    """The figures of several campaigns by id: two grouped queries whatever their number, no row loaded.

    The first counts the deliveries (each bucket, the bounced, the recent sends for the rate);
    the second reads each campaign's current status with its unsubscribes and clicks.
    """
    campaigns = list(campaigns)
    ids = [c.id for c in campaigns]
    if not ids:
        return {}
    now = now or utcnow()
    since = now - timedelta(seconds=RATE_WINDOW_SECONDS)
    counts = {row[0]: [int(n or 0) for n in row[1:]]
              for row in db.session.execute(_COUNTS, {"ids": ids, "since": since}).all()}
    states = {row[0]: row[1:] for row in db.session.execute(_STATES, {"ids": ids}).all()}
    result = {}
    for campaign in campaigns:
        slug, state, reason, started_at, tracked, unsubs, clicked = states[campaign.id]
        total, queued, in_flight, sent, refused, not_sent, abandoned, bounced, recent = counts.get(
            campaign.id, [0] * 9)
        skipped = not_sent - abandoned
        estimated = not total and started_at is None and state in _NOT_STARTED
        audience = cached_count(campaign) if estimated else total
        rate = eta = None
        if state == CampaignStatus.SENDING:
            window = float(RATE_WINDOW_SECONDS)
            if started_at is not None:
                window = max(1.0, min(window, (now - started_at).total_seconds()))
            rate = round(recent / window, 1)
            remaining = queued + in_flight
            eta = 0.0 if not remaining else (round(remaining / (recent / window), 1) if recent else None)
        result[campaign.id] = CampaignFigures(
            id=campaign.id, slug=slug, status=state.value, status_reason=reason or "",
            audience=audience, audience_estimated=estimated, queued=queued, in_flight=in_flight, sent=sent,
            refused=refused, skipped=skipped, abandoned=abandoned, bounced=bounced, unsubscribed=int(unsubs or 0),
            clicks=int(clicked or 0) if tracked else None, rate=rate, eta=eta, guard=_guard_seen(campaign.id, state),
        )
    return result


# /metrics follows a campaign while it sends, and this long after it ended: enough to read a
# week's sends on a dashboard, few enough series (one per figure and campaign) for Prometheus.
RECENT_DAYS = 7


def recent_figures(now: datetime | None = None, days: int = RECENT_DAYS) -> list[CampaignFigures]:
    """Figures of the campaigns sending or paused, and of those sent or cancelled in the last ``days``."""
    now = now or utcnow()
    campaigns = db.session.scalars(select(Campaign).where(
        Campaign.started_at.is_not(None),
        (Campaign.status.in_((CampaignStatus.SENDING, CampaignStatus.PAUSED)))
        | (Campaign.finished_at >= now - timedelta(days=days)),
    ).order_by(Campaign.id)).all()
    figures = figures_for(campaigns, now)
    return [figures[c.id] for c in campaigns]
