"""/api/v1/subscribers: create (with a consent record), read, update, unsubscribe, erase, look up, page through."""
from __future__ import annotations

import marshmallow as ma
from sqlalchemy import select

from app.extensions import db
from app.models import MailingList, Subscriber, SubscriberStatus, Subscription, email_hash
from app.services.audience import (
    Consent,
    InvalidAddress,
    NewSubscriber,
    UnknownList,
    add_subscriber,
    lists_by_slug as find_lists,
    delivery_address,
    normalise_email,
    unsubscribe_from,
    update_profile,
)
from app.services.privacy import erase_subscriber
from app.web.api_v1.core import (
    ApiBlueprint,
    PageArgs,
    Problem,
    current_token,
    get_or_404,
    idempotent,
    page_of,
)

blp = ApiBlueprint("api_v1_subscribers", __name__, url_prefix="/subscribers",
                   description="Abonnés et leur consentement / subscribers and their consent")

Text = ma.fields.String


class MembershipSchema(ma.Schema):
    list = ma.fields.Function(lambda s: s.mailing_list.slug)
    status = ma.fields.Function(lambda s: s.status.value)
    consent_at = ma.fields.DateTime(allow_none=True)
    consent_source = Text()
    consent_text = Text()
    confirmed_at = ma.fields.DateTime(allow_none=True)
    unsubscribed_at = ma.fields.DateTime(allow_none=True)


class SubscriberSchema(ma.Schema):
    id = ma.fields.Integer()
    email = ma.fields.String(allow_none=True, metadata={"description": "null une fois effacé / null once erased"})
    first_name = Text()
    last_name = Text()
    organisation = Text()
    function = Text()
    commune = Text()
    attributes = ma.fields.Dict(keys=Text())
    status = ma.fields.Function(lambda s: s.status.value,
                                metadata={"enum": [s.value for s in SubscriberStatus]})
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()
    subscriptions = ma.fields.List(ma.fields.Nested(MembershipSchema))


class SubscriberPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(SubscriberSchema))
    next_cursor = ma.fields.String(allow_none=True)


class ConsentSchema(ma.Schema):
    text = Text(required=True, validate=ma.validate.Length(1, 5000),
                metadata={"description": "La phrase que la personne a lue et acceptée / the sentence the person accepted"})
    source = Text(load_default="api", validate=ma.validate.Length(1, 400),
                  metadata={"description": "D'où vient le consentement (URL du formulaire…) / where it was given"})
    ip = Text(load_default=None, validate=ma.validate.Length(max=64))
    at = ma.fields.AwareDateTime(load_default=None, default_timezone=None)


_PROFILE = {name: Text(validate=ma.validate.Length(max=300)) for name in
            ("first_name", "last_name", "organisation", "function", "commune")}
# The bounds are the audience service's (checked_attributes), which refuses in French; documented here.
_ATTRIBUTES_DOC = {
    "description": "attributs libres : 50 au plus, noms de 1 à 100 caractères, valeurs simples (texte de 1000 "
                   "caractères au plus, nombre, booléen, null), 16 Kio en JSON / free attributes: at most 50, keys of "
                   "1 to 100 characters, scalar values (text up to 1000 characters), 16 KiB as JSON",
    "maxProperties": 50,
    "propertyNames": {"minLength": 1, "maxLength": 100},
    "additionalProperties": {"type": ["string", "number", "boolean", "null"]},
}
_SLUGS = ma.fields.List(Text(validate=ma.validate.Length(1, 80)), validate=ma.validate.Length(max=50))


class SubscriberCreateSchema(ma.Schema.from_dict({**_PROFILE})):  # type: ignore[misc]
    email = Text(required=True, validate=ma.validate.Length(1, 320))
    lists = ma.fields.List(Text(validate=ma.validate.Length(1, 80)), required=True,
                           validate=ma.validate.Length(1, 50), metadata={"description": "identifiants de listes / list slugs"})
    consent = ma.fields.Nested(ConsentSchema, required=True)
    double_opt_in = ma.fields.Boolean(load_default=True, metadata={
        "description": "true : message de confirmation (défaut) ; false : inscrit d'emblée / "
                       "true: confirmation message (default); false: subscribed at once"})
    attributes = ma.fields.Dict(keys=Text(), load_default=dict, metadata=_ATTRIBUTES_DOC)


class SubscriberUpdateSchema(ma.Schema.from_dict({**_PROFILE})):  # type: ignore[misc]
    attributes = ma.fields.Dict(keys=Text(), metadata=_ATTRIBUTES_DOC)


class UnsubscribeSchema(ma.Schema):
    lists = _SLUGS


class SubscriberFilters(PageArgs):
    email = Text(validate=ma.validate.Length(1, 320), metadata={"description": "recherche exacte / exact lookup"})
    status = Text(validate=ma.validate.OneOf([s.value for s in SubscriberStatus]))
    list = Text(validate=ma.validate.Length(1, 80), metadata={"description": "membres de cette liste / members of this list"})
    updated_since = ma.fields.AwareDateTime(default_timezone=None)


def actor() -> str:
    return f"api:{current_token().name}"[:320]


def lists_by_slug(slugs: list[str]) -> list[MailingList]:
    try:
        return find_lists(slugs)
    except UnknownList as exc:
        raise Problem(422, str(exc), f"Unknown list: {exc.missing[0]}", errors={"lists": exc.missing}) from exc


def subscriber_or_404(subscriber_id: int) -> Subscriber:
    return get_or_404(Subscriber, subscriber_id, "Abonné", "Subscriber")


@blp.get("")
@blp.scoped("subscribers:read")
@blp.arguments(SubscriberFilters, location="query")
@blp.response(200, SubscriberPageSchema)
def list_subscribers(args: dict):
    """Lister les abonnés (par curseur), chercher par adresse / list subscribers (cursor), look up by email."""
    query = select(Subscriber)
    if args.get("email"):
        try:
            query = query.where(Subscriber.email_hash == email_hash(normalise_email(args["email"])))  # any spelling
        except InvalidAddress:
            return {"items": [], "next_cursor": None}
    if args.get("status"):
        query = query.where(Subscriber.status == SubscriberStatus(args["status"]))
    if args.get("list"):
        mailing_list = lists_by_slug([args["list"]])[0]
        query = query.where(Subscriber.id.in_(select(Subscription.subscriber_id).where(
            Subscription.list_id == mailing_list.id)))
    if args.get("updated_since"):
        query = query.where(Subscriber.updated_at >= args["updated_since"])
    items, cursor = page_of(query, Subscriber.id, args)
    return {"items": items, "next_cursor": cursor}


@blp.post("")
@blp.scoped("subscribers:write", 409, 422)
@idempotent(blp)
@blp.arguments(SubscriberCreateSchema)
@blp.response(201, SubscriberSchema)
@blp.alt_response(200, schema=SubscriberSchema, description="Déjà connu : listes ajoutées / already known: lists added")
def create_subscriber(data: dict):
    """Inscrire quelqu'un (formulaire d'un site…) avec son consentement / add someone with their consent."""
    consent_data = data["consent"]
    if consent_data.get("at") is not None and consent_data["at"].tzinfo is None:
        raise Problem(422, "« consent.at » doit porter un fuseau horaire.", "\"consent.at\" needs a time zone.")
    try:
        email = delivery_address(data["email"])  # kept as typed, IDNA domain; the service finds the person by key
    except InvalidAddress as exc:
        raise Problem(422, f"Adresse invalide : {exc}", "Invalid email address.", errors={"email": [str(exc)]}) from exc
    new = NewSubscriber(
        email=email, lists=lists_by_slug(data["lists"]), double_opt_in=data["double_opt_in"],
        consent=Consent(source=consent_data["source"], text=consent_data["text"], ip=consent_data.get("ip"),
                        at=consent_data.get("at")),
        profile={k: data[k] for k in _PROFILE if k in data}, attributes=data.get("attributes") or {},
    )
    subscriber, created = add_subscriber(new, actor=actor())
    return subscriber, 201 if created else 200


@blp.get("/<int:subscriber_id>")
@blp.scoped("subscribers:read", 404)
@blp.response(200, SubscriberSchema)
def get_subscriber(subscriber_id: int):
    """Un abonné, ses abonnements et leur consentement / one subscriber with memberships and consent."""
    return subscriber_or_404(subscriber_id)


@blp.patch("/<int:subscriber_id>")
@blp.scoped("subscribers:write", 404, 409, 422)
@blp.arguments(SubscriberUpdateSchema)
@blp.response(200, SubscriberSchema)
def update_subscriber(data: dict, subscriber_id: int):
    """Modifier nom, organisme, fonction, commune, attributs / update profile fields (not the address)."""
    return update_profile(subscriber_or_404(subscriber_id), data)


@blp.post("/<int:subscriber_id>/unsubscribe")
@blp.scoped("subscribers:write", 404, 409, 422)
@blp.arguments(UnsubscribeSchema)
@blp.response(200, SubscriberSchema)
def unsubscribe_subscriber(data: dict, subscriber_id: int):
    """Désabonner de certaines listes, ou de tout (liste d'exclusion) sans « lists » / unsubscribe."""
    subscriber = subscriber_or_404(subscriber_id)
    unsubscribe_from(subscriber, lists_by_slug(data.get("lists") or []), source=actor(), actor=actor())
    db.session.refresh(subscriber)
    return subscriber


@blp.delete("/<int:subscriber_id>")
@blp.scoped("subscribers:write", 404)
@blp.response(204)
def erase(subscriber_id: int):
    """Effacer la personne (RGPD art. 17) : l'adresse reste seulement hachée dans la liste d'exclusion / erase."""
    erase_subscriber(subscriber_or_404(subscriber_id), actor=actor(), source="api")

