"""The SMTP client and pool against real aiosmtpd servers; limits as pure logic."""
from __future__ import annotations

import asyncio
import datetime
import socket
import ssl
import threading
import time

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
        assert all(r.accepted for r in results)  # the dead one's turns went to the others
        assert len(one.messages) >= 10 and len(two.messages) >= 10
        assert len(one.messages) + len(two.messages) == 30
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


# -- transport security ------------------------------------------------------------------------
class CA:
    """A throw-away certificate authority made in the test, and server contexts it signs."""

    def __init__(self, directory, name: str = "Lettrine test CA") -> None:
        self.directory = directory
        self.key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        now = datetime.datetime.now(datetime.timezone.utc)
        self.cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
                     .public_key(self.key.public_key()).serial_number(x509.random_serial_number())
                     .not_valid_before(now - datetime.timedelta(minutes=5))
                     .not_valid_after(now + datetime.timedelta(days=1))
                     .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                     .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                                  content_commitment=False, key_encipherment=False,
                                                  data_encipherment=False, key_agreement=False,
                                                  encipher_only=False, decipher_only=False), critical=True)
                     .add_extension(x509.SubjectKeyIdentifier.from_public_key(self.key.public_key()), critical=False)
                     .sign(self.key, hashes.SHA256()))
        self.path = directory / f"{x509.random_serial_number()}-ca.pem"
        self.path.write_bytes(self.cert.public_bytes(serialization.Encoding.PEM))

    def server_context(self, host: str = "127.0.0.1") -> ssl.SSLContext:
        """A server context whose certificate this CA signed, for ``host`` (an IP or a DNS name)."""
        import ipaddress

        key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.datetime.now(datetime.timezone.utc)
        try:
            alt = x509.IPAddress(ipaddress.ip_address(host))
        except ValueError:
            alt = x509.DNSName(host)
        cert = (x509.CertificateBuilder()
                .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)]))
                .issuer_name(self.cert.subject).public_key(key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(now - datetime.timedelta(minutes=5))
                .not_valid_after(now + datetime.timedelta(days=1))
                .add_extension(x509.SubjectAlternativeName([alt]), critical=False)
                .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()),
                               critical=False)
                .sign(self.key, hashes.SHA256()))
        stem = self.directory / f"{x509.random_serial_number()}"
        (stem.with_suffix(".crt")).write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        (stem.with_suffix(".key")).write_bytes(key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(stem.with_suffix(".crt"), stem.with_suffix(".key"))
        return context


class RecordingHandler(FaultyHandler):
    """Also notes, per accepted message, whether the session was encrypted; ``late_answer``
    seconds pass between keeping a message and saying so (a slow server: a post-queue
    filter, a slow disk) — the case where a client that gives up sends it twice."""

    def __init__(self, late_answer: float = 0.0, **options) -> None:
        super().__init__(**options)
        self.late_answer = late_answer
        self.encrypted: list[bool] = []

    async def handle_DATA(self, server, session, envelope):
        self.encrypted.append(session.ssl is not None)
        answer = await super().handle_DATA(server, session, envelope)
        if self.late_answer:
            await asyncio.sleep(self.late_answer)
        return answer


class Relay:
    """aiosmtpd on a free loopback port with the given SMTP options; a context manager."""

    def __init__(self, handler: FaultyHandler | None = None, **smtp_options) -> None:
        self.handler = handler or RecordingHandler()
        self.port = free_port()
        self.auth_calls: list[bytes] = []
        if smtp_options.pop("with_auth", False):
            smtp_options["authenticator"] = self._authenticate
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, ready_timeout=10,
                                     **smtp_options)

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        self.auth_calls.append(auth_data.password)
        return AuthResult(success=auth_data.password == b"s3cret", handled=False)

    def url(self, scheme: str = "smtp", credentials: str = "", query: str = "") -> str:
        at = f"{credentials}@" if credentials else ""
        return f"{scheme}://{at}127.0.0.1:{self.port}" + (f"?{query}" if query else "")

    def __enter__(self) -> "Relay":
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()


ENVELOPE = Envelope("a@crpve91.fr", ("b@example.org",))


def test_starttls_verifies_the_certificate_against_the_system_or_the_given_ca(tmp_path):
    ca, other = CA(tmp_path), CA(tmp_path, "Another CA")
    with Relay(tls_context=ca.server_context(), require_starttls=True) as relay:
        refused = SMTPPool.from_url(relay.url()).send(ENVELOPE, RAW)  # system CAs: unknown authority
        assert refused.code == 0 and refused.connection_failure
        assert "TLS" in refused.reply and "SMTP_CA_FILE" in refused.reply and "certificate verify failed" in refused.reply
        wrong_ca = SMTPPool.from_url(relay.url(), ca_file=str(other.path)).send(ENVELOPE, RAW)
        assert wrong_ca.code == 0 and wrong_ca.connection_failure
        trusted = SMTPPool.from_url(relay.url(), ca_file=str(ca.path))
        assert trusted.send(ENVELOPE, RAW).accepted
        trusted.close()
        per_url = SMTPPool.from_url(relay.url(query=f"ca_file={ca.path}"))
        assert per_url.send(ENVELOPE, RAW).accepted
        per_url.close()
        assert relay.handler.encrypted == [True, True]
    # The right authority, the wrong name: refused too (the name is checked, not just the signature).
    with Relay(tls_context=ca.server_context("relay.example.org"), require_starttls=True) as relay:
        misnamed = SMTPPool.from_url(relay.url(), ca_file=str(ca.path)).send(ENVELOPE, RAW)
        assert misnamed.code == 0 and misnamed.connection_failure and "TLS" in misnamed.reply
        assert relay.handler.messages == []


def test_smtps_verifies_the_certificate(tmp_path):
    ca = CA(tmp_path)
    # aiosmtpd only knows STARTTLS as "TLS"; the connection is TLS from the first byte here.
    with Relay(ssl_context=ca.server_context(), with_auth=True, auth_require_tls=False) as relay:
        assert SMTPPool.from_url(relay.url("smtps", "crpve:s3cret")).send(ENVELOPE, RAW).connection_failure
        assert relay.auth_calls == []
        pool = SMTPPool.from_url(relay.url("smtps", "crpve:s3cret"), ca_file=str(ca.path))
        assert pool.send(ENVELOPE, RAW).accepted
        pool.close()
    assert len(relay.handler.messages) == 1 and relay.auth_calls == [b"s3cret"]


def test_credentials_never_travel_without_tls():
    """A relay offering AUTH in clear (auth_require_tls=False) never receives the password."""
    with Relay(with_auth=True, auth_require_tls=False) as relay:
        result = SMTPPool.from_url(relay.url(credentials="crpve:s3cret")).send(ENVELOPE, RAW)
        assert result.code == 0 and result.connection_failure
        assert "SMTP_URL" in result.reply and "STARTTLS" in result.reply and "\n" not in result.reply
        assert relay.auth_calls == [] and relay.handler.messages == []
        # The same relay without credentials: a plain smtp://host:port works, no setting needed.
        plain = SMTPPool.from_url(relay.url())
        assert plain.send(ENVELOPE, RAW).accepted
        plain.close()
        assert relay.handler.encrypted == [False]
    with pytest.raises(ValueError, match="SMTP_TLS=none"):
        parse_smtp_urls(relay.url(credentials="crpve:s3cret"), tls="none")


def test_starttls_is_used_when_offered_and_auth_goes_over_it(tmp_path):
    ca = CA(tmp_path)
    with Relay(tls_context=ca.server_context(), with_auth=True) as relay:  # aiosmtpd: AUTH only after TLS
        pool = SMTPPool.from_url(relay.url(credentials="crpve:s3cret"), ca_file=str(ca.path))
        assert pool.send(ENVELOPE, RAW).accepted
        pool.close()
        anonymous = SMTPPool.from_url(relay.url(), ca_file=str(ca.path))
        assert anonymous.send(ENVELOPE, RAW).accepted
        anonymous.close()
        assert relay.auth_calls == [b"s3cret"] and relay.handler.encrypted == [True, True]


def test_tls_none_for_a_loopback_relay_with_broken_starttls(tmp_path):
    """STARTTLS offered with a certificate nobody can verify: refused by default, plain with SMTP_TLS=none."""
    with Relay(tls_context=CA(tmp_path).server_context()) as relay:
        assert SMTPPool.from_url(relay.url()).send(ENVELOPE, RAW).connection_failure
        pool = SMTPPool.from_url(relay.url(), tls="none")
        assert pool.send(ENVELOPE, RAW).accepted
        pool.close()
        assert relay.handler.encrypted == [False]
    with Relay() as relay:  # no STARTTLS at all: starttls demands it
        required = SMTPPool.from_url(relay.url(query="tls=starttls")).send(ENVELOPE, RAW)
        assert required.connection_failure and "SMTP_TLS=starttls" in required.reply
        assert relay.handler.messages == []
    with pytest.raises(ValueError, match="SMTP_TLS"):
        parse_smtp_urls("smtp://relay", tls="sometimes")
    with pytest.raises(ValueError, match="SMTP_CA_FILE"):
        parse_smtp_urls("smtp://relay", ca_file=str(tmp_path / "absent.pem"))


# -- timeouts ----------------------------------------------------------------------------------
def _slow_final_reply(delay: float, query: str, data_timeout: float | None = None) -> tuple[list, Relay]:
    relay = Relay(RecordingHandler(late_answer=delay))
    with relay:
        options = {} if data_timeout is None else {"data_timeout": data_timeout}
        pool = SMTPPool.from_url(relay.url(query=query), **options)
        results = pool.send_many([(Envelope("a@crpve91.fr", (f"r{i}@example.org",)), RAW) for i in range(2)])
        pool.close()
    return results, relay


@pytest.mark.slow
def test_a_server_slow_to_answer_after_the_message_gets_it_once():
    """The answer to the end of DATA comes 3 s late with a 1 s read timeout: it is waited for
    (data_timeout, 600 s by default). The counter-check shows what a single timeout did:
    the server kept the message, the client believed it lost (and would send it again)."""
    results, relay = _slow_final_reply(3.0, "timeout=1")
    assert [r.code for r in results] == [250, 250]
    assert relay.handler.recipients() == ["r0@example.org", "r1@example.org"]

    results, relay = _slow_final_reply(3.0, "timeout=1", data_timeout=1.0)
    assert results[0].code == 0 and results[0].connection_failure
    assert "r0@example.org" in relay.handler.recipients()  # kept, though the client saw a failure


@pytest.mark.slow
def test_a_server_answering_35_seconds_after_the_body_gets_it_once_with_the_default_timeouts():
    results, relay = _slow_final_reply(35.0, "")
    assert [r.code for r in results] == [250, 250]
    assert relay.handler.counts() == {"r0@example.org": 1, "r1@example.org": 1}


# -- relays ------------------------------------------------------------------------------------
class GreetingRefuser:
    """A relay that answers every connection "421" and hangs up (overloaded, or shutting down)."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            client.sendall(b"421 4.3.2 Service temporairement indisponible\r\n")
            client.close()

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def close(self) -> None:
        self.sock.close()


def _items(count: int, prefix: str = "r") -> list[tuple[Envelope, bytes]]:
    return [(Envelope("a@crpve91.fr", (f"{prefix}{i}@example.org",)), RAW) for i in range(count)]


def test_a_refusing_relay_is_rested_and_its_messages_go_to_the_next_at_once():
    refuser = GreetingRefuser()
    dead = f"smtp://127.0.0.1:{free_port()}"  # nothing listens: connection refused
    try:
        with Relay() as live:
            pool = SMTPPool.from_url(f"{refuser.url},{dead},{live.url()}")
            started = time.monotonic()
            results = pool.send_many(_items(40)) + [pool.send(*item) for item in _items(20, "s")]
            elapsed = time.monotonic() - started
            pool.close()
            assert all(r.accepted for r in results), [r for r in results if not r.accepted][:2]
            assert len(live.handler.messages) == 60 and elapsed < 3.0
            assert refuser.connections >= 1  # tried, then rested: not once per message
            assert refuser.connections <= 5
    finally:
        refuser.close()


def test_when_every_relay_is_down_the_result_says_so():
    refuser = GreetingRefuser()
    dead = f"smtp://127.0.0.1:{free_port()}"
    try:
        pool = SMTPPool.from_url(f"{refuser.url},{dead}")
        started = time.monotonic()
        results = pool.send_many(_items(5))
        assert time.monotonic() - started < 2.0
        assert [r.code for r in results] == [0] * 5 and all(r.connection_failure for r in results)
        assert "aucun relais SMTP joignable" in results[0].reply and "421" in results[0].reply
        assert "\n" not in results[0].reply
    finally:
        refuser.close()


def test_connection_failure_is_the_relays_not_the_messages():
    server = SMTPTestServer(reject={"gone@example.org": "550 5.1.1 Utilisateur inconnu",
                                    "full@example.org": "452 4.2.2 Boîte pleine",
                                    "closing@example.org": "421 4.3.2 Arrêt en cours"},
                            hang_up={"hangup@example.org"}).start()
    try:
        pool = SMTPPool.from_url(server.url)
        names = ["ok", "gone", "full", "hangup", "ok2", "closing"]
        results = pool.send_many([(Envelope("a@crpve91.fr", (f"{n}@example.org",)), RAW) for n in names])
        pool.close()
        assert [(r.code, r.connection_failure) for r in results] == [
            (250, False), (550, False), (452, False), (0, True), (250, False), (421, True)]
        assert results[1].recipient_rejected and not results[5].recipient_rejected
    finally:
        server.stop()


def test_plain_smtp_to_smtp_sink_needs_no_setting_and_keeps_the_password():
    """Postfix's smtp-sink offers AUTH but no STARTTLS (like a local relay): a plain
    smtp://host:port goes through with no extra setting; with credentials, nothing is sent."""
    import shutil
    import subprocess

    binary = shutil.which("smtp-sink") or "/usr/sbin/smtp-sink"
    port = free_port()
    sink = subprocess.Popen([binary, "-u", "nobody", f"127.0.0.1:{port}", "64"])
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        pool = SMTPPool.from_url(f"smtp://127.0.0.1:{port}")
        assert all(r.accepted for r in pool.send_many(_items(20)))
        conn = next(iter(pool.servers[0].idle))
        assert "AUTH" in conn.extensions and "STARTTLS" not in conn.extensions
        pool.close()
        secret = SMTPPool.from_url(f"smtp://crpve:s3cret@127.0.0.1:{port}").send_many(_items(3))
        assert all(r.code == 0 and r.connection_failure and "STARTTLS" in r.reply for r in secret)
    finally:
        sink.terminate()
        sink.wait(10)
