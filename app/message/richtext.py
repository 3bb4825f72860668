"""Rich text of cycles and newsletters: a small, sanitised Markdown subset.

Officers write paragraphs, bullet lists (nested by indenting two spaces),
**bold**, *italic* and [links](https://…). The same source gives the HTML part
(sanitised with nh3: only these tags, only https/mailto/tel links) and the
text part (read from the token stream, never scraped from the HTML), so both
parts of a message always say the same thing.

A field may start with a ``### Heading`` line that replaces the section's
default heading (e.g. "Intervenante" instead of "Intervenant·es").
"""
from __future__ import annotations

import re
import textwrap
from typing import Callable

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_md = MarkdownIt("zero").enable(["paragraph", "list", "emphasis", "link", "newline", "heading", "escape"])

ALLOWED_TAGS = {"p", "ul", "ol", "li", "strong", "em", "a", "br", "h3", "h4"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = {"https", "mailto", "tel"}

_HEADING = re.compile(r"\A\s*#{1,4}[ \t]+(.+?)[ \t]*#*[ \t]*(?:\n|\Z)")


def split_heading(source: str | None) -> tuple[str | None, str]:
    """``("Intervenante", rest)`` when the text starts with a heading line, else ``(None, text)``."""
    source = source or ""
    match = _HEADING.match(source)
    if not match:
        return None, source
    return match.group(1).strip(), source[match.end():]


def to_html(source: str | None) -> Markup:
    """Sanitised HTML for the email (and the web pages)."""
    if not source or not source.strip():
        return Markup("")
    raw = _md.render(source)
    clean = nh3.clean(raw, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                      url_schemes=URL_SCHEMES, link_rel=None)
    return Markup(clean.strip())


def to_text(source: str | None, width: int = 76, spacing: Callable[[str], str] | None = None) -> str:
    """Plain text: paragraphs separated by blank lines, "- " / "  • " bullets, links as "label : url".

    ``spacing`` (e.g. ``typography.french_spacing``) runs on each block's text
    BEFORE wrapping, so a line never breaks at the space before a ":" or a "?".
    """
    if not source or not source.strip():
        return ""
    tokens = _md.parse(source)
    blocks: list[tuple[bool, str]] = []  # (a list item?, its text)
    depth = 0
    item_prefix: list[str] = []
    for token in tokens:
        if token.type in ("bullet_list_open", "ordered_list_open"):
            depth += 1
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            depth -= 1
        elif token.type == "list_item_open":
            item_prefix.append(("  " * (depth - 1)) + ("- " if depth == 1 else "• "))
        elif token.type == "list_item_close":
            if item_prefix:
                item_prefix.pop()
        elif token.type == "inline":
            text = _inline_text(token.children or [])
            if spacing is not None:
                text = spacing(text)
            if item_prefix and token.level > 0:
                prefix = item_prefix[-1]
                indent = " " * len(prefix)
                blocks.append(_wrap(text, width, prefix, indent, list_item=True))
                item_prefix[-1] = indent  # a second paragraph in the same item is indented
            else:
                blocks.append(_wrap(text, width, "", "", list_item=False))
    # list items stay together; other blocks are separated by a blank line
    out: list[tuple[bool, str]] = []
    for kind, text in blocks:
        if out and not (kind and out[-1][0]):
            out.append((False, ""))
        out.append((kind, text))
    return "\n".join(text for _kind, text in out).strip("\n")


def _wrap(text: str, width: int, first: str, rest: str, list_item: bool) -> tuple[bool, str]:
    lines = []
    for n, paragraph_line in enumerate(text.split("\n")):
        lines.append(textwrap.fill(paragraph_line, width=width, initial_indent=first if n == 0 else rest,
                                   subsequent_indent=rest, break_long_words=False, break_on_hyphens=False))
    return list_item, "\n".join(lines)


def _inline_text(children) -> str:
    parts: list[str] = []
    href: str | None = None
    label: list[str] = []
    for child in children:
        if child.type == "link_open":
            href = child.attrs.get("href", "")
            label = []
        elif child.type == "link_close":
            text = "".join(label).strip()
            parts.append(f"{text} : {href}" if text and text != href else str(href))
            href = None
        elif child.type in ("text", "code_inline"):
            (label if href is not None else parts).append(child.content)
        elif child.type == "softbreak":
            (label if href is not None else parts).append(" ")
        elif child.type == "hardbreak":
            (label if href is not None else parts).append("\n")
    return "".join(parts)
