"""Slow one mailbox provider's share of the queue when it refuses our mail on policy or reputation.

Gmail, Outlook or Orange answering "5.7.1 … blocked" / "4.7.0 … unusual rate of unsolicited
mail" to a run of our messages means that provider has lost trust in the sending domain or
address: every further message to it fails too, and keeps failing for a while. Instead of
burning through that provider's part of the list, the worker defers it (the rows wait,
without counting an attempt) and goes on with every other provider.

- Recipients are grouped by provider: a small table of the big consumer domains (one
  provider has many: hotmail.fr, outlook.com, live.fr… are Microsoft's); any other domain
  is its own provider.
- A worker counts, per provider, refusals whose enhanced status is ``x.7.x`` (security or
  policy, RFC 3463) or that the bounce rules read as about our mail (blocked, spam,
  reputation…), in a sliding window (``PROVIDER_THROTTLE_REFUSALS`` within
  ``PROVIDER_THROTTLE_WINDOW`` seconds, 5 in 300 by default). The provider trips only when
  those refusals are at least half of its outcomes in the window (a provider refusing one
  message in twelve is not blocking us) and another provider accepted a message meanwhile:
  when everyone refuses, the relay or the message is at fault, and the campaign's own
  guard (``app.services.deliverability.guards``, SMTP errors) pauses it and tells the officer.
- Past it, the provider is throttled in the database (``provider_throttles``, so every
  worker defers it) for ``PROVIDER_THROTTLE_PAUSE`` seconds (300), doubled each time it
  trips again within the hour, at most an hour.
"""
from __future__ import annotations

import logging
from collections import defaultdict, deque
from datetime import datetime, timedelta
from typing import Iterable

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.extensions import db
from app.message.bounce_reasons import decide, is_sender_side, status_code
from app.models import ProviderThrottle
from app.sending.transport import SendResult
from config import Guards

log = logging.getLogger(__name__)

LONGEST_PAUSE = 3600.0

# Consumer mailbox providers and their domains (a domain not listed is its own provider).
_PROVIDERS: dict[str, tuple[str, ...]] = {
    "Google": ("gmail.com", "googlemail.com"),
    "Microsoft": ("outlook.com", "outlook.fr", "hotmail.com", "hotmail.fr", "live.com", "live.fr", "msn.com"),
    "Yahoo/AOL": ("yahoo.com", "yahoo.fr", "ymail.com", "aol.com", "aol.fr"),
    "Apple": ("icloud.com", "me.com", "mac.com"),
    "Orange": ("orange.fr", "wanadoo.fr"),
    "SFR": ("sfr.fr", "neuf.fr", "cegetel.net", "club-internet.fr"),
    "Free": ("free.fr", "aliceadsl.fr"),
    "La Poste": ("laposte.net",),
    "Bouygues": ("bbox.fr",),
    "GMX/Web.de": ("gmx.fr", "gmx.de", "gmx.com", "gmx.net", "web.de"),
}
PROVIDER_OF_DOMAIN = {domain: name for name, domains in _PROVIDERS.items() for domain in domains}


def provider_of(address: str) -> str:
    """The provider that receives mail for ``address``: a name from the table, or the domain itself."""
    domain = address.rpartition("@")[2].strip().lower().rstrip(".")
    return PROVIDER_OF_DOMAIN.get(domain, domain)


def is_policy_refusal(result: SendResult) -> bool:
    """A refusal about our mail rather than the address: x.7.x, or a reason the bounce rules call sender-side."""
    if result.accepted or result.code == 0 or getattr(result, "connection_failure", False):
        return False
    if status_code(result.reply).split(".")[1:2] == ["7"]:
        return True
    return is_sender_side(decide(remote=f"{result.code} {result.reply}").reason)


class ProviderPacer:
    """One worker's view: its own sliding windows of refusals, and the throttles every worker wrote."""

    READ_EVERY = 1.0  # seconds between reads of the shared throttles

    def __init__(self, settings: Guards) -> None:
        self.settings = settings
        # per provider, its recent outcomes by second: [second, other outcomes, policy refusals]
        self._buckets: dict[str, deque[list[int]]] = defaultdict(deque)
        self._accepted_at: dict[str, float] = {}  # per provider, its last acceptance (monotonic)
        self._refusal: dict[str, SendResult] = {}  # per provider, its last policy refusal
        self._until: dict[str, datetime] = {}
        self._read_at = float("-inf")

    def held(self, now: datetime, monotonic: float) -> dict[str, datetime]:
        """Providers deferred now, and until when (the database read at most once a second)."""
        if monotonic - self._read_at >= self.READ_EVERY:
            self._read_at = monotonic
            self._until = dict(db.session.execute(
                select(ProviderThrottle.provider, ProviderThrottle.until).where(ProviderThrottle.until > now)).all())
        return {provider: until for provider, until in self._until.items() if until > now}

    def note(self, outcomes: Iterable[tuple[str, SendResult]], now: datetime, monotonic: float) -> list[str]:
        """Count one exchange's outcomes (address, answer) per provider; returns the providers that trip now."""
        second = int(monotonic)
        refused_by = set()
        for address, result in outcomes:
            if result.code == 0 or getattr(result, "connection_failure", False):
                continue  # the relay's doing: says nothing about the provider
            provider = provider_of(address)
            refused = is_policy_refusal(result)
            buckets = self._buckets[provider]
            if not buckets or buckets[-1][0] != second:
                buckets.append([second, 0, 0])
            buckets[-1][2 if refused else 1] += 1
            if refused:
                self._refusal[provider] = result
                refused_by.add(provider)
            elif result.accepted:
                self._accepted_at[provider] = monotonic
        horizon = monotonic - self.settings.provider_window_seconds
        tripped = []
        for provider in refused_by:
            buckets = self._buckets[provider]
            while buckets and buckets[0][0] <= horizon:
                buckets.popleft()
            others = sum(b[1] for b in buckets)
            refusals = sum(b[2] for b in buckets)
            if refusals < self.settings.provider_refusals or refusals < others:
                continue
            if not any(at > horizon for name, at in self._accepted_at.items() if name != provider):
                continue  # nobody accepts anything: the relay or the message, not this provider
            buckets.clear()
            tripped.append(provider)
            last = self._refusal[provider]
            self._trip(provider, f"{last.code} {last.reply}"[:500], now)
        return tripped

    def _trip(self, provider: str, reason: str, now: datetime) -> None:
        """Write the throttle (an upsert: several workers may trip it at once). The caller commits."""
        row = db.session.get(ProviderThrottle, provider, populate_existing=True)
        recent = row is not None and row.until > now - timedelta(seconds=LONGEST_PAUSE)
        strikes = (row.strikes + 1) if row is not None and recent else 1
        pause = min(LONGEST_PAUSE, self.settings.provider_pause_seconds * 2 ** (strikes - 1))
        until = now + timedelta(seconds=pause)
        insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
        statement = insert(ProviderThrottle).values(provider=provider, until=until, strikes=strikes, reason=reason,
                                                    updated_at=now)
        db.session.execute(statement.on_conflict_do_update(
            index_elements=["provider"],
            set_={"until": until, "strikes": strikes, "reason": reason, "updated_at": now}))
        self._until[provider] = until
        log.warning("provider %s throttled for %.0f s (strike %d): %s", provider, pause, strikes, reason)
