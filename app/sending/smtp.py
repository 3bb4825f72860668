"""A small, fast SMTP client and the connection pool the sending engine uses.

Why not ``smtplib``: it waits for the server after every command, and its
dot-stuffing walks the message line by line. This client pipelines MAIL, RCPT
and DATA in one write when the server offers PIPELINING (RFC 2920) and
dot-stuffs with one ``bytes.replace`` — about twice the throughput on the same
core (performance.md). Everything else is plain RFC 5321: EHLO, STARTTLS,
implicit TLS for ``smtps://``, AUTH PLAIN/LOGIN, timeouts.

``SMTP_URL`` is one URL or several, comma-separated, that share the load::

    smtp://user:pass@relay:587?max_connections=4&rate=50&per_hour=20000&per_day=200000
    smtps://relay:465?timeout=30

Transport security (``tls`` per URL, or ``SMTP_TLS`` for all):

- ``auto`` (default): ``smtp://`` upgrades with STARTTLS when the relay offers
  it; ``smtps://`` is TLS from the first byte. Certificates are verified
  (``ssl.create_default_context()``, or only the authority in ``SMTP_CA_FILE`` /
  ``ca_file=``). With a user name in the URL the password never travels in
  clear: a relay without STARTTLS is refused with one line naming ``SMTP_URL``.
- ``starttls``: STARTTLS required even without credentials.
- ``none``: never STARTTLS, for an unauthenticated relay (on loopback) whose
  STARTTLS is broken; refused together with credentials.

Timeouts: ``timeout`` (30 s) for every read but one; the reply after the end of
a message waits ``data_timeout`` (``SMTP_DATA_TIMEOUT``, 600 s, RFC 5321
§4.5.3.2.6): giving up sooner is how a slow server ends up with the message twice.

A transport failure (refused connection, timeout, dropped connection, every
relay down) is reported as ``SendResult(0, reason, connection_failure=True)``:
temporary, like a 4xx, and the relay's fault rather than the message's.
"""
from __future__ import annotations

import base64
import functools
import io
import os
import re
import socket
import ssl
import threading
import time
from dataclasses import dataclass, field
from typing import Sequence
from urllib.parse import parse_qs, unquote, urlsplit

from app.sending.limits import Limits, LocalQuota, QuotaStore
from app.message.envelope import Envelope
from app.sending.send_result import SendResult

_QUEUED_AS = re.compile(rb"queued as ([^\s;]+)", re.IGNORECASE)
TLS_MODES = ("auto", "starttls", "none")
DEFAULT_TIMEOUT = 30.0
DEFAULT_DATA_TIMEOUT = 600.0  # RFC 5321 §4.5.3.2.6: "DATA Termination: 10 minutes"


class SMTPConnectionLost(OSError):
    """The connection broke or could not be made (EOF, reset, timeout, refusal, TLS):
    the relay's fault; the message may be retried."""

    def __init__(self, message: str, data_sent: bool = False) -> None:
        super().__init__(" ".join(message.split()))  # one line: it ends up in logs and delivery rows
        self.data_sent = data_sent
        self.done: list[SendResult] = []  # send_many: the answers received before the break


@dataclass(frozen=True)
class ServerConfig:
    """One relay from ``SMTP_URL``."""

    host: str
    port: int
    implicit_tls: bool = False
    username: str = ""
    password: str = ""
    timeout: float = DEFAULT_TIMEOUT
    data_timeout: float = DEFAULT_DATA_TIMEOUT
    tls: str = "auto"
    tls_verify: bool = True
    ca_file: str = ""
    helo: str = field(default_factory=socket.getfqdn)
    limits: Limits = Limits()

    @property
    def label(self) -> str:
        return f"{self.host}:{self.port}"


def parse_smtp_urls(value: str, tls: str = "auto", ca_file: str = "",
                    data_timeout: float = DEFAULT_DATA_TIMEOUT) -> list[ServerConfig]:
    """``SMTP_URL`` → server configs; ValueError (one line, naming the setting) on a bad entry.

    ``tls``, ``ca_file`` and ``data_timeout`` are the defaults (``SMTP_TLS``,
    ``SMTP_CA_FILE``, ``SMTP_DATA_TIMEOUT``); a URL's own query parameters win.
    """
    servers = []
    for raw in (part.strip() for part in value.split(",")):
        if not raw:
            continue
        url = urlsplit(raw)
        if url.scheme not in {"smtp", "smtps"} or not url.hostname:
            raise ValueError(f"SMTP_URL invalide : {raw!r} (attendu smtp://hôte:port ou smtps://…)")
        shown = raw.split("@")[-1]
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        try:
            limits = Limits(
                max_connections=int(query.get("max_connections", 2)),
                rate=float(query.get("rate", 0)),
                per_hour=int(query.get("per_hour", 0)),
                per_day=int(query.get("per_day", 0)),
            )
            timeout = float(query.get("timeout", DEFAULT_TIMEOUT))
            final_timeout = float(query.get("data_timeout", data_timeout))
        except ValueError as exc:
            raise ValueError(f"SMTP_URL : paramètre numérique invalide dans {shown!r}") from exc
        implicit = url.scheme == "smtps"
        mode = query.get("tls", tls).strip().lower() or "auto"
        username = unquote(url.username or "")
        if mode not in TLS_MODES:
            raise ValueError(f"SMTP_TLS / tls= : {mode!r} inconnu (auto, starttls ou none)")
        if mode == "none" and implicit:
            raise ValueError(f"SMTP_TLS=none et smtps:// s'excluent ({shown!r})")
        if mode == "none" and username:
            raise ValueError(f"SMTP_TLS=none refusé avec des identifiants dans SMTP_URL ({shown!r}) : "
                             "le mot de passe partirait en clair / no password without TLS")
        ca = query.get("ca_file", ca_file)
        if ca and not os.path.isfile(ca):
            raise ValueError(f"SMTP_CA_FILE : fichier introuvable {ca!r} / CA file not found")
        servers.append(ServerConfig(
            host=url.hostname,
            port=url.port or (465 if implicit else 25),
            implicit_tls=implicit,
            username=username,
            password=unquote(url.password or ""),
            timeout=timeout,
            data_timeout=final_timeout,
            tls=mode,
            tls_verify=query.get("tls_verify", "1") not in {"0", "false", "no"},
            ca_file=ca,
            helo=query.get("helo") or socket.getfqdn(),
            limits=limits,
        ))
    if not servers:
        raise ValueError("SMTP_URL est vide")
    return servers


@functools.lru_cache(maxsize=16)
def tls_context(ca_file: str = "", verify: bool = True) -> ssl.SSLContext:
    """A client context that verifies the relay's certificate and name: against the system's
    authorities, or only the one in ``ca_file`` (a private relay, tests). Cached: loading
    the system store costs milliseconds per connection."""
    context = ssl.create_default_context(cafile=ca_file or None)
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def _address(address: str, utf8: bool) -> str:
    """As the server can take it: UTF-8 under SMTPUTF8, else the domain in its IDNA (xn--) form."""
    if utf8 or address.isascii():
        return address
    local, at, domain = address.rpartition("@")
    try:
        return f"{local}{at}{domain.encode('idna').decode('ascii')}"
    except UnicodeError:
        return address  # unsendable() has refused it already when the local part is the problem


def dot_stuff(raw: bytes) -> bytes:
    """RFC 5321 §4.5.2 transparency plus the end-of-data marker, in two ``replace``-speed steps."""
    data = raw.replace(b"\r\n.", b"\r\n..")
    if data.startswith(b"."):
        data = b"." + data
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    return data + b".\r\n"


class SMTPConnection:
    """One persistent SMTP session; not thread-safe (the pool hands it to one user at a time)."""

    def __init__(self, server: ServerConfig) -> None:
        self.server = server
        self.extensions: dict[str, str] = {}
        self.sent = 0
        self.last_used = time.monotonic()
        self._sock: socket.socket | None = None
        self._file: io.IOBase | None = None
        self._connect()

    # -- low level ---------------------------------------------------------
    def _live(self) -> tuple[socket.socket, io.IOBase]:
        """The open socket and its reader; a session already closed is a lost connection."""
        if self._sock is None or self._file is None:
            raise SMTPConnectionLost(f"{self.server.label} : connexion déjà fermée")
        return self._sock, self._file

    def _attach(self, sock: socket.socket) -> None:
        self._sock = sock
        self._file = sock.makefile("rb", buffering=65536)

    def _wrap(self, sock: socket.socket) -> socket.socket:
        s = self.server
        try:
            return tls_context(s.ca_file, s.tls_verify).wrap_socket(sock, server_hostname=s.host)
        except OSError as exc:  # includes certificate verification failures
            sock.close()
            hint = " (SMTP_CA_FILE pour une autorité privée)" if isinstance(exc, ssl.SSLCertVerificationError) else ""
            raise SMTPConnectionLost(f"TLS impossible avec {s.label}{hint} / TLS failed: {exc}") from exc

    def _connect(self) -> None:
        s = self.server
        try:
            sock = socket.create_connection((s.host, s.port), timeout=s.timeout)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError as exc:
            raise SMTPConnectionLost(f"connexion impossible à {s.label} : {exc}") from exc
        if s.implicit_tls:
            sock = self._wrap(sock)
        self._attach(sock)
        try:
            self._open_session()
        except BaseException:
            self.close(quit=False)
            raise

    def _open_session(self) -> None:
        """Greeting, EHLO, STARTTLS as the ``tls`` mode says, then AUTH only over TLS."""
        s = self.server
        code, text = self.read_reply()
        if code != 220:
            raise SMTPConnectionLost(f"{s.label} refuse la connexion : {code} {text}")
        self._ehlo()
        if not s.implicit_tls and s.tls != "none":
            if "STARTTLS" in self.extensions:
                code, text = self.command(b"STARTTLS\r\n")
                if code != 220:
                    raise SMTPConnectionLost(f"STARTTLS refusé par {s.label} : {code} {text}")
                self._attach(self._wrap(self._live()[0]))
                self._ehlo()
            elif s.tls == "starttls":
                raise SMTPConnectionLost(f"{s.label} ne propose pas STARTTLS, exigé par SMTP_TLS=starttls "
                                         "/ relay offers no STARTTLS")
            elif s.username:
                raise SMTPConnectionLost(
                    f"SMTP_URL : {s.label} ne propose pas STARTTLS, le mot de passe n'est pas envoyé en clair "
                    "(utilisez smtps:// ou un relais avec STARTTLS) / no STARTTLS: password not sent in clear")
        if s.username:
            self._login()

    def _ehlo(self) -> None:
        code, text = self.command(f"EHLO {self.server.helo}\r\n".encode())
        if code != 250:
            code, text = self.command(f"HELO {self.server.helo}\r\n".encode())
            if code != 250:
                raise SMTPConnectionLost(f"EHLO refusé par {self.server.label} : {code} {text}")
            self.extensions = {}
            return
        self.extensions = {}
        for line in text.splitlines()[1:]:
            name, _, params = line.partition(" ")
            self.extensions[name.upper()] = params

    def _login(self) -> None:
        s = self.server
        methods = self.extensions.get("AUTH", "").upper().split()
        if "PLAIN" in methods or not methods:
            token = base64.b64encode(f"\0{s.username}\0{s.password}".encode()).decode()
            code, text = self.command(f"AUTH PLAIN {token}\r\n".encode())
        else:
            code, _ = self.command(b"AUTH LOGIN\r\n")
            if code == 334:
                code, _ = self.command(base64.b64encode(s.username.encode()) + b"\r\n")
            if code == 334:
                code, text = self.command(base64.b64encode(s.password.encode()) + b"\r\n")
            else:
                text = "AUTH LOGIN"
        if code != 235:
            raise SMTPConnectionLost(f"authentification refusée par {s.label} : {code} {text}")

    def read_reply(self) -> tuple[int, str]:
        """One (possibly multi-line) reply: ``(code, text)``."""
        lines = []
        reader = self._live()[1]
        try:
            while True:
                line = reader.readline(8192)
                if not line:
                    raise SMTPConnectionLost(f"{self.server.label} a fermé la connexion")
                lines.append(line[4:].rstrip(b"\r\n"))
                if line[3:4] != b"-":
                    break
            code = int(line[:3])
        except (OSError, ValueError) as exc:
            if isinstance(exc, SMTPConnectionLost):
                raise
            raise SMTPConnectionLost(f"réponse illisible ou connexion perdue ({self.server.label}) : {exc}") from exc
        return code, b"\n".join(lines).decode("utf-8", "replace")

    def _write(self, data: bytes) -> None:
        sock = self._live()[0]
        try:
            sock.sendall(data)
        except OSError as exc:
            raise SMTPConnectionLost(f"écriture impossible vers {self.server.label} : {exc}") from exc

    def _writev(self, parts: list[bytes]) -> None:
        """Write several buffers with one system call where the socket allows (no 90 KB copy)."""
        sock = self._live()[0]
        if isinstance(sock, ssl.SSLSocket):
            return self._write(b"".join(parts))
        views = [memoryview(p) for p in parts if p]
        try:
            while views:
                sent = sock.sendmsg(views)
                while views and sent >= len(views[0]):
                    sent -= len(views.pop(0))
                if views and sent:
                    views[0] = views[0][sent:]
        except OSError as exc:
            raise SMTPConnectionLost(f"écriture impossible vers {self.server.label} : {exc}") from exc

    def command(self, line: bytes) -> tuple[int, str]:
        self._write(line)
        return self.read_reply()

    # -- sending -----------------------------------------------------------
    def send(self, envelope: Envelope, raw: bytes, transparent: bool = False) -> SendResult:
        """Hand one message over; returns the server's final answer for it.

        Raises :class:`SMTPConnectionLost` when the connection breaks.
        """
        return self.send_many([(envelope, raw)], transparent)[0]

    def send_many(self, items: Sequence[tuple[Envelope, bytes]], transparent: bool = False) -> list[SendResult]:
        """Hand several messages over, in order; one answer each.

        With PIPELINING, message n+1's MAIL/RCPT/DATA travel in the same write as
        message n's content (RFC 2920 §3.1: the content may start a group), so a
        message costs one round trip instead of two. ``transparent``: the caller
        guarantees no line starts with "." (app.message.encoding), so no dot-stuffing scan.

        Raises :class:`SMTPConnectionLost` when the connection breaks (or the server
        says 421, closing it) before the last answer; ``exc.done`` holds the answers
        already received, ``exc.data_sent`` whether the next message's content went out.
        """
        self.last_used = time.monotonic()
        results: list[SendResult] = []
        try:
            if "PIPELINING" in self.extensions:
                self._send_pipelined(items, transparent, results)
            else:
                for envelope, raw in items:
                    results.append(self._send_lockstep(envelope, raw, transparent))
                    if results[-1].code == 421 and len(results) < len(items):
                        raise SMTPConnectionLost(f"{self.server.label} ferme la connexion (421)")
        except SMTPConnectionLost as exc:
            exc.done = results
            self.close(quit=False)
            raise
        if results and results[-1].code == 421:
            self.close(quit=False)
        return results

    def _commands(self, envelope: Envelope, raw: bytes) -> list[bytes]:
        """MAIL (with SIZE, BODY=8BITMIME and SMTPUTF8 as the message needs and the server offers),
        one RCPT per recipient, DATA. Call :meth:`unsendable` first."""
        params = f" SIZE={len(raw)}" if "SIZE" in self.extensions else ""
        if envelope.eight_bit:
            params += " BODY=8BITMIME"
        utf8 = "SMTPUTF8" in self.extensions and (envelope.smtputf8 or not all(
            a.isascii() for a in (envelope.mail_from, *envelope.recipients)))
        if utf8:
            params += " SMTPUTF8"
        return [f"MAIL FROM:<{_address(envelope.mail_from, utf8)}>{params}\r\n".encode(),
                *(f"RCPT TO:<{_address(r, utf8)}>\r\n".encode() for r in envelope.recipients), b"DATA\r\n"]

    def unsendable(self, envelope: Envelope) -> SendResult | None:
        """Why this server cannot take the message as built, without asking it; None when it can.

        8bit content for a server without 8BITMIME: the relay's side (like a lost connection), so
        the worker puts it back and builds it quoted-printable next time. An address whose local
        part is not ASCII for a server without SMTPUTF8: refused for good (RFC 6531 §3.5's 5.6.7),
        but never a bounce: the address may be fine (a domain alone is sent in its IDNA form).
        """
        if envelope.eight_bit and "8BITMIME" not in self.extensions:
            return SendResult(0, f"{self.server.label} n'annonce plus 8BITMIME : message reconstruit en "
                                 "quoted-printable au prochain essai / relay no longer offers 8BITMIME",
                              connection_failure=True)
        if "SMTPUTF8" not in self.extensions:
            for address in (envelope.mail_from, *envelope.recipients):
                if not address.rpartition("@")[0].isascii():
                    return SendResult(553, f"5.6.7 adresse non ASCII ({address}) et {self.server.label} ne propose "
                                           "pas SMTPUTF8 / non-ASCII address, relay offers no SMTPUTF8")
        return None

    @staticmethod
    def _content(raw: bytes, transparent: bool) -> list[bytes]:
        """The DATA content and end marker, as buffers to write without copying the message."""
        if not transparent:
            return [dot_stuff(raw)]
        return [raw, b".\r\n" if raw.endswith(b"\r\n") else b"\r\n.\r\n"]

    def _send_pipelined(self, items: Sequence[tuple[Envelope, bytes]], transparent: bool,
                        results: list[SendResult]) -> None:
        local = [self.unsendable(envelope) for envelope, _raw in items]
        envelopes = [b"" if refused else b"".join(self._commands(envelope, raw))
                     for (envelope, raw), refused in zip(items, local)]
        self._write(envelopes[0])
        for index, (envelope, raw) in enumerate(items):
            following = envelopes[index + 1] if index + 1 < len(items) else b""
            refused = local[index]
            if refused is not None:  # never sent: its answer is ours, and the next envelope goes out now
                results.append(refused)
                if following:
                    self._write(following)
                continue
            mail_reply = self.read_reply()
            rcpt_replies = [self.read_reply() for _ in envelope.recipients]
            data_reply = self.read_reply()
            accepted = any(200 <= c < 300 for c, _ in rcpt_replies)
            if data_reply[0] == 354 and accepted:
                try:
                    self._writev([*self._content(raw, transparent), following])
                    results.append(self._final_reply())
                except SMTPConnectionLost as exc:
                    exc.data_sent = True
                    raise
            else:
                # A server that says 354 with no recipient gets an empty content; otherwise
                # the transaction is reset. Either way the next envelope follows in the same write.
                results.append(self._refusal(mail_reply, rcpt_replies, data_reply))
                if results[-1].code != 421:
                    self._write((b".\r\n" if data_reply[0] == 354 else b"RSET\r\n") + following)
                    self.read_reply()
            if results[-1].code == 421:  # the server is closing: no more on this connection
                if following:
                    raise SMTPConnectionLost(f"{self.server.label} ferme la connexion (421)")
                return

    def _send_lockstep(self, envelope: Envelope, raw: bytes, transparent: bool) -> SendResult:
        """One message, waiting for each reply (a server without PIPELINING)."""
        refused = self.unsendable(envelope)
        if refused is not None:
            return refused
        mail, *rcpts, _data = self._commands(envelope, raw)
        mail_reply = self.command(mail)
        rcpt_replies = [self.command(r) if mail_reply[0] == 250 else (503, "") for r in rcpts]
        accepted = any(200 <= c < 300 for c, _ in rcpt_replies)
        data_reply = self.command(b"DATA\r\n") if accepted else (503, "aucun destinataire accepté")
        if data_reply[0] == 354:
            try:
                self._writev(self._content(raw, transparent))
                return self._final_reply()
            except SMTPConnectionLost as exc:
                exc.data_sent = True
                raise
        result = self._refusal(mail_reply, rcpt_replies, data_reply)
        if result.code != 421:
            self.command(b"RSET\r\n")
        return result

    def _final_reply(self) -> SendResult:
        """The answer to a message's content: accepted (with the queue id when the server gives one) or not.

        Waits ``data_timeout`` (10 minutes by default), not ``timeout``: the server may be
        scanning or delivering the message, and a client that hangs up now sends it twice.
        """
        self._live()[0].settimeout(self.server.data_timeout)
        try:
            code, text = self.read_reply()
        finally:
            if self._sock is not None:
                self._sock.settimeout(self.server.timeout)
        self.sent += 1
        if 200 <= code < 300:
            match = _QUEUED_AS.search(text.encode())
            return SendResult(code, text, match.group(1).decode() if match else None)
        return SendResult(code, text, connection_failure=code == 421)

    @staticmethod
    def _refusal(mail_reply: tuple[int, str], rcpt_replies: list[tuple[int, str]],
                 data_reply: tuple[int, str]) -> SendResult:
        """Why a transaction failed before its content: MAIL, a recipient, or DATA."""
        if mail_reply[0] != 250:
            return SendResult(mail_reply[0], mail_reply[1], connection_failure=mail_reply[0] == 421)
        bad = next(((c, t) for c, t in rcpt_replies if not 200 <= c < 300), None)
        if bad is not None:  # 421 closes the channel: the relay's doing, whatever the address
            return SendResult(bad[0], bad[1], recipient_rejected=bad[0] != 421, connection_failure=bad[0] == 421)
        if data_reply[0] == 354:  # accepted DATA, but no recipient was accepted
            return SendResult(503, "aucun destinataire accepté")
        return SendResult(data_reply[0], data_reply[1], connection_failure=data_reply[0] == 421)

    def close(self, quit: bool = True) -> None:
        sock, reader = self._sock, self._file
        if sock is None:
            return
        try:
            if quit:
                sock.settimeout(2)
                sock.sendall(b"QUIT\r\n")
                if reader is not None:
                    reader.readline(1024)
        except OSError:
            pass
        finally:
            try:
                if reader is not None:
                    reader.close()
                sock.close()
            except OSError:
                pass
            self._sock = self._file = None

    @property
    def open(self) -> bool:
        return self._sock is not None


class _Server:
    """A relay's live state in the pool: idle connections, a rest after failures, a quota hint."""

    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self.idle: list[SMTPConnection] = []
        self.busy = 0
        self.down_until = 0.0  # resting after a refused connection (monotonic)
        self.failures = 0
        self.last_error = ""
        self.quota_until = 0.0  # the quota store said "none before then" (monotonic)
        self.extensions: frozenset[str] = frozenset()  # what the relay announced at its last EHLO


def _failed(reason: str, count: int) -> list[SendResult]:
    return [SendResult(0, reason, connection_failure=True)] * count


class SMTPPool:
    """Persistent connections to one or more relays, within each relay's limits.

    ``send_many()`` picks the relay that can take a message soonest (round-robin
    among equals), reuses an idle connection or opens one (up to
    ``max_connections``), asks the quota store how many messages may go, and
    waits when every relay is at its limit. A relay that refuses connections
    rests (0.5 s, doubling to 30 s) and its messages go to the next relay at
    once; when none is left they are answered ``connection_failure``.
    Thread-safe, so ``flask dev``'s worker thread and web requests may share it.

    ``quota``: where limits are counted (``app.sending.limits``: the database or
    Redis, shared by every process; in-process by default). ``quota_wait``: the
    longest a ``send_many`` waits for quota before answering the rest
    ``SendResult(0, …, connection_failure=True)``; None waits as long as it takes.
    """

    IDLE_SECONDS = 30.0  # reconnect rather than trust a connection idle this long
    SHORT_REST = 1.0  # a relay resting no longer than this is waited for, not skipped

    def __init__(self, servers: list[ServerConfig], quota: QuotaStore | None = None,
                 quota_wait: float | None = None) -> None:
        self.servers = [_Server(s) for s in servers]
        self.quota = quota or LocalQuota()
        self.quota_wait = quota_wait
        self._lock = threading.Condition()
        self._next = 0

    @classmethod
    def from_url(cls, url: str, quota: QuotaStore | None = None, **defaults) -> "SMTPPool":
        """``defaults``: ``tls``, ``ca_file``, ``data_timeout`` for every relay (see :func:`parse_smtp_urls`)."""
        return cls(parse_smtp_urls(url, **defaults), quota=quota)

    def offers(self, extension: str) -> bool:
        """True when every relay announced ``extension`` (e.g. "8BITMIME") at its last EHLO.

        A relay not yet connected counts as not offering it: the first messages are built the
        safe way, the rest take what the relays said.
        """
        with self._lock:
            return all(extension in s.extensions for s in self.servers) if self.servers else False

    def _acquire(self, skip: set[str], deadline: float | None) -> tuple[_Server, SMTPConnection | None] | str:
        """A relay to use now (and an idle connection to it if there is one), or why there is none.

        ``skip``: relays that failed during this ``send_many``. Waits while relays are
        busy, about to come back from a short rest, or out of quota until ``deadline``.
        """
        with self._lock:
            while True:
                now = time.monotonic()
                usable = [s for s in self.servers if s.config.label not in skip
                          and s.down_until - now <= self.SHORT_REST]
                if not usable:
                    return "aucun relais SMTP joignable / no SMTP relay reachable : " + " ; ".join(
                        f"{s.config.label} : {s.last_error or 'au repos'}" for s in self.servers)
                best_wait = float("inf")  # some usable server always sets it below
                count = len(self.servers)
                for i in range(count):
                    server = self.servers[(self._next + i) % count]
                    if server not in usable:
                        continue
                    if server.down_until > now:
                        wait = server.down_until - now
                    elif server.quota_until > now:
                        wait = server.quota_until - now
                    elif not server.idle and server.busy >= server.config.limits.max_connections:
                        wait = 0.05
                    else:
                        self._next = (self._next + i + 1) % count
                        server.busy += 1
                        return server, (server.idle.pop() if server.idle else None)
                    best_wait = min(best_wait, wait)
                if deadline is not None and now + best_wait > deadline \
                        and all(s.quota_until > now for s in usable):
                    return "quota du relais atteint / relay quota reached : " + ", ".join(
                        s.config.label for s in usable)
                self._lock.wait(timeout=min(best_wait, 1.0))

    def _release(self, server: _Server, conn: SMTPConnection | None) -> None:
        with self._lock:
            server.busy -= 1
            if conn is not None and conn.open:
                server.idle.append(conn)
            self._lock.notify()

    def _rest(self, server: _Server, reason: str) -> None:
        """The relay could not be reached: rest it (0.5 s, doubling up to 30 s)."""
        with self._lock:
            server.failures += 1
            server.last_error = reason
            server.down_until = time.monotonic() + min(30.0, 0.25 * 2 ** min(server.failures, 7))

    def send(self, envelope: Envelope, raw: bytes, transparent: bool = False) -> SendResult:
        return self.send_many([(envelope, raw)], transparent)[0]

    def send_many(self, items: Sequence[tuple[Envelope, bytes]], transparent: bool = False) -> list[SendResult]:
        """Send in order, pipelined on one connection per relay turn; one answer per message.

        A message whose content went out on a connection that then broke is answered
        ``SendResult(0, …)`` (temporary: the worker retries it later, never at once: the
        server may have kept it). Messages not yet started go on over a fresh connection,
        or to the next relay when this one cannot be reached.
        """
        results: list[SendResult] = []
        todo = list(items)
        failed: set[str] = set()
        deadline = None if self.quota_wait is None else time.monotonic() + self.quota_wait
        while todo:
            picked = self._acquire(failed, deadline)
            if isinstance(picked, str):
                results += _failed(picked, len(todo))
                break
            server, conn = picked
            try:
                if conn is not None and time.monotonic() - conn.last_used > self.IDLE_SECONDS:
                    conn.close()
                    conn = None
                fresh = conn is None
                if conn is None:
                    try:
                        conn = SMTPConnection(server.config)
                    except SMTPConnectionLost as exc:
                        self._rest(server, str(exc))
                        failed.add(server.config.label)
                        continue
                    server.extensions = frozenset(conn.extensions)
                granted, wait = (len(todo), 0.0) if not server.config.limits.limited else \
                    self.quota.take(server.config.label, server.config.limits, len(todo))
                if not granted:
                    with self._lock:
                        server.quota_until = time.monotonic() + wait
                    continue
                part, todo = todo[:granted], todo[granted:]
                conn, unsent = self._deliver(server, conn, fresh, part, transparent, results)
                if unsent:  # the relay stopped answering: the rest goes to another one
                    failed.add(server.config.label)
                    todo = unsent + todo
            finally:
                self._release(server, conn)
        return results

    def _deliver(self, server: _Server, conn: SMTPConnection, fresh: bool, part: list[tuple[Envelope, bytes]],
                 transparent: bool, results: list[SendResult]
                 ) -> tuple[SMTPConnection | None, list[tuple[Envelope, bytes]]]:
        """``part`` through one relay, appending an answer per message.

        Returns the connection to keep and the messages not started because the relay
        could no longer be reached (for the next relay). ``fresh``: ``conn`` was just opened.
        """
        while part:
            try:
                results += conn.send_many(part, transparent)
                server.failures = 0
                return conn, []
            except SMTPConnectionLost as exc:
                conn.close(quit=False)
                results += exc.done
                part = part[len(exc.done):]
                if exc.data_sent:  # the server may have kept it: never resend it at once
                    results.append(SendResult(0, str(exc), connection_failure=True))
                    part = part[1:]
                if not part:
                    return None, []
                if fresh and not (exc.done or exc.data_sent):  # a new connection broke at once
                    self._rest(server, str(exc))
                    return None, part
                # The connection had worked: the messages whose content never left go on over
                # a fresh one (each round answers at least one), or to another relay.
                try:
                    conn, fresh = SMTPConnection(server.config), True
                    server.extensions = frozenset(conn.extensions)
                except SMTPConnectionLost as again:
                    self._rest(server, str(again))
                    return None, part
            except BaseException:  # anything else mid-exchange: never hand that connection out again
                conn.close(quit=False)
                raise
        return conn, []

    def close(self) -> None:
        with self._lock:
            for server in self.servers:
                for conn in server.idle:
                    conn.close()
                server.idle.clear()
