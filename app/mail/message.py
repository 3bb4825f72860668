"""Message building: campaign + recipient -> the exact bytes handed to SMTP.

INTERFACE (stable; the worker, the CLI and the outbox depend on it):

- ``Recipient``: the few per-person values a message needs (no ORM object on the hot path).
- ``OutgoingMessage``: envelope + raw bytes + Message-ID.
- ``builder_for(campaign) -> CampaignMessageBuilder``: compiled once per campaign
  version (cached); ``builder.build(recipient)`` is the cheap per-recipient step.
- ``message_id_for(campaign_id, subscriber_id)``: stable across retries.

This baseline uses ``email.message.EmailMessage``; the rendering work replaces
its body with the compiled MJML templates and a faster encoder.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr
from typing import Any

from flask import current_app

from app import links
from app.mail.transport import Envelope
from app.models import Campaign, utcnow
from app.tokens import Purpose, sign


class HeaderInjection(ValueError):
    """A header value from user input contains a line break."""


def clean_header(value: str) -> str:
    """Refuse CR/LF in any header value that came from a person (RFC 5322 injection)."""
    if "\r" in value or "\n" in value:
        raise HeaderInjection("line break in a header value")
    return value.strip()


@dataclass(frozen=True)
class Recipient:
    subscriber_id: int
    uid: str
    email: str
    first_name: str = ""
    last_name: str = ""
    attributes: dict[str, Any] | None = None


@dataclass(frozen=True)
class OutgoingMessage:
    envelope: Envelope
    raw: bytes
    message_id: str


def sender_domain() -> str:
    return parseaddr(current_app.config["MAIL_FROM"])[1].rsplit("@", 1)[-1]


def message_id_for(campaign_id: int, subscriber_id: int) -> str:
    """Unique per (campaign, recipient) and identical on every retry."""
    digest = hashlib.sha256(f"{campaign_id}:{subscriber_id}".encode()).hexdigest()[:12]
    return f"<lettrine.{campaign_id}.{subscriber_id}.{digest}@{sender_domain()}>"


def return_path(campaign_id: int, subscriber_id: int) -> str:
    """VERP: ``bounces+<token>@BOUNCE_DOMAIN`` when configured, else the sender address."""
    domain = current_app.config.get("BOUNCE_DOMAIN")
    if not domain:
        return parseaddr(current_app.config["MAIL_FROM"])[1]
    return f"bounces+{sign(Purpose.BOUNCE, [campaign_id, subscriber_id])}@{domain}"


def list_id_header(campaign: Campaign) -> str:
    """RFC 2919: stable per list (the first target list), under the sender's domain."""
    slug = campaign.lists[0].slug if campaign.lists else "transactional"
    name = campaign.lists[0].name if campaign.lists else current_app.config["ORGANISATION"].name
    return f'"{name}" <{slug}.lists.{sender_domain()}>'


class CampaignMessageBuilder:
    """Holds everything that is the same for every recipient of one campaign version."""

    def __init__(self, campaign: Campaign) -> None:
        self.campaign_id = campaign.id
        self.version = campaign.version
        config = current_app.config
        name, addr = parseaddr(config["MAIL_FROM"])
        self.from_header = formataddr((clean_header(campaign.from_name or name), campaign.from_email or addr))
        self.reply_to = clean_header(campaign.reply_to or config.get("REPLY_TO", ""))
        self.subject = clean_header(campaign.subject)
        self.list_id = list_id_header(campaign)
        self.unsubscribe_mailto = config.get("UNSUBSCRIBE_MAILTO", "")
        self.webview = links.webview_url(campaign.slug)
        content = campaign.content or {}
        self.text_body = content.get("text", "")
        self.html_body = content.get("html", f"<p>{self.text_body}</p>")

    def build(self, recipient: Recipient) -> OutgoingMessage:
        unsubscribe = links.unsubscribe_url(recipient.uid, self.campaign_id)
        msg = EmailMessage()
        msg["From"] = self.from_header
        msg["To"] = formataddr((" ".join(p for p in (recipient.first_name, recipient.last_name) if p), recipient.email))
        msg["Subject"] = self.subject
        msg["Date"] = format_datetime(utcnow())
        message_id = message_id_for(self.campaign_id, recipient.subscriber_id)
        msg["Message-ID"] = message_id
        if self.reply_to:
            msg["Reply-To"] = self.reply_to
        msg["List-Id"] = self.list_id
        targets = [f"<{unsubscribe}>"]
        if self.unsubscribe_mailto:
            targets.append(f"<mailto:{self.unsubscribe_mailto}?subject=unsubscribe>")
        msg["List-Unsubscribe"] = ", ".join(targets)
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        msg.set_content(f"{self.text_body}\n\nSe désinscrire : {unsubscribe}\n", cte="quoted-printable")
        msg.add_alternative(
            f'<html lang="fr"><body>{self.html_body}<p><a href="{unsubscribe}">Se désinscrire</a></p></body></html>',
            subtype="html", cte="quoted-printable",
        )
        envelope = Envelope(return_path(self.campaign_id, recipient.subscriber_id), (recipient.email,))
        return OutgoingMessage(envelope, msg.as_bytes(policy=msg.policy.clone(linesep="\r\n")), message_id)


_CACHE: dict[tuple[int, int], CampaignMessageBuilder] = {}


def builder_for(campaign: Campaign) -> CampaignMessageBuilder:
    """The compiled builder for this campaign version (compiled at most once per process)."""
    key = (campaign.id, campaign.version)
    builder = _CACHE.get(key)
    if builder is None:
        for stale in [k for k in _CACHE if k[0] == campaign.id]:
            del _CACHE[stale]
        builder = _CACHE[key] = CampaignMessageBuilder(campaign)
    return builder
