"""/api/v1/cycles and registrations: the agenda (cycles, journées, seats left; ``events:read``), register
someone for journées, change or cancel their days (``registrations:write``), list and read registrations
(``registrations:read``: addresses and names are personal data, not part of the agenda) — through
app.services.events.registrations (waiting lists, promotions and messages as on the public form).
Cancelling answers with the registration's days, not the person's address or name."""
from __future__ import annotations

import marshmallow as ma
from sqlalchemy import select

from app.extensions import db
from app.models import Cycle, Registration
from app.services.audience import InvalidAddress
from app.services.events import (
    UnknownJournee,
    cancel_registration as cancel,
    change_days,
    find_cycle,
    journees_by_number,
    register,
    seats_left,
)
from app.web.api_v1.core import (
    ApiBlueprint,
    PageArgs,
    Problem,
    current_token,
    get_or_404,
    idempotent,
    not_found,
    page_of,
)

blp = ApiBlueprint("api_v1_events", __name__, url_prefix="", description="Cycles, journées et inscriptions / events")
Str = ma.fields.String
NUMBERS = ma.fields.List(ma.fields.Integer(strict=True, validate=ma.validate.Range(1, 1000)),
                         validate=ma.validate.Length(max=100))


class JourneeSchema(ma.Schema):
    number = ma.fields.Integer()
    title = Str()
    starts_at = ma.fields.DateTime()
    ends_at = ma.fields.DateTime()
    seats_left = ma.fields.Function(seats_left, allow_none=True,
                                    metadata={"type": "integer", "description": "null : pas de limite / no limit"})


class CycleSchema(ma.Schema):
    id = ma.fields.Integer()
    slug = Str()
    kicker = Str()
    title = Str()
    subtitle = Str()
    period = Str()
    venue_name = Str()
    venue_address = Str()
    capacity = ma.fields.Integer(allow_none=True)
    published = ma.fields.Boolean()
    journees = ma.fields.List(ma.fields.Nested(JourneeSchema))


class DaySchema(ma.Schema):
    journee = ma.fields.Function(lambda d: d.journee.number, metadata={"type": "integer"})
    status = ma.fields.Function(lambda d: d.status.value, metadata={"type": "string"})


class RegistrationReceiptSchema(ma.Schema):
    """A registration without the person: what cancelling answers."""

    id = ma.fields.Integer()
    cycle = ma.fields.Function(lambda r: r.cycle.slug, metadata={"type": "string"})
    subscriber_id = ma.fields.Integer()
    source = Str()
    created_at = ma.fields.DateTime()
    days = ma.fields.List(ma.fields.Nested(DaySchema))


class RegistrationSchema(RegistrationReceiptSchema):
    email = ma.fields.Function(lambda r: r.subscriber.email, allow_none=True, metadata={"type": "string"})
    first_name = ma.fields.Function(lambda r: r.subscriber.first_name, metadata={"type": "string"})
    last_name = ma.fields.Function(lambda r: r.subscriber.last_name, metadata={"type": "string"})


class RegistrationPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(RegistrationSchema))
    next_cursor = Str(allow_none=True)


class RegisterSchema(ma.Schema):
    email = Str(required=True, validate=ma.validate.Length(1, 320))
    first_name = Str(load_default="", validate=ma.validate.Length(max=200))
    last_name = Str(load_default="", validate=ma.validate.Length(max=200))
    organisation = Str(load_default="", validate=ma.validate.Length(max=300))
    function = Str(load_default="", validate=ma.validate.Length(max=300))
    journees = NUMBERS
    newsletter = ma.fields.Boolean(load_default=False, metadata={
        "description": "la personne a coché « recevoir la lettre » (double confirmation) / asked for the newsletter"})


class CancelSchema(ma.Schema):
    journees = NUMBERS


def cycle_or_404(slug: str) -> Cycle:
    cycle = find_cycle(slug)
    if cycle is None:
        raise not_found("Cycle", "Cycle")
    return cycle


def _journees(cycle: Cycle, numbers: list[int] | None):
    if numbers is None:
        return None
    try:
        return journees_by_number(cycle, numbers)
    except UnknownJournee as exc:
        raise Problem(422, f"Journée inconnue : {exc.missing[0]}", f"Unknown journée: {exc.missing[0]}",
                      errors={"journees": exc.missing}) from exc


@blp.get("/cycles")
@blp.scoped("events:read")
@blp.arguments(PageArgs, location="query")
@blp.response(200, ma.Schema.from_dict({"items": ma.fields.List(ma.fields.Nested(CycleSchema)),
                                        "next_cursor": Str(allow_none=True)}, name="CyclePage"))
def cycles(args: dict):
    """Les cycles et leurs journées, places restantes comprises / cycles, journées and seats left."""
    items, cursor = page_of(select(Cycle), Cycle.id, args)
    return {"items": items, "next_cursor": cursor}


@blp.get("/cycles/<slug>")
@blp.scoped("events:read", 404)
@blp.response(200, CycleSchema)
def get_cycle(slug: str):
    """Un cycle / one cycle."""
    return cycle_or_404(slug)


@blp.post("/cycles/<slug>/registrations")
@blp.scoped("registrations:write", 404, 409, 422)
@idempotent(blp)
@blp.arguments(RegisterSchema)
@blp.response(201, RegistrationSchema)
@blp.alt_response(200, schema=RegistrationSchema, description="Déjà inscrit·e : journées ajoutées / already registered")
def register_someone(data: dict, slug: str):
    """Inscrire quelqu'un à des journées (toutes celles à venir sans « journees ») / register someone."""
    cycle = cycle_or_404(slug)
    try:
        outcome = register(cycle, data["email"], first_name=data["first_name"], last_name=data["last_name"],
                           organisation=data["organisation"], function=data["function"],
                           journees=_journees(cycle, data.get("journees")), newsletter=data["newsletter"],
                           source="api", actor=f"api:{current_token().name}"[:320])
    except InvalidAddress as exc:
        raise Problem(422, f"Adresse invalide : {exc}", "Invalid email address.", errors={"email": [str(exc)]}) from exc
    return outcome.registration, 201 if outcome.created else 200


@blp.get("/cycles/<slug>/registrations")
@blp.scoped("registrations:read", 404)
@blp.arguments(PageArgs, location="query")
@blp.response(200, RegistrationPageSchema)
def registrations(args: dict, slug: str):
    """Les inscriptions d'un cycle, adresses et noms compris (curseur) / a cycle's registrations, with
    addresses and names (cursor)."""
    cycle = cycle_or_404(slug)
    items, cursor = page_of(select(Registration).where(Registration.cycle_id == cycle.id), Registration.id, args)
    return {"items": items, "next_cursor": cursor}


@blp.post("/registrations/<int:registration_id>/cancel")
@blp.scoped("registrations:write", 404, 422)
@blp.arguments(CancelSchema)
@blp.response(200, RegistrationReceiptSchema)
def cancel_registration(data: dict, registration_id: int):
    """Annuler des journées (toutes celles à venir sans « journees ») ; la liste d'attente avance / cancel."""
    registration = get_or_404(Registration, registration_id, "Inscription", "Registration")
    cancel(registration, _journees(registration.cycle, data.get("journees")),
           actor=f"api:{current_token().name}"[:320])
    db.session.refresh(registration)
    return registration


class ChangeDaysSchema(ma.Schema):
    journees = ma.fields.List(ma.fields.Integer(strict=True, validate=ma.validate.Range(1, 1000)), required=True,
                              validate=ma.validate.Length(max=100), metadata={
                                  "description": "les journées à venir voulues, exactement ; les autres à venir sont "
                                                 "annulées / exactly the upcoming journées wanted"})


@blp.get("/registrations/<int:registration_id>")
@blp.scoped("registrations:read", 404)
@blp.response(200, RegistrationSchema)
def get_registration(registration_id: int):
    """Une inscription / one registration."""
    return get_or_404(Registration, registration_id, "Inscription", "Registration")


@blp.patch("/registrations/<int:registration_id>")
@blp.scoped("registrations:write", 404, 422)
@blp.arguments(ChangeDaysSchema)
@blp.response(200, RegistrationSchema)
def change_registration(data: dict, registration_id: int):
    """Changer les journées à venir d'une inscription (comme la page personnelle de l'inscrit·e) : les
    nouvelles sont prises (ou en liste d'attente), les autres annulées / change the upcoming journées."""
    registration = get_or_404(Registration, registration_id, "Inscription", "Registration")
    change_days(registration, _journees(registration.cycle, data["journees"]) or [],
                actor=f"api:{current_token().name}"[:320])
    db.session.refresh(registration)
    return registration
