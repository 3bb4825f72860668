"""Per-relay sending limits: messages per second, per hour and per day, shared by every process.

Relays and providers cap how fast and how much they accept; exceeding the cap
earns 421/451 replies and, worse, a bad reputation. The SMTP pool asks a
:class:`QuotaStore` for messages before each exchange and waits (or tries
another relay) when it grants none.

The quota is the relay's, not a process's: N workers on M machines together
send at most ``per_hour`` in any hour. Three stores:

- :class:`DatabaseQuota` (the default): counts in the ``relay_quota`` table.
  Each window is cut into buckets (a minute for the hour, a quarter-hour for
  the day, the whole window for the per-second rate); a message is counted
  while its bucket overlaps the last ``span`` seconds, so the count over any
  sliding window never exceeds the limit (at the cost of sending up to one
  bucket later than strictly necessary). One short transaction per grant, for
  up to 16 messages, serialised per relay by a lock row: 0.9 ms on PostgreSQL, 0.13 ms
  on SQLite for 16 messages.
- :class:`RedisQuota`, when ``RATELIMIT_STORAGE_URI`` is ``redis://…``: the
  ``limits`` package's exact moving window (Flask-Limiter's own library).
- :class:`LocalQuota`: in-process sliding windows, for a pool built without an
  application (the benchmark's client, unit tests).

With no limit configured for a relay, no store is consulted at all.
"""
from __future__ import annotations

import functools
import math
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import delete, text
from sqlalchemy.engine import Engine

from app.models import RelayQuota

if TYPE_CHECKING:  # limits is imported where used: only LocalQuota needs it
    from limits import RateLimitItem

LOCK_SPAN = 0  # the relay_quota row (relay, 0, 0) is the per-relay lock, its count meaningless


@dataclass(frozen=True)
class Limits:
    """What one server allows: 0 means "no limit"."""

    max_connections: int = 2
    rate: float = 0.0  # messages per second
    per_hour: int = 0
    per_day: int = 0

    @property
    def limited(self) -> bool:
        return self.rate > 0 or self.per_hour > 0 or self.per_day > 0


@dataclass(frozen=True)
class Window:
    """At most ``limit`` messages in ``span`` seconds, counted in buckets of ``bucket`` seconds.

    A sliding window counts every bucket that overlaps the last ``span`` seconds;
    a window whose bucket is the span itself (the per-second rate) is a fixed
    window: only the current bucket counts.
    """

    span: int
    limit: int
    bucket: int

    def start(self, now: float) -> int:
        return int(now // self.bucket * self.bucket)

    def counted_after(self, now: float) -> float:
        """Buckets starting after this instant count against the limit now."""
        if self.bucket == self.span:
            return self.start(now) - 0.5
        return now - self.span - self.bucket

    def free_at(self, oldest: int) -> float:
        """When the bucket starting at ``oldest`` stops counting."""
        return oldest + self.bucket + (0 if self.bucket == self.span else self.span)


def windows(limits: Limits) -> list[Window]:
    """The counting windows of a relay's limits (a fractional rate becomes 1 per ⌈1/rate⌉ s)."""
    result = []
    if limits.rate > 0:
        span = 1 if limits.rate >= 1 else math.ceil(1 / limits.rate)
        result.append(Window(span, max(1, int(limits.rate * span)), span))
    if limits.per_hour > 0:
        result.append(Window(3600, limits.per_hour, 60))
    if limits.per_day > 0:
        result.append(Window(86400, limits.per_day, 900))
    return result


class QuotaStore(Protocol):
    def take(self, relay: str, limits: Limits, wanted: int) -> tuple[int, float]:
        """Grant up to ``wanted`` messages to ``relay`` now: ``(granted, seconds to wait when 0)``."""
        ...


# -- in-process ------------------------------------------------------------
class SlidingWindow:
    """At most ``limit`` events in any ``span`` seconds (timestamps kept in a deque).

    The deque holds one float per message in the window: for a day window of
    100,000 messages that is under 1 MB, and pruning is amortised O(1).
    """

    def __init__(self, limit: int, span: float) -> None:
        self.limit = limit
        self.span = span
        self.events: deque[float] = deque()

    def wait_time(self, now: float) -> float:
        """Seconds until one more event fits (0 when it fits now)."""
        if self.limit <= 0:
            return 0.0
        horizon = now - self.span
        events = self.events
        while events and events[0] <= horizon:
            events.popleft()
        if len(events) < self.limit:
            return 0.0
        return events[0] + self.span - now

    def record(self, now: float) -> None:
        if self.limit > 0:
            self.events.append(now)


class TokenBucket:
    """``rate`` messages per second with a burst of one second's worth."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self.capacity = max(rate, 1.0)
        self.tokens = self.capacity
        self.stamp = time.monotonic()

    def wait_time(self, now: float) -> float:
        if self.rate <= 0:
            return 0.0
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1.0:
            return 0.0
        return (1.0 - self.tokens) / self.rate

    def record(self, now: float) -> None:
        if self.rate > 0:
            self.tokens -= 1.0


class RateLimiter:
    """All of one server's limits together, in this process; ``wait_time()`` is the longest of them."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self._parts: list[TokenBucket | SlidingWindow] = [
            TokenBucket(limits.rate),
            SlidingWindow(limits.per_hour, 3600.0),
            SlidingWindow(limits.per_day, 86400.0),
        ]

    def wait_time(self, now: float | None = None) -> float:
        now = time.monotonic() if now is None else now
        return max(part.wait_time(now) for part in self._parts)

    def record(self, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        for part in self._parts:
            part.record(now)


class LocalQuota:
    """Limits counted in this process only (no database at hand)."""

    def __init__(self) -> None:
        self._limiters: dict[str, RateLimiter] = {}
        self._lock = threading.Lock()

    def take(self, relay: str, limits: Limits, wanted: int) -> tuple[int, float]:
        with self._lock:
            limiter = self._limiters.get(relay)
            if limiter is None:
                limiter = self._limiters[relay] = RateLimiter(limits)
            now = time.monotonic()
            granted = 0
            while granted < wanted and (wait := limiter.wait_time(now)) <= 0:
                limiter.record(now)
                granted += 1
            return granted, (0.0 if granted else wait)


# -- shared: the database ----------------------------------------------------
class DatabaseQuota:
    """Limits counted in the ``relay_quota`` table: every process using the database shares them."""

    CLEANUP_EVERY = 60.0  # seconds between deletions of expired buckets (per process and relay)

    def __init__(self, engine: Engine, clock=time.time) -> None:
        self.engine = engine
        self.clock = clock
        self._cleaned: dict[str, float] = {}

    def take(self, relay: str, limits: Limits, wanted: int) -> tuple[int, float]:
        spans = windows(limits)
        if not spans:
            return wanted, 0.0
        now = self.clock()
        table = RelayQuota.__table__
        with self.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                # No fsync wait for a counter (4 ms → 0.4 ms a grant): only a crash of PostgreSQL
                # itself can forget the last fraction of a second of grants (a few messages over
                # the quota, once).
                conn.execute(text("SET LOCAL synchronous_commit = off"))
            # Take the relay's lock row first: on PostgreSQL the row lock, on SQLite the write
            # lock, so the read below sees every other process's committed grants.
            conn.execute(_INCREMENT, {"relay": relay, "span": LOCK_SPAN, "bucket": 0, "count": 1})
            params: dict = {"relay": relay}
            for i, window in enumerate(spans):
                params[f"s{i}"], params[f"h{i}"] = window.span, window.counted_after(now)
            counted = {span: (int(used), oldest)
                       for span, used, oldest in conn.execute(_counted_query(len(spans)), params)}
            granted, wait = wanted, 0.0
            for window in spans:
                used, oldest = counted.get(window.span, (0, None))
                granted = min(granted, window.limit - used)
                if used >= window.limit and oldest is not None:
                    wait = max(wait, window.free_at(oldest) - now)
            granted = max(granted, 0)
            if granted:
                conn.execute(_INCREMENT, [{"relay": relay, "span": w.span, "bucket": w.start(now), "count": granted}
                                          for w in spans])
            if now - self._cleaned.get(relay, 0.0) > self.CLEANUP_EVERY:
                self._cleaned[relay] = now
                for window in spans:
                    conn.execute(delete(table).where(
                        table.c.relay == relay, table.c.span == window.span,
                        table.c.bucket <= now - window.span - window.bucket))
        return granted, (0.0 if granted else max(wait, 0.05))


# Plain SQL, compiled once: both dialects spell the upsert the same way, and building the
# statements with SQLAlchemy on every grant cost more than running them (a grant of 16 messages:
# SQLite 1.5 → 0.13 ms, PostgreSQL 1.8 → 0.9 ms, measured on the 2-core VM).
_INCREMENT = text(
    "INSERT INTO relay_quota (relay, span, bucket, count) VALUES (:relay, :span, :bucket, :count) "
    "ON CONFLICT (relay, span, bucket) DO UPDATE SET count = relay_quota.count + excluded.count")


@functools.lru_cache(maxsize=4)
def _counted_query(windows: int):
    """Per window span: messages counted now and the oldest counted bucket."""
    either = " OR ".join(f"(span = :s{i} AND bucket > :h{i})" for i in range(windows))
    return text("SELECT span, SUM(count), MIN(bucket) FROM relay_quota "
                f"WHERE relay = :relay AND ({either}) GROUP BY span")


# -- shared: Redis -------------------------------------------------------------
class RedisQuota:
    """Limits counted in Redis with the ``limits`` package's moving window (exact, atomic per limit).

    Several limits are not taken in one atomic step: the grant is sized from each
    window's remaining count, then hit limit by limit; a grant lost to a race
    leaves what it took counted (never more messages than the quota, at worst a
    few fewer).
    """

    def __init__(self, uri: str) -> None:
        from limits import storage, strategies

        self._storage = storage.storage_from_string(uri, key_prefix="lettrine-smtp")
        self._limiter = strategies.MovingWindowRateLimiter(self._storage)

    @staticmethod
    def _items(limits: Limits) -> list[RateLimitItem]:
        from limits import RateLimitItemPerDay, RateLimitItemPerHour, RateLimitItemPerSecond

        items: list[RateLimitItem] = []
        for window in windows(limits):
            if window.span == 3600:
                items.append(RateLimitItemPerHour(window.limit))
            elif window.span == 86400:
                items.append(RateLimitItemPerDay(window.limit))
            else:
                items.append(RateLimitItemPerSecond(window.limit, window.span))
        return items

    def take(self, relay: str, limits: Limits, wanted: int) -> tuple[int, float]:
        items = self._items(limits)
        if not items:
            return wanted, 0.0
        granted, wait = wanted, 0.0
        for item in items:
            stats = self._limiter.get_window_stats(item, relay)
            granted = min(granted, stats.remaining)
            if stats.remaining <= 0:
                wait = max(wait, stats.reset_time - time.time())
        if granted <= 0:
            return 0, max(wait, 0.05)
        for item in items:
            if not self._limiter.hit(item, relay, cost=granted):
                return 0, 0.05  # another process took the room first: ask again
        return granted, 0.0


def quota_store(storage_uri: str, engine: Engine | None) -> QuotaStore:
    """The store for ``RATELIMIT_STORAGE_URI``: Redis when it names one, else the database."""
    if storage_uri.startswith(("redis://", "rediss://", "redis+unix://")):
        return RedisQuota(storage_uri)
    if engine is not None:
        return DatabaseQuota(engine)
    return LocalQuota()
