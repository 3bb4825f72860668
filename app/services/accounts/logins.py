"""The per-account lock, alongside the login page's per-IP limit.

After :data:`MAX_FAILURES` failed attempts on one address within :data:`WINDOW`, even the right
password is refused for :data:`FIRST_LOCK`; each further failure doubles the period, up to
:data:`LONGEST_LOCK`. A success (once unlocked) clears the count. Why per address: the per-IP
limit alone lets a password be guessed from many addresses (issue #22).

Every address is counted the same way, whether an account has it or not (rows are keyed by a
hash of the canonical address), so the lock message tells nobody which accounts exist; and a
locked attempt still checks a password hash, so it takes as long as any other.
"""
from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.i18n import TranslatedError
from app.models import LoginLock, keyed, utcnow
from app.services.audience import address_key

MAX_FAILURES = 10
WINDOW = timedelta(minutes=15)
FIRST_LOCK = timedelta(minutes=1)
LONGEST_LOCK = timedelta(hours=1)


class AccountLocked(TranslatedError):
    """Too many failed logins on this address: refused, even with the right password, until ``until``."""

    def __init__(self, until: datetime, now: datetime) -> None:
        minutes = max(1, -(-int((until - now).total_seconds()) // 60))
        super().__init__(_l("Trop d'essais manqués sur ce compte : il est verrouillé. Réessayez dans %(n)s min.",
                            n=minutes))
        self.until = until


def _key(email: str) -> str:
    """Keyed like the suppression list (FINGERPRINT_KEY): a copy of the table cannot test guessed addresses."""
    return keyed(hashlib.sha256(("login:" + address_key(email)).encode("utf-8")).hexdigest())


def locked_until(email: str, now: datetime | None = None) -> datetime | None:
    """When the lock on this address ends, or None if it is not locked."""
    now = now or utcnow()
    row = db.session.get(LoginLock, _key(email))
    until = row.locked_until if row is not None else None
    return until if until is not None and until > now else None


def record_failure(email: str, now: datetime | None = None) -> datetime | None:
    """Count a failed attempt (the caller commits); the end of the lock it starts or lengthens, if any."""
    now = now or utcnow()
    row = db.session.get(LoginLock, _key(email))
    if row is None:
        row = LoginLock(address_hash=_key(email), failures=0, since=now, last_failure_at=now)
        db.session.add(row)
    quiet = now - row.last_failure_at
    if (row.failures < MAX_FAILURES and now - row.since > WINDOW) or quiet > WINDOW + LONGEST_LOCK:
        row.failures, row.since, row.locked_until = 0, now, None  # a new run: the old failures are too old
    row.failures += 1
    row.last_failure_at = now
    if row.failures >= MAX_FAILURES:
        period = min(FIRST_LOCK * 2 ** (row.failures - MAX_FAILURES), LONGEST_LOCK)
        row.locked_until = now + period
    return row.locked_until if row.failures >= MAX_FAILURES else None


def clear_failures(email: str) -> None:
    """A successful login (the caller commits): the count starts again."""
    row = db.session.get(LoginLock, _key(email))
    if row is not None:
        db.session.delete(row)
