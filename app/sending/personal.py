"""Per-recipient values for a message's personal blocks (``app.message.render``), at send time.

A journée reminder shows each registrant their own check-in code and QR image. Those
come from the registrations, which the sending layer does not know: the worker's
policy (``app.sending.policy.SendingPolicy.personal``) names a provider for each block,
the worker asks them once per chunk of recipients, and the message builder splices the
values in. A recipient the providers say nothing about gets the message without the
personal blocks.
"""
from __future__ import annotations

from dataclasses import dataclass

from app.message.render import InlineImage


@dataclass(frozen=True)
class Personal:
    """One recipient's values (keys of ``app.message.render.MARKERS``) and inline images."""

    values: dict[str, str]
    inline: tuple[InlineImage, ...] = ()


def with_personal(people: dict[int, tuple], extra: dict[int, Personal]) -> dict[int, tuple]:
    """``queue.recipients`` rows extended with each one's personal values and images (``Recipient(*row)``)."""
    return {subscriber_id: (*row, extra[subscriber_id].values, extra[subscriber_id].inline)
            if subscriber_id in extra else row for subscriber_id, row in people.items()}
