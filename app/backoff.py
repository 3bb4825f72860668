"""Backing off in a background loop: waits that grow while errors repeat, one log line per change.

A loop that meets the same error every second (the database is down, the relay restarts)
must neither hammer what is failing nor fill the journal: during an outage it waits
longer each time (``first``, doubled, at most ``most`` seconds), logs one warning when
it starts failing and one line when it works again, with how long it failed and how
many tries that took. Every background loop uses it: the worker's send loop, its lease
heartbeat and webhook poster, the scheduler's tick and the process heartbeat.
"""
from __future__ import annotations

import logging
import threading
import time


def first_line(error: BaseException | str) -> str:
    """A one-line summary of an error (SQLAlchemy's have the statement and a link on further lines)."""
    text = str(getattr(error, "orig", None) or error).strip()
    return " ".join(text.splitlines()[0].split())[:300] if text else type(error).__name__


class Backoff:
    """The state of one loop: ``failed()`` on an error (returns how long to wait), ``succeeded()`` on success."""

    def __init__(self, log: logging.Logger, what: str, *, first: float = 0.5, most: float = 60.0) -> None:
        self.log, self.what, self.first, self.most = log, what, first, most
        self.failures = 0
        self.wait = 0.0
        self._since = 0.0
        self._next_try = 0.0
        self._lock = threading.Lock()

    @property
    def failing(self) -> bool:
        return self.failures > 0

    def failed(self, error: BaseException | str) -> float:
        """Note one more failure; logs only the first of a streak. Returns the seconds to wait."""
        with self._lock:
            self.failures += 1
            if self.failures == 1:
                self._since = time.monotonic()
                self.wait = self.first
                self.log.warning("%s failing, retrying with back-off (at most every %.0f s): %s",
                                 self.what, self.most, first_line(error))
            else:
                self.wait = min(self.wait * 2, self.most)
            self._next_try = time.monotonic() + self.wait
            return self.wait

    def succeeded(self) -> None:
        """Note a success; logs once if it ends a streak of failures."""
        with self._lock:
            if self.failures:
                self.log.warning("%s working again after %d failed tries in %.0f s", self.what, self.failures,
                                 time.monotonic() - self._since)
            self.failures = 0
            self.wait = 0.0
            self._next_try = 0.0

    def due(self) -> bool:
        """Whether a loop that cannot sleep as it likes (a fixed tick) should try now."""
        return time.monotonic() >= self._next_try
