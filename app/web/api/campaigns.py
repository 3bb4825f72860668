"""``GET /api/campaigns/<id>/progress``: a campaign's figures as JSON (admin page, scripts).

The same JSON as ``/api/v1/campaigns/<id>/progress`` and ``flask campaigns progress --json``:
:meth:`CampaignFigures.as_dict`, key for key.
"""
from __future__ import annotations

from flask import abort, jsonify

from app.extensions import db
from app.models import Campaign
from app.services.campaigns import campaign_figures
from app.web.api import bp


@bp.get("/campaigns/<int:campaign_id>/progress")
def campaign_progress(campaign_id: int):
    campaign = db.session.get(Campaign, campaign_id) or abort(404)
    return jsonify(campaign_figures(campaign).as_dict())
