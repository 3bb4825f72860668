"""Rendering pipeline: Jinja2 → MJML → mjml-python → premailer → a compiled email with placeholders.

Every email (campaigns and transactional) comes from a pair of templates in
``emails/``: ``NAME.mjml.j2`` (HTML) and ``NAME.txt.j2`` (text/plain), fed the
same structured context, so the text part is written for reading, not scraped.

The costly steps (Jinja, MJML compile, CSS inlining: ~20 ms) run ONCE per
campaign version. Per-recipient values (greeting, unsubscribe, preferences and
web-view URLs) are written as inert markers (``LTRNxUNSUBSCRIBEx``…) that survive
MJML and premailer untouched; the message builder splices the real values in.

French typography (app.message.typography) is applied here, once, to both parts
of every email — campaigns and transactional messages all come through
``render_pair`` — before anything is encoded (quoted-printable, DKIM): narrow
no-break spaces in the HTML's text nodes and in the text part, whose URLs then
go on lines of their own and whose prose is wrapped at 78 characters. Only when
the message's language is French.

The language comes from the caller (``app.message.language.Language``: a locale code and
its Babel catalogue), never from Flask-Babel: the templates' ``_()`` and ``ngettext()``
are bound to it for each render, so this module needs no application and no request.

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
from typing import Any, Mapping

import jinja2
import mjml
import cssutils
from premailer import Premailer

from app.errors import LettrineError
from app.message import richtext, typography
from app.message.language import FRENCH, Language

log = logging.getLogger(__name__)

EMAILS_DIR = Path(__file__).resolve().parents[2] / "emails"
LOCALE = "fr"  # emails are French (the callers pass this language: app.sending.language)

# Marker written in the compiled templates -> key of the per-recipient value.
MARKER_PREFIX = "LTRNx"  # every marker starts so (preflight refuses it in typed text)
MARKERS: dict[str, str] = {
    "LTRNxGREETINGx": "greeting",
    "LTRNxUNSUBSCRIBEx": "unsubscribe_url",
    "LTRNxPREFERENCESx": "preferences_url",
    "LTRNxWEBVIEWx": "webview_url",
    # The recipient's own token on the announcement's "Inscrivez-vous" link: the form opens filled in.
    "LTRNxPREFILLx": "prefill_token",
    # Inside a personal block (below): the J-1 reminder's check-in code and its QR image's src.
    "LTRNxCHECKINCODEx": "checkin_code",
    "LTRNxCHECKINQRx": "checkin_qr_src",
}
MARKER_FOR = {key: marker for marker, key in MARKERS.items()}
# A personal block: a part of the message only some recipients have values for (a registrant's
# check-in code in a reminder). Written between these two markers (HTML comments in the MJML,
# lines in the text); kept for a recipient who has every value it uses, cut for anyone else
# (the web view, a test send to the staff), so no one sees an empty code or a broken image.
PERSONAL_START = "LTRNxPERSONALx"
PERSONAL_END = "LTRNxENDPERSONALx"
_PERSONAL_HTML = re.compile(rf"<!--{PERSONAL_START}-->.*?<!--{PERSONAL_END}-->", re.S)
_PERSONAL_TEXT = re.compile(rf"^{PERSONAL_START}\n.*?^{PERSONAL_END}\n", re.S | re.M)
_PERSONAL_TAGS = re.compile(rf"<!--(?:{PERSONAL_START}|{PERSONAL_END})-->|^(?:{PERSONAL_START}|{PERSONAL_END})\n", re.M)


def personal_keys(body: str) -> set[str]:
    """The per-recipient keys used inside the personal blocks of ``body``."""
    found: set[str] = set()
    for block in _PERSONAL_HTML.findall(body) + _PERSONAL_TEXT.findall(body):
        found |= {key for marker, key in MARKERS.items() if marker in block}
    return found


def with_personal_blocks(body: str, keep: bool) -> str:
    """``body`` with its personal blocks kept (their start and end markers removed) or cut out."""
    if keep:
        return _PERSONAL_TAGS.sub("", body)
    return _PERSONAL_TEXT.sub("", _PERSONAL_HTML.sub("", body))
STATS = {"compiles": 0}  # how many campaign compilations this process did (tests check the cache)


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    maintype: str
    subtype: str
    params: dict[str, str] | None = None  # e.g. {"method": "PUBLISH"} for text/calendar


@dataclass(frozen=True)
class InlineImage:
    """An image the HTML shows as ``cid:<content_id>`` (multipart/related): seen even with remote images blocked."""

    content_id: str
    content: bytes
    subtype: str = "png"
    filename: str = "image.png"


@dataclass(frozen=True)
class CompiledEmail:
    """An email rendered once: HTML and text with markers where per-recipient values go."""

    subject: str
    preheader: str
    html: str
    text: str
    attachments: tuple[Attachment, ...] = field(default_factory=tuple)

    def with_html(self, html: str) -> "CompiledEmail":
        return CompiledEmail(self.subject, self.preheader, html, self.text, self.attachments)

    def fill(self, values: Mapping[str, str]) -> tuple[str, str]:
        """HTML and text with the values in (previews, web view, tests; the builder splices bytes)."""
        from html import escape

        keep = all(values.get(key) for key in personal_keys(self.html + self.text))
        html, text = with_personal_blocks(self.html, keep), with_personal_blocks(self.text, keep)
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
    # ``_`` and ``ngettext`` are not globals: ``render_pair`` binds them to the message's language.
    env.filters["md"] = richtext.to_html
    env.filters["md_text"] = _md_text_filter
    env.filters["display_url"] = display_url
    env.filters["underline"] = lambda s, ch="-": ch * len(str(s))
    return env


_ENVS: dict[bool, jinja2.Environment] = {}


def env(text: bool) -> jinja2.Environment:
    if text not in _ENVS:
        _ENVS[text] = _environment(text)
    return _ENVS[text]


LANGUAGE_KEY = "message_language"  # the context variable holding the Language of the render


def md_text(source: str | None, width: int = 76, *, french: bool = True) -> str:
    """Rich text as plain text, French spacing applied before wrapping when the email is French."""
    return richtext.to_text(source, width, typography.french_spacing if french else None)


@jinja2.pass_context
def _md_text_filter(context: jinja2.runtime.Context, source: str | None, width: int = 76) -> str:
    """The ``md_text`` filter: French spacing when the language of this render is French."""
    language = context.get(LANGUAGE_KEY, FRENCH)
    return md_text(source, width, french=language.french)


TEXT_WIDTH = 78  # no line of prose in a text part is longer (a URL alone on its line may be)
# Markers that become URLs in the builder: the text part treats them as URLs (lines of their own).
URL_MARKERS = tuple(marker for marker, key in MARKERS.items() if key.endswith("_url"))


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

    def _parse_css_string(self, css_body: str, validate: bool = True) -> Any:
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

def render_pair(kind: str, context: Mapping[str, Any], language: Language = FRENCH) -> tuple[str, str]:
    """``(html, text)`` for the template ``kind`` (HTML compiled, CSS inlined), written in ``language``."""
    values = {**context, "_": language.gettext, "ngettext": language.ngettext, LANGUAGE_KEY: language}
    mjml_source = env(False).get_template(f"{kind}.mjml.j2").render(**values)
    text = env(True).get_template(f"{kind}.txt.j2").render(**values)
    html, text = mjml_to_html(mjml_source), tidy_text(text)
    if language.french:
        html = typography.french_spacing_html(html)
        text = typography.wrap_text_part(typography.french_spacing(text), TEXT_WIDTH, URL_MARKERS)
    return html, text


def tidy_text(text: str) -> str:
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n") + "\n"


def greeting_for(first_name: str, language: Language = FRENCH) -> str:
    """``Bonjour Camille,`` (or ``Bonjour,`` without a first name) in ``language``."""
    first_name = (first_name or "").strip()
    return language.gettext("Bonjour %(name)s,", name=first_name) if first_name else language.gettext("Bonjour,")


# --- Campaigns ---------------------------------------------------------------

class RenderError(LettrineError, ValueError):
    """The campaign cannot be rendered (missing cycle, journée…); the message is French."""

    status = 422
    code = "render"
    en = "The message cannot be rendered."




def compile_email(kind: str, context: Mapping[str, Any], subject: str, preheader: str,
                  attachments: tuple[Attachment, ...] = (), language: Language = FRENCH) -> CompiledEmail:
    """The costly, once-per-version step: full render with markers for the per-recipient values."""
    STATS["compiles"] += 1
    html, text = render_pair(kind, context, language)
    return CompiledEmail(subject, preheader, html, text, attachments)
