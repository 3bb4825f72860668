"""``/p/<token>``: the preference centre — which lists to keep, with the same signed-link model.

Nothing to log into: the token, mailed to the address, proves ownership. The form
carries a CSRF token (it is only ever posted from this page).
"""
from __future__ import annotations

from flask import flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app import links
from app.models import SubscriptionStatus
from app.services.audience import memberships, preference_lists, resolve_preferences, update_preferences
from app.tokens import InvalidToken
from app.web.inputs import form_ids
from app.web.public import bp
from app.web.public.unsubscribe import _no_store, link_error


@bp.route("/p/<token>", methods=["GET", "POST"])
def preferences(token: str):
    try:
        subscriber = resolve_preferences(token)
    except InvalidToken:
        return link_error()
    if request.method == "POST":
        wanted = form_ids("lists")
        update_preferences(subscriber, wanted, ip=request.remote_addr)
        flash(_("Vos choix sont enregistrés."), "success")
        return redirect(url_for("public.preferences", token=token), 303)
    confirmed = {m.list_id for m in memberships(subscriber) if m.status == SubscriptionStatus.CONFIRMED}
    return _no_store(make_response(render_template(
        "public/preferences.html", token=token, subscriber=subscriber, lists=preference_lists(subscriber),
        confirmed=confirmed, unsubscribe_url=links.unsubscribe_url(subscriber.uid),
    )))
