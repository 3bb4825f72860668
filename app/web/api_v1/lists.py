"""/api/v1/lists: the mailing lists, with their confirmed member counts; create and edit."""
from __future__ import annotations

import marshmallow as ma
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import MailingList, Subscription, SubscriptionStatus
from app.web.api_v1.core import ApiBlueprint, Problem, idempotent, not_found

blp = ApiBlueprint("api_v1_lists", __name__, url_prefix="/lists", description="Listes de diffusion / mailing lists")

SLUG = ma.validate.Regexp(r"^[a-z0-9][a-z0-9-]{0,79}$", error="lettres minuscules, chiffres et tirets / a-z, 0-9, -")


class ListSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    slug = ma.fields.String(required=True, validate=SLUG)
    name = ma.fields.String(required=True, validate=ma.validate.Length(1, 200))
    description = ma.fields.String(load_default="", validate=ma.validate.Length(max=5000))
    public = ma.fields.Boolean(load_default=True, metadata={"description": "proposée sur le formulaire public"})
    confirmed = ma.fields.Integer(dump_only=True, metadata={"description": "abonnés confirmés / confirmed members"})


class ListUpdateSchema(ma.Schema):
    name = ma.fields.String(validate=ma.validate.Length(1, 200))
    description = ma.fields.String(validate=ma.validate.Length(max=5000))
    public = ma.fields.Boolean()


def _with_count(mailing_list: MailingList) -> dict:
    count = db.session.scalar(select(func.count()).select_from(Subscription).where(
        Subscription.list_id == mailing_list.id, Subscription.status == SubscriptionStatus.CONFIRMED)) or 0
    return {"id": mailing_list.id, "slug": mailing_list.slug, "name": mailing_list.name,
            "description": mailing_list.description, "public": mailing_list.public, "confirmed": count}


def _list_or_404(slug: str) -> MailingList:
    row = db.session.scalar(select(MailingList).where(MailingList.slug == slug))
    if row is None:
        raise not_found("Liste", "List")
    return row


@blp.get("")
@blp.scoped("subscribers:read")
@blp.response(200, ListSchema(many=True))
def all_lists():
    """Toutes les listes / every list."""
    return [_with_count(m) for m in db.session.scalars(select(MailingList).order_by(MailingList.name))]


@blp.post("")
@blp.scoped("lists:write", 409, 422)
@idempotent(blp)
@blp.arguments(ListSchema)
@blp.response(201, ListSchema)
def create_list(data: dict):
    """Créer une liste / create a list."""
    row = MailingList(slug=data["slug"], name=data["name"].strip(), description=data["description"], public=data["public"])
    db.session.add(row)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Problem(409, "Une liste porte déjà cet identifiant.", "A list with this slug already exists.") from None
    return _with_count(row)


@blp.get("/<slug>")
@blp.scoped("subscribers:read", 404)
@blp.response(200, ListSchema)
def get_list(slug: str):
    """Une liste / one list."""
    return _with_count(_list_or_404(slug))


@blp.patch("/<slug>")
@blp.scoped("lists:write", 404, 422)
@blp.arguments(ListUpdateSchema)
@blp.response(200, ListSchema)
def update_list(data: dict, slug: str):
    """Modifier nom, description, visibilité / update name, description, visibility."""
    row = _list_or_404(slug)
    for name, value in data.items():
        setattr(row, name, value.strip() if isinstance(value, str) else value)
    db.session.commit()
    return _with_count(row)
