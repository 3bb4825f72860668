"""The worker's policy, built from the product's rules: :func:`sending_policy`.

The sending layer cannot call the services (imports point down), so what it must hear
about is given to each worker as one object (``app.sending.policy.SendingPolicy``), built
here and passed where a worker is made: ``flask worker``, ``flask dev`` (:func:`dev_worker`)
and the tests' helpers. Nothing is connected behind anyone's back at start-up.
"""
from __future__ import annotations

import threading

from flask import Flask

from app.extensions import db
from app.models import Campaign, Subscriber
from app.sending.policy import RefusedRecipient, SendingPolicy, TransactionalOutcome
from app.sending.worker import run_thread
from app.services.audience import audit
from app.services.deliverability import HARD_BOUNCE, WorkerGuard, register_bounce
from app.services.events import checkin_personal
from app.services.integrations import campaign_data, emit_signal


def _hard_bounce(refused: RefusedRecipient) -> None:
    """A 5xx at RCPT during a campaign send: the bounce rules classify the reply (the worker commits)."""
    subscriber = db.session.get(Subscriber, refused.subscriber_id)
    if subscriber is not None:
        register_bounce(subscriber, HARD_BOUNCE, diagnostic=refused.diagnostic, campaign_id=refused.campaign_id,
                        source=refused.source)


def _audit_outcome(outcome: TransactionalOutcome) -> None:
    """The person's audit trail says what really happened to their confirmation, export link…"""
    subscriber = db.session.get(Subscriber, outcome.subscriber_id) if outcome.subscriber_id else None
    if subscriber is None:
        return
    action = {"sent": "message_sent", "skipped": "message_skipped"}.get(outcome.status, "message_refused")
    audit(action, subscriber, actor="system", source="worker",
          detail={"kind": outcome.kind, "message": outcome.message_id, "reply": outcome.reply[:500]})


def announce_campaign(campaign_id: int, event: str, status: str) -> None:
    """``campaign.started`` / ``campaign.finished`` for the webhooks, in the caller's transaction."""
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is not None:
        emit_signal(event, campaign={**campaign_data(campaign), "status": status})


def campaign_finished(campaign_id: int) -> None:
    announce_campaign(campaign_id, "campaign.finished", "sent")


def sending_policy() -> SendingPolicy:
    """Bounces at RCPT, the audit of one-off messages, the webhooks, the send guards, the reminders' check-in block."""
    return SendingPolicy(
        recipient_refused=_hard_bounce,
        transactional_outcome=_audit_outcome,
        campaign_finished=campaign_finished,
        campaign_guard=WorkerGuard(),
        personal={"checkin": checkin_personal},
    )


def dev_worker(app: Flask, stop: threading.Event) -> None:
    """``flask dev``'s worker thread, with its policy."""
    run_thread(app, stop, sending_policy())
