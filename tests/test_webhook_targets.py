"""Webhooks cannot reach inside: https to public addresses only, checked at creation and again at
delivery on the address actually connected to; no redirect followed; the answer's body never kept;
the secret generated, 32 bytes at least, shown once, encrypted at rest.

Every connection here stays on loopback: refused targets are refused before any connection, and the
names other than ``localhost`` are answered by a stand-in resolver (``hooks.test`` → 127.0.0.1).
"""
from __future__ import annotations

import base64
import socket
import ssl
import time

import pytest
import trustme
from sqlalchemy import select, text
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from app.encryption import decrypt, encrypt, reencrypt
from app.extensions import db
from app.models import WebhookDelivery, WebhookEndpoint, utcnow
from app.sending import webhook_targets
from app.sending.webhooks import deliver_due
from app.services.integrations import EndpointError, create_endpoint, reencrypt_webhook_secrets
from app.services.integrations.webhooks import queue_event
from tests.conftest import TEST_SECRET_KEYS
from tests.test_webhooks import SECRET, endpoint_row, receiver  # noqa: F401 (fixture)

INSIDE = [
    "http://2130706433/",  # 127.0.0.1 in decimal
    "https://2130706433/",
    "https://0x7f000001/",  # in hex
    "https://017700000001/",  # in octal
    "https://127.1/",  # short form
    "https://127.0.0.1:8443/hooks",
    "https://localhost/hooks",  # a name that resolves to loopback
    "https://[::1]/",
    "https://[::ffff:127.0.0.1]/",  # IPv4-mapped IPv6
    "https://[::ffff:7f00:1]/",
    "https://[::]/",
    "https://0.0.0.0/",
    "https://10.1.2.3/",
    "https://172.16.0.1/",
    "https://192.168.1.1/",
    "https://169.254.169.254/latest/meta-data/",  # cloud metadata
    "https://[fe80::1]/",
    "https://[fd00::1]/",  # unique local (fd00::/8)
    "https://[fd00:ec2::254]/",  # AWS metadata over IPv6
    "https://100.64.0.1/",  # shared address space (100.64.0.0/10)
    "https://100.100.100.200/",  # Alibaba Cloud metadata, in it
    "https://192.0.0.192/",  # Oracle Cloud metadata (192.0.0.0/24)
    "https://168.63.129.16/",  # Azure wire server
    "https://224.0.0.1/",  # multicast
    "https://239.255.255.250/",
    "https://[ff02::1]/",
    "https://240.0.0.1/",  # reserved
    "https://255.255.255.255/",
    "https://198.18.0.1/",  # benchmarking
    "https://192.0.2.10/",  # documentation
    "https://[2001:db8::1]/",
    "https://[fec0::1]/",  # site-local (deprecated)
    "https://[2002:7f00:1::]/",  # 6to4 around 127.0.0.1
    "https://[64:ff9b::a00:1]/",  # NAT64 around 10.0.0.1
]


@pytest.mark.parametrize("url", INSIDE)
def test_inside_addresses_are_refused(url):
    with pytest.raises(webhook_targets.TargetRefused, match="^adresse"):
        webhook_targets.check(url, allow_private=False)


def test_inside_addresses_are_refused_at_creation(app):
    for url in INSIDE:
        with pytest.raises(EndpointError, match="^adresse"):
            create_endpoint(url, "all")
    assert db.session.scalar(select(WebhookEndpoint)) is None


def test_public_addresses_are_accepted(app):
    """Literal public addresses: nothing is resolved or contacted to accept them."""
    for url in ("https://93.184.215.14/hooks", "https://[2606:4700:4700::1111]:8443/x?y=1",
                "https://[::ffff:93.184.215.14]/", "https://[2002:5db8:d70e::1]/"):
        endpoint, secret = create_endpoint(url, "subscriber.created")
        assert endpoint.url == url and secret.startswith("whsec_")


@pytest.mark.parametrize("url,message", [
    ("http://93.184.215.14/hooks", "https:// est obligatoire"),
    ("https://partner:s3cret@93.184.215.14/hooks", "pas d'identifiant"),
    ("ftp://93.184.215.14/", "https:// attendu"),
    ("https://93.184.215.14:99999/", "port incorrect"),
    ("https:///hooks", "nom de serveur manquant"),
])
def test_plain_http_and_credentials_are_refused(url, message):
    with pytest.raises(webhook_targets.TargetRefused, match=message):
        webhook_targets.check(url, allow_private=False)


def test_the_operator_opt_in_lifts_both_rules(app):
    app.config["WEBHOOK_ALLOW_PRIVATE_TARGETS"] = True
    for url in ("http://127.0.0.1:9/hooks", "http://localhost/x", "https://10.1.2.3/", "http://93.184.215.14/"):
        endpoint, _ = create_endpoint(url, "all")
        assert endpoint.id


def test_the_cli_and_the_admin_refuse_inside_addresses_in_french(app, cli_runner, admin_client):
    result = cli_runner.invoke(args=["webhooks", "create", "http://2130706433/", "--events", "all"])
    assert result.exit_code != 0 and "https:// est obligatoire" in result.output
    result = cli_runner.invoke(args=["webhooks", "create", "https://169.254.169.254/", "--events", "all"])
    assert result.exit_code != 0 and "lien-local" in result.output
    page = admin_client.post("/admin/webhooks", data={"url": "https://[::ffff:127.0.0.1]/", "events": ["campaign.started"]},
                             follow_redirects=True)
    assert "adresse de bouclage" in page.get_data(as_text=True)
    assert db.session.scalar(select(WebhookEndpoint)) is None


class Names:
    """A stand-in for the world's DNS: ``hooks.test`` and friends answer what the test says, and
    every question is counted. Any other name is unknown (no query ever leaves the machine)."""

    def __init__(self, answers: dict[str, list[list[str]]]) -> None:
        self.answers = answers
        self.asked: list[str] = []

    def __call__(self, host, port, *args, **kwargs):
        try:  # a literal address is not a question to the DNS
            return socket.getaddrinfo(host, port, *args, flags=socket.AI_NUMERICHOST, **kwargs)
        except socket.gaierror:
            pass
        self.asked.append(host)
        rounds = self.answers.get(host)
        if not rounds:
            raise socket.gaierror(socket.EAI_NONAME, "unknown name")
        addresses = rounds.pop(0) if len(rounds) > 1 else rounds[0]
        return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
                for a in addresses]


@pytest.fixture
def names(monkeypatch):
    def install(answers: dict[str, list[list[str]]]) -> Names:
        fake = Names(answers)
        monkeypatch.setattr(webhook_targets, "resolver", fake)
        return fake

    return install


def _queue(url: str, secret: str = SECRET) -> WebhookDelivery:
    """An endpoint stored before these rules (or while the opt-in was on) and one event for it."""
    db.session.execute(text("UPDATE webhook_endpoints SET enabled = false"))  # only the new one listens
    endpoint = endpoint_row(url, ["subscriber.created"], secret)
    db.session.add(endpoint)
    db.session.flush()
    [delivery] = queue_event("subscriber.created", {"subscriber": {"id": 1}})
    db.session.commit()
    return delivery


def test_an_inside_target_is_refused_again_at_delivery_without_being_contacted(app, receiver, names):
    hook = receiver()
    names({"hooks.test": [["127.0.0.1"]]})
    by_ip = _queue(f"https://127.0.0.1:{hook.port}/hooks")
    assert deliver_due("w", 10) == 1
    by_name = _queue(f"https://hooks.test:{hook.port}/hooks")
    assert deliver_due("w", 10) == 1
    assert hook.requests == []
    for delivery in (by_ip, by_name):
        db.session.refresh(delivery)
        assert delivery.status.value == "pending" and delivery.last_status_code is None
        assert delivery.last_error.startswith("adresse refusée")
        assert "127.0.0.1" not in delivery.last_error and "refused" not in delivery.last_error.lower()


def test_the_connection_goes_to_the_checked_address_and_keeps_the_name(app, receiver, names):
    """One DNS answer per delivery, and the request is made to it: a name that answers differently
    the second time (DNS rebinding) is never asked again. ``Host`` stays the URL's name."""
    app.config["WEBHOOK_ALLOW_PRIVATE_TARGETS"] = True
    hook = receiver()
    dns = names({"hooks.test": [["127.0.0.1"], []]})  # a second question would find nothing
    delivery = _queue(f"http://hooks.test:{hook.port}/hooks/lettrine?via=test")
    assert deliver_due("w", 10) == 1
    db.session.refresh(delivery)
    assert delivery.status.value == "delivered", delivery.last_error
    assert dns.asked == ["hooks.test"]
    [(headers, body)] = hook.requests
    assert headers["host"] == f"hooks.test:{hook.port}"
    assert Webhook(SECRET).verify(body, headers)["type"] == "subscriber.created"


@pytest.fixture
def tls_receiver(receiver, monkeypatch, tmp_path):
    """An HTTPS receiver on 127.0.0.1 with a certificate for ``hooks.test`` from a test CA, the CA
    trusted through SSL_CERT_FILE (read by OpenSSL when the client loads its default CAs)."""
    authority = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("hooks.test").configure_cert(server_context)
    seen: list[str | None] = []
    server_context.sni_callback = lambda sock, name, ctx: seen.append(name)
    ca_file = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(ca_file))
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
    hook = receiver(tls=server_context)
    hook.sni = seen
    return hook


def test_https_is_pinned_to_the_checked_address_with_the_name_for_sni_and_the_certificate(app, tls_receiver, names):
    app.config["WEBHOOK_ALLOW_PRIVATE_TARGETS"] = True  # the receiver is on loopback
    names({"hooks.test": [["127.0.0.1"]]})
    good = _queue(f"https://hooks.test:{tls_receiver.port}/hooks")
    assert deliver_due("w", 10) == 1
    db.session.refresh(good)
    assert good.status.value == "delivered", good.last_error
    assert tls_receiver.sni == ["hooks.test"]
    assert tls_receiver.requests[0][0]["host"] == f"hooks.test:{tls_receiver.port}"
    wrong_name = _queue(f"https://127.0.0.1:{tls_receiver.port}/hooks")  # the certificate is not for this address
    assert deliver_due("w", 10) == 1
    db.session.refresh(wrong_name)
    assert wrong_name.status.value == "pending" and wrong_name.last_error.startswith("pas de réponse : échec TLS")
    assert len(tls_receiver.requests) == 1


def test_redirects_are_not_followed_and_bodies_not_kept(app, receiver, admin_client):
    app.config["WEBHOOK_ALLOW_PRIVATE_TARGETS"] = True
    elsewhere = receiver()
    leak = b"internal-service-banner " * 50_000  # 1.2 MB the log must not keep (nor the worker read)
    hook = receiver([(302, {"Location": elsewhere.url}, b""), (500, {"Content-Type": "text/plain"}, leak)])
    delivery = _queue(hook.url)
    now = utcnow()
    assert deliver_due("w", 10, now=now) == 1
    db.session.refresh(delivery)
    assert (delivery.last_status_code, delivery.status.value) == (302, "pending")
    assert "redirection non suivie" in delivery.last_error and elsewhere.requests == []
    started = time.monotonic()
    assert deliver_due("w", 10, now=delivery.next_attempt_at) == 1
    assert time.monotonic() - started < 5
    db.session.refresh(delivery)
    assert (delivery.last_status_code, delivery.last_error) == (500, "HTTP 500")
    page = admin_client.get(f"/admin/webhooks/{delivery.endpoint_id}").get_data(as_text=True)
    assert "internal-service-banner" not in page and "HTTP 500" in page


SHORT_OR_MALFORMED = [
    ("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "trop court : 24 octets"),  # Standard Webhooks' example: 24 bytes
    ("whsec_AA==", "trop court : 1 octets"),
    ("whsec_", "trop court : 0 octets"),
    ("x", "« whsec_… » est attendu"),
    ("whsec_not base64!", "mal formé"),
    ("whsec_" + base64.b64encode(bytes(65)).decode(), "trop long"),
]


def test_a_short_or_malformed_secret_is_refused(app, cli_runner):
    for secret, message in SHORT_OR_MALFORMED:
        with pytest.raises(EndpointError, match=message):
            create_endpoint("https://93.184.215.14/", "all", secret)
        result = cli_runner.invoke(args=["webhooks", "create", "https://93.184.215.14/", "--events", "all",
                                         "--secret", secret])
        assert result.exit_code != 0 and message in result.output, secret
    assert db.session.scalar(select(WebhookEndpoint)) is None
    endpoint, chosen = create_endpoint("https://93.184.215.14/", "all", SECRET)  # 32 bytes: accepted
    assert chosen == SECRET and decrypt(endpoint.secret_encrypted) == SECRET


def test_the_secret_is_generated_stored_encrypted_and_readable_after_a_key_rotation(app, cli_runner):
    result = cli_runner.invoke(args=["webhooks", "create", "https://93.184.215.14/", "--events", "all"])
    assert result.exit_code == 0, result.output
    secret = result.output.split("seulement) : ", 1)[1].split()[0]
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    stored = db.session.execute(text("SELECT secret_encrypted FROM webhook_endpoints")).scalar_one()
    assert secret not in stored and secret[6:] not in stored
    assert decrypt(stored) == secret
    assert secret not in cli_runner.invoke(args=["webhooks", "list"]).output
    # SECRET_KEYS gains a new key: the old ciphertext still opens; re-encrypted, it no longer needs the old key.
    rotated = ["a-brand-new-key-0123456789abcdef0123", *TEST_SECRET_KEYS]
    app.config["SECRET_KEYS"] = rotated
    assert decrypt(stored) == secret
    assert reencrypt_webhook_secrets() == 1
    app.config["SECRET_KEYS"] = rotated[:1]
    assert decrypt(db.session.scalar(select(WebhookEndpoint.secret_encrypted))) == secret
    app.config["SECRET_KEYS"] = TEST_SECRET_KEYS  # the old keys alone cannot open it any more
    with pytest.raises(EndpointError, match="SECRET_KEYS"):
        reencrypt_webhook_secrets()


def test_renewing_the_secret_shows_the_new_one_once_and_the_old_one_stops_signing(app, admin_client, receiver):
    app.config["WEBHOOK_ALLOW_PRIVATE_TARGETS"] = True
    hook = receiver()
    endpoint, old = create_endpoint(hook.url, "subscriber.created")
    page = admin_client.post(f"/admin/webhooks/{endpoint.id}/secret").get_data(as_text=True)
    new = page.split('id="webhook-secret"', 1)[1].split("<code>", 1)[1].split("</code>", 1)[0]
    assert new != old and new.startswith("whsec_")
    assert new not in admin_client.get(f"/admin/webhooks/{endpoint.id}").get_data(as_text=True)
    queue_event("subscriber.created", {"subscriber": {"id": 1}})
    db.session.commit()
    assert deliver_due("w", 10) == 1
    [(headers, body)] = hook.requests
    assert Webhook(new).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(old).verify(body, headers)


def test_encryption_uses_the_newest_key_and_every_key_decrypts():
    older, newer = TEST_SECRET_KEYS[1], "a-brand-new-key-0123456789abcdef0123"
    token = encrypt(SECRET, secret_keys=[older])
    assert decrypt(token, secret_keys=[newer, older]) == SECRET
    moved = reencrypt(token, secret_keys=[newer, older])
    assert decrypt(moved, secret_keys=[newer]) == SECRET and moved != token


def test_the_migration_encrypts_the_secrets_stored_in_clear_and_the_downgrade_decrypts_them(tmp_path):
    """On a SQLite file of its own whatever the suite's database (test_migrations runs the chain on both)."""
    from flask_migrate import downgrade, upgrade

    from tests.conftest import make_app

    app = make_app(f"sqlite:///{tmp_path / 'secrets.db'}")
    with app.app_context():
        upgrade(revision="0010")
        db.session.execute(text(
            "INSERT INTO webhook_endpoints (url, description, events, secret, enabled, consecutive_failures, "
            "disabled_reason, created_at) VALUES ('https://93.184.215.14/', '', '[]', :s, 1, 0, '', '2026-01-01')"),
            {"s": SECRET})
        db.session.commit()
        upgrade()
        stored = db.session.execute(text("SELECT secret_encrypted FROM webhook_endpoints")).scalar_one()
        assert SECRET not in stored and decrypt(stored) == SECRET
        downgrade(revision="0010")
        assert db.session.execute(text("SELECT secret FROM webhook_endpoints")).scalar_one() == SECRET
        db.session.remove()
        db.engine.dispose()
