"""The public archive (``/archives``, ``/archives.xml``): every campaign sent to a public list, newest first.

A campaign is in it once sent (its status ``sent``) to at least one list offered on the public
subscribe form, unless the officer opted out on the campaign (``in_archive``). Each entry is
the campaign's web version with nothing of any recipient in it and nothing that tracks a
reader: the greeting is impersonal, a click-tracked link is written back to its destination,
and the footer's unsubscribe and preferences lines give way to the subscribe form (a reader
of the archive subscribed to nothing yet). Lettrine never adds an open-tracking pixel.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime as rfc822
from html import escape
from xml.etree import ElementTree

from flask import current_app
from sqlalchemy import exists, select

from app import links
from app.extensions import db
from app.message.render import RenderError
from app.models import Campaign, CampaignStatus, MailingList, campaign_lists
from app.sending.compose import builder_for
from app.sending.views import webview_values
from app.services.campaigns.clicks import resolve
from app.tokens import InvalidToken

ARCHIVE_LIMIT = 500  # entries on the page and in the feed (years of letters)
# Stand-ins for the footer's personal links, found again in the HTML to replace their paragraph.
_UNSUBSCRIBE = "https://archive.invalid/unsubscribe"
_PREFERENCES = "https://archive.invalid/preferences"


@dataclass(frozen=True)
class ArchiveEntry:
    slug: str
    subject: str
    summary: str  # the preheader: what the letter is about
    sent_at: datetime
    url: str


def _archived():
    public_list = exists().where(campaign_lists.c.campaign_id == Campaign.id,
                                 campaign_lists.c.list_id == MailingList.id, MailingList.public.is_(True))
    return select(Campaign).where(Campaign.status == CampaignStatus.SENT, Campaign.in_archive.is_(True), public_list)


def archive_url(slug: str) -> str:
    return links.absolute(f"/archives/{slug}")


def archived_campaigns() -> list[ArchiveEntry]:
    """The archive, newest first (by the day it went out)."""
    rows = db.session.scalars(_archived().order_by(Campaign.started_at.desc(), Campaign.id.desc())
                              .limit(ARCHIVE_LIMIT))
    return [ArchiveEntry(c.slug, c.subject or c.name, c.preheader, c.started_at or c.finished_at or c.created_at,
                         archive_url(c.slug)) for c in rows]


def _untracked(html: str) -> str:
    """Links rewritten through /l/<token> (click tracking) back to where they lead."""
    prefix = re.escape(links.absolute("/l/"))

    def back(match: re.Match) -> str:
        try:
            return escape(resolve(match.group(1))[1])
        except InvalidToken:
            return escape(links.absolute("/"))

    return re.sub(prefix + r"([A-Za-z0-9._~-]+)", back, html)


def _subscribe_instead(html: str) -> str:
    """The footer's unsubscribe line becomes an invitation to subscribe; the preferences line goes."""
    subscribe = (f'<p style="margin:0 0 8px;"><a href="{escape(links.absolute("/subscribe"))}">'
                 "Recevoir les prochains messages&nbsp;: s'abonner</a></p>")
    paragraph = r'<p\b[^>]*>(?:(?!</p>).)*?href="{}"(?:(?!</p>).)*?</p>'
    html = re.sub(paragraph.format(re.escape(_UNSUBSCRIBE)), lambda _m: subscribe, html, count=1, flags=re.S)
    html = re.sub(paragraph.format(re.escape(_PREFERENCES)), "", html, flags=re.S)
    for stand_in in (_UNSUBSCRIBE, _PREFERENCES):  # anywhere else the letter named them
        html = html.replace(stand_in, escape(links.absolute("/subscribe")))
    return html


def archive_html(slug: str) -> str | None:
    """The archived letter's HTML; None when it is not (or no longer) in the archive."""
    campaign = db.session.scalar(_archived().where(Campaign.slug == slug))
    if campaign is None:
        return None
    try:
        compiled = builder_for(campaign).compiled
    except RenderError:
        return None
    values = webview_values(campaign) | {"unsubscribe_url": _UNSUBSCRIBE, "preferences_url": _PREFERENCES,
                                         "webview_url": archive_url(campaign.slug), "prefill_token": ""}
    html, _text = compiled.fill(values)
    return _subscribe_instead(_untracked(html))


def archive_rss() -> bytes:
    """The archive as an RSS 2.0 feed, in French."""
    org = current_app.config["ORGANISATION"]
    rss = ElementTree.Element("rss", version="2.0")
    channel = ElementTree.SubElement(rss, "channel")
    entries = archived_campaigns()
    for name, value in (("title", f"{org.name} — lettres et annonces"), ("link", links.absolute("/archives")),
                        ("description", f"Les messages envoyés par le {org.name} : lettres d'information et "
                                        "annonces de formations."), ("language", "fr")):
        ElementTree.SubElement(channel, name).text = value
    if entries:
        ElementTree.SubElement(channel, "lastBuildDate").text = rfc822(entries[0].sent_at)
    for entry in entries:
        item = ElementTree.SubElement(channel, "item")
        ElementTree.SubElement(item, "title").text = entry.subject
        ElementTree.SubElement(item, "link").text = entry.url
        if entry.summary:
            ElementTree.SubElement(item, "description").text = entry.summary
        ElementTree.SubElement(item, "guid", isPermaLink="true").text = entry.url
        ElementTree.SubElement(item, "pubDate").text = rfc822(entry.sent_at)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ElementTree.tostring(rss, encoding="utf-8",
                                                                              xml_declaration=False)


def set_in_archive(campaign: Campaign, on: bool) -> None:
    """Show the campaign in the public archive or take it out (any time: it only changes a page); commits."""
    campaign.in_archive = on
    db.session.commit()
