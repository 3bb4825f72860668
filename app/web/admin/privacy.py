"""Admin RGPD actions on one subscriber: export as JSON, erase.

The subscriber page (another module) links or posts here; these endpoints only act.
Both are for admins only (the README says so): an export is everything held about one
person; erasing is irreversible and needs a POST with CSRF.
"""
from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.routing import BuildError

from app.extensions import db
from app.models import Subscriber
from app.services.privacy import erase_subscriber, hand_over_export
from app.web.admin import admin_required, bp
from app.web.public.privacy import json_download


def _subscriber(subscriber_id: int) -> Subscriber:
    subscriber = db.session.get(Subscriber, subscriber_id)
    if subscriber is None:
        abort(404)
    return subscriber


@bp.get("/subscribers/<int:subscriber_id>/export.json")
@admin_required
def subscriber_export(subscriber_id: int):
    subscriber = _subscriber(subscriber_id)
    return json_download(hand_over_export(subscriber, actor=current_user.email), f"abonne-{subscriber.id}.json")


@bp.post("/subscribers/<int:subscriber_id>/erase")
@admin_required
def subscriber_erase(subscriber_id: int):
    subscriber = _subscriber(subscriber_id)
    if request.form.get("confirm") != "1":
        flash(_("Cochez la case de confirmation pour effacer cette personne."), "error")
        return redirect(url_for("admin.subscriber", subscriber_id=subscriber.id), 303)
    erase_subscriber(subscriber, actor=current_user.email, source="admin")
    flash(_("Les données personnelles de ce contact ont été effacées."), "success")
    for endpoint in ("admin.subscriber", "admin.subscriber_detail", "admin.subscribers"):
        try:
            target = url_for(endpoint, subscriber_id=subscriber.id) if endpoint != "admin.subscribers" else url_for(endpoint)
            return redirect(target, 303)
        except BuildError:
            continue
    return redirect(url_for("admin.dashboard"), 303)
