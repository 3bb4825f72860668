"""Sending controls in the admin: send now, pause, resume, cancel, retry failures, and a progress fragment.

The full campaign pages come later; these POST endpoints (CSRF-protected like every
admin form) and the fragment are what those pages embed.
"""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from app.extensions import db
from app.models import Campaign
from app.services import campaigns as service
from app.web.admin import bp


def _campaign(campaign_id: int) -> Campaign:
    return db.session.get(Campaign, campaign_id) or abort(404)


def _back(campaign: Campaign):
    return redirect(url_for("admin.sending_progress", campaign_id=campaign.id))


@bp.get("/campaigns/<int:campaign_id>/sending")
def sending_progress(campaign_id: int):
    """The progress fragment with the buttons that apply to the campaign's state."""
    campaign = _campaign(campaign_id)
    return render_template("admin/sending/progress.html", campaign=campaign, p=service.progress(campaign))


@bp.post("/campaigns/<int:campaign_id>/send-now")
def sending_send_now(campaign_id: int):
    campaign = _campaign(campaign_id)
    try:
        queued = service.start_campaign(campaign)
    except service.PreflightFailed as failed:
        for error in failed.errors:
            flash(error, "error")
        flash(_("Envoi refusé : corrigez les erreurs des vérifications avant envoi."), "error")
        return _back(campaign)
    if queued is None:
        flash(_("Cette campagne a déjà été lancée."), "error")
    else:
        flash(_("Envoi lancé : %(n)s destinataires en file.", n=queued), "success")
    return _back(campaign)


def _action(campaign_id: int, action, done_message: str):
    campaign = _campaign(campaign_id)
    try:
        action(campaign)
    except service.CampaignStateError as exc:
        flash(str(exc), "error")
    else:
        flash(done_message, "success")
    return _back(campaign)


@bp.post("/campaigns/<int:campaign_id>/pause")
def sending_pause(campaign_id: int):
    return _action(campaign_id, lambda c: service.pause_campaign(c, _("mise en pause manuelle")),
                   _("Campagne en pause."))


@bp.post("/campaigns/<int:campaign_id>/resume")
def sending_resume(campaign_id: int):
    return _action(campaign_id, service.resume_campaign, _("L'envoi reprend."))


@bp.post("/campaigns/<int:campaign_id>/cancel")
def sending_cancel(campaign_id: int):
    return _action(campaign_id, service.cancel_campaign, _("Campagne annulée."))


@bp.post("/campaigns/<int:campaign_id>/retry")
def sending_retry(campaign_id: int):
    return _action(campaign_id, service.retry_failed, _("Les envois en échec sont relancés."))
