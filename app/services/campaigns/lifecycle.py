"""Campaign lifecycle: draft → scheduled → sending → sent, with pause, resume, cancel,
"retry failed", live progress, and the automatic pause when errors pile up.

The transitions themselves are compare-and-set UPDATEs owned by
``app.sending.campaign_state``; this module adds what the officer's actions need
around them: preflight, French errors, counts.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from app.database import refresh_statistics
from app.extensions import db
from app.models import Campaign, CampaignStatus, Delivery, DeliveryStatus, utcnow
from app.sending import campaign_state
from app.sending.queue import enqueue
from app.services.campaigns.preflight import preflight_errors
from app.services.deliverability import acknowledge_guard, guard_seen, pending_guard_trip

# Above this many deliveries queued at once, PostgreSQL's statistics are refreshed (see
# app.database.refresh_statistics): a plan made for an empty table would not survive them.
ANALYZE_AFTER_ROWS = 1000


class CampaignStateError(ValueError):
    """The campaign is not in a state that allows this action (message in French)."""


class PreflightFailed(CampaignStateError):
    """The rendered message fails the pre-send checks; ``errors`` lists them in French."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("Vérifications avant envoi en échec : " + " ; ".join(errors))
        self.errors = errors


def require_preflight(campaign: Campaign) -> None:
    """Refuse to send or schedule a campaign whose rendered message has preflight errors."""
    errors = preflight_errors(campaign)
    if errors:
        raise PreflightFailed(errors)


def start_campaign(campaign: Campaign, now: datetime | None = None) -> int | None:
    """Move a draft or scheduled campaign to ``sending`` and queue its deliveries.

    Returns the number of deliveries queued, or ``None`` when another process
    (or an earlier call) already started it. Raises :class:`PreflightFailed` when
    the rendered message fails the pre-send checks. Commits.
    """
    now = now or utcnow()
    require_preflight(campaign)
    if not campaign_state.start(campaign.id, now):
        db.session.rollback()
        return None
    queued = enqueue(campaign, now)
    db.session.commit()
    if queued >= ANALYZE_AFTER_ROWS:
        refresh_statistics("deliveries")
    db.session.refresh(campaign)
    return queued


# --- scheduling and the officer's controls ----------------------------------------------

def _done(won: bool, error: str, campaign: Campaign) -> None:
    if not won:
        db.session.rollback()
        raise CampaignStateError(error)
    db.session.commit()
    db.session.refresh(campaign)


def schedule_campaign(campaign: Campaign, at_utc: datetime, now: datetime | None = None) -> None:
    """Plan a draft (or re-plan a scheduled) campaign for ``at_utc``; the scheduler starts it. Commits."""
    now = now or utcnow()
    if at_utc.tzinfo is None:
        raise ValueError("heure d'envoi sans fuseau horaire")
    if at_utc <= now:
        raise CampaignStateError("L'heure d'envoi prévue est déjà passée.")
    require_preflight(campaign)
    status = campaign.status.value
    _done(campaign_state.schedule(campaign.id, at_utc),
          f"Seule une campagne en brouillon ou programmée peut être programmée (statut actuel : {status}).", campaign)


def pause_campaign(campaign: Campaign, reason: str = "") -> None:
    """Stop claiming the campaign's deliveries; messages already in a worker's hand still go. Commits."""
    _done(campaign_state.pause(campaign.id, reason),
          "Seule une campagne en cours d'envoi ou programmée peut être mise en pause.", campaign)


class GuardNotAcknowledged(CampaignStateError):
    """The campaign was paused by a guard (complaints, hard bounces, errors): resuming needs the
    officer to say she has read what it saw; ``summary`` is that sentence."""

    def __init__(self, summary: str) -> None:
        super().__init__("Cette campagne a été mise en pause automatiquement : confirmez avoir pris connaissance "
                         f"de la raison avant de reprendre. {summary}")
        self.summary = summary


def resume_campaign(campaign: Campaign, *, acknowledged: bool = False, by: str = "") -> None:
    """A paused campaign sends again (or goes back to its schedule if it never started). Commits.

    After a guard's pause (app.services.deliverability.guards) ``acknowledged`` must be True:
    the officer has read what was seen; the guard then measures anew from this moment.
    Raises :class:`GuardNotAcknowledged` otherwise.
    """
    trip = pending_guard_trip(campaign.id)
    if trip is not None:
        if not acknowledged:
            raise GuardNotAcknowledged(trip.summary)
        acknowledge_guard(trip, by or "?")
    _done(campaign_state.resume(campaign), "Seule une campagne en pause peut reprendre.", campaign)


def cancel_campaign(campaign: Campaign, now: datetime | None = None) -> int:
    """Cancel for good: the deliveries still queued become ``skipped``. Returns how many. Commits."""
    now = now or utcnow()
    queued = db.session.scalar(select(func.count()).select_from(Delivery).where(
        Delivery.campaign_id == campaign.id, Delivery.status == DeliveryStatus.QUEUED)) or 0
    _done(campaign_state.cancel(campaign.id, now), "Cette campagne ne peut plus être annulée.", campaign)
    return queued


def retry_failed(campaign: Campaign, now: datetime | None = None) -> int:
    """Queue the failed deliveries again (the send-time check still skips suppressed people). Commits.

    Deliveries refused as hard bounces stay failed, with their bounce record: sending
    to a dead mailbox again would only hurt the sender's reputation. A finished or
    paused campaign goes back to ``sending`` so workers pick the others up.
    """
    now = now or utcnow()
    if campaign.status not in campaign_state.RETRYABLE:
        raise CampaignStateError("Seule une campagne envoyée, en cours ou en pause peut relancer ses échecs.")
    count = db.session.execute(
        update(Delivery)
        .where(Delivery.campaign_id == campaign.id, Delivery.status == DeliveryStatus.FAILED,
               Delivery.bounced.is_(False))
        .values(status=DeliveryStatus.QUEUED, attempts=0, next_attempt_at=now,
                lease_owner=None, lease_expires_at=None, updated_at=now)
        .execution_options(synchronize_session=False, preserve_rowcount=True)
    ).rowcount
    if count > 0:
        campaign_state.reopen_for_retry(campaign.id)
    db.session.commit()
    db.session.refresh(campaign)
    return max(count, 0)


auto_pause = campaign_state.auto_pause
finish_if_done = campaign_state.finish_if_done
STARTABLE, PAUSABLE, CANCELLABLE = campaign_state.STARTABLE, campaign_state.PAUSABLE, campaign_state.CANCELLABLE


@dataclass(frozen=True)
class Progress:
    """Where a campaign stands; ``rate`` is messages/s over the last minute, ``eta`` seconds."""

    status: str
    status_reason: str
    total: int
    sent: int
    failed: int
    skipped: int
    queued: int
    in_flight: int
    bounced: int
    rate: float
    eta: float | None
    guard: str = ""  # what a guard saw when it paused the campaign (a few words), until the officer acknowledges it

    @property
    def done(self) -> int:
        return self.sent + self.failed + self.skipped

    def as_dict(self) -> dict:
        data = asdict(self)
        data["done"] = self.done
        return data


RATE_WINDOW_SECONDS = 60


def progress(campaign: Campaign, now: datetime | None = None) -> Progress:
    """Counts by status, the recent rate and an ETA: two grouped queries, no row loaded."""
    now = now or utcnow()
    counts = dict(db.session.execute(
        select(Delivery.status, func.count()).where(Delivery.campaign_id == campaign.id).group_by(Delivery.status)
    ).all())
    since = now - timedelta(seconds=RATE_WINDOW_SECONDS)
    recent, bounced = db.session.execute(
        select(
            func.count().filter(Delivery.sent_at >= since),
            func.count().filter(Delivery.bounced.is_(True)),
        ).where(Delivery.campaign_id == campaign.id)
    ).one()
    status = db.session.scalar(select(Campaign.status).where(Campaign.id == campaign.id))
    reason = db.session.scalar(select(Campaign.status_reason).where(Campaign.id == campaign.id)) or ""
    get = lambda s: int(counts.get(s, 0))  # noqa: E731
    queued, in_flight = get(DeliveryStatus.QUEUED), get(DeliveryStatus.SENDING)
    window = RATE_WINDOW_SECONDS
    if campaign.started_at is not None:
        window = max(1.0, min(window, (now - campaign.started_at).total_seconds()))
    rate = recent / window
    remaining = queued + in_flight
    eta = remaining / rate if rate > 0 else (0.0 if remaining == 0 else None)
    trip = pending_guard_trip(campaign.id) if status == CampaignStatus.PAUSED else None
    return Progress(
        guard=guard_seen(trip) if trip is not None else "",
        status=status.value, status_reason=reason, total=sum(counts.values()),
        sent=get(DeliveryStatus.SENT), failed=get(DeliveryStatus.FAILED), skipped=get(DeliveryStatus.SKIPPED),
        queued=queued, in_flight=in_flight, bounced=int(bounced or 0), rate=round(rate, 1),
        eta=round(eta, 1) if eta is not None else None,
    )
