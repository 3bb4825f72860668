"""/api/v1/tx: one transactional message (a campaign as its template, plus variables) to one address,
through the transactional lane of the delivery queue; its status is read back by id, by the token
that sent it only (another token, even with ``tx:send``, gets 404: the address is someone's)."""
from __future__ import annotations

import marshmallow as ma

from app.models import Campaign, MessageStatus, TransactionalMessage
from app.services.campaigns import MessageRefused, send_campaign_message
from app.services.audience import InvalidAddress
from app.web.api_v1.core import (
    ID,
    ApiBlueprint,
    Problem,
    current_token,
    get_or_404,
    idempotent,
    not_found,
)

blp = ApiBlueprint("api_v1_tx", __name__, url_prefix="/tx",
                   description="Messages transactionnels / transactional messages")

REFERENCE_PREFIX = "api:"


class TxRequestSchema(ma.Schema):
    to = ma.fields.String(required=True, validate=ma.validate.Length(1, 320))
    campaign_id = ma.fields.Integer(required=True, strict=True, validate=ID, metadata={
        "description": "la campagne qui sert de modèle (un brouillon suffit) / the campaign used as the template"})
    variables = ma.fields.Dict(keys=ma.fields.String(validate=ma.validate.Length(1, 100)),
                               values=ma.fields.String(validate=ma.validate.Length(max=1000)), load_default=dict,
                               validate=ma.validate.Length(max=50),
                               metadata={"description": "first_name, last_name et attributs / and attributes"})


class TxStatusSchema(ma.Schema):
    id = ma.fields.Integer()
    to = ma.fields.String(attribute="to_address")
    status = ma.fields.Function(lambda m: m.status.value, metadata={"enum": [s.value for s in MessageStatus]})
    attempts = ma.fields.Integer()
    smtp_code = ma.fields.Integer(allow_none=True)
    smtp_reply = ma.fields.String()
    message_id = ma.fields.String()
    created_at = ma.fields.DateTime()
    sent_at = ma.fields.DateTime(allow_none=True)


@blp.post("")
@blp.scoped("tx:send", 404, 409, 422)
@idempotent(blp)
@blp.arguments(TxRequestSchema)
@blp.response(202, TxStatusSchema)
def send(data: dict):
    """Mettre un message en file pour une adresse / queue one message for one address (202, then GET its status)."""
    campaign = get_or_404(Campaign, data["campaign_id"], "Campagne", "Campaign")
    try:
        row = send_campaign_message(campaign, data["to"], data["variables"],
                                    reference=f"{REFERENCE_PREFIX}{current_token().id}")
    except InvalidAddress as exc:
        raise Problem(422, f"Adresse invalide : {exc}", "Invalid email address.", errors={"to": [str(exc)]}) from exc
    except MessageRefused as exc:
        raise Problem(exc.status, exc.fr, exc.en) from exc
    return row


@blp.get("/<int:message_id>")
@blp.scoped("tx:send", 404)
@blp.response(200, TxStatusSchema)
def status(message_id: int):
    """Où en est un message envoyé par ce jeton : queued, sending, sent, failed / where a message this
    token sent stands (404 for any other)."""
    row = get_or_404(TransactionalMessage, message_id, "Message", "Message")
    if row.reference != f"{REFERENCE_PREFIX}{current_token().id}":
        raise not_found("Message", "Message")
    return row
