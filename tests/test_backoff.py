"""Background loops back off on repeated errors and log once per change of state (not every second)."""
from __future__ import annotations

import logging
import time

from sqlalchemy import select

from app.services.campaigns import sending_policy
from app.backoff import Backoff
from app.extensions import db
from app.models import WebhookDelivery
from app.sending.worker import WebhookPoster, Worker, WorkerOptions
from app.services.integrations.webhooks import queue_event
from tests.conftest import make_app
from tests.test_webhooks import endpoint_row, receiver  # noqa: F401 (fixture)


def test_waits_double_up_to_a_ceiling_and_each_change_is_logged_once(caplog):
    backoff = Backoff(logging.getLogger("test.loop"), "the loop", first=0.5, most=4.0)
    with caplog.at_level(logging.INFO, logger="test.loop"):
        waits = [backoff.failed(OSError("connection refused\n[SQL: SELECT 1]\n(Background: …)")) for _ in range(6)]
        assert waits == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0] and not backoff.due()
        backoff.succeeded()
        backoff.succeeded()
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 2, lines
    assert "the loop failing" in lines[0] and "connection refused" in lines[0] and "SQL" not in lines[0]
    assert "working again after 6 failed tries" in lines[1]
    assert backoff.due() and not backoff.failing


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def test_the_webhook_poster_backs_off_while_the_database_is_down(migrated):
    """Nothing listens on 127.0.0.1:1: every query fails at once, as during an outage."""
    app = make_app(migrated, DATABASE_URL="postgresql://postgres@127.0.0.1:1/none")
    poster = WebhookPoster(app, "w-down", idle_seconds=0.05)
    handler, logger = Lines(), logging.getLogger("app.sending.worker")
    logger.addHandler(handler)
    was_disabled, logger.disabled = logger.disabled, False  # alembic's fileConfig (the migrations) turns it off
    try:
        poster.start()
        time.sleep(2.5)
        poster.stop()
    finally:
        logger.removeHandler(handler)
        logger.disabled = was_disabled
    assert not poster.is_alive()
    assert 2 <= poster.backoff.failures <= 4  # 0.5 s, 1 s, 2 s… instead of twenty tries at the idle pace
    lines = [line for line in handler.lines if "webhook delivery" in line]
    assert len(lines) == 1 and "\n" not in lines[0], lines


def test_until_idle_waits_for_a_due_webhook_and_records_it(app, receiver):  # noqa: F811
    app.config["WEBHOOK_ALLOW_PRIVATE_TARGETS"] = True  # the receiver is on loopback
    hook = receiver()
    db.session.add(endpoint_row(hook.url, ["subscriber.created"]))
    db.session.flush()
    queue_event("subscriber.created", {"subscriber": {"id": 7}})
    db.session.commit()
    Worker(app, WorkerOptions(idle_seconds=0.05), policy=sending_policy()).run(until_idle=True)  # no campaign, no message: only the webhook
    delivery = db.session.scalar(select(WebhookDelivery))
    db.session.refresh(delivery)
    assert len(hook.requests) == 1
    assert (delivery.status.value, delivery.attempts, delivery.lease_owner) == ("delivered", 1, None)
