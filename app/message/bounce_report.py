"""What reading one bounce or complaint report gives: :class:`BounceReport`, and the attribution tokens.

Shared by the readers of mail reports (``app.message.dsn``) and of Amazon SES
notifications (``app.message.ses``), so that neither imports the other's internals.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["BounceReport", "our_ids", "verp_tokens_in"]

_VERP = re.compile(r"bounces\+([A-Za-z0-9_\-.=]{1,300})@", re.I)
_OUR_ID = re.compile(r"<lettrine\.\d{1,12}\.\d{1,12}\.[0-9a-z]{1,64}@[^>\s]{1,255}>", re.I)


@dataclass
class BounceReport:
    kind: str  # hard | soft | complaint | ignore
    reason: str  # a name from bounce_reasons.REASONS
    recipient: str | None = None  # the failed / complaining address, if stated
    status: str = ""  # RFC 3463 code, e.g. "5.1.1"
    diagnostic: str = ""  # the remote server's words (or the reporter's, when that is all there is)
    message_ids: list[str] = field(default_factory=list)  # our Message-IDs found in the report
    verp_tokens: list[str] = field(default_factory=list)  # tokens from bounces+<token>@ addresses
    recipients: list[str] = field(default_factory=list)  # every failed address the report names
    feedback_type: str = ""  # ARF: abuse, fraud, …
    final: bool = True  # False for a delay warning: the server is still trying
    format: str = ""  # dsn | arf | plain | ses | smtp | webhook
    detail: str = ""  # how we read it, in a few words (CLI, review page)
    truncated: bool = False

    @property
    def message_id(self) -> str | None:
        return self.message_ids[0] if self.message_ids else None


def _first_unique(pattern: re.Pattern[str], text: str, group: int, most: int) -> list[str]:
    found: list[str] = []
    for match in pattern.finditer(text):
        if match.group(group) not in found:
            found.append(match.group(group))
        if len(found) == most:
            break
    return found


def our_ids(text: str) -> list[str]:
    """Our Message-IDs (``<lettrine.…>``) in ``text``, first five, in order: the returned original names the delivery."""
    return _first_unique(_OUR_ID, text, 0, 5)


def verp_tokens_in(text: str) -> list[str]:
    """The signed tokens of our VERP return paths (``bounces+<token>@``) in ``text``, first ten."""
    return _first_unique(_VERP, text, 1, 10)
