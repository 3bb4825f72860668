"""A shared fake clock for process tests: every process started with :func:`clock_env` reads its time
from one file (libfaketime's ``FAKETIME_TIMESTAMP_FILE``), and :meth:`FakeClock.set` moves them all.

Hand-made harness, not product code. Only the wall clock is faked (``FAKETIME_DONT_FAKE_MONOTONIC``):
timed waits keep their real length, and a jump is seen by every process within a second (the
library's cache). ``time.sleep`` is refused under libfaketime 0.9.10 with that option; the
application waits on events, so it never calls it.

Run as ``python -m tests.sequence_clock confirm LIST_ID UID…`` (under the fake clock) it confirms
those people's pending subscriptions through the real service, as the double opt-in link does.
"""
from __future__ import annotations

import os
import sys
from datetime import datetime, timezone
from pathlib import Path

LIBFAKETIME = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1"


class FakeClock:
    def __init__(self, path: Path) -> None:
        self.path = path

    def set(self, when: datetime) -> None:
        """Every process of :func:`clock_env` now reads ``when`` (and on from there, at real speed)."""
        stamp = when.astimezone(timezone.utc).strftime("@%Y-%m-%d %H:%M:%S")
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(stamp + "\n", encoding="ascii")
        tmp.replace(self.path)  # atomic: a reader never sees half a line

    def env(self) -> dict[str, str]:
        return {"LD_PRELOAD": LIBFAKETIME, "FAKETIME_TIMESTAMP_FILE": str(self.path),
                "FAKETIME_CACHE_DURATION": "1", "FAKETIME_DONT_FAKE_MONOTONIC": "1", "TZ": "UTC"}


def available() -> bool:
    return Path(LIBFAKETIME).exists()


def _confirm(list_id: int, uids: list[str]) -> None:
    from app import create_app
    from app.services.audience import confirm_subscription

    app = create_app(environ=dict(os.environ))
    with app.app_context():
        for uid in uids:
            confirm_subscription({"s": uid, "l": [list_id]}, ip="127.0.0.1")


if __name__ == "__main__":
    if sys.argv[1] == "confirm":
        _confirm(int(sys.argv[2]), sys.argv[3:])
