"""Previews: the campaign's real message, built for a sample subscriber, read back as the admin shows it;
the exact bytes one subscriber would get (``flask campaigns render``); and the public web version.

The admin's preview page and the composer's live preview, the API's ``preview`` and the
outbox all read messages here: the same builder as the send (``sample_message``, also
what the preflight checks), the same reader of the bytes (``app.message.inspect``). A
message that cannot be built is no error for the caller: the preview says why, in the
page's language, and its parts are empty.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from app.extensions import db
from app.message.builder import HeaderInjection
from app.message.dkim import signer_from_config
from app.message.inspect import MessageParts, message_parts
from app.message.render import RenderError
from app.models import Campaign, CampaignStatus, CampaignTemplate, MailingList
from app.sending.compose import builder_for, wire_bytes
from app.sending.views import webview_values
from app.services.audience import find_subscriber, normalise_email
from app.services.campaigns.api_messages import recipient_for
from app.services.campaigns.composition import EDITABLE, CampaignFields, header_text_problems
from app.services.campaigns.preflight import sample_message
from app.tokens import InvalidToken, Purpose, verify

# The text fields a draft preview takes from the form (the rest is the saved campaign's).
DRAFT_TEXT_FIELDS = ("name", "subject", "preheader", "from_name", "reply_to")


@dataclass
class Preview:
    parts: MessageParts = field(default_factory=MessageParts)
    size: int = 0  # bytes of the whole message
    error: str = ""  # why it could not be built ("" when it was)

    @property
    def subject(self) -> str:
        return next((value for name, value in self.parts.headers if name.lower() == "subject"), "")


def preview_message(campaign: Campaign) -> Preview:
    """The campaign as it is saved, built for a sample subscriber."""
    refused = header_text_problems(campaign)
    if refused:
        return Preview(error=" ".join(refused))
    try:
        raw = sample_message(campaign).raw
    except HeaderInjection:
        return Preview(error=_("L'objet, l'expéditeur ou l'adresse de réponse contient un saut de ligne."))
    except (RenderError, KeyError, ValueError, TypeError) as exc:
        return Preview(error=_("Le message ne peut pas être composé : %(error)s", error=str(exc)))
    return Preview(parts=message_parts(raw), size=len(raw))


def preview_draft(campaign: Campaign, fields: CampaignFields) -> Preview:
    """The campaign as the composer's unsaved form stands (a campaign that can no longer change: as saved).

    Built from a *transient* copy carrying the form's values, never added to the session:
    nothing is saved, and the saved campaign stays what it was."""
    if campaign.status not in EDITABLE:
        return preview_message(campaign)
    draft = _draft_of(campaign, fields)
    try:
        with db.session.no_autoflush:
            return preview_message(draft)
    finally:
        if draft in db.session:
            db.session.expunge(draft)


class UnknownSubscriber(LookupError):
    """No subscriber holds this address."""


class RenderFailed(ValueError):
    """The message cannot be built (the reason in ``str``)."""


@dataclass(frozen=True)
class WireMessage:
    data: bytes  # what SMTP would get: DKIM-signed when a key is configured
    message_id: str
    size: int  # of the message before signing


def wire_message(campaign: Campaign, address: str) -> WireMessage:
    """The exact bytes the worker would hand SMTP for this subscriber (same builder, same DKIM signing).

    InvalidAddress, UnknownSubscriber, or RenderFailed when the message cannot be built."""
    email = normalise_email(address)
    person = find_subscriber(email)
    if person is None:
        raise UnknownSubscriber(email)
    try:
        outgoing = builder_for(campaign).build(recipient_for(email, person))
    except (RenderError, HeaderInjection) as exc:
        raise RenderFailed(str(exc)) from exc
    return WireMessage(wire_bytes(outgoing, signer_from_config(current_app.config)), outgoing.message_id,
                       len(outgoing.raw))


# A campaign's web version is public once it goes out; before, only the team sees it.
PUBLIC_STATUSES = (CampaignStatus.SENDING, CampaignStatus.PAUSED, CampaignStatus.SENT)


@dataclass(frozen=True)
class WebVersion:
    html: str
    public: bool  # False: a draft shown to the team (the page must not be cached)


def web_version(campaign: Campaign, *, staff: bool) -> WebVersion | None:
    """"Voir la version en ligne": the campaign's compiled HTML (the sent one, shared cache) with
    impersonal values (no name, no personal link). None when the reader may not see it, or it
    cannot be built."""
    public = campaign.status in PUBLIC_STATUSES
    if not public and not staff:
        return None
    try:
        compiled = builder_for(campaign).compiled
    except RenderError:
        return None
    html, _text = compiled.fill(webview_values(campaign))
    return WebVersion(html, public)


def preview_version(token: str) -> WebVersion | None:
    """A test message's "Voir la version en ligne" (``links.preview_url``): the campaign as it is now, for
    whoever holds that signed link, before it is sent too. None for a forged, expired or foreign token."""
    try:
        payload = verify(Purpose.PREVIEW, token)
        campaign = db.session.get(Campaign, int(payload["c"]))
    except (InvalidToken, KeyError, TypeError, ValueError):
        return None
    if campaign is None:
        return None
    version = web_version(campaign, staff=True)
    return WebVersion(version.html, public=False) if version is not None else None


def read_message(raw: bytes) -> MessageParts:
    """Bytes already built (the outbox's) → headers, HTML, text and attachment names."""
    return message_parts(raw)


def _draft_of(campaign: Campaign, fields: CampaignFields) -> Campaign:
    draft = Campaign(
        id=campaign.id, slug=campaign.slug, template=campaign.template, from_email=campaign.from_email,
        cycle_id=campaign.cycle_id, journee_id=campaign.journee_id, track_clicks=campaign.track_clicks,
        content=dict(campaign.content or {}), segment=dict(campaign.segment or {}), status=campaign.status,
        **{name: str(getattr(fields, name) if getattr(fields, name) is not None else getattr(campaign, name) or "").strip()
           for name in DRAFT_TEXT_FIELDS},
    )
    if campaign.template == CampaignTemplate.NEWSLETTER and fields.blocks is not None:
        draft.content = {**draft.content, "blocks": fields.blocks}
    if campaign.template == CampaignTemplate.REMINDER or fields.lists is None:
        draft.lists = list(campaign.lists)
    else:
        ids = [row.id for row in fields.lists if isinstance(row, MailingList)]
        draft.lists = list(db.session.scalars(
            select(MailingList).where(MailingList.id.in_(ids)).order_by(MailingList.id))) if ids else []
    return draft
