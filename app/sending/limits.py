"""Per-server sending limits: messages per second and sliding windows per hour and day.

Relays and providers cap how fast and how much they accept; exceeding the cap
earns 421/451 replies and, worse, a bad reputation. The pool asks a
:class:`RateLimiter` before each message and waits (or tries another server)
when it says no. Limits are counted per worker process: with N processes,
divide the server's allowance by N in ``SMTP_URL`` (the README says so).
"""
from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """What one server allows: 0 means "no limit"."""

    max_connections: int = 2
    rate: float = 0.0  # messages per second
    per_hour: int = 0
    per_day: int = 0


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
    """All of one server's limits together; ``wait_time()`` is the longest of them."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self._parts = [
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
