"""One message for one address, on demand of another system: a campaign used as the template.

The officer writes the message once as a campaign (draft is fine); the API fills in the
person's values (first and last name, attributes) and queues it in the transactional
lane, where the workers sign, send, retry and record it like any confirmation. A known
subscriber gets their own unsubscribe links. Such a message is editorial (kind "api" of
``app.sending.eligibility``): an address its rule stops — unsubscribed, on the suppression
list, bounced, at an excluded domain — is refused with the reason.
"""
from __future__ import annotations

from typing import Any

from app.extensions import db
from app.errors import LettrineError
from app.message.builder import HeaderInjection, Recipient
from app.sending.compose import builder_for, test_builder_for
from app.models import Campaign, Subscriber, TransactionalMessage
from app.sending.eligibility import stop_for
from app.sending.transactional import enqueue
from app.services.audience import delivery_address, find_subscriber

KIND = "api"


class MessageRefused(LettrineError, ValueError):
    """The message cannot be queued as asked; ``fr`` and ``en`` say why, ``status`` is the HTTP status."""

    status = 422
    code = "message_refused"

    def __init__(self, status: int, fr: str, en: str) -> None:
        super().__init__(fr, status=status, en=en)


def send_campaign_message(campaign: Campaign, raw_address: str, variables: dict[str, Any], *,
                          reference: str) -> TransactionalMessage:
    """Queue ``campaign`` as a one-off message for one address, with the caller's values; commits.

    InvalidAddress for an address that is not one; MessageRefused for a suppressed address
    or a value that would break a header (nothing queued)."""
    row = queue_campaign_message(campaign, raw_address, variables, reference=reference)
    db.session.commit()
    return row


def queue_campaign_message(campaign: Campaign, raw_address: str, variables: dict[str, Any], *,
                           reference: str, kind: str = KIND, test: bool = False) -> TransactionalMessage:
    """Build ``campaign`` for one address and queue it (the caller commits: one message, or a test send's few).

    ``test``: a test send to the officer's own addresses (see ``test_sends``): marked
    ``[TEST]`` and not refused for suppression (someone testing may well have unsubscribed
    their own address).
    """
    address = delivery_address(raw_address)  # found by its key; a known person's own spelling is delivered to
    known = find_subscriber(address)
    address = known.email if known is not None and known.email else address
    why = None if test else stop_for(kind, address, known.id if known else None)
    if why is not None:
        raise MessageRefused(409, f"Aucun message n'est envoyé à cette adresse : {why}.",
                             "No message is sent to this address (unsubscribed, suppressed, bounced or erased).")
    recipient = recipient_for(address, known, variables, uid="test" if test else "api")
    try:
        message = (test_builder_for(campaign) if test else builder_for(campaign)).build(recipient)
    except HeaderInjection as exc:
        raise MessageRefused(422, "Une valeur contient un retour à la ligne.", "A value contains a line break.") from exc
    return enqueue(kind, message, subscriber_id=known.id if known else None, reference=reference)


def recipient_for(address: str, known: Subscriber | None, variables: dict[str, Any] | None = None, *,
                  uid: str = "api") -> Recipient:
    """The person a message is built for: a subscriber's own values (links, name, attributes), the
    caller's variables over them; for an address nobody holds, ``uid`` stands in for links."""
    variables = variables or {}
    extra = {k: v for k, v in variables.items() if k not in ("first_name", "last_name")}
    return Recipient(
        subscriber_id=known.id if known else 0, uid=known.uid if known else uid, email=address,
        first_name=str(variables.get("first_name") or (known.first_name if known else "") or ""),
        last_name=str(variables.get("last_name") or (known.last_name if known else "") or ""),
        attributes={**((known.attributes or {}) if known else {}), **extra},
    )
