"""Sending controls in the admin: send now, schedule, pause, resume, cancel, retry failures, and a progress fragment.

These POST endpoints (CSRF-protected like every admin form) and the fragment are
embedded in the campaign page; every action returns to that page. "Send now" and
"schedule" go through a confirmation page that states the number of recipients,
so nothing leaves on one click and the flow works without JavaScript.
"""
from __future__ import annotations

from datetime import datetime

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.extensions import db
from app.services.campaigns import (
    CampaignStateError,
    GuardNotAcknowledged,
    PreflightFailed,
    STARTABLE_STATUSES,
    campaign_figures,
    cancel_campaign,
    pause_campaign,
    preflight_campaign,
    resume_campaign,
    retry_failed,
    schedule_campaign,
    start_campaign,
)
from app.models import Campaign, utcnow
from app.services.audience import cached_count
from app.timeutil import format_when, parse_local, to_local
from app.web.admin import bp


def _campaign(campaign_id: int) -> Campaign:
    return db.session.get(Campaign, campaign_id) or abort(404)


def _back(campaign: Campaign):
    """Back to the campaign page (or the report, when the action came from there)."""
    if request.form.get("next") == "report":
        return redirect(url_for("admin.campaign_report", campaign_id=campaign.id))
    return redirect(url_for("admin.campaign_edit", campaign_id=campaign.id))


@bp.get("/campaigns/<int:campaign_id>/sending")
def sending_progress(campaign_id: int):
    """The progress fragment with the buttons that apply to the campaign's state.

    ``?fragment=1`` returns the fragment alone: the campaign page polls it while sending.
    """
    campaign = _campaign(campaign_id)
    template = "admin/sending/_progress.html" if request.args.get("fragment") else "admin/sending/progress.html"
    return render_template(template, campaign=campaign, p=campaign_figures(campaign))


def _parse_send_time(text: str) -> datetime:
    """The officer's Paris wall-clock time → aware UTC; ValueError with a French message."""
    if not text.strip():
        raise ValueError(_("Indiquez la date et l'heure d'envoi."))
    try:
        at = parse_local(text)
    except ValueError:
        raise ValueError(_("Date et heure d'envoi illisibles : %(value)s", value=text)) from None
    if at <= utcnow():
        raise ValueError(_("L'heure d'envoi (%(at)s) est déjà passée : choisissez un moment à venir.",
                           at=format_when(at)))
    return at


@bp.get("/campaigns/<int:campaign_id>/confirm")
def sending_confirm(campaign_id: int):
    """"Envoyer à 1 234 destinataires ?": the confirmation step of send-now and schedule.

    The count is the composer's (shared, at most a minute old: counting 100,000 members
    costs ~250 ms); sending recounts live and the flash after "send now" gives the real figure.
    """
    campaign = _campaign(campaign_id)
    mode = "schedule" if request.args.get("mode") == "schedule" else "now"
    at = None
    if campaign.status not in STARTABLE_STATUSES:
        flash(_("Cette campagne a déjà été lancée."), "error")
        return _back(campaign)
    if mode == "schedule":
        try:
            at = _parse_send_time(request.args.get("at", ""))
        except ValueError as exc:
            flash(str(exc), "error")
            return _back(campaign)
    # Preflight as ``require_preflight`` applies it: its errors block, its warnings are repeated here.
    report = preflight_campaign(campaign)
    return render_template(
        "admin/sending/confirm.html", campaign=campaign, mode=mode, at=at,
        at_value=to_local(at).strftime("%Y-%m-%dT%H:%M") if at else "", at_label=format_when(at),
        recipients=cached_count(campaign), errors=report.errors, warnings=report.warnings,
    )


@bp.post("/campaigns/<int:campaign_id>/schedule")
def sending_schedule(campaign_id: int):
    campaign = _campaign(campaign_id)
    try:
        at = _parse_send_time(request.form.get("at", ""))
        schedule_campaign(campaign, at)
    except PreflightFailed as failed:
        for error in failed.errors:
            flash(error, "error")
        flash(_("Programmation refusée : corrigez les erreurs des vérifications avant envoi."), "error")
    except (ValueError, CampaignStateError) as exc:
        flash(str(exc), "error")
    else:
        flash(_("Envoi programmé le %(at)s.", at=format_when(at)), "success")
    return _back(campaign)


@bp.post("/campaigns/<int:campaign_id>/send-now")
def sending_send_now(campaign_id: int):
    campaign = _campaign(campaign_id)
    try:
        queued = start_campaign(campaign)
    except PreflightFailed as failed:
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
    except CampaignStateError as exc:
        flash(str(exc), "error")
    else:
        flash(done_message, "success")
    return _back(campaign)


@bp.post("/campaigns/<int:campaign_id>/pause")
def sending_pause(campaign_id: int):
    return _action(campaign_id, lambda c: pause_campaign(c, _("mise en pause manuelle")),
                   _("Campagne en pause."))


@bp.post("/campaigns/<int:campaign_id>/resume")
def sending_resume(campaign_id: int):
    """After a guard's pause the form carries a checkbox saying what was seen; without it, nothing resumes."""
    acknowledged = request.form.get("acknowledge") == "1"
    campaign = _campaign(campaign_id)
    try:
        resume_campaign(campaign, acknowledged=acknowledged, by=current_user.email)
    except GuardNotAcknowledged:
        flash(_("Cochez la case « J'ai pris connaissance » : la campagne a été mise en pause pour une raison "
                "qui demande votre attention."), "error")
    except CampaignStateError as exc:
        flash(str(exc), "error")
    else:
        flash(_("L'envoi reprend."), "success")
    return _back(campaign)


@bp.post("/campaigns/<int:campaign_id>/cancel")
def sending_cancel(campaign_id: int):
    campaign = _campaign(campaign_id)
    try:
        abandoned = cancel_campaign(campaign)
    except CampaignStateError as exc:
        flash(str(exc), "error")
    else:
        flash(_("Campagne annulée : %(n)s envoi(s) abandonné(s).", n=abandoned), "success")
    return _back(campaign)


@bp.post("/campaigns/<int:campaign_id>/retry")
def sending_retry(campaign_id: int):
    return _action(campaign_id, retry_failed, _("Les envois en échec sont relancés."))
