"""Issue #22, recovery: a webhook POST has one overall deadline (connect, send and answer together).

A receiver on loopback that drips its answer one byte at a time, each well within the read timeout,
used to hold a post (and a stopping worker's join) for as long as it liked; ``flask worker
--until-idle`` then left without recording it. Now the post ends at the deadline, and the delivery
is recorded and due again later.
"""
from __future__ import annotations

import socket
import threading
import time

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import WebhookDelivery, WebhookStatus, utcnow
from app.sending import webhooks
from app.sending.worker import Worker, WorkerOptions
from app.services.campaigns import sending_policy
from app.services.integrations.webhooks import queue_event
from tests.test_webhooks import SECRET, endpoint_row


class DrippingReceiver:
    """Reads the request, then sends ``HTTP/1.1 200 OK…`` one byte every ``pace`` seconds (never finishing)."""

    def __init__(self, pace: float = 0.2) -> None:
        self.pace = pace
        self.server = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.server.getsockname()[1]}/hooks"
        self.closed = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while not self.closed.is_set():
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            threading.Thread(target=self._drip, args=(conn,), daemon=True).start()

    def _drip(self, conn: socket.socket) -> None:
        with conn:
            conn.recv(65536)
            for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 10_000:
                if self.closed.wait(self.pace):
                    return
                try:
                    conn.sendall(bytes([byte]))
                except OSError:
                    return

    def close(self) -> None:
        self.closed.set()
        self.server.close()


@pytest.fixture
def dripping(app, monkeypatch):
    app.config["WEBHOOK_ALLOW_PRIVATE_TARGETS"] = True  # the receiver is on loopback
    monkeypatch.setattr(webhooks, "TOTAL_SECONDS", 1.5)
    receiver = DrippingReceiver()
    yield receiver
    receiver.close()


def test_a_dripped_answer_ends_at_the_overall_deadline(dripping):
    started = time.monotonic()
    status, reason = webhooks.post(dripping.url, SECRET, "msg_drip", b"{}")
    elapsed = time.monotonic() - started
    assert status is None and reason == "pas de réponse complète en 1.5 s"
    assert elapsed >= 1.4 and elapsed < 3.0, elapsed  # not the read timeout's 10 s per byte, forever


def test_until_idle_records_a_cut_post_and_it_is_due_again(app, dripping):
    db.session.add(endpoint_row(dripping.url, ["subscriber.created"]))
    db.session.flush()
    queue_event("subscriber.created", {"subscriber": {"id": 7}})
    db.session.commit()
    started = time.monotonic()
    Worker(app, WorkerOptions(idle_seconds=0.05), policy=sending_policy()).run(until_idle=True)
    assert time.monotonic() - started < 10
    delivery = db.session.scalar(select(WebhookDelivery))
    db.session.refresh(delivery)
    assert (delivery.status, delivery.attempts, delivery.lease_owner) == (WebhookStatus.PENDING, 1, None)
    assert delivery.last_error == "pas de réponse complète en 1.5 s"
    assert delivery.next_attempt_at > utcnow()  # retried after its back-off, by the next worker
