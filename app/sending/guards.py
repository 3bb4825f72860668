"""The hook the worker asks, between batches, whether a campaign may go on.

The rules (complaint rate, hard bounces, SMTP errors) are the product's and live in
``app.services.deliverability.guards``; the worker only knows *when* to ask and what it
measured itself. The services hand their guard over in the worker's policy
(``SendingPolicy.campaign_guard``, built by ``app.services.campaigns.sending_policy``), so
imports keep pointing down and no worker runs without one.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class RecentOutcomes:
    """The worker's own last outcomes for one campaign: acceptances and refusals, never relay failures."""

    outcomes: int
    errors: int
    last_error: str


class CampaignGuard(Protocol):
    def before_chunk(self, campaign_id: int) -> bool:
        """Called before a chunk of a campaign's rows (the first of each claimed batch, then every
        ``WorkerOptions.guard_every`` outcomes); True when the campaign has just been paused."""

    def after_errors(self, campaign_id: int, recent: RecentOutcomes) -> bool:
        """Called after an exchange that had refusals; True when the campaign has just been paused."""
