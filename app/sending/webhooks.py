"""The workers post outgoing webhooks from the ``webhook_deliveries`` table (never the web request).

``deliver_due(owner, limit)`` claims due rows under a lease (PostgreSQL: ``FOR UPDATE SKIP
LOCKED``, as ``app.sending.queue`` does), posts each one with a short timeout, signed the
Standard Webhooks way, and writes the outcome back:

- headers ``webhook-id`` (the same on every retry), ``webhook-timestamp`` (Unix seconds) and
  ``webhook-signature`` = ``v1,`` + base64(HMAC-SHA256(key, f"{id}.{timestamp}.{body}")), where
  the key is the base64-decoded part of a ``whsec_…`` secret (any other secret: its UTF-8 bytes);
- the target is checked again and the connection pinned to the checked addresses (:func:`post`);
- connect, send and answer fit in ``TOTAL_SECONDS`` together, however slowly the receiver answers
  (so a stopping worker always records the post in hand);
- a 2xx answer delivers it; anything else (or no answer, or a refused address) is retried with backoff until 24 h after
  the event, then the delivery fails;
- an endpoint whose delivery fails for good while it has not succeeded for
  ``DISABLE_AFTER`` attempts in a row is disabled, with the reason (the dashboard shows it).
  Redirects are not followed: a receiver answers where it was registered.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import socket
import threading
import time
from datetime import datetime, timedelta
from typing import Callable

import urllib3
from flask import current_app
from sqlalchemy import and_, func, or_, select, update

from app.encryption import UndecryptableSecret, decrypt
from app.extensions import db
from app.models import WebhookDelivery, WebhookEndpoint, WebhookStatus, utcnow
from app.sending import webhook_targets

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10
# After attempt n fails, the next one waits BACKOFF[n-1] (the last value repeats), until 24 h have passed.
BACKOFF = (timedelta(seconds=5), timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30),
           timedelta(hours=2), timedelta(hours=5), timedelta(hours=8))
GIVE_UP_AFTER = timedelta(hours=24)
DISABLE_AFTER = 8  # failed attempts in a row, with no success between
USER_AGENT = "Lettrine-Webhooks/1"

_T = WebhookDelivery.__table__


def secret_key(secret: str) -> bytes:
    return base64.b64decode(secret[6:]) if secret.startswith("whsec_") else secret.encode("utf-8")


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` value for this message."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(secret_key(secret), signed, hashlib.sha256).digest()).decode()


RESPONSE_CAP = 1024  # bytes of the answer ever read (then dropped): the log keeps its status only
CONNECT_TIMEOUT_SECONDS = 5
# The whole exchange (connect, send, the answer) however the receiver paces it: a read timeout
# counts between two bytes, so an answer dripped byte by byte would otherwise hold a post forever.
TOTAL_SECONDS = 15


class Deadline:
    """Cuts the post's sockets once ``seconds`` have passed since it started (a timer thread)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._cut)
        self._timer.daemon = True

    def __enter__(self) -> "Deadline":
        self._timer.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._timer.cancel()

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)
            expired = self.expired
        if expired:
            _shut(sock)

    def _cut(self) -> None:
        with self._lock:
            self.expired = True
            sockets = list(self._sockets)
        for sock in sockets:
            _shut(sock)


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)  # the blocked read returns at once, in the posting thread
    except OSError:
        pass


def _watched(base: type, deadline: Deadline) -> type:
    """``base``, its socket handed to ``deadline`` as soon as it exists (before TLS)."""

    class Watched(base):  # type: ignore[valid-type,misc]
        def _new_conn(self) -> socket.socket:
            sock = super()._new_conn()
            deadline.watch(sock)
            return sock

    return Watched


def allow_private_targets() -> bool:
    """``WEBHOOK_ALLOW_PRIVATE_TARGETS``: plain http and private addresses, for an operator who means it."""
    return bool(current_app.config.get("WEBHOOK_ALLOW_PRIVATE_TARGETS"))


def post(url: str, secret: str, msg_id: str, body: bytes) -> tuple[int | None, str]:
    """POST once; ``(status, reason)`` with status None when no HTTP answer came.

    The URL is checked again here (:mod:`app.sending.webhook_targets`) and the connection
    goes to the addresses that check resolved, with the name kept for TLS (SNI and the
    certificate) and for ``Host``: no second DNS answer is ever used. Redirects are not
    followed, at most ``RESPONSE_CAP`` bytes of the answer are read, and the reason is
    Lettrine's own short words, never the target's text. The timestamp is the real
    clock's (receivers refuse one more than a few minutes off).
    """
    allow_private = allow_private_targets()
    try:
        target, addresses = webhook_targets.check(url, allow_private=allow_private)
    except webhook_targets.TargetRefused as refused:
        return None, str(refused)
    timestamp = int(time.time())
    headers = {"Host": target.host_header, "Content-Type": "application/json", "User-Agent": USER_AGENT,
               "webhook-id": msg_id, "webhook-timestamp": str(timestamp),
               "webhook-signature": sign(secret, msg_id, timestamp, body)}
    reason = "pas de réponse : connexion impossible"
    with Deadline(TOTAL_SECONDS) as deadline:
        for address in addresses:  # each one was checked; the first that connects gets the request
            status, reason, connected = _post_to(target, str(address), headers, body, deadline)
            if deadline.expired:
                return None, f"pas de réponse complète en {TOTAL_SECONDS} s"
            if connected:
                return status, reason
    return None, reason


def _post_to(target: webhook_targets.Target, address: str, headers: dict[str, str],
             body: bytes, deadline: Deadline) -> tuple[int | None, str, bool]:
    """One request to one checked address: ``(status, reason, connected)``."""
    timeout = urllib3.Timeout(connect=CONNECT_TIMEOUT_SECONDS, read=TIMEOUT_SECONDS)
    pool: urllib3.HTTPConnectionPool
    if target.scheme == "https":
        literal = target.host == address.strip("[]")
        pool = urllib3.HTTPSConnectionPool(address, target.port, timeout=timeout, retries=False, maxsize=1,
                                           cert_reqs="CERT_REQUIRED",
                                           server_hostname=None if literal else target.host)
    else:
        pool = urllib3.HTTPConnectionPool(address, target.port, timeout=timeout, retries=False, maxsize=1)
    pool.ConnectionCls = _watched(pool.ConnectionCls, deadline)
    try:
        response = pool.urlopen("POST", target.request_target, body=body, headers=headers, redirect=False,
                                retries=False, preload_content=False, assert_same_host=False)
        try:
            response.read(RESPONSE_CAP, decode_content=False)  # a little, never the whole
        except (urllib3.exceptions.HTTPError, OSError):
            pass
        finally:
            response.release_conn()
            response.close()
    except urllib3.exceptions.SSLError:
        return None, "pas de réponse : échec TLS (certificat non valide pour ce nom ?)", True
    except urllib3.exceptions.NewConnectionError:
        return None, "pas de réponse : connexion refusée ou impossible", False
    except urllib3.exceptions.ConnectTimeoutError:
        return None, f"pas de réponse : connexion sans réponse en {CONNECT_TIMEOUT_SECONDS} s", False
    except urllib3.exceptions.ReadTimeoutError:
        return None, f"pas de réponse dans les {TIMEOUT_SECONDS} s", True
    except (urllib3.exceptions.HTTPError, OSError, ValueError):
        return None, "pas de réponse : réponse HTTP invalide ou connexion coupée", True
    finally:
        pool.close()
    status = response.status
    if 300 <= status < 400:
        return status, f"HTTP {status} : redirection non suivie (enregistrez l'adresse finale)", True
    return status, "" if 200 <= status < 300 else f"HTTP {status}", True


def claim(owner: str, limit: int, now: datetime) -> list[int]:
    """Take up to ``limit`` due deliveries of enabled endpoints under a lease; commits."""
    lease = now + timedelta(seconds=limit * TOTAL_SECONDS + 30)
    ids = select(_T.c.id).where(_due(now)).order_by(_T.c.next_attempt_at).limit(limit)
    if db.session.get_bind().dialect.name == "postgresql":
        ids = ids.with_for_update(skip_locked=True)
    stmt = (update(_T).where(_T.c.id.in_(ids.scalar_subquery()))
            .values(lease_owner=owner, lease_expires_at=lease, attempts=_T.c.attempts + 1).returning(_T.c.id))
    claimed = sorted(db.session.execute(stmt).scalars())
    db.session.commit()
    return claimed


def _record(delivery: WebhookDelivery, endpoint: WebhookEndpoint, status: int | None, error: str,
            now: datetime) -> None:
    delivery.last_status_code = status
    delivery.lease_owner = delivery.lease_expires_at = None
    if status is not None and 200 <= status < 300:
        delivery.status = WebhookStatus.DELIVERED
        delivery.delivered_at = now
        delivery.last_error = ""
        endpoint.consecutive_failures = 0
        return
    delivery.last_error = error or f"HTTP {status}"
    endpoint.consecutive_failures += 1
    wait = BACKOFF[min(delivery.attempts, len(BACKOFF)) - 1]
    if now + wait - delivery.created_at <= GIVE_UP_AFTER:
        delivery.next_attempt_at = now + wait
        return
    delivery.status = WebhookStatus.FAILED
    if endpoint.enabled and endpoint.consecutive_failures >= DISABLE_AFTER:
        endpoint.enabled = False
        endpoint.disabled_at = now
        endpoint.disabled_reason = (f"désactivé après {endpoint.consecutive_failures} échecs d'affilée en 24 h ; "
                                    f"dernière erreur : {delivery.last_error}")[:2000]
        log.warning("webhook endpoint %s disabled: %s", endpoint.id, endpoint.disabled_reason)


def _due(now: datetime):
    return and_(_T.c.status == WebhookStatus.PENDING.value, _T.c.next_attempt_at <= now,
                or_(_T.c.lease_expires_at.is_(None), _T.c.lease_expires_at < now),
                _T.c.endpoint_id.in_(select(WebhookEndpoint.id).where(WebhookEndpoint.enabled.is_(True))
                                     .scalar_subquery()))


def due_count(now: datetime | None = None) -> int:
    """Deliveries due now that nobody holds: work, for ``flask worker --until-idle``."""
    return db.session.scalar(select(func.count()).select_from(_T).where(_due(now or utcnow()))) or 0


def release(owner: str, ids: list[int]) -> None:
    """Give back claimed deliveries that were not posted (the worker is stopping); commits.

    The attempt did not happen, so it is not counted, and they are due at once for the next worker.
    """
    if ids:
        db.session.execute(update(_T).where(_T.c.id.in_(ids), _T.c.lease_owner == owner)
                           .values(lease_owner=None, lease_expires_at=None, attempts=_T.c.attempts - 1))
    db.session.commit()


def deliver_due(owner: str, limit: int = 20, *, now: datetime | None = None,
                stop: Callable[[], bool] | None = None) -> int:
    """Post up to ``limit`` due webhook deliveries; returns how many were attempted. Commits.

    With ``stop``, asked before each post: once it says so, the rest are given back (:func:`release`).
    """
    now = now or utcnow()
    attempted = 0
    claimed = claim(owner, limit, now)
    for position, delivery_id in enumerate(claimed):
        if stop is not None and stop():
            release(owner, claimed[position:])
            break
        delivery = db.session.get(WebhookDelivery, delivery_id)
        if delivery is None or delivery.lease_owner != owner:
            continue
        endpoint = delivery.endpoint
        body = json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        try:
            status, error = post(endpoint.url, decrypt(endpoint.secret_encrypted), delivery.msg_id, body)
        except UndecryptableSecret as exc:
            status, error = None, str(exc)
        # The row may have been taken over if the post outlived the lease: write only if still ours.
        result = db.session.execute(update(_T).where(_T.c.id == delivery.id, _T.c.lease_owner == owner)
                                    .values(lease_owner=owner))
        still_ours = getattr(result, "rowcount", 0) == 1
        if still_ours:
            _record(delivery, endpoint, status, error, now)
        db.session.commit()
        attempted += 1
    return attempted
