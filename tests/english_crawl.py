"""The English crawl's parts: the seed, the page walker and the French words an English page must not show.

An English page may show French only where the officer typed it (the demo's own texts, the people's names and
organisations) or where a passage is marked as French (``lang="fr"``: a message's preview, written in the
recipient's language). Everything else is the interface, and the interface must be English. The demo's
texts are removed from the page text before the words are looked for, line by line, so the list of words
stays whole.
"""
from __future__ import annotations

import re
from collections import deque
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urldefrag, urlsplit

from flask import current_app
from sqlalchemy import select

from app import links as app_links
from app.extensions import db
from app.models import Campaign, CampaignStatus, Cycle, ImportJob, MailingList, Registration, Subscriber
from app.services import demo
from app.services.audience import suppressions as suppression_list
from app.services.campaigns.lifecycle import start_campaign
from app.services.campaigns.reuse import duplicate_campaign
from app.services.deliverability.bounces import COMPLAINT, HARD, register_bounce
from app.services.events.attendance import checkin_token
from app.services.integrations.webhooks import create_endpoint
from app.services.privacy.rights import erase_subscriber
from app.services.demo.base import DEMO_SUBSCRIBERS
from app.services.demo.seed_cycle import CAMPAIGN, CYCLE, JOURNEES
from app.services.events.registrations import register
from app.services.events.surveys import survey_url
from tests.sending_fixtures import deliver_queued

MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre", "janv.", "févr.", "avr.", "juil.", "sept.", "oct.", "nov.", "déc.")
DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
# Words of the interface the officer's English readers met in French (issue #24), and their neighbours.
INTERFACE_WORDS = ("journée", "journées", "matin", "après-midi", "présent·e", "présente", "absent·e",
                   "places restantes", "place restante", "inscrit", "inscrite", "inscrits", "inscrit·e",
                   "inscrit·es", "inscription", "inscriptions", "répondu le", "formulaire", "par l'équipe",
                   "liste d'attente", "annulé", "annulée", "confirmée", "désabonné", "désabonné·e", "heure de paris",
                   "aujourd'hui", "hier", "demain", "à venir", "envoyée", "brouillon", "programmée")
FRENCH_WORDS = MONTHS + DAYS + INTERFACE_WORDS
_WORD = re.compile(r"(?<![\w·])(" + "|".join(re.escape(w) for w in sorted(FRENCH_WORDS, key=len, reverse=True))
                   + r")(?![\w·])", re.IGNORECASE)
# "mai" and "mars" hide in nothing English; "nov." and "oct." would also match English abbreviations "Nov."
# and "Oct.": English dates are written in full or "Nov 7", so the dot never follows there.


def _lines(text: str) -> list[str]:
    """A typed text's lines, without the Markdown marks a page does not show (``- ``, ``**``, ``###``)."""
    out = []
    for line in re.split(r"\n+|(?<=[.;:])\s+", text):
        line = re.sub(r"^\s*(?:[-*]|#+|\d+\.)\s+", "", line).replace("**", "").replace("_", " ")
        line = " ".join(line.split()).strip()
        if len(line) >= 4:
            out.append(line)
    return out


def demo_texts() -> list[str]:
    """Everything the demo's officer typed (cycle, journées, announcement, people), longest first."""
    typed: list[str] = []
    for value in list(CYCLE.values()) + list(CAMPAIGN.values()):
        if isinstance(value, str):
            typed += _lines(value)
    for journee in JOURNEES:
        typed += [line for key in ("title", "introduction", "objectives", "work_axes")
                  for line in _lines(str(journee.get(key) or ""))]
    for person in DEMO_SUBSCRIBERS:
        typed += [str(part) for part in person[1:]]
    typed += ["formations", "Formations CRPVE", "Cycles de qualification et journées d'étude du CRPVE.", "Mairie d'Évry", "association dissoute", "Marie", "Paul",
              "Lefèvre", "Diallo"]
    return sorted(set(typed), key=len, reverse=True)


def french_words(text: str, typed: list[str]) -> list[str]:
    """The words of the list found in ``text`` once the typed texts are taken out."""
    flat = " ".join(text.split())
    for line in typed:
        flat = flat.replace(line, " ")
    return [m.group(0) for m in _WORD.finditer(flat)]


class _Text(HTMLParser):
    """The text a reader sees or hears (text, option labels, aria-label, placeholder, title, alt, button
    values), leaving out scripts, styles, textareas (typed content), code (as tests/page_checks.py does) and
    passages marked as French. The document's <title> repeats the page's <h1>, which is read."""

    SKIP = {"script", "style", "textarea", "template", "noscript", "code", "pre", "kbd", "samp", "title"}
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []  # open elements: (tag, whether their text is left out)
        self.parts: list[str] = []

    def _skipping(self) -> bool:
        return bool(self.stack) and self.stack[-1][1]

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        skip = self._skipping() or tag in self.SKIP or (attributes.get("lang") or "en")[:2] == "fr" \
            or attributes.get("translate") == "no"
        if not skip:
            for name in ("aria-label", "placeholder", "title", "alt"):
                if attributes.get(name):
                    self.parts.append(str(attributes[name]))
            if tag == "input" and attributes.get("type") in ("submit", "button") and attributes.get("value"):
                self.parts.append(str(attributes["value"]))
        if tag not in self.VOID:
            self.stack.append((tag, skip))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in self.VOID:
            self.stack.pop()

    def handle_endtag(self, tag):
        """Close up to the matching open element (HTML lets </p>, </li>, </td> be left out); an end tag
        with no open element of its name is ignored."""
        if any(open_tag == tag for open_tag, _skip in self.stack):
            while self.stack and self.stack.pop()[0] != tag:
                pass

    def handle_data(self, data):
        if not self._skipping():
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return "\n".join(parser.parts)


def seed(actor: str) -> dict[str, str]:
    """The demo with its cycle moved eleven years on (so registration is open), its announcement sent, two
    registrations, and what the French crawl adds; returns the pages no admin link leads to (public ones,
    the sending progress, a send-now confirmation and a check-in page)."""
    demo.load_demo()
    cycle = db.session.scalar(select(Cycle).order_by(Cycle.id))
    assert cycle is not None
    for journee in cycle.journees:
        journee.starts_at += timedelta(days=7 * 574)  # eleven years, a whole number of weeks: same weekdays
        journee.ends_at += timedelta(days=7 * 574)
    cycle.capacity = 30  # seats shown: "places restantes" on the form, "Places restantes" in the admin
    db.session.commit()
    sent = db.session.scalar(select(Campaign).where(Campaign.status == CampaignStatus.DRAFT,
                                                    Campaign.cycle_id.is_not(None)).order_by(Campaign.id))
    assert sent is not None
    start_campaign(sent)
    deliver_queued()
    for email, first, last in (("marie@example.org", "Marie", "Lefèvre"), ("paul@example.org", "Paul", "Diallo")):
        register(cycle, email, first_name=first, last_name=last, organisation="Mairie d'Évry",
                 journees=list(cycle.journees[:2]), source="admin", actor=actor, notify=False)
    # As the French admin crawl (tests/test_browser_admin_crawl.py) does: an import job, a webhook endpoint on
    # loopback where nothing listens, a suppressed domain, a bounce, a complaint and an erased person.
    db.session.add(ImportJob(list_id=db.session.scalar(select(MailingList.id)), file_name="contacts.csv",
                             stored_path="/nonexistent", actor=actor))
    current_app.config["WEBHOOK_ALLOW_PRIVATE_TARGETS"] = True
    create_endpoint("http://127.0.0.1:9/crm/lettrine", "all", description="CRM du CRPVE")
    suppression_list.add("@ancienne-asso.example.org", "association dissoute", actor=actor)
    people = db.session.scalars(select(Subscriber).order_by(Subscriber.id)).all()
    register_bounce(people[0], HARD, status="5.1.1", diagnostic="550 5.1.1 <x@example.org>: User unknown",
                    source="dsn", campaign_id=sent.id)
    register_bounce(people[1], COMPLAINT, source="arf", campaign_id=sent.id)
    erase_subscriber(people[2], actor=actor)
    db.session.commit()
    draft = duplicate_campaign(sent).id
    registration = db.session.scalar(select(Registration).order_by(Registration.id))
    assert registration is not None
    person = registration.subscriber
    formations = db.session.scalar(select(MailingList.id).where(MailingList.slug == "formations"))
    assert formations is not None

    def path(url: str) -> str:
        return urlsplit(url).path

    return {"registration form": f"/inscription/{cycle.slug}", "agenda": "/agenda", "subscribe": "/subscribe",
            "subscribed": "/subscribe/merci", "manage registration": path(app_links.registration_manage_url(registration.uid)),
            "web view": f"/c/{sent.slug}", "unsubscribe": path(app_links.unsubscribe_url(person.uid, sent.id)),
            "preferences": path(app_links.preferences_url(person.uid)),
            "confirm": path(app_links.confirm_url(person.uid, [formations])),
            "survey": path(survey_url(registration, cycle.journees[0])),
            "sending": f"/admin/campaigns/{sent.id}/sending", "send now": f"/admin/campaigns/{draft}/confirm",
            "check-in": f"/admin/presence/{checkin_token(registration)}"}


NOT_PAGES = re.compile(r"(\.(csv|json|zip|pdf|png|ics|eml|txt|xml)$)|(/(raw|html|export|download|audience-count)$)"
                       r"|/logout|/media/")


def links(html: str) -> list[str]:
    found = []
    for href in re.findall(r'<a\b[^>]*\bhref="([^"#][^"]*)"', html):
        url, _fragment = urldefrag(href.replace("&amp;", "&"))
        parts = urlsplit(url)
        if parts.netloc or not parts.path.startswith("/admin") or NOT_PAGES.search(parts.path):
            continue
        if "lang" in dict(parse_qsl(parts.query)):
            continue
        found.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


def pattern(path: str) -> str:
    path, _, query = path.partition("?")
    keys = sorted({key for key, _value in parse_qsl(query)})
    return re.sub(r"/\d+(?=/|$)", "/<id>", path) + ("?" + "&".join(keys) if keys else "")


def crawl(client, start: list[str], *, max_pages: int, per_pattern: int = 2, max_depth: int = 3):
    """Breadth first from ``start`` through admin links: ``{path: (status, html)}``."""
    queue: deque[tuple[str, int]] = deque((path, 0) for path in start)
    seen = set(start)
    counts: dict[str, int] = {}
    pages: dict[str, tuple[int, str]] = {}
    while queue and len(pages) < max_pages:
        path, depth = queue.popleft()
        response = client.get(path)
        html = response.get_data(as_text=True) if "text/html" in response.content_type else ""
        pages[path] = (response.status_code, html)
        if depth >= max_depth or not html:
            continue
        for link in links(html):
            key = pattern(link)
            if link in seen or counts.get(key, 0) >= per_pattern:
                continue
            seen.add(link)
            counts[key] = counts.get(key, 0) + 1
            queue.append((link, depth + 1))
    return pages
