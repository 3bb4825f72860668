"""Campaign lifecycle: draft → scheduled → sending → sent, with pause, resume, cancel,
"retry failed", and the automatic pause when errors pile up (the figures and the progress of a
send are :mod:`app.services.campaigns.figures`).

The transitions themselves are compare-and-set UPDATEs owned by
``app.sending.campaign_state``; this module adds what the officer's actions need
around them: preflight, French errors, the rows each action changed.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import update

from app.database import refresh_statistics, rowcount
from app.errors import LettrineError
from app.extensions import db
from app.models import Campaign, Delivery, DeliveryStatus, utcnow
from app.sending import campaign_state
from app.sending.queue import enqueue
from app.services.campaigns.preflight import preflight_errors
from app.services.campaigns.worker_policy import announce_campaign, campaign_finished
from app.services.deliverability import acknowledge_guard, pending_guard_trip

# Above this many deliveries queued at once, PostgreSQL's statistics are refreshed (see
# app.database.refresh_statistics): a plan made for an empty table would not survive them.
ANALYZE_AFTER_ROWS = 1000


class CampaignStateError(LettrineError, ValueError):
    """The campaign is not in a state that allows this action (message in French)."""

    status = 409
    code = "campaign_state"
    en = "The campaign is not in a state that allows this action."


class PreflightFailed(CampaignStateError):
    """The rendered message fails the pre-send checks; ``errors`` lists them in French."""

    code = "preflight_failed"

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
    announce_campaign(campaign.id, "campaign.started", "sending")
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
    """Cancel for good. Returns how many deliveries this abandoned (turned ``skipped``): the rows it
    changed, counted by the UPDATE itself, so it is the ``abandoned`` figure the campaign then shows
    (plus any a live worker abandons from its hands afterwards). Commits."""
    now = now or utcnow()
    abandoned = campaign_state.cancel(campaign.id, now)
    _done(abandoned is not None, "Cette campagne ne peut plus être annulée.", campaign)
    return abandoned or 0


def retry_failed(campaign: Campaign, now: datetime | None = None) -> int:
    """Queue the failed deliveries again (the send-time check still skips suppressed people). Commits.

    Deliveries refused as hard bounces stay failed, with their bounce record: sending
    to a dead mailbox again would only hurt the sender's reputation. A finished or
    paused campaign goes back to ``sending`` so workers pick the others up.
    """
    now = now or utcnow()
    if campaign.status not in campaign_state.RETRYABLE:
        raise CampaignStateError("Seule une campagne envoyée, en cours ou en pause peut relancer ses échecs.")
    count = rowcount(db.session.execute(
        update(Delivery)
        .where(Delivery.campaign_id == campaign.id, Delivery.status == DeliveryStatus.FAILED,
               Delivery.bounced.is_(False))
        .values(status=DeliveryStatus.QUEUED, attempts=0, next_attempt_at=now,
                lease_owner=None, lease_expires_at=None, updated_at=now)
        .execution_options(synchronize_session=False, preserve_rowcount=True)
    ))
    if count > 0:
        campaign_state.reopen_for_retry(campaign.id)
    db.session.commit()
    db.session.refresh(campaign)
    return max(count, 0)


auto_pause = campaign_state.auto_pause


def finish_if_done(campaign_id: int, now: datetime | None = None) -> bool:
    """sending → sent once nothing is left to send, announced to the webhooks (commits)."""
    return campaign_state.finish_if_done(campaign_id, now, then=campaign_finished)


STARTABLE, PAUSABLE, CANCELLABLE = campaign_state.STARTABLE, campaign_state.PAUSABLE, campaign_state.CANCELLABLE
