"""``/admin/campaigns/<id>/preview``: the real rendered message, side by side at the preview widths (PREVIEW_WIDTHS).

Both iframes show the HTML part of the bytes a (sample) subscriber would get,
sandboxed (no scripts, no same-origin); then the text part, the headers and the
preflight report that decides whether the campaign may be sent.
"""
from __future__ import annotations

from flask import abort, make_response, render_template

from app.extensions import db
from app.models import Campaign
from app.services.campaigns import preflight_campaign, preview_message
from app.web.admin import bp
from app.web.security import message_csp

# The e-mail's HTML keeps its inline styles; it runs no script and is framed by our page only.


def _campaign(campaign_id: int) -> Campaign:
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        abort(404)
    return campaign


@bp.route("/campaigns/<int:campaign_id>/preview")
def campaign_preview(campaign_id: int):
    campaign = _campaign(campaign_id)
    report = preflight_campaign(campaign)
    preview = preview_message(campaign)
    return render_template("admin/campaign_preview.html", campaign=campaign, report=report,
                           parts=preview.parts, raw_size=preview.size)


@bp.route("/campaigns/<int:campaign_id>/preview.html")
def campaign_preview_html(campaign_id: int):
    """The HTML part alone, for the preview iframes: a ``srcdoc`` frame would inherit the
    admin's CSP (no inline style) and show the message unstyled."""
    response = make_response(preview_message(_campaign(campaign_id)).parts.html)
    response.headers["Content-Security-Policy"] = message_csp()
    response.headers["Content-Type"] = "text/html; charset=utf-8"
    return response
