"""One server's answer to one message: what the transports return and the worker reads.

Its own module so that the SMTP client and the transport registry, which builds SMTP pools,
both import it without importing each other."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SendResult:
    """The server's answer for one message: ``code`` 250 means accepted.

    ``code`` 0 means no answer (connection refused or lost): temporary, like a 4xx.
    ``recipient_rejected`` says a failure came at RCPT (the address itself), which
    is what makes a 5xx a hard bounce rather than, say, a refused content.
    ``connection_failure`` says the failure is the relay's, not this message's or
    recipient's: no answer, refused or lost connection, 421 (at the greeting or
    closing the channel), TLS or authentication failure, every relay down, the
    relay's shared quota used up. The worker backs such messages off and never
    counts them toward a campaign's auto-pause.
    """

    code: int
    reply: str = ""
    queue_id: str | None = None
    recipient_rejected: bool = False
    connection_failure: bool = False

    @property
    def accepted(self) -> bool:
        return 200 <= self.code < 300

    @property
    def temporary(self) -> bool:
        """Worth retrying later: 4xx, or no answer at all."""
        return self.code == 0 or 400 <= self.code < 500
