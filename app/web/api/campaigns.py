"""``GET /api/campaigns/<id>/progress``: live sending figures as JSON (admin page, scripts)."""
from __future__ import annotations

from flask import abort, jsonify

from app.extensions import db
from app.models import Campaign
from app.services.campaigns import campaign_progress as progress
from app.web.api import bp


@bp.get("/campaigns/<int:campaign_id>/progress")
def campaign_progress(campaign_id: int):
    campaign = db.session.get(Campaign, campaign_id) or abort(404)
    data = progress(campaign).as_dict()
    data.update(id=campaign.id, slug=campaign.slug)
    return jsonify(data)
