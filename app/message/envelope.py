"""The SMTP envelope of a built message (pure data, shared by the builder and the transports)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Envelope:
    """What SMTP needs besides the bytes: the return path and the recipients."""

    mail_from: str
    recipients: tuple[str, ...]
