"""``/admin/campaigns/<id>/preview``: the real rendered message, side by side at 600 and 375 px.

Both iframes show the HTML part of the bytes a (sample) subscriber would get,
sandboxed (no scripts, no same-origin); then the text part, the headers and the
preflight report that decides whether the campaign may be sent.
"""
from __future__ import annotations

from flask import abort, make_response, render_template

from app.extensions import db
from app.message.inspect import message_parts
from app.message.builder import HeaderInjection, Recipient
from app.sending.compose import builder_for
from app.services.campaigns import preflight_campaign
from app.message.render import RenderError
from app.models import Campaign
from app.web.admin import bp
from app.web.security import message_csp

SAMPLE = Recipient(subscriber_id=0, uid="apercu", email="apercu@example.org", first_name="Camille",
                   last_name="Exemple")


# The e-mail's HTML keeps its inline styles; it runs no script and is framed by our page only.


def _campaign(campaign_id: int) -> Campaign:
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        abort(404)
    return campaign


def _sample_raw(campaign: Campaign) -> bytes:
    try:
        return builder_for(campaign).build(SAMPLE).raw
    except (RenderError, HeaderInjection):
        return b""


@bp.route("/campaigns/<int:campaign_id>/preview")
def campaign_preview(campaign_id: int):
    campaign = _campaign(campaign_id)
    report = preflight_campaign(campaign)
    raw = _sample_raw(campaign)
    return render_template("admin/campaign_preview.html", campaign=campaign, report=report,
                           parts=message_parts(raw), raw_size=len(raw))


@bp.route("/campaigns/<int:campaign_id>/preview.html")
def campaign_preview_html(campaign_id: int):
    """The HTML part alone, for the preview iframes: a ``srcdoc`` frame would inherit the
    admin's CSP (no inline style) and show the message unstyled."""
    response = make_response(message_parts(_sample_raw(_campaign(campaign_id))).html)
    response.headers["Content-Security-Policy"] = message_csp()
    response.headers["Content-Type"] = "text/html; charset=utf-8"
    return response
