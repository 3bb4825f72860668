"""RGPD access for the person: ask from the preference centre, download by a signed 7-day link."""
from __future__ import annotations

import json

from flask import Response, current_app, render_template, request
from flask_babel import gettext as _

from app import links
from app.extensions import db, limiter
from app.sending.transactional import send_transactional
from app.services.audience import audit, resolve_preferences, subscriber_by_uid
from app.services.privacy import export_subscriber
from app.tokens import InvalidToken, Purpose, sign, verify
from app.web.public import bp
from app.web.public.unsubscribe import link_error


def export_url(subscriber_uid: str) -> str:
    return links.absolute(f"/privacy/{sign(Purpose.DATA_EXPORT, {'s': subscriber_uid})}")


def json_download(data: dict, filename: str) -> Response:
    body = json.dumps(data, ensure_ascii=False, indent=2)
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store",
    })


@bp.post("/p/<token>/mes-donnees")
@limiter.limit("3 per hour", key_func=lambda: "privacy-request:" + (request.view_args or {}).get("token", ""))
def privacy_request(token: str):
    """Mail a download link to the address itself (never show data on the page that asked)."""
    try:
        subscriber = resolve_preferences(token)
    except InvalidToken:
        return link_error()
    if subscriber.email is None:  # erased since the link was sent: nothing to export, nowhere to send it
        return link_error()
    url = export_url(subscriber.uid)
    org = current_app.config["ORGANISATION"].name
    send_transactional("data_export", subscriber.email, {
        "subject": _("Vos données personnelles au %(org)s", org=org), "first_name": subscriber.first_name,
        "export_url": url,
    }, subscriber_id=subscriber.id)
    audit("export_requested", subscriber, actor="public", ip=request.remote_addr)
    db.session.commit()
    return render_template("error.html", code=200, title=_("Demande envoyée"),
                           message=_("Un lien de téléchargement (valable 7 jours) a été envoyé à votre adresse.")), 200


@bp.get("/privacy/<token>")
def privacy_export(token: str):
    try:
        payload = verify(Purpose.DATA_EXPORT, token)
        subscriber = subscriber_by_uid(payload.get("s")) if isinstance(payload, dict) else None
    except InvalidToken as exc:
        if exc.expired:
            return render_template("error.html", code=410, title=_("Lien expiré"), message=_(
                "Ce lien de téléchargement a expiré (7 jours). Demandez-en un nouveau depuis la page "
                "« Mes préférences » accessible en bas de nos messages.")), 410
        return link_error()
    if subscriber is None or subscriber.email is None:
        return link_error()
    audit("export_downloaded", subscriber, actor="public", ip=request.remote_addr)
    db.session.commit()
    return json_download(export_subscriber(subscriber), "mes-donnees-crpve.json")
