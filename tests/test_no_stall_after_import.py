"""No stall after a big import on PostgreSQL (the delivery-core issue's "0 messages in 90 s").

Freshly loaded tables have no planner statistics (autovacuum is off on these
machines; elsewhere its first ANALYZE comes a minute or more later). The old
per-batch eligibility query (the audience query restricted with ``id IN (…)``)
was then planned as a scan of the whole list per batch: 131 s for ONE batch of
250 after a 20,000-row import, measured here. The send-time re-check is now
driven by the batch's ids, and big imports and enqueues refresh the statistics.
"""
from __future__ import annotations

import io
import time

import pytest
from sqlalchemy import select, text

from app.extensions import db
from app.models import Campaign, Delivery, MailingList
from app.sending import queue
from app.services.campaigns import lifecycle as campaign_service
from app.services.audience import importer

pytestmark = pytest.mark.slow

N = 20_000


def _import(n: int) -> tuple[MailingList, Campaign]:
    lst = MailingList(slug="nouveaux", name="Nouveaux contacts")
    db.session.add(lst)
    db.session.commit()
    rows = "".join(f"personne{i}@exemple.fr;Prénom{i};Nom{i}\n" for i in range(n))
    report = importer.import_csv(io.BytesIO(("email;prénom;nom\n" + rows).encode()), lst, file_name="x.csv",
                                 actor="test")
    assert report.created == n
    campaign = Campaign(slug="annonce", name="Annonce", subject="Cycle de qualification", lists=[lst],
                        content={"blocks": [{"type": "title", "text": "Annonce"}, {"type": "text", "text": "Bonjour"}]})
    db.session.add(campaign)
    db.session.commit()
    return lst, campaign


def _postgresql_only(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the planner without statistics is PostgreSQL's (TEST_DATABASE_URL)")


def test_the_send_time_recheck_is_linear_on_tables_without_statistics(app, monkeypatch):
    _postgresql_only(app)
    # As on a server whose autovacuum has not run yet: nothing refreshes the statistics.
    monkeypatch.setattr(importer, "ANALYZE_AFTER_ROWS", 10**9)
    monkeypatch.setattr(campaign_service, "ANALYZE_AFTER_ROWS", 10**9)
    _lst, campaign = _import(N)
    assert campaign_service.start_campaign(campaign) == N
    # The statistics PostgreSQL has now are none (a fresh database) or an earlier test's, taken on
    # near-empty tables: either way the planner expects "one row" for 20,000.
    ids = list(db.session.scalars(select(Delivery.subscriber_id).order_by(Delivery.id)))
    started = time.perf_counter()
    eligible = 0
    for start in range(0, len(ids), 250):
        eligible += len(queue.recipients(campaign, ids[start:start + 250]))
        db.session.commit()
    elapsed = time.perf_counter() - started
    assert eligible == N
    # 80 batches; the old query needed 131 s for the first one alone.
    assert elapsed < 30, f"{elapsed:.1f} s to re-check {N} recipients"


def _analysed(expected: set[str]) -> set[str]:
    """Tables PostgreSQL says were analysed (its statistics reach the view within a second or so)."""
    deadline = time.monotonic() + 10
    while True:
        db.session.rollback()
        found = set(db.session.scalars(text("SELECT relname FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL")))
        if expected <= found or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def test_a_big_import_and_a_big_enqueue_refresh_the_statistics(app):
    _postgresql_only(app)
    _lst, campaign = _import(2_000)
    assert {"subscribers", "subscriptions"} <= _analysed({"subscribers", "subscriptions"})
    campaign_service.start_campaign(campaign)
    assert "deliveries" in _analysed({"deliveries"})
