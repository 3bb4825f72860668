"""A small, fast SMTP client and the connection pool the sending engine uses.

Why not ``smtplib``: it waits for the server after every command, and its
dot-stuffing walks the message line by line. This client pipelines MAIL, RCPT
and DATA in one write when the server offers PIPELINING (RFC 2920) and
dot-stuffs with one ``bytes.replace`` — about twice the throughput on the same
core (performance.md). Everything else is plain RFC 5321: EHLO, STARTTLS when
offered, implicit TLS for ``smtps://``, AUTH PLAIN/LOGIN, timeouts.

``SMTP_URL`` is one URL or several, comma-separated, that share the load::

    smtp://user:pass@relay:587?max_connections=4&rate=50&per_hour=20000&per_day=200000
    smtps://relay:465?timeout=30&tls_verify=0

A transport failure (refused connection, timeout, dropped connection) is
reported as ``SendResult(0, reason)``: temporary, like a 4xx, for the worker to retry.
"""
from __future__ import annotations

import base64
import re
import socket
import ssl
import threading
import time
from dataclasses import dataclass, field
from typing import Sequence
from urllib.parse import parse_qs, unquote, urlsplit

from app.sending.limits import Limits, RateLimiter
from app.sending.transport import Envelope, SendResult

_QUEUED_AS = re.compile(rb"queued as ([^\s;]+)", re.IGNORECASE)


class SMTPConnectionLost(OSError):
    """The connection broke (EOF, reset, timeout): the message may be retried."""

    def __init__(self, message: str, data_sent: bool = False) -> None:
        super().__init__(message)
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
    timeout: float = 30.0
    tls_verify: bool = True
    helo: str = field(default_factory=socket.getfqdn)
    limits: Limits = Limits()

    @property
    def label(self) -> str:
        return f"{self.host}:{self.port}"


def parse_smtp_urls(value: str) -> list[ServerConfig]:
    """``SMTP_URL`` → server configs; ValueError (French) on a malformed entry."""
    servers = []
    for raw in (part.strip() for part in value.split(",")):
        if not raw:
            continue
        url = urlsplit(raw)
        if url.scheme not in {"smtp", "smtps"} or not url.hostname:
            raise ValueError(f"SMTP_URL invalide : {raw!r} (attendu smtp://hôte:port ou smtps://…)")
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        try:
            limits = Limits(
                max_connections=int(query.get("max_connections", 2)),
                rate=float(query.get("rate", 0)),
                per_hour=int(query.get("per_hour", 0)),
                per_day=int(query.get("per_day", 0)),
            )
            timeout = float(query.get("timeout", 30))
        except ValueError as exc:
            raise ValueError(f"SMTP_URL : paramètre numérique invalide dans {raw!r}") from exc
        implicit = url.scheme == "smtps"
        servers.append(ServerConfig(
            host=url.hostname,
            port=url.port or (465 if implicit else 25),
            implicit_tls=implicit,
            username=unquote(url.username or ""),
            password=unquote(url.password or ""),
            timeout=timeout,
            tls_verify=query.get("tls_verify", "1") not in {"0", "false", "no"},
            helo=query.get("helo") or socket.getfqdn(),
            limits=limits,
        ))
    if not servers:
        raise ValueError("SMTP_URL est vide")
    return servers


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
        self._file = None
        self._connect()

    # -- low level ---------------------------------------------------------
    def _tls_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context()
        if not self.server.tls_verify:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context

    def _attach(self, sock: socket.socket) -> None:
        self._sock = sock
        self._file = sock.makefile("rb", buffering=65536)

    def _connect(self) -> None:
        s = self.server
        try:
            sock = socket.create_connection((s.host, s.port), timeout=s.timeout)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if s.implicit_tls:
                sock = self._tls_context().wrap_socket(sock, server_hostname=s.host)
        except OSError as exc:
            raise SMTPConnectionLost(f"connexion impossible à {s.label} : {exc}") from exc
        self._attach(sock)
        code, text = self.read_reply()
        if code != 220:
            self.close(quit=False)
            raise SMTPConnectionLost(f"{s.label} refuse la connexion : {code} {text}")
        self._ehlo()
        if not s.implicit_tls and "STARTTLS" in self.extensions:
            code, text = self.command(b"STARTTLS\r\n")
            if code != 220:
                raise SMTPConnectionLost(f"STARTTLS refusé par {s.label} : {code} {text}")
            try:
                tls = self._tls_context().wrap_socket(self._sock, server_hostname=s.host)
            except OSError as exc:  # includes certificate verification failures
                self.close(quit=False)
                raise SMTPConnectionLost(f"STARTTLS impossible avec {s.label} : {exc}") from exc
            self._attach(tls)
            self._ehlo()
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
        try:
            while True:
                line = self._file.readline(8192)
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
        try:
            self._sock.sendall(data)
        except OSError as exc:
            raise SMTPConnectionLost(f"écriture impossible vers {self.server.label} : {exc}") from exc

    def _writev(self, parts: list[bytes]) -> None:
        """Write several buffers with one system call where the socket allows (no 90 KB copy)."""
        if isinstance(self._sock, ssl.SSLSocket):
            return self._write(b"".join(parts))
        views = [memoryview(p) for p in parts if p]
        try:
            while views:
                sent = self._sock.sendmsg(views)
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
        """MAIL, one RCPT per recipient, DATA."""
        size = f" SIZE={len(raw)}" if "SIZE" in self.extensions else ""
        return [f"MAIL FROM:<{envelope.mail_from}>{size}\r\n".encode(),
                *(f"RCPT TO:<{r}>\r\n".encode() for r in envelope.recipients), b"DATA\r\n"]

    @staticmethod
    def _content(raw: bytes, transparent: bool) -> list[bytes]:
        """The DATA content and end marker, as buffers to write without copying the message."""
        if not transparent:
            return [dot_stuff(raw)]
        return [raw, b".\r\n" if raw.endswith(b"\r\n") else b"\r\n.\r\n"]

    def _send_pipelined(self, items: Sequence[tuple[Envelope, bytes]], transparent: bool,
                        results: list[SendResult]) -> None:
        envelopes = [b"".join(self._commands(envelope, raw)) for envelope, raw in items]
        self._write(envelopes[0])
        for index, (envelope, raw) in enumerate(items):
            following = envelopes[index + 1] if index + 1 < len(items) else b""
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
        """The answer to a message's content: accepted (with the queue id when the server gives one) or not."""
        code, text = self.read_reply()
        self.sent += 1
        if 200 <= code < 300:
            match = _QUEUED_AS.search(text.encode())
            return SendResult(code, text, match.group(1).decode() if match else None)
        return SendResult(code, text)

    @staticmethod
    def _refusal(mail_reply: tuple[int, str], rcpt_replies: list[tuple[int, str]],
                 data_reply: tuple[int, str]) -> SendResult:
        """Why a transaction failed before its content: MAIL, a recipient, or DATA."""
        if mail_reply[0] != 250:
            return SendResult(mail_reply[0], mail_reply[1])
        bad = next(((c, t) for c, t in rcpt_replies if not 200 <= c < 300), None)
        if bad is not None:
            return SendResult(bad[0], bad[1], recipient_rejected=True)
        if data_reply[0] == 354:  # accepted DATA, but no recipient was accepted
            return SendResult(503, "aucun destinataire accepté")
        return SendResult(data_reply[0], data_reply[1])

    def close(self, quit: bool = True) -> None:
        if self._sock is None:
            return
        try:
            if quit:
                self._sock.settimeout(2)
                self._sock.sendall(b"QUIT\r\n")
                self._file.readline(1024)
        except OSError:
            pass
        finally:
            try:
                self._file.close()
                self._sock.close()
            except OSError:
                pass
            self._sock = None

    @property
    def open(self) -> bool:
        return self._sock is not None


class _Server:
    """A relay's live state in the pool: idle connections, a limiter, a cool-down after failures."""

    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self.limiter = RateLimiter(config.limits)
        self.idle: list[SMTPConnection] = []
        self.busy = 0
        self.down_until = 0.0
        self.failures = 0


class SMTPPool:
    """Persistent connections to one or more relays, within each relay's limits.

    ``send_many()`` picks the relay that can take a message soonest (round-robin
    among equals), reuses an idle connection or opens one (up to
    ``max_connections``), and waits when every relay is at its rate limit.
    Thread-safe, so ``flask dev``'s worker thread and web requests may share it.
    """

    IDLE_SECONDS = 30.0  # reconnect rather than trust a connection idle this long

    def __init__(self, servers: list[ServerConfig]) -> None:
        self.servers = [_Server(s) for s in servers]
        self._lock = threading.Condition()
        self._next = 0

    @classmethod
    def from_url(cls, url: str) -> "SMTPPool":
        return cls(parse_smtp_urls(url))

    def _acquire(self, wanted: int = 1) -> tuple[_Server, SMTPConnection | None, int]:
        """A relay with capacity now, an idle connection to it if there is one, and how
        many of the ``wanted`` messages its limits let go now (at least one)."""
        with self._lock:
            while True:
                now = time.monotonic()
                best_wait = None
                count = len(self.servers)
                for i in range(count):
                    server = self.servers[(self._next + i) % count]
                    if server.down_until > now:
                        wait = server.down_until - now
                    elif not server.idle and server.busy >= server.config.limits.max_connections:
                        wait = 0.05
                    else:
                        wait = server.limiter.wait_time(now)
                        if wait <= 0:
                            self._next = (self._next + i + 1) % count
                            granted = 0
                            while granted < wanted and (granted == 0 or server.limiter.wait_time(now) <= 0):
                                server.limiter.record(now)
                                granted += 1
                            server.busy += 1
                            return server, (server.idle.pop() if server.idle else None), granted
                    best_wait = wait if best_wait is None else min(best_wait, wait)
                self._lock.wait(timeout=min(best_wait or 0.05, 1.0))

    def _release(self, server: _Server, conn: SMTPConnection | None) -> None:
        with self._lock:
            server.busy -= 1
            if conn is not None and conn.open:
                server.idle.append(conn)
            self._lock.notify()

    def send(self, envelope: Envelope, raw: bytes, transparent: bool = False) -> SendResult:
        return self.send_many([(envelope, raw)], transparent)[0]

    def send_many(self, items: Sequence[tuple[Envelope, bytes]], transparent: bool = False) -> list[SendResult]:
        """Send in order, pipelined on one connection per relay turn; one answer per message.

        A message whose content went out on a connection that then broke is answered
        ``SendResult(0, …)`` (temporary: the worker retries it later, never at once: the
        server may have kept it). Messages not yet started go on over a fresh connection.
        """
        results: list[SendResult] = []
        todo = list(items)
        while todo:
            server, conn, granted = self._acquire(len(todo))
            part, todo = todo[:granted], todo[granted:]
            try:
                conn = self._deliver(server, conn, part, transparent, results)
            finally:
                self._release(server, conn)
        return results

    def _deliver(self, server: _Server, conn: SMTPConnection | None, part: list[tuple[Envelope, bytes]],
                 transparent: bool, results: list[SendResult]) -> SMTPConnection | None:
        """``part`` through one relay, appending an answer per message; returns the connection to keep."""
        while part:
            reused = conn is not None
            if conn is not None and time.monotonic() - conn.last_used > self.IDLE_SECONDS:
                conn.close()
                conn, reused = None, False
            connecting = conn is None
            try:
                if conn is None:
                    conn = SMTPConnection(server.config)
                connecting = False
                results += conn.send_many(part, transparent)
                server.failures = 0
                return conn
            except SMTPConnectionLost as exc:
                if conn is not None:
                    conn.close(quit=False)
                conn = None
                results += exc.done
                part = part[len(exc.done):]
                if exc.data_sent:  # the server may have kept it: never resend it at once
                    results.append(SendResult(0, str(exc)))
                    part = part[1:]
                # A connection that had worked (reused, or got through some of this batch) broke:
                # the messages whose content never left go on over a fresh one. Each round
                # answers at least one message, so this ends.
                if part and (reused or exc.done or exc.data_sent):
                    continue
                if connecting:  # the relay is unreachable: let it rest, try the others
                    server.failures += 1
                    server.down_until = time.monotonic() + min(30.0, 0.25 * 2 ** min(server.failures, 7))
                results += [SendResult(0, str(exc))] * len(part)
                return None
            except BaseException:  # anything else mid-exchange: never hand that connection out again
                if conn is not None:
                    conn.close(quit=False)
                raise
        return conn

    def close(self) -> None:
        with self._lock:
            for server in self.servers:
                for conn in server.idle:
                    conn.close()
                server.idle.clear()
