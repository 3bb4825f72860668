"""/healthz, /readyz and /metrics against the real database, a real SMTP server and real worker processes."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text, update

from app.extensions import db
from app.models import BounceRecord, ProcessHeartbeat, utcnow
from app import heartbeat
from app.operations import health
from tests.conftest import make_app
from tests.sending_fixtures import make_campaign, start_worker
from tests.smtp_server import SMTPTestServer, smtp_server  # noqa: F401 (fixture)

ROOT = Path(__file__).resolve().parent.parent


def sample(body: str, name: str, **labels: str) -> float | None:
    """The value of one sample in a text exposition, or None when absent."""
    for found in re.finditer(rf"^{re.escape(name)}(?:\{{(.*)\}})? (\S+)$", body, re.M):
        if dict(re.findall(r'(\w+)="([^"]*)"', found.group(1) or "")) == labels:
            return float(found.group(2))
    return None


def scrape(client, **headers) -> str:
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "text/plain"
    return response.get_data(as_text=True)


@pytest.fixture(autouse=True)
def _fresh_smtp_cache():
    health._smtp_cache.clear()
    yield
    health._smtp_cache.clear()


def test_healthz_is_liveness(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok"}


def test_readyz_needs_scheduler_and_workers(client):
    response = client.get("/readyz")
    assert response.status_code == 503
    checks = response.json["checks"]
    assert checks["database"]["ok"] and checks["migrations"]["ok"] and checks["smtp"]["ok"]
    assert not checks["scheduler"]["ok"] and not checks["workers"]["ok"]
    heartbeat.beat("scheduler")
    heartbeat.beat("worker", "host:1")
    response = client.get("/readyz")
    assert response.status_code == 200, response.json
    assert response.json["status"] == "ok"
    assert response.json["checks"]["workers"]["seen_last_minute"] == 1


def test_readyz_stale_beats_and_old_schema_are_not_ready(client):
    heartbeat.beat("scheduler", "sched")
    heartbeat.beat("worker", "w1")
    assert client.get("/readyz").status_code == 200
    db.session.execute(
        update(ProcessHeartbeat).where(ProcessHeartbeat.name == "w1").values(seen_at=utcnow() - timedelta(seconds=90))
    )
    db.session.commit()
    body = client.get("/readyz").json
    assert body["checks"]["workers"] == {"ok": False, "seen_last_minute": 0}
    assert body["checks"]["scheduler"]["ok"]
    db.session.execute(update(ProcessHeartbeat).values(seen_at=utcnow()))
    head = db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    db.session.execute(text("UPDATE alembic_version SET version_num = '0007'"))
    db.session.commit()
    try:
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.json["checks"]["migrations"] == {"ok": False, "current": ["0007"], "head": [head]}
    finally:
        db.session.execute(text("UPDATE alembic_version SET version_num = :head"), {"head": head})
        db.session.commit()


def test_readyz_checks_the_relay_and_shows_no_secret(migrated):
    smtp_server = SMTPTestServer().start()
    url = f"smtp://lettrine:s3cret-pass@127.0.0.1:{smtp_server.port}"
    app = make_app(migrated, SMTP_URL=url)
    with app.app_context():
        heartbeat.beat("scheduler")
        heartbeat.beat("worker", "w1")
        client = app.test_client()
        response = client.get("/readyz")
        assert response.status_code == 200, response.json
        assert response.json["checks"]["smtp"] == {"ok": True, "relays": 1, "answering": 1}
        body = response.get_data(as_text=True)
        for secret in ("s3cret", "lettrine:", str(smtp_server.port), migrated.rsplit("/", 1)[-1], "test-secret-key"):
            assert secret not in body
        smtp_server.stop()
        health._smtp_cache.clear()
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.json["checks"]["smtp"] == {"ok": False, "relays": 1, "answering": 0}
        db.session.execute(text("DELETE FROM process_heartbeats"))
        db.session.commit()
        db.session.remove()


def test_readyz_tells_outsiders_only_ok_or_not_ready(migrated):
    app = make_app(migrated, METRICS_TOKEN="metrics-token-0123456789")
    with app.app_context():
        client = app.test_client()
        outside = {"REMOTE_ADDR": "203.0.113.9"}
        response = client.get("/readyz", environ_base=outside)
        assert (response.status_code, response.json) == (503, {"status": "not ready"})
        heartbeat.beat("scheduler")
        heartbeat.beat("worker", "w1")
        response = client.get("/readyz", environ_base=outside)
        assert (response.status_code, response.json) == (200, {"status": "ok"})
        token = {"Authorization": "Bearer metrics-token-0123456789"}
        assert client.get("/readyz", environ_base=outside, headers=token).json["checks"]["workers"]["ok"]
        assert client.get("/readyz", environ_base=outside, headers={"Authorization": "Bearer wrong"}).json == {
            "status": "ok"
        }
        assert "checks" in client.get("/readyz").json  # loopback: the operator on the machine
        db.session.execute(text("DELETE FROM process_heartbeats"))
        db.session.commit()
        db.session.remove()


def test_one_relay_down_of_two_is_degraded_not_unready(migrated):
    """Sending goes on through the relay that answers: /readyz stays 200 (a load balancer keeps the
    web and the unsubscribe links in service); /metrics and the dashboard say one relay is down."""
    up, down = SMTPTestServer().start(), SMTPTestServer().start()
    down.stop()
    stopped = False
    app = make_app(migrated, SMTP_URL=f"smtp://127.0.0.1:{up.port},smtp://127.0.0.1:{down.port}")
    try:
        with app.app_context():
            heartbeat.beat("scheduler")
            heartbeat.beat("worker", "w1")
            client = app.test_client()
            response = client.get("/readyz")
            assert response.status_code == 200, response.json
            assert response.json["checks"]["smtp"] == {"ok": True, "relays": 2, "answering": 1}
            body = scrape(client)
            assert sample(body, "lettrine_smtp_relays", state="answering") == 1
            assert sample(body, "lettrine_smtp_relays", state="down") == 1
            up.stop()
            stopped = True
            health._smtp_cache.clear()
            assert client.get("/readyz").status_code == 503  # none answers: nothing can be sent
            db.session.execute(text("DELETE FROM process_heartbeats"))
            db.session.commit()
            db.session.remove()
    finally:
        if not stopped:
            up.stop()


def test_the_dashboard_shows_a_relay_down(app, admin_client):
    up, down = SMTPTestServer().start(), SMTPTestServer().start()
    down.stop()
    try:
        assert 'id="relays-degraded"' not in admin_client.get("/admin/").get_data(as_text=True)  # the outbox
        app.config["SMTP_URL"] = f"smtp://127.0.0.1:{up.port},smtp://127.0.0.1:{down.port}"
        page = admin_client.get("/admin/").get_data(as_text=True)
        assert 'id="relays-degraded"' in page and "1 relais d'envoi sur 2 ne répond pas" in page
    finally:
        up.stop()


def test_metrics_loopback_only_without_token(client):
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code == 403
    assert client.get("/metrics").status_code == 200  # the test client comes from 127.0.0.1


def test_metrics_token(migrated):
    app = make_app(migrated, METRICS_TOKEN="metrics-token-0123456789")
    with app.app_context():
        client = app.test_client()
        assert client.get("/metrics").status_code == 401  # even from loopback
        assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
        body = scrape(client, Authorization="Bearer metrics-token-0123456789")
        assert "lettrine_queue_depth" in body
        db.session.remove()


def test_metrics_request_latency_by_endpoint(client):
    client.get("/healthz")
    client.get("/no-such-page")
    body = scrape(client)
    assert sample(body, "lettrine_http_request_duration_seconds_count", endpoint="public.healthz", method="GET") >= 1
    assert sample(body, "lettrine_http_requests_total", endpoint="unmatched", method="GET", status="4xx") >= 1


def test_metrics_bounces_and_complaints_by_reason(client):
    for kind, reason in (("hard", "mailbox_unknown"), ("hard", "mailbox_unknown"), ("complaint", "complaint")):
        db.session.add(BounceRecord(kind=kind, reason=reason, source="test"))
    db.session.commit()
    body = scrape(client)
    assert sample(body, "lettrine_bounce_reports_total", kind="hard", reason="mailbox_unknown") == 2
    assert sample(body, "lettrine_bounce_reports_total", kind="complaint", reason="complaint") == 1


def test_metrics_scheduler_lag(client):
    campaign = make_campaign(2, start=False)
    from app.models import CampaignStatus

    campaign.status = CampaignStatus.SCHEDULED
    campaign.scheduled_at = utcnow() - timedelta(minutes=10)
    db.session.commit()
    body = scrape(client)
    assert 590 <= sample(body, "lettrine_scheduler_lag_seconds") <= 700
    assert sample(body, "lettrine_campaigns", status="scheduled") == 1


@pytest.mark.slow
def test_metrics_during_a_send_counters_rise_and_the_queue_empties(app, client, smtp_server):
    """Two real worker processes send 400 messages to aiosmtpd while /metrics is scraped."""
    n = 400
    smtp_server.data_delay = 0.01  # a relay that takes its time, so the scrapes see the send in progress
    make_campaign(n)
    body = scrape(client)
    assert sample(body, "lettrine_queue_depth", lane="campaign") == n
    assert sample(body, "lettrine_deliveries_sent_total") == 0
    worker = start_worker(
        app.config["SQLALCHEMY_DATABASE_URI"].replace("postgresql+psycopg", "postgresql"),
        smtp_server.url,
        "--processes",
        "2",
    )
    seen_sent, seen_depth, seen_workers = [], [], []
    pids: set[int] = set()
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            body = scrape(client)
            seen_sent.append(sample(body, "lettrine_deliveries_sent_total"))
            seen_depth.append(sample(body, "lettrine_queue_depth", lane="campaign"))
            seen_workers.append(sample(body, "lettrine_workers_alive"))
            db.session.expire_all()
            pids |= {
                b.pid for b in db.session.scalars(select(ProcessHeartbeat).where(ProcessHeartbeat.kind == "worker"))
            }
            db.session.commit()
            if seen_depth[-1] == 0 and seen_sent[-1] == n:
                break
            time.sleep(0.1)
    finally:
        worker.send_signal(signal.SIGTERM)
        out, _ = worker.communicate(timeout=60)
    assert worker.returncode == 0, out.decode()
    assert seen_sent[-1] == n and seen_depth[-1] == 0
    assert seen_sent == sorted(seen_sent), "a counter never goes down"
    assert len(set(seen_sent)) >= 3, f"the scrapes saw the send progress: {sorted(set(seen_sent))}"
    assert any(0 < d < n for d in seen_depth)
    assert max(seen_workers) == 2  # both forked workers beat
    assert sorted(smtp_server.counts().values()) == [1] * n
    # One heartbeat row per forked worker process while they ran, written by their send loops;
    # a clean stop removes them (the loop's own heartbeat, not a side thread's).
    assert len(pids) == 2 and worker.pid not in pids
    db.session.expire_all()
    assert db.session.scalars(select(ProcessHeartbeat).where(ProcessHeartbeat.kind == "worker")).all() == []


@pytest.mark.slow
def test_a_single_worker_process_beats_and_clears_its_row_on_sigterm(app, client, smtp_server):
    worker = start_worker(
        app.config["SQLALCHEMY_DATABASE_URI"].replace("postgresql+psycopg", "postgresql"), smtp_server.url
    )
    try:
        deadline = time.monotonic() + 60
        while sample(scrape(client), "lettrine_workers_alive") != 1:
            assert time.monotonic() < deadline, "the worker never beat"
            time.sleep(0.1)
    finally:
        worker.send_signal(signal.SIGTERM)
        out, _ = worker.communicate(timeout=60)
    assert worker.returncode == 0, out.decode()
    assert sample(scrape(client), "lettrine_workers_alive") == 0


def test_multiprocess_counters_are_summed_across_processes(tmp_path, migrated):
    """PROMETHEUS_MULTIPROC_DIR: counters from two other processes appear, summed, in a third's scrape."""
    folder = tmp_path / "metrics"
    folder.mkdir()
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(folder), "LETTRINE_ENV": "testing"}
    code = (
        "from app.operations import metrics\n"
        "from app.sending.transport import SendResult\n"
        "metrics.note_exchange([SendResult(250), SendResult(250), SendResult(451), SendResult(0)])\n"
    )
    for _ in range(2):
        subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True, timeout=60)
    scrape_code = (
        "import os, sys\nfrom tests.conftest import make_app\n"
        "app = make_app(sys.argv[1], PROMETHEUS_MULTIPROC_DIR=os.environ['PROMETHEUS_MULTIPROC_DIR'])\n"
        "with app.app_context():\n"
        "    sys.stdout.write(app.test_client().get('/metrics').get_data(as_text=True))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", scrape_code, migrated], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert sample(result.stdout, "lettrine_smtp_replies_total", lane="campaign", **{"class": "2xx"}) == 4
    assert sample(result.stdout, "lettrine_smtp_replies_total", lane="campaign", **{"class": "4xx"}) == 2
    assert sample(result.stdout, "lettrine_smtp_replies_total", lane="campaign", **{"class": "none"}) == 2
