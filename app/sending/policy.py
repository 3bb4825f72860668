"""The product's part in sending, as one explicit object the worker is given: :class:`SendingPolicy`.

The worker sits below the services (imports point down: services → sending), yet some of
what happens while sending is theirs to act on: a recipient refused at RCPT is a hard
bounce for the bounce rules, a transactional message's outcome belongs in the person's
audit trail, a campaign that finishes is announced to the webhooks, a campaign that hurts
the domain (complaints, hard bounces, SMTP errors) is paused by the deliverability guards,
and a reminder's personal block (each registrant's check-in code) comes from the registrations.

The services build the policy (``app.services.campaigns.sending_policy()``) and whoever
starts a worker passes it in — ``flask worker``, ``flask dev``'s thread, the tests'
helpers. :meth:`SendingPolicy.check` runs when the worker is made: a worker without a
policy, or with a part missing, stops at once with one line saying which, instead of
sending reminders without their check-in code or forgetting a bounce. Who may receive a
message is not part of it: that is data of the sending layer (``app.sending.eligibility``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Mapping

from app.models import Campaign
from app.sending.guards import CampaignGuard
from app.sending.personal import Personal

#: ``provider(campaign, subscriber_ids)`` → ``{subscriber_id: Personal}`` for a message's personal blocks.
Provider = Callable[[Campaign, list[int]], dict[int, Personal]]

#: The personal blocks the messages' templates use, each needing its provider ("checkin": the reminders').
REQUIRED_PROVIDERS = ("checkin",)


class PolicyError(RuntimeError):
    """The worker was started without its policy, or with a part missing (one line, French and English)."""


@dataclass(frozen=True)
class RefusedRecipient:
    """A recipient a server refused for good at RCPT during a campaign send."""

    subscriber_id: int
    diagnostic: str  # the server's words: "550 5.1.1 <…>: user unknown"
    campaign_id: int | None
    source: str  # for the audit and the bounce record: "smtp: campagne 12"


@dataclass(frozen=True)
class TransactionalOutcome:
    """The final outcome of a one-off message (confirmation, export link, certificate…)."""

    kind: str
    message_id: int  # the ``transactional_messages`` row
    subscriber_id: int | None
    status: str  # "sent", "failed" or "skipped"
    reply: str  # the server's words, or why it was not sent
    to_address: str


@dataclass(frozen=True)
class SendingPolicy:
    """What the worker calls into the product for; every part is required.

    Each hook runs inside the worker's transaction (the worker commits): what it writes
    lands with the outcome it reports, or not at all.
    """

    recipient_refused: Callable[[RefusedRecipient], None]
    transactional_outcome: Callable[[TransactionalOutcome], None]
    campaign_finished: Callable[[int], None]
    campaign_guard: CampaignGuard  # may this campaign go on? (complaints, hard bounces, SMTP errors)
    personal: Mapping[str, Provider] = field(default_factory=dict)

    def check(self) -> None:
        """Raise :class:`PolicyError` naming the first missing part."""
        for name in ("recipient_refused", "transactional_outcome", "campaign_finished"):
            if not callable(getattr(self, name, None)):
                raise PolicyError(f"politique d'envoi incomplète : « {name} » manque / "
                                  f"sending policy incomplete: {name} is missing")
        guard = getattr(self, "campaign_guard", None)
        if not (callable(getattr(guard, "before_chunk", None)) and callable(getattr(guard, "after_errors", None))):
            raise PolicyError("politique d'envoi incomplète : « campaign_guard » manque / "
                              "sending policy incomplete: campaign_guard is missing")
        for key in REQUIRED_PROVIDERS:
            if not callable(self.personal.get(key)):
                raise PolicyError(f"politique d'envoi incomplète : le bloc personnel « {key} » n'a pas de source / "
                                  f"sending policy incomplete: no provider for the personal block {key}")

    def personal_for(self, campaign: Campaign, subscriber_ids: list[int]) -> dict[int, Personal]:
        """Every provider's values for these recipients (later providers add to earlier ones)."""
        found: dict[int, Personal] = {}
        for provider in self.personal.values():
            for subscriber_id, values in provider(campaign, subscriber_ids).items():
                before = found.get(subscriber_id)
                found[subscriber_id] = values if before is None else Personal(
                    {**before.values, **values.values}, before.inline + values.inline)
        return found


def checked(policy: SendingPolicy | None) -> SendingPolicy:
    """The policy, checked; a worker started without one fails here, at once."""
    if not isinstance(policy, SendingPolicy):
        raise PolicyError("le worker a démarré sans sa politique d'envoi (app.services.campaigns.sending_policy) / "
                          "worker started without its sending policy")
    policy.check()
    return policy
