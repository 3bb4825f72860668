"""/api/v1/suppressions and /api/v1/bounces: the suppression list (kept as hashes only) and the bounce reports."""
from __future__ import annotations

import marshmallow as ma
from sqlalchemy import select

from app.extensions import db
from app.models import BounceRecord, Suppression, SuppressionReason, email_hash
from app.services.audience import InvalidAddress, normalise_email, suppress_address
from app.web.api_v1.core import (
    ApiBlueprint,
    PageArgs,
    Problem,
    current_token,
    idempotent,
    not_found,
    page_of,
)

blp = ApiBlueprint("api_v1_suppressions", __name__, url_prefix="",
                   description="Liste d'exclusion et rebonds / suppression list and bounces")
Str = ma.fields.String


class SuppressionSchema(ma.Schema):
    email_hash = Str(metadata={"description": "SHA-256 de l'adresse normalisée / of the normalised address"})
    reason = ma.fields.Function(lambda s: s.reason.value, metadata={"enum": [r.value for r in SuppressionReason]})
    source = Str()
    created_at = ma.fields.DateTime()


class SuppressSchema(ma.Schema):
    email = Str(required=True, validate=ma.validate.Length(1, 320))
    source = Str(load_default="", validate=ma.validate.Length(max=400))


class LookupSchema(ma.Schema):
    email = Str(required=True, validate=ma.validate.Length(1, 320))


class BounceSchema(ma.Schema):
    id = ma.fields.Integer()
    received_at = ma.fields.DateTime()
    kind = Str(metadata={"description": "hard, soft, complaint"})
    reason = Str()
    status = Str()
    diagnostic = Str()
    recipient = Str()
    action = Str()
    attributed_by = Str()
    review = Str()
    subscriber_id = ma.fields.Integer(allow_none=True)
    campaign_id = ma.fields.Integer(allow_none=True)
    undone_at = ma.fields.DateTime(allow_none=True)


class BounceFilters(PageArgs):
    kind = Str(validate=ma.validate.OneOf(["hard", "soft", "complaint"]))


def _address(raw: str) -> str:
    try:
        return normalise_email(raw)
    except InvalidAddress as exc:
        raise Problem(422, f"Adresse invalide : {exc}", "Invalid email address.", errors={"email": [str(exc)]}) from exc


@blp.get("/suppressions/lookup")
@blp.scoped("suppressions:read", 404, 422)
@blp.arguments(LookupSchema, location="query")
@blp.response(200, SuppressionSchema)
def lookup(args: dict):
    """Cette adresse est-elle exclue ? (404 sinon) / is this address suppressed? (404 if not)."""
    row = db.session.get(Suppression, email_hash(_address(args["email"])))
    if row is None:
        raise not_found("Adresse exclue", "Suppressed address")
    return row


@blp.post("/suppressions")
@blp.scoped("suppressions:write", 422)
@idempotent(blp)
@blp.arguments(SuppressSchema)
@blp.response(201, SuppressionSchema)
def add(data: dict):
    """Exclure une adresse (raison « manual ») ; seule la personne peut se réinscrire / suppress an address."""
    actor = f"api:{current_token().name}"
    return suppress_address(_address(data["email"]), source=data["source"] or actor, actor=actor, via="api")


@blp.get("/bounces")
@blp.scoped("bounces:read")
@blp.arguments(BounceFilters, location="query")
@blp.response(200, ma.Schema.from_dict({"items": ma.fields.List(ma.fields.Nested(BounceSchema)),
                                        "next_cursor": Str(allow_none=True)}, name="BouncePage"))
def bounces(args: dict):
    """Les rapports de rebond et de plainte reçus, avec leur raison et leur effet / bounce reports."""
    query = select(BounceRecord)
    if args.get("kind"):
        query = query.where(BounceRecord.kind == args["kind"])
    items, cursor = page_of(query, BounceRecord.id, args)
    return {"items": items, "next_cursor": cursor}
