"""The SMTP envelope of a built message (pure data, shared by the builder and the transports)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Envelope:
    """What SMTP needs besides the bytes: the return path and the recipients."""

    mail_from: str
    recipients: tuple[str, ...]
    # MAIL parameters the content calls for: BODY=8BITMIME (RFC 6152) for 8bit parts, SMTPUTF8
    # (RFC 6531) for an address whose local part is not ASCII. A relay that does not offer them
    # gets neither: the transport answers for those messages without sending them.
    eight_bit: bool = False
    smtputf8: bool = False
