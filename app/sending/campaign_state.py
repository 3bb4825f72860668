"""Every change of a campaign's status, in one place, each one a compare-and-set.

``UPDATE campaigns SET status = … WHERE id = … AND status IN (allowed)``: the row
changes only if nobody moved it first, so two schedulers, two clicks, a worker and
an officer, or a cycle save and the scheduler cannot both act on one campaign.
The functions that commit say so; the others leave the commit to the caller, so a
transition and its side effects (queued deliveries, skipped rows) land together.

    draft ──► scheduled ──► sending ──► sent
      │           │  ▲         │ ▲
      │           ▼  │         ▼ │
      │         paused ◄───────┘ │     (pause, auto-pause, preflight hold)
      │           │              │
      └──────► cancelled ◄───────┘     missed (due while everything was down)
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Callable

from sqlalchemy import and_, exists, or_, update

from app.database import rowcount
from app.extensions import db
from app.models import Campaign, CampaignStatus, Delivery, DeliveryStatus, SequenceStep, utcnow
from app.operations import metrics

STARTABLE = (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED)
PAUSABLE = (CampaignStatus.SENDING, CampaignStatus.SCHEDULED)
CANCELLABLE = (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED, CampaignStatus.SENDING, CampaignStatus.PAUSED)
RETRYABLE = (CampaignStatus.SENDING, CampaignStatus.PAUSED, CampaignStatus.SENT)
# The reply written on a delivery abandoned because its campaign was cancelled: what tells
# "abandoned" from "skipped at send time" in the campaign's figures.
CANCELLED_REPLY = "campagne annulée"
# A reminder the cycle editor may still reschedule or cancel: not yet started.
REMINDER_MOVABLE = (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED, CampaignStatus.CANCELLED)


def transition(campaign_id: int, allowed: tuple[CampaignStatus, ...], target: CampaignStatus,
               *extra_where: Any, **values: Any) -> bool:
    """Compare-and-set one campaign's status; True when this call made the change. Does not commit.

    The columns it wrote are reloaded on next access in objects of that campaign already loaded.
    """
    won = rowcount(db.session.execute(
        update(Campaign)
        .where(Campaign.id == campaign_id, Campaign.status.in_(allowed), *extra_where)
        .values(status=target, **values)
        .execution_options(synchronize_session=False, preserve_rowcount=True)
    )) == 1
    if won:
        for obj in list(db.session.identity_map.values()):
            if isinstance(obj, Campaign) and obj.id == campaign_id:
                db.session.expire(obj, ["status", *values])  # only what changed: pending edits stay
        metrics.note_campaign_status(target.value)
    return won


def start(campaign_id: int, now: datetime) -> bool:
    """draft/scheduled → sending (the caller queues the deliveries in the same transaction)."""
    return transition(campaign_id, STARTABLE, CampaignStatus.SENDING, started_at=now, status_reason="")


def schedule(campaign_id: int, at_utc: datetime) -> bool:
    return transition(campaign_id, STARTABLE, CampaignStatus.SCHEDULED, scheduled_at=at_utc, status_reason="")


def pause(campaign_id: int, reason: str = "") -> bool:
    return transition(campaign_id, PAUSABLE, CampaignStatus.PAUSED, status_reason=reason[:2000])


def resume(campaign: Campaign) -> bool:
    """A paused campaign sends again, or goes back to its schedule if it never started."""
    target = CampaignStatus.SENDING if campaign.started_at is not None else CampaignStatus.SCHEDULED
    return transition(campaign.id, (CampaignStatus.PAUSED,), target, status_reason="")


def cancel(campaign_id: int, now: datetime, reason: str = "") -> int | None:
    """Cancel for good; returns how many deliveries this made ``skipped`` (abandoned), None if it could not.

    In the same transaction, the rows still queued are abandoned, and so are rows claimed by a
    worker whose lease has run out (a dead worker's: nobody would ever finish them). Rows a live
    worker holds are left to it: it sends those already in an SMTP exchange and abandons the rest.
    """
    if not transition(campaign_id, CANCELLABLE, CampaignStatus.CANCELLED, finished_at=now,
                      **({"status_reason": reason} if reason else {})):
        return None
    unclaimed = or_(Delivery.status == DeliveryStatus.QUEUED,
                    and_(Delivery.status == DeliveryStatus.SENDING, Delivery.lease_expires_at < now))
    result = db.session.execute(
        update(Delivery)
        .where(Delivery.campaign_id == campaign_id, unclaimed)
        .values(status=DeliveryStatus.SKIPPED, smtp_reply=CANCELLED_REPLY, lease_owner=None, lease_expires_at=None,
                updated_at=now)
        .execution_options(synchronize_session=False, preserve_rowcount=True)
    )
    return max(rowcount(result), 0)


def reopen_for_retry(campaign_id: int) -> bool:
    """paused/sent → sending, after "retry failed" queued rows again."""
    return transition(campaign_id, (CampaignStatus.PAUSED, CampaignStatus.SENT), CampaignStatus.SENDING,
                      finished_at=None, status_reason="")


def auto_pause(campaign_id: int, reason: str) -> bool:
    """sending → paused because its errors passed the threshold; ``reason`` in French. Commits."""
    won = transition(campaign_id, (CampaignStatus.SENDING,), CampaignStatus.PAUSED, status_reason=reason[:2000])
    db.session.commit()
    return won


def hold_scheduled(campaign_id: int, reason: str) -> bool:
    """scheduled → paused when it fails preflight at its due time (the officer must look). Commits."""
    won = transition(campaign_id, (CampaignStatus.SCHEDULED,), CampaignStatus.PAUSED, status_reason=reason[:2000])
    db.session.commit()
    return won


def mark_missed(campaign_id: int, reason: str, now: datetime) -> bool:
    """scheduled → missed: due while everything was down, beyond the grace period. Commits."""
    won = transition(campaign_id, (CampaignStatus.SCHEDULED,), CampaignStatus.MISSED, status_reason=reason,
                     updated_at=now)
    db.session.commit()
    return won


def finish_if_done(campaign_id: int, now: datetime | None = None, *,
                   then: Callable[[int], None] | None = None) -> bool:
    """sending → sent once no delivery is queued or in flight (one statement), unless it carries a sequence's step. Commits.

    ``then(campaign_id)`` runs when this call finished it, before the commit, so what it
    writes (the ``campaign.finished`` webhook) lands with the status change or not at all.
    """
    remaining = exists().where(
        Delivery.campaign_id == campaign_id,
        Delivery.status.in_((DeliveryStatus.QUEUED, DeliveryStatus.SENDING)),
    )
    # A sequence's step is carried by a campaign that stays open: its next recipients come at the next tick.
    a_step = exists().where(SequenceStep.campaign_id == campaign_id)
    won = transition(campaign_id, (CampaignStatus.SENDING,), CampaignStatus.SENT, ~remaining, ~a_step,
                     finished_at=now or utcnow())
    if won and then is not None:
        then(campaign_id)
    db.session.commit()
    return won


def reschedule_reminder(campaign_id: int, at_utc: datetime) -> bool:
    """A reminder not yet started follows its journée (or comes back after a cancel). Does not commit."""
    return transition(campaign_id, REMINDER_MOVABLE, CampaignStatus.SCHEDULED, scheduled_at=at_utc, status_reason="")


def cancel_reminder(campaign_id: int, reason: str, now: datetime) -> bool:
    """A reminder not yet started whose rule, journée or moment is gone. Does not commit.

    Only from draft or scheduled: a reminder the scheduler has just started keeps going.
    """
    return transition(campaign_id, (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED), CampaignStatus.CANCELLED,
                      status_reason=reason, finished_at=now)
