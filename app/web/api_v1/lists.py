"""/api/v1/lists: the mailing lists, with their confirmed member counts; create and edit."""
from __future__ import annotations

import marshmallow as ma
from sqlalchemy import select

from app.extensions import db
from app.models import MailingList
from app.services.audience import SLUG_RE, DuplicateList, ListError, create_list as new_list, member_counts, update_list as change_list
from app.web.api_v1.core import ApiBlueprint, Problem, idempotent, not_found

blp = ApiBlueprint("api_v1_lists", __name__, url_prefix="/lists", description="Listes de diffusion / mailing lists")

SLUG = ma.validate.Regexp(SLUG_RE, error="lettres minuscules, chiffres et tirets / a-z, 0-9, -")


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


def _with_count(mailing_list: MailingList, counts: dict[int, int] | None = None) -> dict:
    count = (counts if counts is not None else member_counts()).get(mailing_list.id, 0)
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
    counts = member_counts()
    return [_with_count(m, counts) for m in db.session.scalars(select(MailingList).order_by(MailingList.name))]


@blp.post("")
@blp.scoped("lists:write", 409, 422)
@idempotent(blp)
@blp.arguments(ListSchema)
@blp.response(201, ListSchema)
def create_list(data: dict):
    """Créer une liste / create a list."""
    try:
        row = new_list(data["slug"], name=data["name"], description=data["description"], public=data["public"])
    except DuplicateList as exc:
        raise Problem(409, str(exc), "A list with this slug already exists.") from exc
    except ListError as exc:
        raise Problem(422, str(exc), "The list cannot be created as given.") from exc
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
    try:
        change_list(row, **data)
    except ListError as exc:
        raise Problem(422, str(exc), "The list cannot be changed as given.") from exc
    return _with_count(row)
