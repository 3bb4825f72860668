"""Reuse from the admin: duplicate a campaign or a cycle, templates, the media library,
and the click-tracking switch."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from app.extensions import db
from app.models import Campaign, CampaignTemplate, Cycle, MediaFile, MessageTemplate
from app.services.support import MediaError, media_url, store_media
from app.services.campaigns import (
    CompositionError,
    ReuseError,
    append_image,
    campaign_from_template,
    delete_template,
    duplicate_campaign,
    duplicate_cycle,
    parse_dates,
    save_as_template,
    set_click_tracking,
)
from app.web.admin import add_nav, bp

add_nav("admin.media_library", _l("Images"), 45)


def _campaign(campaign_id: int) -> Campaign:
    return db.session.get(Campaign, campaign_id) or abort(404)


def _to_composer(campaign: Campaign):
    return redirect(url_for("admin.campaign_edit", campaign_id=campaign.id), 303)


@bp.post("/campaigns/<int:campaign_id>/duplicate")
def campaign_duplicate(campaign_id: int):
    try:
        copy = duplicate_campaign(_campaign(campaign_id), user_id=current_user.id)
    except ReuseError as exc:
        flash(str(exc), "error")
        return _to_composer(_campaign(campaign_id))
    flash(_("Copie créée en brouillon : vérifiez le public et la date."), "success")
    return _to_composer(copy)


@bp.post("/campaigns/<int:campaign_id>/save-template")
def campaign_save_template(campaign_id: int):
    campaign = _campaign(campaign_id)
    row = save_as_template(campaign, request.form.get("name", ""), actor=current_user.email)
    flash(_("Modèle « %(name)s » enregistré.", name=row.name), "success")
    return _to_composer(campaign)


@bp.post("/templates/<int:template_id>/use")
def template_use(template_id: int):
    row = db.session.get(MessageTemplate, template_id) or abort(404)
    campaign = campaign_from_template(row, request.form.get("name", ""), user_id=current_user.id)
    flash(_("Lettre créée depuis le modèle « %(name)s » : choisissez ses destinataires.", name=row.name), "success")
    return _to_composer(campaign)


@bp.post("/templates/<int:template_id>/delete")
def template_delete(template_id: int):
    delete_template(db.session.get(MessageTemplate, template_id) or abort(404))
    flash(_("Modèle supprimé."), "success")
    return redirect(url_for("admin.campaign_new", template=CampaignTemplate.NEWSLETTER.value), 303)


@bp.post("/campaigns/<int:campaign_id>/tracking")
def campaign_tracking(campaign_id: int):
    campaign = _campaign(campaign_id)
    try:
        set_click_tracking(campaign, request.form.get("track_clicks") == "1")
    except CompositionError as exc:
        flash(str(exc), "error")
    else:
        flash(_("Suivi des clics activé.") if campaign.track_clicks else _("Suivi des clics désactivé."), "success")
    return _to_composer(campaign)


@bp.route("/events/<int:cycle_id>/duplicate", methods=["GET", "POST"])
def cycle_duplicate(cycle_id: int):
    cycle = db.session.get(Cycle, cycle_id) or abort(404)
    values = [request.form.get(f"date-{j.number}", "") for j in cycle.journees]
    if request.method == "POST":
        try:
            copy = duplicate_cycle(cycle, parse_dates(",".join(v for v in values if v)))
        except ReuseError as exc:
            flash(_("Copie impossible : %(error)s", error=str(exc)), "error")
        else:
            flash(_("Cycle copié avec ses rappels, en brouillon : relisez ses textes, puis publiez-le "
                    "(case « Publié » de l'éditeur) avant de l'annoncer."), "success")
            return redirect(url_for("admin.event_cycle", cycle_id=copy.id), 303)
    return render_template("admin/cycle_duplicate.html", cycle=cycle, values=values)


@bp.get("/media")
def media_library():
    rows = db.session.scalars(select(MediaFile).order_by(MediaFile.id.desc()).limit(200)).all()
    return render_template("admin/media.html", rows=rows, media_url=media_url)


@bp.post("/media")
def media_upload():
    upload = request.files.get("image")
    store_media(upload.read() if upload else b"", (upload.filename or "") if upload else "", request.form.get("alt", ""),
                actor=current_user.email)
    flash(_("Image ajoutée à la médiathèque."), "success")
    return redirect(url_for("admin.media_library"), 303)


@bp.post("/campaigns/<int:campaign_id>/media")
def campaign_media(campaign_id: int):
    """Upload (or pick) an image and append it to the newsletter as an image block."""
    campaign = _campaign(campaign_id)
    upload = request.files.get("image")
    at = request.form.get("at", type=int)  # the block the author was at (the script fills it in), else the end
    if at is not None and at >= len((campaign.content or {}).get("blocks", [])):
        at = None  # after the last block: the end of the letter
    try:
        append_image(campaign, upload=(upload.read(), upload.filename, request.form.get("alt", ""))
                     if upload and upload.filename else None,
                     media_id=request.form.get("media_id", type=int), actor=current_user.email, at=at)
    except (CompositionError, MediaError) as exc:
        flash(str(exc), "error")
    else:
        if at is None:
            flash(_("Image ajoutée en fin de lettre."), "success")
        else:
            flash(_("Image ajoutée à l'endroit où vous étiez (bloc %(n)s).", n=at + 1), "success")
            return redirect(url_for("admin.campaign_edit", campaign_id=campaign.id, _anchor=f"block-{at}"), 303)
    return _to_composer(campaign)


@bp.app_context_processor
def _saved_templates() -> dict:
    """``saved_templates()`` for the new-campaign page (only called there)."""
    def saved_templates() -> list[MessageTemplate]:
        return list(db.session.scalars(select(MessageTemplate).order_by(MessageTemplate.name)))

    return {"saved_templates": saved_templates}
