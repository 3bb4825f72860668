"""The composer's extra context (media library choices) and audiences in the composer: registration criteria, saved segments (with a live count),
and "Écrire aux inscrits" from the cycle and journée pages."""
from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from app.extensions import db
from app.models import Campaign, Cycle, Journee, MediaFile, SavedSegment
from app.services.audience import InvalidCriterion, audience_choices, describe_audience, parse_audience_choice
from app.services.events import choice_label
from app.services.campaigns import (
    SegmentError,
    apply_segment,
    delete_segment,
    describe_segment,
    save_segment,
    segment_count,
    write_to_registrants,
)
from app.web.admin import add_nav, bp

add_nav("admin.segments_index", _l("Segments"), 27)


def event_segment(value: str) -> tuple[dict[str, Any] | None, str]:
    """The composer's "Inscription" select → (criterion or None, French error or "")."""
    try:
        return parse_audience_choice(value), ""
    except InvalidCriterion as exc:
        return None, _("Critère d'inscription refusé : %(error)s", error=str(exc))


def _choice_value(criterion: dict[str, Any] | None) -> str:
    if not criterion:
        return ""
    return f"{criterion['kind']}:{criterion['cycle_id']}:{criterion.get('journee_id') or ''}"


def audience_context(campaign: Campaign) -> dict[str, Any]:
    """What the composer's "Destinataires" card needs beyond the lists."""
    criterion = (campaign.segment or {}).get("event")
    return {
        "event_choices": audience_choices(choice_label), "event_value": _choice_value(criterion),
        "event_text": describe_audience(criterion) if criterion else "",
        "saved_segments": db.session.scalars(select(SavedSegment).order_by(SavedSegment.name)).all(),
        "media_files": db.session.scalars(select(MediaFile).order_by(MediaFile.id.desc()).limit(100)).all(),
    }


@bp.get("/segments")
def segments_index():
    rows = db.session.scalars(select(SavedSegment).order_by(SavedSegment.name)).all()
    return render_template("admin/segments.html",
                           rows=[(row, describe_segment(row), segment_count(row)) for row in rows])


@bp.post("/segments/<int:segment_id>/delete")
def segment_delete(segment_id: int):
    delete_segment(db.session.get(SavedSegment, segment_id) or abort(404))
    flash(_("Segment supprimé (les campagnes qui l'ont utilisé gardent leur public)."), "success")
    return redirect(url_for("admin.segments_index"), 303)


@bp.post("/campaigns/<int:campaign_id>/segment/save")
def campaign_segment_save(campaign_id: int):
    campaign = db.session.get(Campaign, campaign_id) or abort(404)
    row = save_segment(request.form.get("name", ""), [m.id for m in campaign.lists], campaign.segment or {},
                       actor=current_user.email)
    flash(_("Segment « %(name)s » enregistré.", name=row.name), "success")
    return redirect(url_for("admin.campaign_edit", campaign_id=campaign.id), 303)


@bp.post("/campaigns/<int:campaign_id>/segment/apply")
def campaign_segment_apply(campaign_id: int):
    campaign = db.session.get(Campaign, campaign_id) or abort(404)
    row = db.session.get(SavedSegment, request.form.get("segment_id", type=int) or 0)
    if row is None:
        flash(_("Choisissez un segment."), "error")
        return redirect(url_for("admin.campaign_edit", campaign_id=campaign.id), 303)
    try:
        apply_segment(campaign, row)
    except SegmentError as exc:
        flash(str(exc), "error")
    else:
        flash(_("Public du segment « %(name)s » appliqué.", name=row.name), "success")
    return redirect(url_for("admin.campaign_edit", campaign_id=campaign.id), 303)


@bp.post("/events/<int:cycle_id>/write")
def event_write(cycle_id: int):
    """"Écrire aux inscrits": a draft newsletter for the cycle's (or one journée's) registrants."""
    cycle = db.session.get(Cycle, cycle_id) or abort(404)
    journee = None
    if request.form.get("journee_id"):
        journee = db.session.get(Journee, request.form.get("journee_id", type=int) or 0)
        if journee is None or journee.cycle_id != cycle.id:
            abort(404)
    campaign = write_to_registrants(cycle, journee, user_id=current_user.id)
    flash(_("Brouillon créé pour les inscrits : écrivez le message, puis prévisualisez-le."), "success")
    return redirect(url_for("admin.campaign_edit", campaign_id=campaign.id), 303)
