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
    # When it is not, the body in DKIM's relaxed form if the builder has it for free (an 8bit text
    # part keeps its indentation): the signer hashes this instead of canonicalising.
    relaxed_body: bytes | None = None


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

    def marked_as_test(self, webview_url: str | None = None) -> "CampaignMessageBuilder":
        """The same message with ``[TEST]`` before its subject, for a test send: in an inbox next to
        the real one, or forwarded for proofreading, it is never taken for the message itself.
        ``webview_url``: where its "Voir la version en ligne" leads (a campaign not sent yet has no
        public web view: the caller gives a signed preview link)."""
        subject = self.settings.subject
        marked = subject if subject.startswith(TEST_MARK) else f"{TEST_MARK} {subject}"
        settings = replace(self.settings, subject=marked, webview_url=webview_url or self.settings.webview_url)
        if settings == self.settings:
            return self
        return CampaignMessageBuilder(settings, self.compiled)

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
        self._sources = (html_body, text_body, personal)  # for the 8bit cut, made on first need
        self._eight: _EightBitCut | None | bool = False  # False: not made yet; None: impossible
        alt_boundary = encoding.boundary_for(f"alt:{self.campaign_id}:{self.fingerprint}")
        alternative_head = (
            f'Content-Type: multipart/alternative; boundary="{alt_boundary}"\r\n\r\n'
            f"--{alt_boundary}\r\n"
        ).encode("ascii")
        text_head = encoding.part_headers('text/plain; charset="utf-8"', "quoted-printable")
        html_head = (f"\r\n--{alt_boundary}\r\n".encode("ascii")
                     + encoding.part_headers('text/html; charset="utf-8"', "quoted-printable"))
        self._alt_boundary = alt_boundary
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
        self._mixed_open = mixed_open
        self._related_head = (
            f'Content-Type: multipart/related; type="multipart/alternative"; boundary="{related}"\r\n\r\n'
            f"--{related}\r\n").encode("ascii")
        self._related_open = mixed_open + self._related_head + alternative_head + text_head
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

    def eight_bit_cut(self) -> "_EightBitCut | None":
        """The bodies cut for 8bit (made once, on the first message for a relay with 8BITMIME);
        None when neither part can go 8bit (every line of the HTML too long to break)."""
        if self._eight is False:
            self._eight = _EightBitCut.make(self, *self._sources)
        return self._eight  # type: ignore[return-value]

    def build(self, recipient: Recipient, eight_bit: bool = False) -> OutgoingMessage:
        """The message for ``recipient``; with ``eight_bit`` (the relay announces 8BITMIME) its parts
        travel as 8bit where their lines allow, quoted-printable otherwise (RFC 6152)."""
        address = encoding.idna_address(clean_header(recipient.email))
        values = self.values_for(recipient)
        message_id = _message_id(self.campaign_id, recipient.subscriber_id, self.domain, self.settings.message_id_key)
        name = " ".join(p.strip() for p in (recipient.first_name, recipient.last_name) if p and p.strip())
        to = encoding.encode_address(name, address) if address.isascii() else address  # RFC 6532: UTF-8 as is
        unsubscribe = values["unsubscribe_url"]
        own = recipient.personal or {}
        personal = bool(self.personal_keys) and all(own.get(key) for key in self.personal_keys)
        cut = self.eight_bit_cut() if eight_bit else None
        if cut is not None:
            parts = cut.parts(self, values, own if personal else {})
            if parts is not None:
                return self._assemble(recipient, address, to, message_id, unsubscribe, personal, *parts)
        # Each value encoded once; URLs (URL-safe tokens) are the same bytes in both parts.
        qp = encoding.qp_piece
        greeting = values["greeting"]
        urls = {"unsubscribe_url": qp(unsubscribe), "preferences_url": qp(values["preferences_url"]),
                "prefill_token": qp(values["prefill_token"])}
        text_values = {"greeting": qp(greeting), **urls}
        html_values = {"greeting": qp(html.escape(greeting, quote=True)), **urls}
        text, html_body = self._text, self._html
        if personal:
            text, html_body = self._text_personal, self._html_personal
            for key in self.personal_keys:
                text_values[key] = qp(own[key])
                html_values[key] = qp(html.escape(own[key], quote=True))
        return self._assemble(recipient, address, to, message_id, unsubscribe, personal,
                              self._body_open, text.render_encoded(text_values), self._html_head,
                              html_body.render_encoded(html_values), self.transparent, False, None)

    def _assemble(self, recipient: Recipient, address: str, to: str, message_id: str, unsubscribe: str,
                  personal: bool, body_open: bytes, text: bytes, html_head: bytes, html_body: bytes,
                  transparent: bool, eight_bit: bool, relaxed_text: bytes | None) -> OutgoingMessage:
        """Headers, the two parts (already encoded), the images and attachments: the message's bytes."""
        body_close = self._body_close
        if personal:
            if recipient.inline:
                # multipart/related opens inside multipart/mixed (if any), around the alternative
                cut = len(self._mixed_open)
                body_open = body_open[:cut] + self._related_head + body_open[cut:]
                images = [self._related_part + encoding.inline_part(image.content_id, image.filename,
                                                                    image.content, image.subtype)
                          for image in recipient.inline]
                body_close = b"".join([self._alt_close, *images, self._related_close])
        to_header = encoding.encode_header_value("To", to) if address.isascii() else f"To: <{to}>\r\n".encode()
        raw = b"".join((
            to_header,
            self._fixed_headers,
            _date_header(),
            f"Message-ID: {message_id}\r\n".encode("ascii"),
            f"List-Unsubscribe: <{unsubscribe}>".encode("ascii"), self._mailto, b"\r\n",
            body_open,
            text,
            html_head,
            html_body,
            body_close,
        ))
        if self.bounce_domain:
            token = self._sign_bounce([self.campaign_id, recipient.subscriber_id])
            sender = f"bounces+{token}@{self.bounce_domain}"
        else:
            sender = self.sender_address
        envelope = Envelope(sender, (address,), eight_bit=eight_bit, smtputf8=not address.isascii())
        relaxed = None if relaxed_text is None else b"".join((  # the body: after body_open's Content-Type header
            body_open.partition(b"\r\n\r\n")[2], relaxed_text, html_head, html_body, body_close))
        return OutgoingMessage(envelope, raw, message_id, transparent, relaxed)


@dataclass(frozen=True)
class _EightBitCut:
    """A campaign's bodies cut for a relay with 8BITMIME: each part 8bit when its lines allow.

    Per recipient the values are spliced in as UTF-8 (HTML-escaped in the HTML), each counted
    as at most ``encoding.VALUE_ROOM`` octets when the lines were cut; a longer value sends
    that recipient's message quoted-printable instead.
    """

    text: encoding.SplicedBody | None  # None: this part stays quoted-printable
    html: encoding.SplicedBody | None
    text_personal: encoding.SplicedBody | None
    html_personal: encoding.SplicedBody | None
    body_open: bytes  # …up to the text part's header, with its Content-Transfer-Encoding
    html_head: bytes
    transparent: bool  # the constant pieces need no dot-stuffing nor DKIM rewriting
    # The text parts in DKIM's relaxed form, when that differs (indentation, a line starting with
    # "."…): the signer hashes it instead of canonicalising the whole body (about 1 ms a message).
    text_relaxed: encoding.SplicedBody | None = None
    text_personal_relaxed: encoding.SplicedBody | None = None

    @classmethod
    def make(cls, builder: "CampaignMessageBuilder", html_body: str, text_body: str,
             personal: dict[str, str]) -> "_EightBitCut | None":
        markers = list(personal)

        def cut(source: str, wrap, escape) -> encoding.SplicedBody | None:
            wrapped = wrap(source, markers)
            return None if wrapped is None else encoding.SplicedBody.compile(
                wrapped, personal, escape, encode=encoding.eight_bit_piece)

        escape_html = lambda v: html.escape(v, quote=True)  # noqa: E731
        bodies = [cut(with_personal_blocks(text_body, False), encoding.text_for_8bit, lambda v: v),
                  cut(with_personal_blocks(html_body, False), encoding.html_for_8bit, escape_html)]
        if builder.personal_keys:
            bodies += [cut(with_personal_blocks(text_body, True), encoding.text_for_8bit, lambda v: v),
                       cut(with_personal_blocks(html_body, True), encoding.html_for_8bit, escape_html)]
        else:
            bodies += bodies[:2]
        text, html_cut, text_personal, html_personal = bodies
        if html_cut is None and text is None:
            return None
        text_cte = "8bit" if text is not None else "quoted-printable"
        html_cte = "8bit" if html_cut is not None else "quoted-printable"
        qp_text_head = encoding.part_headers('text/plain; charset="utf-8"', "quoted-printable")
        body_open = builder._body_open[:-len(qp_text_head)] \
            + encoding.part_headers('text/plain; charset="utf-8"', text_cte)
        html_head = f"\r\n--{builder._alt_boundary}\r\n".encode("ascii") \
            + encoding.part_headers('text/html; charset="utf-8"', html_cte)
        # html_for_8bit only cuts transparent HTML; a text part keeps its spaces, and its relaxed form is made
        # here once. The per-recipient values are checked per message.
        transparent = builder.transparent
        relaxed = [None if body is None or all(encoding.transparent_inside(p) for p in body.pieces
                                               if p.__class__ is bytes)  # type: ignore[arg-type]
                   else encoding.SplicedBody(tuple(encoding.relaxed_fragment(p) if p.__class__ is bytes else p
                                                   for p in body.pieces), body.escape)  # type: ignore[arg-type]
                   for body in (text, text_personal)]
        if any(r is not None for r in relaxed):
            transparent = False  # the raw text needs dot-stuffing or relaxing: the signer gets the relaxed form
        return cls(text, html_cut, text_personal, html_personal, body_open, html_head, transparent, *relaxed)

    def parts(self, builder: "CampaignMessageBuilder", values: dict[str, str], own: dict[str, str]
              ) -> tuple[bytes, bytes, bytes, bytes, bool, bool, bytes | None] | None:
        """(body open, text, html head, html, transparent, eight_bit, relaxed text) for one recipient,
        or None when a value is too long for the room its line kept (that message goes quoted-printable).
        The relaxed text is None when the text needs no relaxing, or when a value keeps it from being exact."""
        plain = {"greeting": values["greeting"], "unsubscribe_url": values["unsubscribe_url"],
                 "preferences_url": values["preferences_url"], "prefill_token": values["prefill_token"], **own}
        text_body = self.text_personal if own else self.text
        html_body = self.html_personal if own else self.html
        transparent = self.transparent
        if text_body is not None:
            encoded = {key: value.encode("utf-8") for key, value in plain.items()}
            text = text_body.render_encoded(encoded)
        else:
            encoded = {}
            text = (builder._text_personal if own else builder._text).render({**plain})
        if html_body is not None:
            escaped = {key: html.escape(value, quote=True).encode("utf-8") for key, value in plain.items()}
            html_bytes = html_body.render_encoded(escaped)
        else:
            escaped = {}
            html_bytes = (builder._html_personal if own else builder._html).render({**plain})
        exact = True  # every value leaves the pieces' relaxed form as it is
        for value in (*encoded.values(), *escaped.values()):
            if len(value) > encoding.VALUE_ROOM or b"\n" in value or b"\r" in value:
                return None
            # spliced between pieces that may end or start with a space: a value must not add to a run
            if not value or value.startswith(b" ") or not encoding.transparent(value):
                transparent = exact = False
        relaxed_body = self.text_personal_relaxed if own else self.text_relaxed
        relaxed = relaxed_body.render_encoded(encoded) if relaxed_body is not None and exact else None
        return self.body_open, text, self.html_head, html_bytes, transparent, True, relaxed
