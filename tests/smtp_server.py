"""A real SMTP server for tests: aiosmtpd on a free loopback port, with faults on demand.

Reusable by any test that sends mail::

    from tests.smtp_server import smtp_server  # noqa: F401  (fixture)

    def test_x(smtp_server):
        smtp_server.reject["bad@example.org"] = "550 5.1.1 Utilisateur inconnu"
        smtp_server.temp_fraction = 0.2     # 421/451 on 20 % of MAIL/RCPT/DATA commands
        smtp_server.drop_fraction = 0.1     # close the connection instead of answering DATA
        ... SMTP_URL=smtp_server.url ...
        assert smtp_server.recipients() == [...]

Faults are drawn from a seeded random generator, so a failing run can be replayed.
"""
from __future__ import annotations

import asyncio
import email
import random
import socket
import threading
from collections import Counter
from dataclasses import dataclass, field
from email import policy
from typing import Callable

import pytest
from aiosmtpd.controller import Controller


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes  # as the client sent it, dot-stuffing undone
    mail_options: tuple[str, ...] = ()  # MAIL FROM parameters (BODY=8BITMIME, SMTPUTF8…)

    def parsed(self):
        return email.message_from_bytes(self.data, policy=policy.default)

    @property
    def message_id(self) -> str:
        return str(self.parsed()["Message-ID"])


@dataclass
class FaultyHandler:
    """Records what it accepts; refuses, defers or hangs up as configured."""

    reject: dict[str, str] = field(default_factory=dict)  # recipient -> "550 …" (or "451 …")
    # recipient -> replies to give at RCPT, one per attempt, then accept ("451 …" then 250)
    scripted: dict[str, list[str]] = field(default_factory=dict)
    temp_fraction: float = 0.0
    drop_fraction: float = 0.0
    hang_up: set = field(default_factory=set)  # recipients whose message makes the server hang up at DATA
    pipelining: bool = True
    eight_bit_mime: bool = True  # False: the server does not announce 8BITMIME (an older relay)
    data_delay: float = 0.0  # seconds before answering the end of DATA (a slow relay)
    seed: int = 1
    # Called with each accepted message, in the server's thread, before the 250 goes back
    # (a feedback loop that reports at once: complaints arrive while the campaign is sending).
    on_message: Callable[[Received], None] | None = None
    messages: list[Received] = field(default_factory=list)
    faults: Counter = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.lock = threading.Lock()

    def _temp(self, stage: str) -> str | None:
        with self.lock:
            if self.temp_fraction and self.rng.random() < self.temp_fraction:
                code = self.rng.choice(("421 4.3.2 Service temporairement indisponible", "451 4.3.0 Réessayez plus tard"))
                self.faults[f"{stage}:{code[:3]}"] += 1
                return code
        return None

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        if self.pipelining:
            responses.insert(-1, "250-PIPELINING")
        if not self.eight_bit_mime:
            responses = [r for r in responses if r != "250-8BITMIME"]
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        fault = self._temp("mail")
        if fault:
            return fault
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 2.1.0 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.reject:
            return self.reject[address]
        with self.lock:
            script = self.scripted.get(address)
            if script:
                return script.pop(0)
        fault = self._temp("rcpt")
        if fault:
            return fault
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.data_delay:
            await asyncio.sleep(self.data_delay)
        with self.lock:
            drop = (self.drop_fraction and self.rng.random() < self.drop_fraction) \
                or bool(self.hang_up.intersection(envelope.rcpt_tos))
            if drop:
                self.faults["drop"] += 1
        if drop:  # hang up before answering: the client cannot know, and nothing was kept
            server.transport.abort()
            return "421 4.4.2 connexion coupée"
        fault = self._temp("data")
        if fault:
            return fault
        received = Received(envelope.mail_from, tuple(envelope.rcpt_tos), bytes(envelope.content),
                            tuple(envelope.mail_options))
        with self.lock:
            self.messages.append(received)
            number = len(self.messages)
        if self.on_message is not None:
            self.on_message(received)
        return f"250 2.0.0 Ok: queued as T{number:06d}"

    def recipients(self) -> list[str]:
        return sorted(r for m in self.messages for r in m.rcpt_tos)

    def counts(self) -> Counter:
        return Counter(r for m in self.messages for r in m.rcpt_tos)


class SMTPTestServer:
    """The running server: ``url`` for SMTP_URL, ``messages`` received, fault knobs via attributes."""

    def __init__(self, port: int | None = None, smtputf8: bool = True, **handler_options) -> None:
        self.handler = FaultyHandler(**handler_options)
        self.port = port or free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, ready_timeout=10,
                                     enable_SMTPUTF8=smtputf8)

    def __getattr__(self, name):  # reject, temp_fraction, drop_fraction, messages, faults…
        return getattr(self.handler, name)

    def __setattr__(self, name, value):
        if name in FaultyHandler.__dataclass_fields__:
            setattr(self.handler, name, value)
        else:
            super().__setattr__(name, value)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def recipients(self) -> list[str]:
        return self.handler.recipients()

    def counts(self) -> Counter:
        return self.handler.counts()

    def start(self) -> "SMTPTestServer":
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server():
    server = SMTPTestServer().start()
    try:
        yield server
    finally:
        server.stop()
