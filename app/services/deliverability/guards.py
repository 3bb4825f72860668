"""Guards that stop a bad send: the rules that pause a campaign hurting the sending domain.

Three rules, one place (docs/deliverability.md):

- complaints: more than ``GUARD_COMPLAINT_PERCENT`` (0.3 %, Gmail's and Yahoo's bulk-sender
  limit) of the delivered messages, once ``GUARD_COMPLAINT_MIN_DELIVERED`` (1,000) are delivered;
- hard bounces: more than ``GUARD_HARD_BOUNCE_PERCENT`` (5 %) of the messages sent (accepted
  or refused), once ``GUARD_HARD_BOUNCE_MIN_SENT`` (500) are: the mark of a stale list;
- SMTP errors: half of a worker's last outcomes refused (at least 50): the relay or the
  message is wrong, and going on would only fail the rest of the list.

Complaints and hard bounces are read from what came back (ARF reports, DSNs, refusals at
RCPT), so every worker sees the same figures; the worker asks before each chunk of rows
(``app.sending.guards``), so a campaign stops within one batch of the threshold.

A pause records a :class:`~app.models.GuardTrip` (what was seen, in one French sentence),
shows that sentence on the campaign page and the dashboard, and emails the admins through
the transactional lane. Resuming needs the officer to acknowledge it; the guard then
measures anew from that moment, so the same complaints do not pause it again at once.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from babel.numbers import format_decimal
from flask import current_app
from sqlalchemy import func, select

from app import links
from app.extensions import db
from app.message.bounce_reasons import COMPLAINT, HARD
from app.models import (
    BounceRecord, Campaign, CampaignStatus, Delivery, DeliveryStatus, GuardTrip, Role, User, utcnow,
)
from app.sending import campaign_state
from app.sending.guards import RecentOutcomes
from app.sending.transactional import send_transactional
from config import Guards

log = logging.getLogger(__name__)

# Half of a worker's last outcomes refused, over at least 50 of them: the relay or the message is wrong.
SMTP_ERROR_RATIO = 0.5
SMTP_ERROR_MIN_OUTCOMES = 50

COMPLAINTS, HARD_BOUNCES, SMTP_ERRORS = "complaints", "hard_bounces", "smtp_errors"


@dataclass(frozen=True)
class Figures:
    """What a campaign's send has given so far."""

    delivered: int = 0  # accepted by the relay
    sent: int = 0  # accepted or refused for good: what a hard-bounce rate is counted over
    complaints: int = 0  # people who reported it as spam (attributed ARF reports)
    hard_bounces: int = 0  # dead mailboxes or domains (refusals at RCPT and DSNs)

    def since(self, baseline: dict) -> "Figures":
        """The figures after an acknowledged pause: what happened since ``baseline`` (its ``as_dict``)."""
        return Figures(*(max(0, value - int(baseline.get(name, 0))) for name, value in self.as_dict().items()))

    def as_dict(self) -> dict[str, int]:
        return {"delivered": self.delivered, "sent": self.sent, "complaints": self.complaints,
                "hard_bounces": self.hard_bounces}


@dataclass(frozen=True)
class Trip:
    """A rule passed: which, what was counted over what, the threshold, and the sentence the officer reads."""

    rule: str
    observed: int
    base: int
    threshold: float
    summary: str


def limits() -> Guards:
    return current_app.config.get("GUARDS") or Guards()


def figures(campaign_id: int) -> Figures:
    """What came back so far: two grouped queries on indexed columns."""
    return _with_reports(campaign_id, _deliveries(campaign_id))


def _deliveries(campaign_id: int) -> Figures:
    """Delivered and sent, from the deliveries' statuses (no reports counted)."""
    counts = dict(db.session.execute(
        select(Delivery.status, func.count()).where(
            Delivery.campaign_id == campaign_id,
            Delivery.status.in_((DeliveryStatus.SENT, DeliveryStatus.FAILED)))
        .group_by(Delivery.status)).all())
    delivered = int(counts.get(DeliveryStatus.SENT, 0))
    return Figures(delivered=delivered, sent=delivered + int(counts.get(DeliveryStatus.FAILED, 0)))


def _with_reports(campaign_id: int, sent: Figures) -> Figures:
    """``sent`` with the complaints and hard bounces attributed to the campaign (people, not reports)."""
    found = dict(db.session.execute(
        select(BounceRecord.kind, func.count(func.distinct(BounceRecord.subscriber_id))).where(
            BounceRecord.campaign_id == campaign_id, BounceRecord.kind.in_((COMPLAINT, HARD)),
            BounceRecord.subscriber_id.is_not(None), BounceRecord.undone_at.is_(None))
        .group_by(BounceRecord.kind)).all())
    return Figures(delivered=sent.delivered, sent=sent.sent, complaints=int(found.get(COMPLAINT, 0)),
                   hard_bounces=int(found.get(HARD, 0)))


def _number(value: float) -> str:
    return format_decimal(value, locale="fr_FR")


def _percent(rate: float) -> str:
    return format_decimal(rate * 100, format="0.##", locale="fr_FR") + "\u00a0%"


def judge(seen: Figures, rules: Guards) -> Trip | None:
    """The first rule ``seen`` passes, or None. Pure: the figures and the thresholds in, a verdict out."""
    if seen.delivered >= rules.complaint_min_delivered and seen.complaints > rules.complaint_rate * seen.delivered:
        rate = seen.complaints / seen.delivered
        return Trip(COMPLAINTS, seen.complaints, seen.delivered, rules.complaint_rate, (
            f"Mise en pause automatique : {_number(seen.complaints)} plaintes pour indésirable sur "
            f"{_number(seen.delivered)} messages délivrés ({_percent(rate)}), au-delà du seuil de "
            f"{_percent(rules.complaint_rate)} que Gmail et Yahoo imposent aux envois en nombre. "
            "Vérifiez d'où vient la liste (consentement, inscriptions anciennes) avant de reprendre."))
    if seen.sent >= rules.hard_bounce_min_sent and seen.hard_bounces > rules.hard_bounce_rate * seen.sent:
        rate = seen.hard_bounces / seen.sent
        return Trip(HARD_BOUNCES, seen.hard_bounces, seen.sent, rules.hard_bounce_rate, (
            f"Mise en pause automatique : {_number(seen.hard_bounces)} adresses inexistantes (rebonds définitifs) "
            f"sur {_number(seen.sent)} messages envoyés ({_percent(rate)}), au-delà du seuil de "
            f"{_percent(rules.hard_bounce_rate)}. La liste semble ancienne : nettoyez-la avant de reprendre."))
    return None


def judge_errors(recent: RecentOutcomes) -> Trip | None:
    """Half of a worker's last outcomes (at least 50) refused by the server."""
    if recent.outcomes < SMTP_ERROR_MIN_OUTCOMES or recent.errors < SMTP_ERROR_RATIO * recent.outcomes:
        return None
    return Trip(SMTP_ERRORS, recent.errors, recent.outcomes, SMTP_ERROR_RATIO, (
        f"Mise en pause automatique : {recent.errors} erreurs sur les {recent.outcomes} derniers envois "
        f"(dernière : {recent.last_error}). Vérifiez le serveur d'envoi, puis reprenez la campagne."))


def _baseline(campaign_id: int) -> dict:
    """The figures the officer saw when she last resumed after a guard's pause ({} if never)."""
    return db.session.scalar(
        select(GuardTrip.baseline).where(GuardTrip.campaign_id == campaign_id, GuardTrip.acknowledged_at.is_not(None))
        .order_by(GuardTrip.acknowledged_at.desc(), GuardTrip.id.desc()).limit(1)) or {}


def check_campaign(campaign_id: int) -> bool:
    """Pause the campaign if what came back passes a rule (measured since the last acknowledged pause).

    Asked before every chunk of rows: the reports are not counted until enough messages have
    gone for a rule to apply (most chunks of a small campaign cost one count query).
    """
    rules, baseline = limits(), _baseline(campaign_id)
    sent = _deliveries(campaign_id)
    fresh = sent.since(baseline)
    if fresh.delivered < rules.complaint_min_delivered and fresh.sent < rules.hard_bounce_min_sent:
        return False
    trip = judge(_with_reports(campaign_id, sent).since(baseline), rules)
    return trip is not None and pause_for(campaign_id, trip)


def check_errors(campaign_id: int, recent: RecentOutcomes) -> bool:
    trip = judge_errors(recent)
    return trip is not None and pause_for(campaign_id, trip)


def pause_for(campaign_id: int, trip: Trip) -> bool:
    """sending → paused with the trip's sentence, the trip recorded and the admins emailed: one transaction.

    False when someone else moved the campaign first (paused, cancelled, finished): nothing is written.
    """
    if not campaign_state.transition(campaign_id, (CampaignStatus.SENDING,), CampaignStatus.PAUSED,
                                     status_reason=trip.summary[:2000]):
        db.session.rollback()
        return False
    db.session.add(GuardTrip(campaign_id=campaign_id, rule=trip.rule, observed=trip.observed, base=trip.base,
                             threshold=trip.threshold, summary=trip.summary, tripped_at=utcnow()))
    _tell_admins(campaign_id, trip)
    db.session.commit()
    log.warning("campaign %s paused by the %s guard: %s", campaign_id, trip.rule, trip.summary)
    return True


def _tell_admins(campaign_id: int, trip: Trip) -> None:
    """One message per active admin, in the transactional lane (it leaves ahead of any campaign batch)."""
    name = db.session.scalar(select(Campaign.name).where(Campaign.id == campaign_id)) or ""
    admins = db.session.scalars(select(User.email).where(User.role == Role.ADMIN, User.active.is_(True))).all()
    for address in admins:
        send_transactional("campaign_paused", address, {
            "subject": f"Campagne en pause : {name}"[:200],
            "campaign_name": name,
            "reason": trip.summary,
            "campaign_url": links.absolute(f"/admin/campaigns/{campaign_id}/edit"),
        }, reference=f"guard:{campaign_id}")


_SEEN = {
    COMPLAINTS: "{observed} plaintes pour indésirable sur {base} messages délivrés ({rate}, seuil {threshold})",
    HARD_BOUNCES: "{observed} adresses inexistantes sur {base} messages envoyés ({rate}, seuil {threshold})",
    SMTP_ERRORS: "{observed} refus du serveur sur les {base} derniers envois ({rate}, seuil {threshold})",
}


def seen(trip: GuardTrip) -> str:
    """What the guard saw, in a few words: the resume button's confirmation repeats it."""
    return _SEEN.get(trip.rule, "{observed} sur {base}").format(
        observed=_number(trip.observed), base=_number(trip.base),
        rate=_percent(trip.observed / trip.base) if trip.base else "—", threshold=_percent(trip.threshold))


def pending_trip(campaign_id: int) -> GuardTrip | None:
    """The pause the officer has not acknowledged yet, while the campaign is still paused."""
    status = db.session.scalar(select(Campaign.status).where(Campaign.id == campaign_id))
    if status != CampaignStatus.PAUSED:
        return None
    return db.session.scalar(
        select(GuardTrip).where(GuardTrip.campaign_id == campaign_id, GuardTrip.acknowledged_at.is_(None))
        .order_by(GuardTrip.tripped_at.desc(), GuardTrip.id.desc()).limit(1))


def acknowledge(trip: GuardTrip, by: str) -> None:
    """The officer has read what the guard saw: the guard measures anew from now (the caller commits)."""
    now = figures(trip.campaign_id)
    for earlier in db.session.scalars(select(GuardTrip).where(GuardTrip.campaign_id == trip.campaign_id,
                                                              GuardTrip.acknowledged_at.is_(None))):
        earlier.acknowledged_at, earlier.acknowledged_by = utcnow(), by[:320]
        earlier.baseline = now.as_dict()


class WorkerGuard:
    """What the worker calls (``app.sending.guards.CampaignGuard``): the rules above."""

    def before_chunk(self, campaign_id: int) -> bool:
        return check_campaign(campaign_id)

    def after_errors(self, campaign_id: int, recent: RecentOutcomes) -> bool:
        return check_errors(campaign_id, recent)
