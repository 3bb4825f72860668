"""``/c/<slug>``: the public web view of a campaign ("Voir la version en ligne").

The campaign's compiled HTML (the same one the builder sends, shared cache) with
impersonal values: no name, no personal unsubscribe token. Only campaigns that
are going out or went out are public; drafts are shown to logged-in staff only.
"""
from __future__ import annotations

from flask import Response, abort
from flask_login import current_user
from sqlalchemy import select

from app.extensions import db
from app.sending.compose import builder_for
from app.message.render import RenderError
from app.sending.views import webview_values
from app.models import Campaign, CampaignStatus
from app.web.public import bp
from app.web.security import message_csp

PUBLIC_STATUSES = {CampaignStatus.SENDING, CampaignStatus.PAUSED, CampaignStatus.SENT}


@bp.route("/c/<slug>")
def webview(slug: str):
    campaign = db.session.scalar(select(Campaign).where(Campaign.slug == slug))
    if campaign is None:
        abort(404)
    if campaign.status not in PUBLIC_STATUSES and not getattr(current_user, "is_authenticated", False):
        abort(404)
    try:
        compiled = builder_for(campaign).compiled
    except RenderError:
        abort(404)
    html, _text = compiled.fill(webview_values(campaign))
    response = Response(html, mimetype="text/html")
    response.headers["X-Robots-Tag"] = "noindex"
    response.headers["Content-Security-Policy"] = message_csp(sandboxed=False)
    if campaign.status not in PUBLIC_STATUSES:
        response.headers["Cache-Control"] = "private, no-store"
    return response
