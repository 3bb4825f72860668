"""Message building: campaign + recipient -> the exact bytes handed to SMTP.

INTERFACE (stable; the worker, the CLI and the outbox depend on it):

- ``Recipient``: the few per-person values a message needs (no ORM object on the hot path).
- ``OutgoingMessage``: envelope + raw bytes + Message-ID.
- ``CampaignMessageBuilder(settings, compiled)``: everything constant for one campaign
  version, from plain data (``CampaignSettings``; ``app.sending.compose.builder_for``
  makes it from the database and caches it); ``builder.build(recipient)`` is the cheap
  per-recipient step. No database, no request, no application settings are read here;
  the language (``CampaignSettings.language``) is handed in too.

How it stays fast (performance.md: ``EmailMessage.as_bytes()`` costs ~3 ms): the
builder renders and compiles the campaign once (app.message.render), encodes every
constant header and body piece once (app.message.encoding), and per recipient only
signs the unsubscribe/preferences tokens, encodes the few values and joins bytes.
The result is multipart/alternative (multipart/related around it for a recipient
with inline images, multipart/mixed around that when there are attachments),
UTF-8, quoted-printable, CRLF, every line ≤ 76 characters.
The sending helper DKIM-signs these bytes afterwards.
"""
from __future__ import annotations

import hmac
import html
import json
import re
import time
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from email.utils import format_datetime
from typing import Any

from itsdangerous.encoding import base64_encode

from app.errors import LettrineError
from app.message import encoding, message_ids
from app.message.envelope import Envelope
from app.message.language import Language
from app.message.render import (
    MARKER_FOR,
    MARKERS,
    CompiledEmail,
    InlineImage,
    personal_keys,
    with_personal_blocks,
)


class HeaderInjection(LettrineError, ValueError):
    """A header value from user input contains a line break."""

    status = 422
    code = "header_injection"
    en = "A header value contains a line break."


_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def clean_header(value: str) -> str:
    """Refuse CR/LF (and other control characters) in a header value that came from a person (RFC 5322 injection)."""
    if _CONTROL.search(value):
        raise HeaderInjection("line break or control character in a header value")
    return value.strip()


@dataclass(frozen=True)
class Recipient:
    subscriber_id: int
    uid: str
    email: str
    first_name: str = ""
    last_name: str = ""
    attributes: dict[str, Any] | None = None
    # Values for the message's personal blocks (app.message.render), e.g. a registrant's check-in
    # code; a recipient without all of them gets the message without those blocks.
    personal: dict[str, str] | None = None
    inline: tuple[InlineImage, ...] = ()  # per-recipient images the personal blocks show


@dataclass(frozen=True)
class OutgoingMessage:
    envelope: Envelope
    raw: bytes
    message_id: str
    # No line starts with "." and the body is already in DKIM relaxed form, so neither
    # SMTP dot-stuffing nor DKIM canonicalisation has anything to do (app.message.encoding.transparent).
    transparent: bool = False


def _message_id(campaign_id: int, subscriber_id: int, domain: str, key: str) -> str:
    """Carries an HMAC under the newest secret key, so a bounce quoting it proves it is ours (app.message.message_ids)."""
    return message_ids.make(campaign_id, subscriber_id, domain, key)


def _date_header() -> bytes:
    """``Date:`` for now; formatted at most once per second (it is the same for every message in it)."""
    now = int(time.time())
    cached = _DATE_CACHE
    if cached[0] != now:
        cached[0] = now
        stamp = format_datetime(datetime.fromtimestamp(now, timezone.utc))
        cached[1] = f"Date: {stamp}\r\n".encode("ascii")
    return cached[1]


_DATE_CACHE: list[Any] = [None, b""]


_SAFE_UID = re.compile(r"[A-Za-z0-9_.-]*\Z")


def _compact_json(payload: Any) -> bytes:
    """``json.dumps(payload, separators=(",", ":"))`` for the usual {"s": uid, "c": id} payloads, faster."""
    if payload.__class__ is not dict:
        return json.dumps(payload, separators=(",", ":")).encode()
    parts = []
    for key, value in payload.items():
        if value.__class__ is str and _SAFE_UID.match(value):
            parts.append(f'"{key}":"{value}"')
        elif value.__class__ is int or value is None:
            parts.append(f'"{key}":{"null" if value is None else value}')
        else:
            return json.dumps(payload, separators=(",", ":")).encode()
    return ("{" + ",".join(parts) + "}").encode()


class TokenSigner:
    """An itsdangerous ``URLSafeSerializer`` token for the hot path: the same payload format and MAC.

    ``URLSafeSerializer.dumps`` builds a signer and tries zlib on every call (~40 µs);
    tiny payloads never compress, so the token is the same and ``app.tokens.verify``
    accepts it (a test proves it). Made from the serializer's derived key and separator.
    """

    def __init__(self, derived_key: bytes, separator: bytes, digest_method: Any) -> None:
        self._sep = separator
        self._mac = hmac.new(derived_key, digestmod=digest_method)

    def __call__(self, payload: Any) -> str:
        body = base64_encode(_compact_json(payload))
        mac = self._mac.copy()
        mac.update(body)
        return (body + self._sep + base64_encode(mac.digest())).decode("ascii")


TEST_MARK = "[TEST]"  # before the subject of every test send


@dataclass(frozen=True)
class CampaignSettings:
    """Everything about one campaign version that is the same for every recipient, as plain data."""

    campaign_id: int
    fingerprint: str  # identifies this version (boundaries are derived from it)
    from_name: str
    from_address: str  # the From: header's address
    return_address: str  # the envelope sender when there is no BOUNCE_DOMAIN
    reply_to: str
    subject: str
    list_id: str  # the List-Id header value
    unsubscribe_mailto: str
    domain: str  # Message-IDs' right-hand side
    bounce_domain: str  # VERP return paths when set, else the sender address
    webview_url: str
    unsubscribe_base: str  # …/u/
    preferences_base: str  # …/p/
    message_id_key: str  # the newest secret key (Message-ID HMAC)
    sign_unsubscribe: TokenSigner
    sign_preferences: TokenSigner
    sign_bounce: TokenSigner
    sign_prefill: TokenSigner
    language: Language  # the message's (the greeting is in it)


class CampaignMessageBuilder:
    """Holds everything that is the same for every recipient of one campaign version."""

    def __init__(self, settings: CampaignSettings, compiled: CompiledEmail) -> None:
        self.settings = settings
        self.campaign_id = settings.campaign_id
        self.fingerprint = settings.fingerprint
        self.from_header = encoding.encode_address(clean_header(settings.from_name), clean_header(settings.from_address))
        self.reply_to = clean_header(settings.reply_to)
        self.subject = clean_header(settings.subject)
        self.list_id = settings.list_id
        self.unsubscribe_mailto = clean_header(settings.unsubscribe_mailto)
        self.domain = settings.domain
        self.bounce_domain = settings.bounce_domain
        self.sender_address = settings.return_address
        self.webview = settings.webview_url
        self.compiled = compiled
        self._unsubscribe_base = settings.unsubscribe_base
        self._preferences_base = settings.preferences_base
        self._sign_unsubscribe = settings.sign_unsubscribe
        self._sign_preferences = settings.sign_preferences
        self._sign_bounce = settings.sign_bounce
        self._sign_prefill = settings.sign_prefill
        self.greeting_named = settings.language.gettext("Bonjour %(name)s,", name="\x00")
        self.greeting_plain = settings.language.gettext("Bonjour,")
        self._encode_constants()

    def marked_as_test(self) -> "CampaignMessageBuilder":
        """The same message with ``[TEST]`` before its subject, for a test send: in an inbox next to
        the real one, or forwarded for proofreading, it is never taken for the message itself."""
        if self.settings.subject.startswith(TEST_MARK):
            return self
        return CampaignMessageBuilder(replace(self.settings, subject=f"{TEST_MARK} {self.settings.subject}"),
                                      self.compiled)

    # -- once per campaign ---------------------------------------------------
    def _encode_constants(self) -> None:
        header = encoding.encode_header_value
        fixed = [
            header("From", self.from_header) if self.from_header.isascii() else
            f"From: {self.from_header}\r\n".encode("ascii"),
            header("Subject", self.subject),
        ]
        if self.reply_to:
            fixed.append(header("Reply-To", self.reply_to))
        fixed += [
            header("List-Id", self.list_id),
            b"List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n",
            header("List-Archive", f"<{self.webview}>"),
            b"Precedence: bulk\r\n",
            b"Auto-Submitted: auto-generated\r\n",
            b"MIME-Version: 1.0\r\n",
        ]
        self._fixed_headers = b"".join(fixed)
        self._mailto = f",\r\n <mailto:{self.unsubscribe_mailto}?subject=unsubscribe>".encode("ascii") \
            if self.unsubscribe_mailto else b""

        # Personal values go in by key; the web-view URL is the same for everyone.
        compiled = self.compiled
        web = MARKER_FOR["webview_url"]
        personal = {marker: key for marker, key in MARKERS.items() if key != "webview_url"}
        html_body = compiled.html.replace(web, html.escape(self.webview))
        text_body = compiled.text.replace(web, self.webview)
        self.personal_keys = personal_keys(compiled.html + compiled.text)
        # Two cuts of each body: with the personal blocks (for whoever has their values), without.
        self._html = encoding.SplicedBody.compile(with_personal_blocks(html_body, False), personal,
                                                  lambda v: html.escape(v, quote=True))
        self._text = encoding.SplicedBody.compile(with_personal_blocks(text_body, False), personal, lambda v: v)
        self._html_personal, self._text_personal = self._html, self._text
        if self.personal_keys:
            self._html_personal = encoding.SplicedBody.compile(with_personal_blocks(html_body, True), personal,
                                                               lambda v: html.escape(v, quote=True))
            self._text_personal = encoding.SplicedBody.compile(with_personal_blocks(text_body, True), personal,
                                                               lambda v: v)
        alt_boundary = encoding.boundary_for(f"alt:{self.campaign_id}:{self.fingerprint}")
        alternative_head = (
            f'Content-Type: multipart/alternative; boundary="{alt_boundary}"\r\n\r\n'
            f"--{alt_boundary}\r\n"
        ).encode("ascii")
        text_head = encoding.part_headers('text/plain; charset="utf-8"', "quoted-printable")
        html_head = (f"\r\n--{alt_boundary}\r\n".encode("ascii")
                     + encoding.part_headers('text/html; charset="utf-8"', "quoted-printable"))
        alt_close = f"\r\n--{alt_boundary}--\r\n".encode("ascii")
        mixed_open = mixed_close = b""
        if compiled.attachments:
            mixed = encoding.boundary_for(f"mixed:{self.campaign_id}:{self.fingerprint}")
            mixed_open = (f'Content-Type: multipart/mixed; boundary="{mixed}"\r\n\r\n'
                          f"--{mixed}\r\n").encode("ascii")
            mixed_close = b"".join(f"\r\n--{mixed}\r\n".encode("ascii")
                                   + encoding.attachment_part(a.filename, a.content, a.maintype, a.subtype, a.params)
                                   for a in compiled.attachments) + f"\r\n--{mixed}--\r\n".encode("ascii")
        self._body_open = mixed_open + alternative_head + text_head
        self._body_close = alt_close + mixed_close
        self._alt_close = alt_close
        # With inline images: multipart/related around the alternative, the images after it.
        related = encoding.boundary_for(f"related:{self.campaign_id}:{self.fingerprint}")
        self._related_open = mixed_open + (
            f'Content-Type: multipart/related; type="multipart/alternative"; boundary="{related}"\r\n\r\n'
            f"--{related}\r\n").encode("ascii") + alternative_head + text_head
        self._related_part = f"\r\n--{related}\r\n".encode("ascii")
        self._related_close = f"\r\n--{related}--\r\n".encode("ascii") + mixed_close  # after the images
        self._html_head = html_head
        # Per-recipient values come from qp_piece, transparent by construction; the rest is checked here once.
        constants = [self._body_open, self._html_head, self._body_close, self._related_open, self._related_part,
                     self._related_close,
                     *(p for p in self._text.pieces + self._html.pieces + self._text_personal.pieces
                       + self._html_personal.pieces if p.__class__ is bytes)]
        # …and the body must not end with empty lines (relaxed canonicalisation would drop them).
        self.transparent = all(encoding.transparent(piece) for piece in constants) \
            and not self._body_close.endswith(b"\r\n\r\n")

    # -- per recipient -------------------------------------------------------
    def values_for(self, recipient: Recipient) -> dict[str, str]:
        """Same values as ``links.unsubscribe_url``/``preferences_url`` give, minus their per-call setup."""
        first = encoding.sanitise_header_text(recipient.first_name or "")
        uid = recipient.uid
        return {
            "greeting": self.greeting_named.replace("\x00", first) if first else self.greeting_plain,
            "unsubscribe_url": self._unsubscribe_base + self._sign_unsubscribe({"s": uid, "c": self.campaign_id}),
            "preferences_url": self._preferences_base + self._sign_preferences({"s": uid}),
            # Its own purpose: the "Inscrivez-vous" link is the one people pass on, and this opens nothing.
            "prefill_token": self._sign_prefill({"s": uid}),
            "webview_url": self.webview,
        }

    def build(self, recipient: Recipient) -> OutgoingMessage:
        address = clean_header(recipient.email)
        values = self.values_for(recipient)
        message_id = _message_id(self.campaign_id, recipient.subscriber_id, self.domain, self.settings.message_id_key)
        name = " ".join(p.strip() for p in (recipient.first_name, recipient.last_name) if p and p.strip())
        to = encoding.encode_address(name, address)
        unsubscribe = values["unsubscribe_url"]
        # Each value encoded once; URLs (URL-safe tokens) are the same bytes in both parts.
        qp = encoding.qp_piece
        greeting = values["greeting"]
        urls = {"unsubscribe_url": qp(unsubscribe), "preferences_url": qp(values["preferences_url"]),
                "prefill_token": qp(values["prefill_token"])}
        text_values = {"greeting": qp(greeting), **urls}
        html_values = {"greeting": qp(html.escape(greeting, quote=True)), **urls}
        own = recipient.personal or {}
        personal = bool(self.personal_keys) and all(own.get(key) for key in self.personal_keys)
        text, html_body, body_open, body_close = self._text, self._html, self._body_open, self._body_close
        if personal:
            text, html_body = self._text_personal, self._html_personal
            for key in self.personal_keys:
                text_values[key] = qp(own[key])
                html_values[key] = qp(html.escape(own[key], quote=True))
            if recipient.inline:
                body_open = self._related_open
                images = [self._related_part + encoding.inline_part(image.content_id, image.filename,
                                                                    image.content, image.subtype)
                          for image in recipient.inline]
                body_close = b"".join([self._alt_close, *images, self._related_close])
        raw = b"".join((
            encoding.encode_header_value("To", to),
            self._fixed_headers,
            _date_header(),
            f"Message-ID: {message_id}\r\n".encode("ascii"),
            f"List-Unsubscribe: <{unsubscribe}>".encode("ascii"), self._mailto, b"\r\n",
            body_open,
            text.render_encoded(text_values),
            self._html_head,
            html_body.render_encoded(html_values),
            body_close,
        ))
        if self.bounce_domain:
            token = self._sign_bounce([self.campaign_id, recipient.subscriber_id])
            sender = f"bounces+{token}@{self.bounce_domain}"
        else:
            sender = self.sender_address
        return OutgoingMessage(Envelope(sender, (address,)), raw, message_id, self.transparent)
