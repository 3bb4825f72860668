"""Outgoing webhooks (admin only): register endpoints, see each one's delivery log, resend, re-enable."""
from __future__ import annotations

from flask import Response, abort, flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectMultipleField, StringField, URLField, widgets
from wtforms.validators import DataRequired, Length, Optional

from app.extensions import db
from app.models import WebhookDelivery, WebhookEndpoint, WebhookStatus
from app.services.integrations import (
    EndpointError,
    SIGNAL_EVENTS,
    create_endpoint,
    enable_endpoint,
    renew_webhook_secret,
    resend_delivery,
)
from app.web.admin import add_nav, admin_required, bp

add_nav("admin.webhooks", _l("Webhooks"), 86, admin_only=True)

DELIVERY_LABELS = {
    WebhookStatus.PENDING: _l("en attente"),
    WebhookStatus.DELIVERED: _l("livré"),
    WebhookStatus.FAILED: _l("échec"),
}


class EndpointForm(FlaskForm):
    url = URLField(_l("Adresse (URL) qui recevra les événements"), validators=[DataRequired(), Length(max=2000)])
    description = StringField(_l("Description"), validators=[Optional(), Length(max=300)])
    events = SelectMultipleField(_l("Événements"), choices=[(e, e) for e in SIGNAL_EVENTS],
                                 option_widget=widgets.CheckboxInput(), widget=widgets.ListWidget(prefix_label=False),
                                 validators=[DataRequired(message=_l("Choisissez au moins un événement."))])


def _endpoint_or_404(endpoint_id: int) -> WebhookEndpoint:
    return db.session.get(WebhookEndpoint, endpoint_id) or abort(404)


@bp.route("/webhooks", methods=["GET", "POST"])
@admin_required
def webhooks():
    form = EndpointForm()
    if form.validate_on_submit():
        try:
            endpoint, secret = create_endpoint(form.url.data, form.events.data, "", form.description.data or "")
        except EndpointError as exc:
            flash(str(exc), "error")
        else:
            flash(_("Webhook enregistré."), "success")
            return _detail(endpoint, new_secret=secret)
    else:
        for field, errors in form.errors.items():
            for error in errors:
                flash(f"{getattr(form, field).label.text} : {error}", "error")
    endpoints = db.session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id)).all()
    return render_template("admin/webhooks.html", form=form, endpoints=endpoints)


@bp.get("/webhooks/<int:endpoint_id>")
@admin_required
def webhook_detail(endpoint_id: int):
    return _detail(_endpoint_or_404(endpoint_id))


@bp.post("/webhooks/<int:endpoint_id>/secret")
@admin_required
def webhook_renew_secret(endpoint_id: int):
    endpoint = _endpoint_or_404(endpoint_id)
    secret = renew_webhook_secret(endpoint)
    flash(_("Nouveau secret en service : l'ancien ne signe plus rien."), "success")
    return _detail(endpoint, new_secret=secret)


def _detail(endpoint: WebhookEndpoint, new_secret: str | None = None) -> Response:
    """The endpoint's page; ``new_secret`` is shown this once (answered directly, never stored in the
    session cookie, never cached)."""
    deliveries = db.session.scalars(select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)
                                    .order_by(WebhookDelivery.id.desc()).limit(100)).all()
    response = make_response(render_template("admin/webhook_detail.html", endpoint=endpoint, deliveries=deliveries,
                                             delivery_labels=DELIVERY_LABELS, new_secret=new_secret))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/webhooks/<int:endpoint_id>/toggle")
@admin_required
def webhook_toggle(endpoint_id: int):
    endpoint = _endpoint_or_404(endpoint_id)
    enable_endpoint(endpoint, not endpoint.enabled)
    flash(_("Webhook réactivé.") if endpoint.enabled else _("Webhook désactivé."), "success")
    return redirect(url_for("admin.webhook_detail", endpoint_id=endpoint.id))


@bp.post("/webhooks/deliveries/<int:delivery_id>/resend")
@admin_required
def webhook_resend(delivery_id: int):
    delivery = db.session.get(WebhookDelivery, delivery_id) or abort(404)
    resend_delivery(delivery)
    flash(_("Événement remis en file : les workers le renvoient."), "success")
    return redirect(url_for("admin.webhook_detail", endpoint_id=delivery.endpoint_id))
