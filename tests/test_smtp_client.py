"""The SMTP client and pool against real aiosmtpd servers; limits as pure logic."""
from __future__ import annotations

import datetime
import ssl

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from app.sending.limits import Limits, RateLimiter, SlidingWindow, TokenBucket
from app.sending.smtp import SMTPPool, dot_stuff, parse_smtp_urls
from app.sending.transport import Envelope
from tests.smtp_server import FaultyHandler, SMTPTestServer, free_port

RAW = b"From: a@crpve91.fr\r\nTo: b@example.org\r\nSubject: t\r\n\r\n.un point\r\nfin\r\n"


def test_sliding_window_and_token_bucket():
    window = SlidingWindow(3, 10.0)
    for t in (0.0, 1.0, 2.0):
        assert window.wait_time(t) == 0
        window.record(t)
    assert window.wait_time(3.0) == pytest.approx(7.0)
    assert window.wait_time(10.5) == 0  # the first event left the window
    bucket = TokenBucket(2.0)
    bucket.tokens, bucket.stamp = 0.0, 100.0
    assert bucket.wait_time(100.0) == pytest.approx(0.5)
    assert bucket.wait_time(100.5) == 0
    limiter = RateLimiter(Limits(per_hour=1))
    limiter.record(50.0)
    assert limiter.wait_time(60.0) == pytest.approx(3590.0)


def test_smtp_url_parsing():
    servers = parse_smtp_urls("smtp://u%40x:p%3Bw@relay:587?max_connections=4&rate=50&per_hour=9&per_day=99&timeout=5,"
                              " smtps://relay2")
    assert [(s.host, s.port, s.implicit_tls) for s in servers] == [("relay", 587, False), ("relay2", 465, True)]
    first = servers[0]
    assert (first.username, first.password, first.timeout) == ("u@x", "p;w", 5.0)
    assert first.limits == Limits(max_connections=4, rate=50.0, per_hour=9, per_day=99)
    with pytest.raises(ValueError, match="invalide"):
        parse_smtp_urls("http://relay")
    with pytest.raises(ValueError, match="numérique"):
        parse_smtp_urls("smtp://relay?rate=vite")


def test_dot_stuffing():
    assert dot_stuff(b".a\r\n.b\r\nc") == b"..a\r\n..b\r\nc\r\n.\r\n"


def _self_signed(tmp_path) -> ssl.SSLContext:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
            .sign(key, hashes.SHA256()))
    (tmp_path / "c.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "k.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                       serialization.NoEncryption()))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(tmp_path / "c.pem", tmp_path / "k.pem")
    return context


def test_starttls_and_auth(tmp_path):
    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = auth_data.login == b"crpve" and auth_data.password == b"s3cret"
        return AuthResult(success=ok, handled=False)

    handler = FaultyHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, tls_context=_self_signed(tmp_path),
                            require_starttls=True, authenticator=authenticate, auth_required=True)
    controller.start()
    try:
        envelope = Envelope("a@crpve91.fr", ("b@example.org",))
        pool = SMTPPool.from_url(f"smtp://crpve:s3cret@127.0.0.1:{port}?tls_verify=0")
        assert pool.send(envelope, RAW).accepted
        assert pool.send(envelope, RAW).accepted  # the same connection again
        pool.close()
        assert len(handler.messages) == 2 and handler.messages[0].data.endswith(b".un point\r\nfin\r\n")
        wrong = SMTPPool.from_url(f"smtp://crpve:nope@127.0.0.1:{port}?tls_verify=0").send(envelope, RAW)
        assert wrong.code == 0 and "authentification refusée" in wrong.reply
        strict = SMTPPool.from_url(f"smtp://crpve:s3cret@127.0.0.1:{port}").send(envelope, RAW)
        assert strict.code == 0  # a self-signed certificate is refused unless tls_verify=0
    finally:
        controller.stop()


def test_several_servers_share_the_load_and_a_dead_one_is_avoided():
    one, two = SMTPTestServer().start(), SMTPTestServer().start()
    dead = f"smtp://127.0.0.1:{free_port()}?timeout=2"
    try:
        pool = SMTPPool.from_url(f"{one.url},{two.url},{dead}")
        results = [pool.send(Envelope("a@crpve91.fr", (f"r{i}@example.org",)), RAW) for i in range(30)]
        pool.close()
        refused = [r for r in results if not r.accepted]
        assert all(r.code == 0 for r in refused) and len(refused) <= 2  # tried, then left to rest
        assert len(one.messages) >= 10 and len(two.messages) >= 10
        assert len(one.messages) + len(two.messages) == 30 - len(refused)
    finally:
        one.stop()
        two.stop()


@pytest.mark.parametrize("pipelining", [True, False])
def test_several_messages_in_one_exchange_each_get_their_own_answer(pipelining):
    """send_many: a refused recipient, a hang-up after the content, then the rest over a fresh connection."""
    server = SMTPTestServer(pipelining=pipelining, reject={"r1@example.org": "550 5.1.1 inconnu"},
                            hang_up={"r3@example.org"}).start()
    try:
        pool = SMTPPool.from_url(server.url)
        items = [(Envelope("a@crpve91.fr", (f"r{i}@example.org",)), RAW.replace(b"t\r\n", f"t{i}\r\n".encode(), 1))
                 for i in range(6)]
        results = pool.send_many(items)
        assert [r.code for r in results] == [250, 550, 250, 0, 250, 250]
        assert results[1].recipient_rejected and not results[0].recipient_rejected
        assert results[3].temporary  # the server may or may not have kept it: the worker decides, later
        assert [m.rcpt_tos for m in server.messages] == [(f"r{i}@example.org",) for i in (0, 2, 4, 5)]
        assert all(r.queue_id for r in results if r.accepted)
        assert [m.data.split(b"Subject: ")[1][:2] for m in server.messages] == [b"t0", b"t2", b"t4", b"t5"]
        # the body's line starting with a dot arrived as it was (dot-stuffed on the way)
        assert all(b"\r\n.un point\r\n" in m.data for m in server.messages)
        pool.close()
    finally:
        server.stop()
