"""One-off messages (double opt-in, registration confirmation, data export, test sends…).

INTERFACE (stable): ``send_transactional(kind, to, context, attachments=())`` renders
the message for ``kind`` (a template pair in ``emails/``) and queues it in the
transactional lane of the delivery queue (``TransactionalMessage``, in the caller's
transaction: the caller commits). The workers sign, send, retry and record it like
any campaign delivery, ahead of campaign batches; the returned row is what pages
and the audit read ("en file" → "envoyé" / "refusé : …" / "non envoyé : …"). Nothing
here talks to a server: a web request never waits for, nor hides, an SMTP answer.

Who may receive each kind is ``app.sending.eligibility`` (the same table as the
campaigns'): a kind it does not state is refused; a message its rule stops (a survey
invitation to someone who unsubscribed, a certificate to an address that bounced) is
recorded "skipped" with the reason and never sent; the worker reads the rule again
when it claims the message.

Kinds and their context (besides ``subject`` and ``first_name``):
- "subscription_confirmation": ``confirm_url``, ``lists`` (MailingList objects or names), ``already``
  (optional: the lists asked for that the person is already confirmed on)
- "registration_confirmation": ``cycle`` (Cycle), ``journees`` (confirmed Journee list),
  ``waiting`` (Journee list), ``manage_url``
- "registration_update": the same plus ``changes`` (a sentence saying what changed); ``already``
  (optional, "registration_confirmation" only): the person was already registered, nothing changed
- "registration_check": the one message of a form whose seats wait for the address: ``requested``
  (Journee list) and ``newsletter_lists`` (names), one "Confirmer" button to ``manage_url``
- "registration_confirmation" also takes ``newsletter_lists`` and ``newsletter_url``: the newsletter
  ticked on the same form is confirmed from the same message
- "data_export": ``export_url``
- "survey_invitation": ``cycle``, ``journee`` (Journee, or None for the whole cycle), ``survey_url``
- "certificate": ``cycle``, ``certificate_url``, ``total`` (hours attended, as text)
- "campaign_paused" (to the admins): ``campaign_name``, ``reason`` (what the guard saw), ``campaign_url``

Registration messages also take ``checkin_code`` and ``checkin_qr_png`` (optional): the QR
image goes inline (``cid:``, multipart/related), so it shows with remote images blocked;
``checkin_qr_url`` (a hosted image) is still read when no PNG is given.

Same templates, layout and encoder as campaigns, without the list headers (these
are not list mail: no List-Unsubscribe, no unsubscribe line in the footer).
"""
from __future__ import annotations

import uuid
from email.utils import format_datetime, make_msgid, parseaddr
from typing import Any, Iterable, Mapping

from flask import current_app
from flask_babel import force_locale

from app.message import encoding
from app.extensions import db
from app.message.builder import OutgoingMessage, clean_header
from app.message.envelope import Envelope
from app.message.render import LOCALE, Attachment, InlineImage, greeting_for, render_pair
from app.models import Cycle, Journee, MessageStatus, TransactionalMessage, utcnow
from app.sending import eligibility
from app.sending.language import email_language
from app.sending.sender import sender_domain
from app.sending.views import base_context, cycle_view, journee_view

__all__ = ["Attachment", "KINDS", "render_transactional", "build_transactional", "send_transactional", "enqueue"]

# The kinds rendered from a template pair here (``emails/<template>.*``); "test" and "api" come built.
KINDS = ("subscription_confirmation", "registration_confirmation", "registration_update", "registration_check",
         "data_export", "survey_invitation", "certificate", "campaign_paused")


def _journees(items: Iterable[Any] | None) -> list[dict[str, Any]]:
    return [journee_view(j) if isinstance(j, Journee) else j for j in (items or [])]


def transactional_context(kind: str, context: Mapping[str, Any]) -> dict[str, Any]:
    """Template context for ``kind``; unknown kinds and missing values are refused in French."""
    if kind not in KINDS:
        raise ValueError(f"type de message inconnu : {kind!r}")
    ctx = base_context(str(context.get("subject", "")), str(context.get("preheader", "")),
                       greeting=greeting_for(str(context.get("first_name") or ""), email_language()))
    if kind == "subscription_confirmation":
        ctx["confirm_url"] = context["confirm_url"]
        ctx["lists"] = [getattr(item, "name", item) for item in (context.get("lists") or [])]
        ctx["already"] = [getattr(item, "name", item) for item in (context.get("already") or [])]
    elif kind == "data_export":
        ctx["export_url"] = context["export_url"]
    elif kind == "campaign_paused":
        ctx["campaign_name"] = str(context["campaign_name"])
        ctx["reason"] = str(context["reason"])
        ctx["campaign_url"] = context["campaign_url"]
    elif kind in ("survey_invitation", "certificate"):
        cycle, journee = context["cycle"], context.get("journee")
        ctx["cycle"] = cycle_view(cycle) if isinstance(cycle, Cycle) else cycle
        ctx["journee"] = journee_view(journee) if isinstance(journee, Journee) else journee
        ctx["survey_url"] = context.get("survey_url") or ""
        ctx["certificate_url"] = context.get("certificate_url") or ""
        ctx["total"] = context.get("total") or ""
    else:
        cycle = context["cycle"]
        ctx["cycle"] = cycle_view(cycle) if isinstance(cycle, Cycle) else cycle
        ctx["journees"] = _journees(context.get("journees"))
        ctx["waiting"] = _journees(context.get("waiting"))
        ctx["manage_url"] = context.get("manage_url") or ""
        ctx["changes"] = context.get("changes") or ""
        ctx["already"] = bool(context.get("already"))
        ctx["requested"] = _journees(context.get("requested"))
        ctx["newsletter_lists"] = [getattr(item, "name", item) for item in (context.get("newsletter_lists") or [])]
        ctx["newsletter_url"] = context.get("newsletter_url") or ""
        ctx["has_calendar"] = bool(context.get("has_calendar"))
        ctx["checkin_code"] = context.get("checkin_code") or ""
        ctx["checkin_qr_url"] = context.get("checkin_qr_url") or ""
        if ctx["checkin_code"] and context.get("checkin_qr_png"):
            ctx["checkin_qr_url"] = f"cid:{checkin_content_id(ctx['checkin_code'])}"
    return ctx


def checkin_content_id(code: str) -> str:
    """The Content-ID of a registrant's QR image (the reminders use the same)."""
    return f"presence-{code.replace('-', '')}@lettrine"


def _inline_images(context: Mapping[str, Any]) -> list[InlineImage]:
    png, code = context.get("checkin_qr_png"), context.get("checkin_code")
    if not png or not code:
        return []
    return [InlineImage(checkin_content_id(str(code)), png, "png", "code-presence.png")]


def render_transactional(kind: str, context: Mapping[str, Any]) -> tuple[str, str]:
    """``(html, text)`` of a transactional message (also used by previews and tests)."""
    with force_locale(LOCALE):  # the view data's own words (app.sending.views) are French too
        view = transactional_context(kind, context)
    return render_pair(kind, view, email_language())


def build_transactional(kind: str, to: str, context: Mapping[str, Any],
                        attachments: Iterable[Attachment] = ()) -> OutgoingMessage:
    config = current_app.config
    subject = clean_header(str(context.get("subject") or kind))
    address = encoding.idna_address(clean_header(to))  # envelope and To: the domain as the wire takes it
    attachments = list(attachments)
    context = dict(context, has_calendar=any(a.subtype == "calendar" for a in attachments))
    html, text = render_transactional(kind, context)
    name, sender = parseaddr(config["MAIL_FROM"])
    message_id = make_msgid(idstring=uuid.uuid4().hex[:12], domain=sender_domain())
    headers = [
        encoding.encode_header_value("From", encoding.encode_address(clean_header(name), sender)),
        encoding.encode_header_value("To", address),
        encoding.encode_header_value("Subject", subject),
        f"Date: {format_datetime(utcnow())}\r\n".encode("ascii"),
        f"Message-ID: {message_id}\r\n".encode("ascii"),
    ]
    if config.get("REPLY_TO"):
        headers.append(encoding.encode_header_value("Reply-To", clean_header(config["REPLY_TO"])))
    headers += [b"Auto-Submitted: auto-generated\r\n", b"MIME-Version: 1.0\r\n"]
    raw = b"".join(headers) + encoding.assemble_body(text, html, attachments, seed=message_id,
                                                     inline=_inline_images(context))
    return OutgoingMessage(Envelope(sender, (address,)), raw, message_id)


def send_transactional(
    kind: str, to: str, context: dict[str, Any], attachments: tuple[Attachment, ...] | list[Attachment] = (),
    *, subscriber_id: int | None = None, reference: str = "",
) -> TransactionalMessage:
    """Render ``kind`` for ``to`` and queue it for the workers (the caller commits)."""
    return enqueue(kind, build_transactional(kind, to, context, attachments),
                   subscriber_id=subscriber_id, reference=reference)


def enqueue(kind: str, message: OutgoingMessage, *, subscriber_id: int | None = None,
            reference: str = "") -> TransactionalMessage:
    """Queue an already built message (a campaign's test send, for one) in the transactional lane.

    Its kind's rule (``app.sending.eligibility``) is read first: a message it stops is kept
    as a "skipped" row saying why, without its bytes, so the person's page and the
    caller's counts show it was not sent. An unknown kind raises ``UnknownKind``.
    """
    address = message.envelope.recipients[0]
    why = eligibility.stop_for(kind, address, subscriber_id)
    row = TransactionalMessage(
        kind=kind[:40], to_address=address, subscriber_id=subscriber_id,
        reference=reference[:120], mail_from=message.envelope.mail_from, message_id=message.message_id,
        raw=message.raw if why is None else b"", next_attempt_at=utcnow(),
        status=MessageStatus.QUEUED if why is None else MessageStatus.SKIPPED, smtp_reply=why or "",
    )
    db.session.add(row)
    db.session.flush()
    return row
