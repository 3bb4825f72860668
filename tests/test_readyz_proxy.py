"""Issue #22: ``/readyz`` details go to the machine itself (or the metrics token), never to an outsider whose
request nginx relays from loopback, even one who writes ``X-Forwarded-For: 127.0.0.1`` himself."""
from __future__ import annotations

from sqlalchemy import text

from app import heartbeat
from app.extensions import db
from tests.conftest import make_app

NGINX = {"REMOTE_ADDR": "127.0.0.1"}  # every request reaches the app from the proxy on the machine


def test_through_the_proxy_an_outsider_sees_only_ok_or_not_ready(migrated):
    app = make_app(migrated, TRUSTED_PROXIES="1")
    with app.app_context():
        client = app.test_client()
        heartbeat.beat("scheduler")
        heartbeat.beat("worker", "w1")
        try:
            # nginx appends the address it saw ($proxy_add_x_forwarded_for): the last entry is the believed one.
            for forwarded in ("203.0.113.9", "127.0.0.1, 203.0.113.9", "::1, 203.0.113.9"):
                response = client.get("/readyz", environ_base=NGINX, headers={"X-Forwarded-For": forwarded})
                assert (response.status_code, response.json) == (200, {"status": "ok"}), forwarded
            # The operator on the machine, through nginx too, or straight to the app: the checks.
            own = client.get("/readyz", environ_base=NGINX, headers={"X-Forwarded-For": "127.0.0.1"})
            assert own.json["checks"]["workers"]["ok"] and own.json["checks"]["scheduler"]
            assert "checks" in client.get("/readyz", environ_base=NGINX).json
        finally:
            db.session.execute(text("DELETE FROM process_heartbeats"))
            db.session.commit()
            db.session.remove()
