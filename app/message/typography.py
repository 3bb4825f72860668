"""French typography for messages and pages: no-break spaces, and a text part that wraps.

French puts a space before ``? ! ; :`` and inside ``« »``; when that space is an
ordinary one, a browser or mail client may break the line there and leave the
``?`` alone at the start of the next line ("équipes ?" in a journée title). The
narrow no-break space (U+202F, "espace fine insécable") is what French
typography uses there; a no-break space (U+00A0) ties "10 h 00", "4 février
2027", "50 %" and a phone number's pairs together, and U+202F groups
thousands ("1 200"), as CLDR does.

The rules are conservative so they can run on any French text, including text an
officer typed: an EXISTING space before ``? ! ; :`` becomes U+202F, and one is
added where there was none only inside guillemets. Nothing is inserted before a
colon with no space (``mailto:``, ``https://x:8080``, ``10:00``, ``1:2``), and
URLs are never touched (a query string's ``?`` included). The functions are
idempotent; callers decide the language (never apply them to English).

``wrap_text_part`` shapes the text/plain part: every URL on a line of its own and
prose wrapped at 78 characters (RFC 5322's recommended line length), keeping the
paragraphs, list indents, the ``--`` signature line and underlines.

Pure: imports nothing from the application (tests/test_import_direction.py).
"""
from __future__ import annotations

import re
import textwrap
from typing import Iterable

NNBSP = "\u202f"  # narrow no-break space: before ? ! ; : and inside « »
NBSP = "\u00a0"  # no-break space: 10 h 00, 4 février 2027, 50 %

# A URL (or a mail address behind mailto:); it ends before closing punctuation.
_URL = r"(?:https?://|mailto:|tel:|www\.)[^\s<>\"«»\x00]*[^\s<>\"«».,;:!?)\]\x00]"
_URL_RE = re.compile(_URL)
# In the text part only a URL with a scheme is put on its own line ("www.crpve91.fr" is a label).
_WRAP_URL = r"(?:https?://|mailto:|tel:)[^\s<>\"«»]*[^\s<>\"«».,;:!?)\]]"
_SPACES = "[ \t\u00a0\u202f\u2009]"  # a space that may stand before ? ! ; : (not a line break)

_TRIGGER = re.compile(r"[?!;:«»]|\d(?:er)?[ \u00a0]")  # what any rule below needs
_DIGIT_SPACE = re.compile(r"\d(?:er)?[ \u00a0]")
_BEFORE_PUNCT = re.compile(rf"(?<=\S){_SPACES}+(?=[?!;:](?:\s|$|[)»\"'’.,<\x00]|[?!]))")
_OPEN_GUILLEMET = re.compile(rf"«{_SPACES}*(?=\S)")
_CLOSE_GUILLEMET = re.compile(rf"(?<=\S){_SPACES}*»")
_TIME = re.compile(r"\b(\d{1,2})[ \u00a0]h[ \u00a0](\d{2})\b")
_HOUR = re.compile(r"\b(\d{1,2}) h\b")
_MONTHS = ("janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre"
           "|janv\\.|févr\\.|avr\\.|juil\\.|sept\\.|oct\\.|nov\\.|déc\\.")
_DATE = re.compile(rf"\b(\d{{1,2}}|1er) ({_MONTHS})(?=\W|$)")
_DATE_YEAR = re.compile(rf"\b(\d{{1,2}}|1er)\u00a0({_MONTHS}) (\d{{4}})\b")
_THOUSANDS = re.compile(r"(?<![\d.,/:\-+])\d{1,3}(?:[ \u00a0]\d{3})+(?![\d/:\-]|[.,]\d)")
_PHONE = re.compile(r"(?<![\d+])0\d(?: \d\d){4}(?!\d)")  # "01 64 97 00 32" stays on one line
_UNIT = re.compile(r"(\d) (%|€|°C)(?!\w)")


def french_spacing(text: str) -> str:
    """Plain French text with no-break spaces where French typography wants them (URLs untouched)."""
    if not text or not _TRIGGER.search(text):
        return text  # most text nodes of a page: nothing to do, decided in one scan
    # A URL holds no space, so the space before a punctuation mark is never inside one.
    text = _BEFORE_PUNCT.sub(NNBSP, text)
    if "«" in text or "»" in text:
        text = _OPEN_GUILLEMET.sub("«" + NNBSP, text)
        text = _CLOSE_GUILLEMET.sub(NNBSP + "»", text)
    if not _DIGIT_SPACE.search(text):
        return text
    if ":" not in text and "www." not in text:  # no URL possible
        return _space_numbers(text)
    pieces = _URL_RE.split(text)
    urls = _URL_RE.findall(text)
    out = [_space_numbers(pieces[0])]
    for url, prose in zip(urls, pieces[1:]):
        out.append(url)
        out.append(_space_numbers(prose))
    return "".join(out)


def _space_numbers(text: str) -> str:
    """Hours, dates, thousands and units: the rules that start from a digit."""
    if not text:
        return text
    if "h" in text:
        text = _TIME.sub(rf"\1{NBSP}h{NBSP}\2", text)
        text = _HOUR.sub(rf"\1{NBSP}h", text)
    text = _DATE.sub(rf"\1{NBSP}\2", text)
    text = _DATE_YEAR.sub(rf"\1{NBSP}\2{NBSP}\3", text)
    text = _PHONE.sub(lambda m: m.group(0).replace(" ", NBSP), text)
    text = _THOUSANDS.sub(lambda m: re.sub(r"[ \u00a0]", NNBSP, m.group(0)), text)
    if "%" in text or "€" in text or "°" in text:
        text = _UNIT.sub(r"\1" + NBSP + r"\2", text)
    return text


# --- HTML --------------------------------------------------------------------

# Elements whose content is not prose to typeset: code, scripts, styles, the head,
# and form values (a <textarea> or <option> edited and posted back must not change).
_SKIP = ("head", "style", "script", "textarea", "pre", "code", "option", "title", "svg")
_TOKEN = re.compile(
    r"(<!--.*?-->|<!\[CDATA\[.*?\]\]>|<(" + "|".join(_SKIP) + r")\b[^>]*>.*?</\2\s*>|<[^>]*>)",
    re.S | re.I,
)
_BREAK_BEFORE_PUNCT = re.compile(r"(?<=\S)[ \t]*\n\s*(?=[?!;:](?:\s|$))")  # collapsible in HTML
_SEP = "\x00"  # stands for a tag while text nodes are typeset together
_ENTITY_SPACE = re.compile(r"&(?:nbsp|#160|#xa0|#8239|#x202f);", re.I)


def french_spacing_html(html: str) -> str:
    """The same rules on an HTML document's text nodes only.

    Tags, attributes (hrefs, srcdoc…), comments (Outlook's conditional blocks)
    and the content of head/style/script/textarea/pre/code/option are left as
    they are, so URLs, CSS and posted form values never change. A ``&nbsp;``
    before a ``:`` counts as the space to replace.
    """
    if not html:
        return html
    # split() with two groups yields: text, token, element name or None, text, token, name, …, text
    parts = _TOKEN.split(html)
    texts = parts[0::3]
    if _SEP in html:  # cannot join safely (never in real HTML): one text node at a time
        done = [_typeset_node(text) for text in texts]
    else:
        # One pass over all the text nodes joined (a page may have thousands): the separator
        # stands for the tags between them, seen as a word boundary that no URL crosses.
        done = _typeset_node(_SEP.join(texts)).split(_SEP)
    parts[0::3] = done
    return "".join(part for n, part in enumerate(parts) if n % 3 != 2)


def _typeset_node(text: str) -> str:
    if "&" in text:
        text = _ENTITY_SPACE.sub(_entity_to_char, text)
    if "\n" in text:
        text = _BREAK_BEFORE_PUNCT.sub(" ", text)
    return french_spacing(text)


def _entity_to_char(match: re.Match[str]) -> str:
    return NNBSP if match.group(0).lower() in ("&#8239;", "&#x202f;") else NBSP


# --- Text part -----------------------------------------------------------------

_BULLET = re.compile(r"^ *(?:[-•*] |\d+[.)] )?")
# Punctuation that follows a URL ("https://x.fr)." or "https://x.fr ; et…") stays on the URL's line.
_AFTER_URL = re.compile(r"^(?:[\u202f\u00a0]?[.,;:!?)\]»\"'’]){1,4}(?=\s|$)")
_RULE = re.compile(r"^(-{2,}|={2,})$")


def wrap_text_part(text: str, width: int = 78, placeholders: Iterable[str] = ()) -> str:
    """Every URL on a line of its own, prose wrapped at ``width``, structure kept.

    Lines that already fit and hold no URL are kept as they are (the rich-text
    blocks are wrapped upstream), so paragraphs, lists and blank lines stay. A
    longer line, or a line with a URL and words, is re-wrapped with the same
    indent (a list item's text continues under its text, not under its bullet);
    the URL goes on a line of its own at that indent. ``placeholders`` are markers
    that stand for URLs until each recipient's are spliced in (they may grow to
    any length). An over-long underline is cut to the width. Words longer than
    the width (a long address) are never broken.
    """
    tokens = [re.escape(p) for p in placeholders if p]
    url_re = re.compile("|".join([_WRAP_URL, *tokens]))
    out: list[str] = []
    for line in text.split("\n"):
        urls = url_re.findall(line)
        if not urls and len(line) <= width:
            out.append(line)
        elif _RULE.match(line):
            out.append(line[0] * width)
        elif len(urls) == 1 and line.strip() == urls[0]:
            out.append(line)
        else:
            out.extend(_rewrap(line, url_re, width))
    return "\n".join(out)


def _rewrap(line: str, url_re: re.Pattern[str], width: int) -> list[str]:
    match = _BULLET.match(line)
    lead = match.group(0) if match else ""
    indent = " " * len(lead)
    rest = line[len(lead):]
    lines: list[str] = []
    position = 0
    pieces: list[tuple[bool, str]] = []
    for url in url_re.finditer(rest):
        pieces.append((False, rest[position:url.start()]))
        pieces.append((True, url.group(0)))
        position = url.end()
    pieces.append((False, rest[position:]))
    for is_url, piece in pieces:
        piece = piece.strip(" \t")
        if not is_url and lines:
            punct = _AFTER_URL.match(piece)
            if punct:
                lines[-1] += punct.group(0)  # never a line that starts with ";" or ")"
                piece = piece[punct.end():].strip(" \t")
        if not piece:
            continue
        head = indent if lines else lead
        if is_url:
            lines.append(head + piece)
        else:
            lines.extend(textwrap.wrap(piece, width=width, initial_indent=head, subsequent_indent=indent,
                                       break_long_words=False, break_on_hyphens=False))
    return lines or [line]
