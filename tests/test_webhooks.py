"""Outgoing webhooks against a real HTTP receiver on loopback (http.server in a thread): signed the
Standard Webhooks way (checked with the independent ``standardwebhooks`` package), retried after
failures, one POST per one-click unsubscribe, disabled after a day of failures.

The receiver is on loopback, so these tests run with ``WEBHOOK_ALLOW_PRIVATE_TARGETS`` on (the
operator's opt-in); what happens without it is in ``test_webhook_targets.py``."""
from __future__ import annotations

import base64
import json
import ssl
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import func, select
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from app.encryption import encrypt
from app.extensions import db
from app.links import unsubscribe_url
from app.models import (
    MailingList,
    Subscriber,
    Subscription,
    SubscriptionStatus,
    WebhookDelivery,
    WebhookEndpoint,
    utcnow,
)
from app.sending.webhooks import deliver_due
from app.services.integrations.webhooks import disabled_endpoints

SECRET = "whsec_" + base64.b64encode(bytes(range(32))).decode()  # 32 bytes, the least a supplied secret may have


@pytest.fixture(autouse=True)
def loopback_receivers_allowed(app):
    app.config["WEBHOOK_ALLOW_PRIVATE_TARGETS"] = True


def endpoint_row(url: str, events: list[str], secret: str = SECRET, **values) -> WebhookEndpoint:
    """A row as the service stores it (secret encrypted), without the service's URL check."""
    return WebhookEndpoint(url=url, events=events, secret_encrypted=encrypt(secret), **values)


class Receiver:
    """Records every POST; answers what ``answers`` says first (a code, or a code, headers and a
    body), then 204. With ``tls``, speaks HTTPS with that server context."""

    def __init__(self, answers: list | None = None, tls: ssl.SSLContext | None = None) -> None:
        self.answers = list(answers or [])
        self.requests: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
                answer = receiver.answers.pop(0) if receiver.answers else 204
                status, headers, content = answer if isinstance(answer, tuple) else (answer, {}, b"")
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                try:
                    self.wfile.write(content)
                except OSError:  # the client read what it wanted and left
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}/hooks/lettrine"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    made: list[Receiver] = []

    def make(answers=None, tls=None) -> Receiver:
        made.append(Receiver(answers, tls))
        return made[-1]

    yield make
    for r in made:
        r.close()


def _member(email: str = "laura.kossi@example.org") -> Subscriber:
    lst = MailingList(slug="lettre", name="Lettre")
    person = Subscriber(email=email, first_name="Laura")
    db.session.add_all([lst, person])
    db.session.flush()
    db.session.add(Subscription(subscriber_id=person.id, list_id=lst.id, status=SubscriptionStatus.CONFIRMED))
    db.session.commit()
    return person


def test_one_click_unsubscribe_gives_one_signed_post(app, client, cli_runner, receiver):
    hook = receiver()
    result = cli_runner.invoke(args=["webhooks", "create", hook.url, "--events", "subscriber.unsubscribed",
                                     "--secret", SECRET])
    assert result.exit_code == 0, result.output
    person = _member()
    path = unsubscribe_url(person.uid).split("lettrine.test", 1)[1]
    for _ in range(2):  # the mail client may post twice: the second changes nothing
        response = client.post(path, data={"List-Unsubscribe": "One-Click"})
        assert response.status_code == 200
    assert hook.requests == []  # nothing posted from the web request
    assert deliver_due("test-worker", 10) == 1
    assert deliver_due("test-worker", 10) == 0
    [(headers, body)] = hook.requests
    payload = Webhook(SECRET).verify(body, headers)  # raises if the signature does not verify
    assert payload["type"] == "subscriber.unsubscribed"
    assert payload["data"]["subscriber"] == {"id": person.id, "email": "laura.kossi@example.org", "status": "unsubscribed"}
    assert headers["webhook-id"].startswith("msg_")
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + "A" * 32).verify(body, headers)


def test_a_receiver_failing_twice_gets_it_on_the_third_try(app, receiver):
    hook = receiver([500, 500])
    db.session.add(endpoint_row(hook.url, ["subscriber.erased"]))
    db.session.commit()
    from app.services.privacy.rights import erase_subscriber
    erase_subscriber(_member(), actor="test")
    now = utcnow()
    assert deliver_due("w", 10, now=now) == 1
    assert deliver_due("w", 10, now=now) == 0  # backing off
    delivery = db.session.scalar(select(WebhookDelivery))
    assert (delivery.status.value, delivery.attempts, delivery.last_status_code) == ("pending", 1, 500)
    assert deliver_due("w", 10, now=now + timedelta(minutes=2)) == 1
    assert deliver_due("w", 10, now=now + timedelta(minutes=10)) == 1
    db.session.refresh(delivery)
    assert (delivery.status.value, delivery.attempts) == ("delivered", 3)
    assert len(hook.requests) == 3
    assert len({h["webhook-id"] for h, _ in hook.requests}) == 1  # the same id on each retry
    for headers, body in hook.requests:
        assert Webhook(SECRET).verify(body, headers)["data"]["subscriber"]["email"] is None


def test_an_endpoint_failing_for_a_day_is_disabled_with_a_note_on_the_dashboard(app, admin_client, receiver):
    hook = receiver([503] * 50)
    endpoint = endpoint_row(hook.url, ["subscriber.created"])
    db.session.add(endpoint)
    db.session.commit()
    admin_client.post("/api/v1/subscribers")  # nothing: no token
    from app.services.audience.core import Consent
    from app.services.audience.subscriber_records import NewSubscriber, add_subscriber
    add_subscriber(NewSubscriber("x@example.org", [], Consent(source="t", text="t"), double_opt_in=False), actor="t")
    now = utcnow()
    tries = 0
    while db.session.scalar(select(WebhookDelivery.status)).value == "pending" and tries < 20:
        deliver_due("w", 10, now=now)
        now = db.session.scalar(select(WebhookDelivery.next_attempt_at))
        tries += 1
    delivery = db.session.scalar(select(WebhookDelivery))
    assert delivery.status.value == "failed" and now - delivery.created_at <= timedelta(hours=24)
    db.session.refresh(endpoint)
    assert not endpoint.enabled and "503" in endpoint.disabled_reason
    assert disabled_endpoints() == [endpoint]
    page = admin_client.get("/admin/").get_data(as_text=True)
    assert hook.url in page


def test_signature_matches_an_independent_hmac(app):
    import base64
    import hashlib
    import hmac as hmac_lib

    from app.sending.webhooks import sign

    body = json.dumps({"type": "x"}).encode()
    expected = base64.b64encode(hmac_lib.new(base64.b64decode(SECRET[6:]), b"msg_1.1700000000." + body,
                                             hashlib.sha256).digest()).decode()
    assert sign(SECRET, "msg_1", 1700000000, body) == "v1," + expected


def test_events_reach_only_the_endpoints_that_listen(app, client):
    db.session.add_all([endpoint_row("http://127.0.0.1:9/a", ["subscriber.created"]),
                        endpoint_row("http://127.0.0.1:9/b", ["registration.created"]),
                        endpoint_row("http://127.0.0.1:9/c", ["subscriber.created"], enabled=False)])
    db.session.commit()
    from tests.api_helpers import token_header
    db.session.add(MailingList(slug="lettre", name="Lettre"))
    db.session.commit()
    client.post("/api/v1/subscribers", headers=token_header(), json={
        "email": "n@example.org", "lists": ["lettre"], "consent": {"text": "oui"}})
    rows = db.session.scalars(select(WebhookDelivery)).all()
    assert [(r.endpoint.url[-1], r.event) for r in rows] == [("a", "subscriber.created")]
    assert db.session.scalar(select(func.count()).select_from(WebhookDelivery)) == 1


def test_admin_registers_an_endpoint_reads_its_log_and_resends(app, admin_client, receiver):
    hook = receiver()
    page = admin_client.post("/admin/webhooks", data={"url": hook.url, "events": ["campaign.started", "campaign.finished"]})
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    secret = page.get_data(as_text=True).split('id="webhook-secret"', 1)[1].split("<code>", 1)[1].split("</code>", 1)[0]
    assert secret.startswith("whsec_") and len(base64.b64decode(secret[6:])) == 32
    endpoint = db.session.scalar(select(WebhookEndpoint))
    assert endpoint.events == ["campaign.started", "campaign.finished"]
    from tests.sending_fixtures import make_campaign
    make_campaign(2)  # started: campaign.started is queued with the status change
    assert deliver_due("w", 10) == 1
    log = admin_client.get(f"/admin/webhooks/{endpoint.id}").get_data(as_text=True)
    assert "campaign.started" in log and "<td>livré</td>" in log  # the status in words, not "delivered"
    delivery = db.session.scalar(select(WebhookDelivery))
    admin_client.post(f"/admin/webhooks/deliveries/{delivery.id}/resend")
    assert deliver_due("w", 10) == 1
    assert [h["webhook-id"] for h, _ in hook.requests] == [delivery.msg_id, delivery.msg_id]
    assert Webhook(secret).verify(hook.requests[1][1], hook.requests[1][0])["type"] == "campaign.started"
    assert secret not in log  # shown once, at creation


def test_editors_cannot_manage_webhooks(editor_client):
    assert editor_client.get("/admin/webhooks").status_code == 403
    assert editor_client.post("/admin/webhooks", data={"url": "http://127.0.0.1:9/", "events": ["subscriber.created"]}).status_code == 403
