"""Readiness: can this installation do its job right now? (``/readyz``)

Five checks, each a yes/no with a few harmless figures, never a setting's value, an
error message (it may name a host and user) or a credential:

- database: ``SELECT 1`` answers;
- migrations: the database is at the migrations' head (a deploy that forgot
  ``flask db upgrade`` is not ready);
- scheduler: the active scheduler beat within ``SCHEDULER_STALE_SECONDS`` (its pass
  runs every 30 s);
- workers: at least one worker beat within ``WORKER_STALE_SECONDS`` (a minute);
- smtp: at least one relay in ``SMTP_URL`` answers its greeting with 220 (the outbox,
  without SMTP_URL, is always reachable). The workers share the load among the relays that
  answer, so one relay down of two is a degraded relay, not an installation that cannot
  send: it shows in ``/metrics`` (``lettrine_smtp_relays``) and on the admin dashboard,
  never in readiness (a load balancer using ``/readyz`` would otherwise take the web, and
  the unsubscribe links, out of service while mail goes out at full speed). Cached for
  ``SMTP_CACHE_SECONDS``, so a probe every few seconds does not open a connection to the
  relay each time.

Liveness (``/healthz``) is the separate, cheaper question "does this process answer".
Who sees the details is the web layer's business (:func:`summary`).
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import threading
import time
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import text

from app.extensions import db
from app.models import utcnow
from app import heartbeat
from app.sending.smtp import ServerConfig, parse_smtp_urls
from config import BASE_DIR

log = logging.getLogger(__name__)

SCHEDULER_STALE_SECONDS = 90.0
WORKER_STALE_SECONDS = 60.0
SMTP_CACHE_SECONDS = 30.0
SMTP_TIMEOUT_SECONDS = 3.0


@dataclass
class Check:
    ok: bool
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, **self.details}


@lru_cache(maxsize=1)
def migration_heads() -> frozenset[str]:
    return frozenset(ScriptDirectory(str(BASE_DIR / "migrations")).get_heads())


def check_database() -> Check:
    try:
        db.session.execute(text("SELECT 1"))
        return Check(True)
    except Exception as exc:  # noqa: BLE001 - any failure means not reachable; the log says which
        db.session.rollback()
        log.warning("readyz: database unreachable: %s", str(exc).splitlines()[0])
        return Check(False)


def check_migrations() -> Check:
    try:
        current = set(db.session.execute(text("SELECT version_num FROM alembic_version")).scalars())
    except Exception:  # noqa: BLE001 - no version table: never migrated
        db.session.rollback()
        current = set()
    heads = migration_heads()
    return Check(current == set(heads), {"current": sorted(current), "head": sorted(heads)})


def check_scheduler() -> Check:
    seen = heartbeat.last_seen("scheduler")
    if seen is None:
        return Check(False, {"last_pass_seconds_ago": None})
    age = (utcnow() - seen).total_seconds()
    return Check(age <= SCHEDULER_STALE_SECONDS, {"last_pass_seconds_ago": round(age, 1)})


def check_workers() -> Check:
    count = heartbeat.seen_since("worker", WORKER_STALE_SECONDS)
    return Check(count > 0, {"seen_last_minute": count})


_smtp_cache: dict[str, tuple[float, Check]] = {}
_smtp_lock = threading.Lock()


def _greets(server: ServerConfig) -> bool:
    context = ssl.create_default_context()
    if not server.tls_verify:
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    client: smtplib.SMTP
    try:
        if server.implicit_tls:
            client = smtplib.SMTP_SSL(server.host, server.port, timeout=SMTP_TIMEOUT_SECONDS, context=context)
        else:
            client = smtplib.SMTP(server.host, server.port, timeout=SMTP_TIMEOUT_SECONDS)
    except (OSError, smtplib.SMTPException):
        return False
    try:
        client.quit()
    except (OSError, smtplib.SMTPException):
        pass
    return True


def check_smtp() -> Check:
    url = current_app.config["SMTP_URL"]
    if not url:
        return Check(True, {"transport": "outbox"})
    with _smtp_lock:
        cached = _smtp_cache.get(url)
        if cached and time.monotonic() - cached[0] < SMTP_CACHE_SECONDS:
            return cached[1]
    try:
        servers = parse_smtp_urls(url)
    except ValueError:
        return Check(False, {"relays": 0})
    up = sum(_greets(server) for server in servers)
    result = Check(up > 0, {"relays": len(servers), "answering": up})
    with _smtp_lock:
        _smtp_cache[url] = (time.monotonic(), result)
    return result


def relays() -> tuple[int, int]:
    """``(relays, answering)`` for ``SMTP_URL`` (0, 0 with the outbox), from the cached check."""
    details = check_smtp().details
    return int(details.get("relays", 0)), int(details.get("answering", 0))


def summary(body: dict[str, Any]) -> dict[str, Any]:
    """What anyone may read of :func:`readiness`: ``ok`` or ``not ready``, no figure."""
    return {"status": body["status"]}


def readiness() -> tuple[bool, dict[str, Any]]:
    """Every check, in order; the database ones are skipped (failed) when it does not answer."""
    checks: dict[str, Check] = {"database": check_database()}
    if checks["database"].ok:
        checks["migrations"] = check_migrations()
        at_head = checks["migrations"].ok
        checks["scheduler"] = check_scheduler() if at_head else Check(False)
        checks["workers"] = check_workers() if at_head else Check(False)
    else:
        checks.update(migrations=Check(False), scheduler=Check(False), workers=Check(False))
    checks["smtp"] = check_smtp()
    db.session.rollback()  # end the read transaction
    ready = all(c.ok for c in checks.values())
    return ready, {"status": "ok" if ready else "not ready", "checks": {k: c.as_dict() for k, c in checks.items()}}
