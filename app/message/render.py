"""Rendering pipeline: Jinja2 → MJML → mjml-python → premailer → a compiled email with placeholders.

Every email (campaigns and transactional) comes from a pair of templates in
``emails/``: ``NAME.mjml.j2`` (HTML) and ``NAME.txt.j2`` (text/plain), fed the
same structured context, so the text part is written for reading, not scraped.

The costly steps (Jinja, MJML compile, CSS inlining: ~20 ms) run ONCE per
campaign version. Per-recipient values (greeting, unsubscribe, preferences and
web-view URLs) are written as inert markers (``LTRNxUNSUBSCRIBEx``…) that survive
MJML and premailer untouched; the message builder splices the real values in.

MJML's defaults are corrected after compiling (email-standards.md): ``lang="fr"``,
``role="presentation"`` on every layout table, ``alt`` on every image, no remote
font stylesheet, each ``<!--[if mso]>`` conditional on one line, and no hidden
preheader (ours is a short, visible line at the top).
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

import jinja2
import mjml
from babel.dates import format_date
from flask import current_app
from flask_babel import force_locale, gettext, ngettext
import cssutils
from premailer import Premailer

from app import links
from app.digits import is_digits
from app.models import Campaign, CampaignTemplate, Cycle, Journee
from app.message import richtext
from app.timeutil import to_local

log = logging.getLogger(__name__)

EMAILS_DIR = Path(__file__).resolve().parents[2] / "emails"
LOCALE = "fr"

# Marker written in the compiled templates -> key of the per-recipient value.
MARKERS: dict[str, str] = {
    "LTRNxGREETINGx": "greeting",
    "LTRNxUNSUBSCRIBEx": "unsubscribe_url",
    "LTRNxPREFERENCESx": "preferences_url",
    "LTRNxWEBVIEWx": "webview_url",
}
MARKER_FOR = {key: marker for marker, key in MARKERS.items()}
STATS = {"compiles": 0}  # how many campaign compilations this process did (tests check the cache)


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    maintype: str
    subtype: str
    params: dict[str, str] | None = None  # e.g. {"method": "PUBLISH"} for text/calendar


@dataclass(frozen=True)
class CompiledEmail:
    """An email rendered once: HTML and text with markers where per-recipient values go."""

    subject: str
    preheader: str
    html: str
    text: str
    attachments: tuple[Attachment, ...] = field(default_factory=tuple)

    def fill(self, values: Mapping[str, str]) -> tuple[str, str]:
        """HTML and text with the values in (previews, web view, tests; the builder splices bytes)."""
        from html import escape

        html, text = self.html, self.text
        for marker, key in MARKERS.items():
            value = values.get(key, "")
            html = html.replace(marker, escape(value))
            text = text.replace(marker, value)
        return html, text


# --- Jinja environments ------------------------------------------------------

def _environment(text: bool) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(EMAILS_DIR)),
        autoescape=not text,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    env.globals.update(_=gettext, ngettext=ngettext)
    env.filters["md"] = richtext.to_html
    env.filters["md_text"] = richtext.to_text
    env.filters["display_url"] = display_url
    env.filters["underline"] = lambda s, ch="-": ch * len(str(s))
    return env


_ENVS: dict[bool, jinja2.Environment] = {}


def env(text: bool) -> jinja2.Environment:
    if text not in _ENVS:
        _ENVS[text] = _environment(text)
    return _ENVS[text]


def display_url(url: str) -> str:
    """``https://www.crpve91.fr/`` -> ``www.crpve91.fr`` for a link's visible text."""
    return re.sub(r"^https?://", "", url or "").rstrip("/")


# --- MJML -> HTML ------------------------------------------------------------

_MSO_BLOCK = re.compile(r"<!--\[if [^\]]*\]>.*?<!\[endif\]-->", re.S)
_REMOTE_CSS = re.compile(r'<link[^>]+rel="stylesheet"[^>]*>|@import url\([^)]*\);?', re.I)
_TABLE_NO_ROLE = re.compile(r"<table(?![^>]*\brole=)", re.I)
_IMG_NO_ALT = re.compile(r"<img(?![^>]*\balt=)", re.I)
_HIDDEN_PREVIEW = re.compile(r'<div style="display:none;font-size:1px;color:#ffffff;[^"]*">.*?</div>', re.S)


def mjml_to_html(source: str) -> str:
    """Compile MJML, inline the CSS (network off) and fix what MJML leaves wrong."""
    html = mjml.mjml2html(source)
    html = _REMOTE_CSS.sub("", html)
    html = _HIDDEN_PREVIEW.sub("", html)
    html = inline_css(html)
    html = _TABLE_NO_ROLE.sub('<table role="presentation"', html)
    html = _IMG_NO_ALT.sub('<img alt=""', html)
    html = _MSO_BLOCK.sub(lambda m: re.sub(r"\s*\n\s*", "", m.group(0)), html)
    if 'lang="fr"' not in html[:300]:
        html = re.sub(r"<html(?![^>]*\blang=)", '<html lang="fr"', html, count=1)
    return html


def _refuse_fetch(url: str) -> None:
    """cssutils fetcher: an e-mail's CSS never loads anything. ``allow_network=False`` covers
    premailer's ``<link>`` handling only; cssutils resolves ``@import`` with its own fetcher."""
    log.warning("refused to fetch a stylesheet while inlining CSS: %s", url[:200])
    return None


class _OfflinePremailer(Premailer):
    """premailer whose cssutils parser cannot fetch (``@import`` rules are dropped)."""

    def _parse_css_string(self, css_body, validate=True):
        return cssutils.CSSParser(fetcher=_refuse_fetch, validate=validate).parseString(css_body)


def inline_css(html: str) -> str:
    """premailer with every network and file access off: no remote stylesheet is ever fetched."""
    return _OfflinePremailer(
        html,
        base_url=None,
        allow_network=False,
        allow_loading_external_files=False,
        keep_style_tags=False,
        remove_classes=False,
        strip_important=False,
        disable_validation=True,
        cssutils_logging_level=logging.CRITICAL,
    ).transform(pretty_print=False)


# --- Rendering ---------------------------------------------------------------

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


def render_pair(kind: str, context: Mapping[str, Any]) -> tuple[str, str]:
    """``(html, text)`` for the template ``kind`` (HTML compiled, CSS inlined)."""
    with force_locale(LOCALE):
        mjml_source = env(False).get_template(f"{kind}.mjml.j2").render(**context)
        text = env(True).get_template(f"{kind}.txt.j2").render(**context)
    return mjml_to_html(mjml_source), tidy_text(text)


def tidy_text(text: str) -> str:
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n") + "\n"


def greeting_for(first_name: str) -> str:
    first_name = (first_name or "").strip()
    return gettext("Bonjour %(name)s,", name=first_name) if first_name else gettext("Bonjour,")


# --- Events as view data -----------------------------------------------------

def date_label(value) -> str:
    return format_date(to_local(value).date(), "d MMMM y", locale=LOCALE)


def time_label(value) -> str:
    local = to_local(value)
    return f"{local.hour}h{local.minute:02d}"


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
    venue = [line.strip() for line in [cycle.venue_name, cycle.venue_room, *cycle.venue_address.splitlines()]
             if line and line.strip()]
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


# --- Campaigns ---------------------------------------------------------------

class RenderError(ValueError):
    """The campaign cannot be rendered (missing cycle, journée…); the message is French."""


def campaign_context(campaign: Campaign) -> tuple[str, dict[str, Any], tuple[Attachment, ...]]:
    """Template name, context (with markers for personal values) and attachments."""
    from app.extensions import db

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
        return "cycle_announcement", context, attachments
    if template == CampaignTemplate.REMINDER:
        journee = db.session.get(Journee, campaign.journee_id) if campaign.journee_id else None
        if journee is None:
            raise RenderError(gettext("Ce rappel n'est lié à aucune journée."))
        from app.message.calendar import journee_ics

        context["cycle"] = cycle_view(journee.cycle)
        context["journee"] = journee_view(journee)
        context["intro"] = (campaign.content or {}).get("intro", "")
        attachments = (Attachment(f"journee-{journee.number}.ics", journee_ics(journee), "text", "calendar",
                                  {"method": "PUBLISH"}),)
        return "reminder", context, attachments
    context["blocks"] = newsletter_blocks((campaign.content or {}).get("blocks", []))
    return "newsletter", context, attachments


def newsletter_blocks(raw: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The composer's blocks (schema: app/services/blocks.py) as the template reads them.

    Unknown or incomplete blocks are dropped (preflight and the composer report them);
    an event card is resolved to its cycle and, when a number is given, its journée.
    """
    from app.extensions import db

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
            blocks.append({"type": "image", "src": str(block.get("src") or ""),
                           "alt": "" if block.get("decorative") else str(block.get("alt") or ""),
                           "href": str(block.get("href") or ""), "width": int(width) if is_digits(width) else None})
        elif kind in {"title", "text"}:
            blocks.append({"type": kind, "text": str(block.get("text") or "")})
        elif kind == "button":
            blocks.append({"type": "button", "label": str(block.get("label") or ""), "url": str(block.get("url") or "")})
    return blocks


def compile_campaign(campaign: Campaign) -> CompiledEmail:
    """The once-per-version step: full render with markers for the per-recipient values."""
    STATS["compiles"] += 1
    with force_locale(LOCALE):  # emails are French whatever the admin's UI language (and work outside requests)
        kind, context, attachments = campaign_context(campaign)
        html, text = render_pair(kind, context)
    if campaign.track_clicks:
        from app.services.clicks import track_links

        html = track_links(html, campaign.id)
    return CompiledEmail(campaign.subject, campaign.preheader, html, text, attachments)


def webview_values(campaign: Campaign) -> dict[str, str]:
    """Values for a copy with no personal data (web view, admin preview)."""
    mailbox = current_app.config.get("UNSUBSCRIBE_MAILTO") or ""
    if not mailbox:
        from email.utils import parseaddr

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
    with force_locale(LOCALE):
        greeting = greeting_for(first_name)
    return {
        "greeting": greeting,
        "unsubscribe_url": links.unsubscribe_url(uid, campaign_id),
        "preferences_url": links.preferences_url(uid),
        "webview_url": links.webview_url(campaign_slug),
    }

