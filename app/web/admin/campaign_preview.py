"""``/admin/campaigns/<id>/preview``: the real rendered message, side by side at 600 and 375 px.

Both iframes show the HTML part of the bytes a (sample) subscriber would get,
sandboxed (no scripts, no same-origin); then the text part, the headers and the
preflight report that decides whether the campaign may be sent.
"""
from __future__ import annotations

from flask import abort, render_template

from app.services.content_checks import campaign_checks, campaign_warnings
from app.extensions import db
from app.message.inspect import message_parts
from app.message.builder import HeaderInjection, Recipient, builder_for
from app.message.preflight import preflight
from app.message.render import RenderError
from app.models import Campaign
from app.web.admin import bp

SAMPLE = Recipient(subscriber_id=0, uid="apercu", email="apercu@example.org", first_name="Camille",
                   last_name="Exemple")


@bp.route("/campaigns/<int:campaign_id>/preview")
def campaign_preview(campaign_id: int):
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        abort(404)
    report = preflight(campaign)
    report.errors += [e for e in campaign_checks(campaign) if e not in report.errors]
    report.warnings += campaign_warnings(campaign)
    try:
        raw = builder_for(campaign).build(SAMPLE).raw
    except (RenderError, HeaderInjection):
        raw = b""
    return render_template("admin/campaign_preview.html", campaign=campaign, report=report,
                           parts=message_parts(raw), raw_size=len(raw))
