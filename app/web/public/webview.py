"""``/c/<slug>``: the public web view of a campaign ("Voir la version en ligne"); ``/apercu/<token>``: the
same page for a test message, before the campaign is sent (a signed link, ``links.preview_url``).

The campaigns service decides who may see it (anyone once it goes out; drafts, the team
only) and builds it (``web_version``: the sent HTML, impersonal values).
"""
from __future__ import annotations

from flask_login import current_user
from sqlalchemy import select

from app.extensions import db
from app.models import Campaign
from app.services.campaigns import preview_version, web_version
from app.web.public import bp
from app.web.security import message_page


@bp.route("/c/<slug>")
def webview(slug: str):
    campaign = db.session.scalar(select(Campaign).where(Campaign.slug == slug))
    version = web_version(campaign, staff=getattr(current_user, "is_authenticated", False)) if campaign else None
    response = message_page(version.html if version else None)
    if version is not None and not version.public:
        response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/apercu/<token>")
def webview_preview(token: str):
    version = preview_version(token)
    return message_page(version.html if version else None)  # a <token> route: app.web.security adds no-referrer and no-store
