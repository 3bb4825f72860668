"""Per-recipient values for a message's personal blocks (``app.message.render``), at send time.

A journée reminder shows each registrant their own check-in code and QR image. Those
come from the registrations, which the sending layer does not know: the services
register a provider here (``app.services.wiring``), the worker asks it once per
chunk of recipients, and the message builder splices the values in. A recipient the
provider says nothing about gets the message without the personal blocks.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from app.message.render import InlineImage
from app.models import Campaign


@dataclass(frozen=True)
class Personal:
    """One recipient's values (keys of ``app.message.render.MARKERS``) and inline images."""

    values: dict[str, str]
    inline: tuple[InlineImage, ...] = ()


Provider = Callable[[Campaign, list[int]], dict[int, Personal]]
_PROVIDERS: dict[str, Provider] = {}


def register_provider(key: str, provider: Provider) -> None:
    """Idempotent per key: ``provider(campaign, subscriber_ids)`` → ``{subscriber_id: Personal}``."""
    _PROVIDERS[key] = provider


def personal_for(campaign: Campaign, subscriber_ids: list[int]) -> dict[int, Personal]:
    """Every provider's values for these recipients (later providers add to earlier ones)."""
    found: dict[int, Personal] = {}
    for provider in _PROVIDERS.values():
        for subscriber_id, personal in provider(campaign, subscriber_ids).items():
            before = found.get(subscriber_id)
            found[subscriber_id] = personal if before is None else Personal(
                {**before.values, **personal.values}, before.inline + personal.inline)
    return found


def with_personal(campaign: Campaign, people: dict[int, tuple]) -> dict[int, tuple]:
    """``queue.recipients`` rows extended with each one's personal values and images (``Recipient(*row)``)."""
    extra = personal_for(campaign, list(people)) if people else {}
    return {subscriber_id: (*row, extra[subscriber_id].values, extra[subscriber_id].inline)
            if subscriber_id in extra else row for subscriber_id, row in people.items()}
