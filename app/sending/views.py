"""What the templates read, made from the database: campaigns, cycles, journées, links.

The message package (``app.message``) renders plain data and knows nothing of the
database or the application's settings; this module turns models and settings
into that data. ``campaign_view`` gathers everything a campaign's rendering
reads, which is also what keys the compiled-message cache (``app.sending.compose``).
"""
from __future__ import annotations

import re
from email.utils import parseaddr
from typing import Any, Iterable, Mapping

from flask import current_app
from flask_babel import force_locale, gettext, ngettext

from app import links
from app.digits import is_digits
from app.extensions import db
from app.message import richtext
from app.message.render import LOCALE, MARKER_FOR, Attachment, RenderError, greeting_for
from app.message.venue import venue_lines
from app.models import Campaign, CampaignTemplate, Cycle, Journee
from app.sending.calendar import journee_ics
from app.sending.language import email_language
from app.timeutil import format_when, to_local
from app.tokens import Purpose, sign


def organisation() -> Any:
    return current_app.config["ORGANISATION"]


def base_context(subject: str, preheader: str, **extra: Any) -> dict[str, Any]:
    org = organisation()
    return {
        "org": org,
        "subject": subject,
        "preheader": preheader,
        "webview_url": None,
        "unsubscribe_url": None,
        "preferences_url": None,
        "greeting": gettext("Bonjour,"),
        **extra,
    }



# --- Events --------------------------------------------------------------------

def date_label(value) -> str:
    """``10 mars 2016`` (``1er avril``) in the message's language (app.timeutil, as the pages)."""
    return format_when(value, "day", LOCALE)


def time_label(value) -> str:
    """``10 h 00``: French writes hours so (the typography pass makes the spaces non-breaking)."""
    local = to_local(value)
    return f"{local.hour} h {local.minute:02d}"


def journee_view(journee: Journee) -> dict[str, Any]:
    return {
        "model": journee,
        "number": journee.number,
        "heading": gettext("Journée %(n)s", n=journee.number),
        "date": date_label(journee.starts_at),
        "when": gettext("%(date)s de %(start)s à %(end)s", date=date_label(journee.starts_at),
                        start=time_label(journee.starts_at), end=time_label(journee.ends_at)),
        "title": journee.title,
        "introduction": journee.introduction,
        "objectives": journee.objectives,
        "work_axes": journee.work_axes,
    }


def cycle_view(cycle: Cycle) -> dict[str, Any]:
    journees = [journee_view(j) for j in cycle.journees]
    speakers_heading, speakers = richtext.split_heading(cycle.speakers)
    kicker = cycle.kicker.strip()
    if kicker:
        days_summary = ngettext("%(kicker)s sur %(num)d journée", "%(kicker)s sur %(num)d journées",
                                len(journees), kicker=kicker)
        objectives_heading = gettext("Objectifs généraux du %(kicker)s", kicker=kicker[:1].lower() + kicker[1:])
    else:
        days_summary = ngettext("%(num)d journée", "%(num)d journées", len(journees))
        objectives_heading = gettext("Objectifs généraux")
    venue = venue_lines(cycle.venue_name, cycle.venue_room, cycle.venue_address)
    return {
        "model": cycle,
        "kicker": kicker,
        "title": cycle.title,
        "subtitle": cycle.subtitle,
        "period": cycle.period,
        "introduction": cycle.introduction,
        "stakes": cycle.stakes,
        "objectives": cycle.objectives,
        "objectives_heading": objectives_heading,
        "audience": cycle.audience,
        "format": cycle.format,
        "speakers_heading": speakers_heading or gettext("Intervenant·es"),
        "speakers": speakers,
        "sponsor_note": cycle.sponsor_note,
        "days_summary": days_summary,
        "journees": journees,
        "venue": venue,
        "contact_name": cycle.contact_name,
        "contact_email": cycle.contact_email,
        "contact_phone": cycle.contact_phone,
        "contact_tel": "tel:" + re.sub(r"[^0-9+]", "", cycle.contact_phone) if cycle.contact_phone else "",
        "registration_required": cycle.registration_required,
        "registration_url": cycle.registration_url or links.registration_form_url(cycle.slug),
        "agenda_url": cycle.agenda_url,
    }


# --- Campaigns -------------------------------------------------------------------

def campaign_context(campaign: Campaign) -> tuple[str, dict[str, Any], tuple[Attachment, ...]]:
    """Template name, context (with markers for personal values) and attachments.

    Everything a campaign's rendering reads from the database and the settings is
    read here, so the context is also what identifies a compiled version.
    """
    context = base_context(
        campaign.subject, campaign.preheader,
        webview_url=MARKER_FOR["webview_url"],
        unsubscribe_url=MARKER_FOR["unsubscribe_url"],
        preferences_url=MARKER_FOR["preferences_url"],
        greeting=MARKER_FOR["greeting"],
        campaign=campaign,
    )
    attachments: tuple[Attachment, ...] = ()
    template = campaign.template
    if template == CampaignTemplate.CYCLE_ANNOUNCEMENT:
        cycle = db.session.get(Cycle, campaign.cycle_id) if campaign.cycle_id else None
        if cycle is None:
            raise RenderError(gettext("Cette annonce n'est liée à aucun cycle."))
        context["cycle"] = cycle_view(cycle)
        if not cycle.registration_url:
            # Our own form: it records which announcement brought the registration (c) and opens
            # filled in with the recipient's name and address (p, her own signed token, per recipient).
            context["cycle"]["registration_url"] = (f"{links.registration_form_url(cycle.slug)}?c={campaign.id}"
                                                    f"&p={MARKER_FOR['prefill_token']}")
        return "cycle_announcement", context, attachments
    if template == CampaignTemplate.REMINDER:
        journee = db.session.get(Journee, campaign.journee_id) if campaign.journee_id else None
        if journee is None:
            raise RenderError(gettext("Ce rappel n'est lié à aucune journée."))
        context["cycle"] = cycle_view(journee.cycle)
        context["journee"] = journee_view(journee)
        context["intro"] = (campaign.content or {}).get("intro", "")
        # Each registrant's own check-in code and QR image (values given per recipient at send time).
        context["checkin"] = {"code": MARKER_FOR["checkin_code"], "qr_src": MARKER_FOR["checkin_qr_src"]}
        attachments = (Attachment(f"journee-{journee.number}.ics", journee_ics(journee), "text", "calendar",
                                  {"method": "PUBLISH"}),)
        return "reminder", context, attachments
    context["blocks"] = newsletter_blocks((campaign.content or {}).get("blocks", []))
    return "newsletter", context, attachments


def newsletter_blocks(raw: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The composer's blocks (schema: app/services/campaigns/blocks.py) as the template reads them.

    Unknown or incomplete blocks are dropped (preflight and the composer report them);
    an event card is resolved to its cycle and, when a number is given, its journée.
    """
    blocks: list[dict[str, Any]] = []
    for block in raw or []:
        kind = block.get("type")
        if kind == "event":
            cycle = db.session.get(Cycle, int(block["cycle_id"])) if is_digits(str(block.get("cycle_id") or "")) else None
            if cycle is None:
                continue
            number = str(block.get("journee") or "")
            journee = next((j for j in cycle.journees if is_digits(number) and j.number == int(number)), None)
            blocks.append({"type": "event", "cycle": cycle_view(cycle),
                           "journee": journee_view(journee) if journee else None})
        elif kind == "columns":
            blocks.append({"type": "columns", "columns": [
                {"text": str(block.get("left") or "")}, {"text": str(block.get("right") or "")}]})
        elif kind == "image":
            width = str(block.get("width") or "")
            src = str(block.get("src") or "")
            # https only, except this app's own media library: on `make run` (http://127.0.0.1) an uploaded
            # image must show in the preview and the test send too.
            shown = src.startswith("https://") or src.startswith(links.absolute("/media/"))
            blocks.append({"type": "image", "src": src if shown else "",
                           "alt": "" if block.get("decorative") else str(block.get("alt") or ""),
                           "href": str(block.get("href") or ""), "width": int(width) if is_digits(width) else None})
        elif kind == "greeting":
            blocks.append({"type": "greeting"})
        elif kind in {"title", "text"}:
            blocks.append({"type": kind, "text": str(block.get("text") or "")})
        elif kind == "button":
            blocks.append({"type": "button", "label": str(block.get("label") or ""), "url": str(block.get("url") or "")})
    return blocks


def webview_values(campaign: Campaign) -> dict[str, str]:
    """Values for a copy with no personal data (web view, admin preview)."""
    mailbox = current_app.config.get("UNSUBSCRIBE_MAILTO") or ""
    if not mailbox:
        mailbox = parseaddr(current_app.config["MAIL_FROM"])[1]
    with force_locale(LOCALE):
        greeting = gettext("Bonjour,")
    return {
        "greeting": greeting,
        "unsubscribe_url": f"mailto:{mailbox}?subject=D%C3%A9sinscription",
        "preferences_url": f"mailto:{mailbox}?subject=Pr%C3%A9f%C3%A9rences",
        "webview_url": links.webview_url(campaign.slug),
    }


def recipient_values(campaign_id: int, campaign_slug: str, uid: str, first_name: str) -> dict[str, str]:
    """The per-recipient values (previews, CLI); the builder computes the same ones faster."""
    return {
        "greeting": greeting_for(first_name, email_language()),
        "unsubscribe_url": links.unsubscribe_url(uid, campaign_id),
        "preferences_url": links.preferences_url(uid),
        "webview_url": links.webview_url(campaign_slug),
    }



# --- Click tracking ---------------------------------------------------------------

_HREF = re.compile(r'(<a\b[^>]*?\bhref=")(https?://[^"]+)(")', re.IGNORECASE)


def tracked_url(campaign_id: int, url: str) -> str:
    return links.absolute(f"/l/{sign(Purpose.CLICK, [campaign_id, url])}")


def track_links(html: str, campaign_id: int) -> str:
    """Rewrite outbound http(s) links; our own links (unsubscribe, web view…) stay as they are."""
    own = current_app.config["BASE_URL"]

    def rewrite(match: re.Match) -> str:
        url = match.group(2)
        if url.startswith(own) or "{{" in url or "[[" in url:
            return match.group(0)
        return f"{match.group(1)}{tracked_url(campaign_id, url)}{match.group(3)}"

    return _HREF.sub(rewrite, html)
