"""``/archives``: the public archive of sent letters and announcements, its RSS feed, and each letter.

The campaigns service decides what is in it and builds each letter without anything personal
or tracking (app/services/campaigns/archive.py); these views only serve it.
"""
from __future__ import annotations

from flask import Response, render_template

from app.services.campaigns import archive_html, archive_rss, archived_campaigns
from app.web.public import bp
from app.web.security import message_page


@bp.get("/archives")
def archives():
    return render_template("public/archives.html", entries=archived_campaigns())


@bp.get("/archives.xml")
def archives_feed():
    response = Response(archive_rss(), mimetype="application/rss+xml")
    response.headers["Cache-Control"] = "public, max-age=600"
    return response


@bp.get("/archives/<slug>")
def archived_letter(slug: str):
    return message_page(archive_html(slug), noindex=False)  # the archive is meant to be found
