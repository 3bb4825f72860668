"""A campaign's report page."""
from __future__ import annotations

from flask import abort, render_template
from markupsafe import Markup

from app.extensions import db
from app.models import Campaign
from app.services.deliverability import counts_by_reason
from app.services.campaigns import build_report, chart_svg
from app.web.admin import bp


@bp.route("/campaigns/<int:campaign_id>/report")
def campaign_report(campaign_id: int):
    campaign = db.session.get(Campaign, campaign_id) or abort(404)
    report = build_report(campaign)
    return render_template("admin/campaign_report.html", report=report, campaign=campaign,
                           chart=Markup(chart_svg(report.timeline, report.step)),
                           bounce_reasons=counts_by_reason(campaign.id))
