"""Checks a real page must pass in Chromium, shared by the admin crawl and the public pages at 390 px:
no critical or serious axe-core violation, ``<html lang="fr">``, no English left on a French page,
nothing wider than the viewport, and (admin) a sidebar whose entries each stay on one line.

axe-core comes from the ``axe-playwright-python`` package (it bundles axe.min.js). Playwright evaluates it
through the DevTools protocol, which the page's Content-Security-Policy does not govern, so no
``bypass_csp`` is needed: the pages run with the real CSP, and the ``page`` fixture still fails a test on any
CSP violation (an inline script or style a page would need).
"""
from __future__ import annotations

import enum
import re
from functools import cache
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe
from babel.messages.pofile import read_po

from app import models
from app.services.audience import SOURCE_LABELS

PO = Path(__file__).resolve().parents[1] / "app/translations/en/LC_MESSAGES/messages.po"
BLOCKING_IMPACTS = {"critical", "serious"}

# Visible texts that are not French and are right as they are. Keep this short; each entry says why.
ALLOWED_TEXTS = {
    "English",  # the footer's language switch names the other language in that language
}
# Frequent English words, function words and the admin's own verbs, that French never uses as words of its own.
# A phrase needs two of them, and more than French ones, to count as English.
ENGLISH_WORDS = {
    "the", "and", "with", "your", "you", "this", "that", "is", "are", "please", "been", "have", "has",
    "will", "from", "which", "would", "should", "there", "their", "what", "when", "where", "not", "of",
    "to", "for", "it", "its", "be", "was", "were", "no", "yet", "any", "all", "here", "click", "back",
    "new", "edit", "delete", "save", "cancel", "send", "sent", "list", "lists", "settings", "users",
}
FRENCH_WORDS = {
    "le", "la", "les", "de", "des", "du", "et", "un", "une", "vous", "votre", "vos", "pour", "avec", "sur",
    "dans", "est", "sont", "pas", "ne", "au", "aux", "ce", "cette", "ces", "à", "en", "par", "qui", "que",
    "plus", "aucun", "aucune", "été", "être", "nous", "ou", "son", "sa", "ses", "il", "elle",
}

VISIBLE_TEXTS_JS = """() => {
  const skip = new Set(['SCRIPT', 'STYLE', 'NOSCRIPT', 'CODE', 'PRE', 'KBD', 'SAMP', 'TEMPLATE', 'TEXTAREA']);
  const out = [];
  const visible = el => el.checkVisibility ? el.checkVisibility({visibilityProperty: true}) : !!el.offsetParent;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement; const text = n.textContent.replace(/\\s+/g, ' ').trim();
    if (!text || !el || el.closest('[translate=no]')) continue;
    const other = el.closest('[lang]');  // a passage marked as another language is right to be in it
    if (other && other !== document.documentElement && !other.lang.startsWith('fr')) continue;
    let hidden = false;
    for (let a = el; a; a = a.parentElement) { if (skip.has(a.tagName)) { hidden = true; break; } }
    if (hidden || !visible(el)) continue;
    out.push(text);
  }
  for (const el of document.querySelectorAll('[aria-label], [placeholder], [title], img[alt], input[type=submit][value]')) {
    if (el.closest('[translate=no]')) continue;
    for (const attr of ['aria-label', 'placeholder', 'title', 'alt', 'value']) {
      if (attr === 'value' && el.tagName !== 'INPUT') continue;
      const v = (el.getAttribute(attr) || '').replace(/\\s+/g, ' ').trim();
      if (v) out.push(v);
    }
  }
  out.push(document.title);
  return out;
}"""

LAYOUT_JS = """() => {
  const doc = document.documentElement;
  const lines = [];
  for (const a of document.querySelectorAll('#admin-nav a')) {
    const r = document.createRange(); r.selectNodeContents(a);
    const tops = new Set([...r.getClientRects()].map(rect => Math.round(rect.top)));
    if (tops.size > 1 || a.scrollWidth > a.clientWidth + 1) lines.push(a.textContent.trim());
  }
  const toggle = document.querySelector('.nav-toggle');
  return {scrollWidth: doc.scrollWidth, viewport: window.innerWidth, lang: doc.lang,
          wrappedNav: lines, navToggleShown: !!toggle && !toggle.hidden,
          navShown: !!document.querySelector('#admin-nav:not(.collapsed)')};
}"""

# Stored values (enum members, source tokens) are English words; shown alone in a cell or a badge they mean
# a label was forgotten ("sent", "erase", "one-click"). These few read the same in French.
FRENCH_TOO = {"absent", "admin", "newsletter", "api"}

_AXE = Axe()
_PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w*\}|%[sd]")


@cache
def english_strings() -> frozenset[str]:
    """The catalogue's English texts that differ from their French msgid: seeing one on a French page means
    a string was shown in English (or translated to the wrong side). Templated strings are left out."""
    with PO.open("rb") as f:
        catalog = read_po(f)
    found, ids = set(), set()
    for message in catalog:
        if not message.id or message.fuzzy or isinstance(message.id, tuple):
            continue
        text = " ".join(str(message.string or "").split())
        french = " ".join(str(message.id).split())
        ids.add(french)
        if not text or text == french or _PLACEHOLDER.search(text) or text in ALLOWED_TEXTS or len(text) < 3:
            continue
        found.add(text)
    # "Public" is the English of "Publique" and also a French msgid of its own: a word both languages use.
    return frozenset(found - ids)


@cache
def raw_tokens() -> frozenset[str]:
    values = {str(member.value) for obj in vars(models).values()
              if isinstance(obj, type) and issubclass(obj, enum.Enum) and obj.__module__.startswith("app.")
              for member in obj}
    return frozenset((values | set(SOURCE_LABELS)) - FRENCH_TOO)


def _words(text: str) -> list[str]:
    return re.findall(r"[a-zà-öø-ÿœ']+", text.lower())


def english_texts(page) -> list[str]:
    """Visible texts (and accessible names) that read as English: an English catalogue string verbatim, a stored
    value shown raw, or a phrase with at least two English function words and more of them than French ones."""
    english = english_strings()
    tokens = raw_tokens()
    leaks = []
    for text in page.evaluate(VISIBLE_TEXTS_JS):
        if text in ALLOWED_TEXTS:
            continue
        if text in english or text.lower() in tokens:
            leaks.append(text)
            continue
        words = _words(text)
        en = sum(1 for w in words if w in ENGLISH_WORDS)
        fr = sum(1 for w in words if w in FRENCH_WORDS)
        if en >= 2 and en > fr:
            leaks.append(text)
    return leaks


def axe_blocking(page) -> list[str]:
    """axe-core's critical and serious violations, one line each with the first offending elements."""
    results = _AXE.run(page).response
    return [f"{v['id']} ({v['impact']}): {v['help']} — " + ", ".join(str(n["target"]) for n in v["nodes"][:4])
            for v in results["violations"] if v.get("impact") in BLOCKING_IMPACTS]


def layout(page) -> dict:
    return page.evaluate(LAYOUT_JS)


def page_problems(page, *, admin: bool) -> list[str]:
    """Everything wrong with the page now shown; empty when it passes."""
    problems = []
    box = layout(page)
    if box["lang"] != "fr":
        problems.append(f'<html lang="{box["lang"]}">')
    if box["scrollWidth"] > box["viewport"]:
        problems.append(f"horizontal overflow: {box['scrollWidth']} px in a {box['viewport']} px viewport")
    if admin:
        if box["wrappedNav"]:
            problems.append(f"sidebar entries on more than one line: {box['wrappedNav']}")
        if box["navToggleShown"] or not box["navShown"]:
            problems.append("the sidebar is folded into a menu button")
    problems += [f"English: {t!r}" for t in english_texts(page)]
    problems += [f"axe {v}" for v in axe_blocking(page)]
    return problems
