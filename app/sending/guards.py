"""The hook the worker asks, between batches, whether a campaign may go on.

The rules (complaint rate, hard bounces, SMTP errors) are the product's and live in
``app.services.deliverability.guards``; the worker only knows *when* to ask and what it
measured itself. The services hand their guard over once at start-up
(``set_campaign_guard``, from ``app.services.wiring``), so imports keep pointing down.
Without one, nothing pauses: a bare sending layer is still a working sender.
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


class NoGuard:
    """Lets everything through (a sending layer with no services above it)."""

    def before_chunk(self, campaign_id: int) -> bool:
        return False

    def after_errors(self, campaign_id: int, recent: RecentOutcomes) -> bool:
        return False


_guard: list[CampaignGuard] = [NoGuard()]


def set_campaign_guard(guard: CampaignGuard) -> None:
    """The guard every worker of this process asks (the last one set wins)."""
    _guard[0] = guard


def campaign_guard() -> CampaignGuard:
    return _guard[0]
