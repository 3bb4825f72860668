"""A campaign's place in the public archive (/archives): the officer's opt-out, one checkbox."""
from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from app.extensions import db
from app.models import Campaign
from app.services.campaigns import set_in_archive
from app.web.admin import bp


@bp.post("/campaigns/<int:campaign_id>/archive")
def campaign_archive(campaign_id: int):
    campaign = db.session.get(Campaign, campaign_id) or abort(404)
    if not FlaskForm().validate_on_submit():
        abort(400)
    set_in_archive(campaign, request.form.get("in_archive") == "1")
    flash(_("Cette campagne paraîtra dans les archives publiques une fois envoyée à une liste publique.")
          if campaign.in_archive else _("Cette campagne ne paraîtra pas dans les archives publiques."), "success")
    return redirect(url_for("admin.campaign_edit", campaign_id=campaign.id), 303)
