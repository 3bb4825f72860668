"""/api/v1/cycles (writes): create and edit cycles and their journées, so that a centre's website can
publish its agenda from Lettrine. Scope ``events:write``.

Every write goes through the functions the admin's cycle editor calls (``save_cycle``, ``add_journee``,
``save_journee``, ``delete_journee``): reminders follow the dates, a moved journée sends its
registrants the new .ics, a journée with registrants cannot be deleted, a day in the past is refused.
Times are ISO 8601 with their offset (``2027-03-10T09:30:00+01:00``); they are stored in UTC.
"""
from __future__ import annotations

import marshmallow as ma

from app.models import Cycle, Journee
from app.services.events import JOURNEE_TEXT_FIELDS, add_journee, delete_journee, find_cycle, save_cycle, save_journee
from app.services.support import unique_slug
from app.web.api_v1.core import NO_NUL, ApiBlueprint, Problem, idempotent, not_found
from app.web.api_v1.events import CycleSchema, JourneeSchema, cycle_or_404

blp = ApiBlueprint("api_v1_agenda", __name__, url_prefix="/cycles",
                   description="Publier l'agenda : créer et modifier cycles et journées / publish the agenda")
Str = ma.fields.String
SLUG = ma.validate.Regexp(r"^[a-z0-9]+(?:-[a-z0-9]+)*$", error="lettres minuscules, chiffres et tirets / a-z, 0-9, -")
URL = ma.validate.Regexp(r"^(https?://[^\s\x00]+)?$", error="adresse web (https://…) / a web address")


def _text(limit: int | None = None) -> ma.fields.String:
    return Str(validate=[ma.validate.Length(max=limit or 20_000), NO_NUL])


class ReminderRuleSchema(ma.Schema):
    days_before = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(0, 365))
    time = Str(load_default="09:00", validate=ma.validate.Regexp(r"^([01][0-9]|2[0-3]):[0-5][0-9]$"),
               metadata={"description": "HH:MM, heure de Paris / Paris time"})
    intro = Str(validate=[ma.validate.Length(max=5000), NO_NUL], metadata={
        "description": "l'introduction du rappel (Markdown) ; absente : celle du rappel du même nombre de jours "
                       "est gardée, \"\" l'efface / the reminder's introduction; omitted: the one of the rule with "
                       "the same days_before is kept, \"\" removes it"})


class CycleWriteSchema(ma.Schema):
    """The cycle's fields as the admin's editor has them; omitted fields keep their value (PATCH) or
    their default (POST)."""

    kicker = _text(200)
    title = Str(validate=[ma.validate.Length(1, 300), NO_NUL])
    subtitle = _text(300)
    period = _text(200)
    introduction = _text()
    stakes = _text()
    objectives = _text()
    audience = _text()
    format = _text()
    speakers = _text()
    sponsor_note = _text()
    venue_name = _text(300)
    venue_room = _text(300)
    venue_address = _text()
    contact_name = _text(200)
    contact_email = Str(validate=[ma.validate.Length(max=320),
                                  ma.validate.Regexp(r"^([^@\s\x00]+@[^@\s\x00]+)?$",
                                                                     error="adresse e-mail / an address")])
    contact_phone = _text(50)
    registration_required = ma.fields.Boolean()
    registration_url = Str(validate=[ma.validate.Length(max=500), URL],
                           metadata={"description": "formulaire externe (vide = celui de Lettrine) / external form"})
    agenda_url = Str(validate=[ma.validate.Length(max=500), URL])
    capacity = ma.fields.Integer(allow_none=True, strict=True, validate=ma.validate.Range(1, 100_000),
                                 metadata={"description": "places par journée, null = illimité / seats per journée"})
    hold_seats = ma.fields.Boolean(metadata={"description": "places tenues après confirmation de l'adresse"})
    published = ma.fields.Boolean(metadata={"description": "visible dans l'agenda, ouvert aux inscriptions"})
    reminder_rules = ma.fields.List(ma.fields.Nested(ReminderRuleSchema), validate=ma.validate.Length(max=10))


class CycleCreateSchema(CycleWriteSchema):
    title = Str(required=True, validate=[ma.validate.Length(1, 300), NO_NUL])
    slug = Str(validate=[ma.validate.Length(1, 80), SLUG],
               metadata={"description": "tiré du titre si absent / derived from the title when absent"})


class JourneeWriteSchema(ma.Schema):
    number = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(1, 99))
    starts_at = ma.fields.AwareDateTime(required=True, metadata={"description": "ISO 8601 avec décalage"})
    ends_at = ma.fields.AwareDateTime(required=True)
    title = _text(300)
    introduction = _text()
    objectives = _text()
    work_axes = _text()


class JourneeOutSchema(JourneeSchema):
    introduction = Str()
    objectives = Str()
    work_axes = Str()


def _rules(cycle: Cycle, rules: list[dict]) -> list[dict]:
    """The rules as given; a rule without ``intro`` keeps the introduction the officer wrote for that number of
    days in the cycle editor (the API does not show the rules, so a client cannot send them back)."""
    written = {r.get("days_before"): r.get("intro") or "" for r in cycle.reminder_rules or [] if isinstance(r, dict)}
    out = []
    for rule in rules:
        intro = rule["intro"] if "intro" in rule else written.get(rule["days_before"], "")
        out.append({"days_before": rule["days_before"], "time": rule["time"], **({"intro": intro} if intro else {})})
    return out


def _apply(cycle: Cycle, data: dict) -> None:
    for name, value in data.items():
        if name == "reminder_rules":
            value = _rules(cycle, value)
        elif isinstance(value, str):
            value = value.strip()
        setattr(cycle, name, value)


def _journee_or_404(cycle: Cycle, number: int) -> Journee:
    for journee in cycle.journees:
        if journee.number == number:
            return journee
    raise not_found("Journée", "Journée")


def _texts(data: dict, journee: Journee | None = None) -> dict[str, str]:
    return {name: data.get(name, getattr(journee, name, "") if journee else "") for name in JOURNEE_TEXT_FIELDS}


@blp.post("")
@blp.scoped("events:write", 409, 422)
@idempotent(blp)
@blp.arguments(CycleCreateSchema)
@blp.response(201, CycleSchema)
def create_cycle(data: dict):
    """Créer un cycle (sans journées : ajoutez-les ensuite) ; ses rappels suivent ses dates / create a cycle."""
    slug = data.pop("slug", None)
    if slug and find_cycle(slug) is not None:
        raise Problem(409, f"Un cycle porte déjà l'adresse « {slug} ».", "A cycle already has this slug.")
    cycle = Cycle(slug=slug or unique_slug(Cycle, data["title"]), published=False)
    _apply(cycle, data)
    save_cycle(cycle)
    return cycle


@blp.patch("/<slug>")
@blp.scoped("events:write", 404, 422)
@blp.arguments(CycleWriteSchema)
@blp.response(200, CycleSchema)
def update_cycle(data: dict, slug: str):
    """Modifier un cycle (les champs donnés seulement) ; rappels recalculés / update a cycle."""
    cycle = cycle_or_404(slug)
    _apply(cycle, data)
    save_cycle(cycle)
    return cycle


@blp.post("/<slug>/journees")
@blp.scoped("events:write", 404, 409, 422)
@idempotent(blp)
@blp.arguments(JourneeWriteSchema)
@blp.response(201, JourneeOutSchema)
def create_journee(data: dict, slug: str):
    """Ajouter une journée (à venir) ; ses rappels sont programmés / add a journée."""
    cycle = cycle_or_404(slug)
    if any(j.number == data["number"] for j in cycle.journees):
        raise Problem(409, f"La journée {data['number']} existe déjà.", "This journée number is taken.")
    return add_journee(cycle, number=data["number"], starts_at=data["starts_at"], ends_at=data["ends_at"],
                       texts=_texts(data))


@blp.get("/<slug>/journees/<int:number>")
@blp.scoped("events:read", 404)
@blp.response(200, JourneeOutSchema)
def get_journee(slug: str, number: int):
    """Une journée / one journée."""
    return _journee_or_404(cycle_or_404(slug), number)


class JourneeUpdateSchema(JourneeWriteSchema):
    number = ma.fields.Integer(strict=True, validate=ma.validate.Range(1, 99))
    starts_at = ma.fields.AwareDateTime()
    ends_at = ma.fields.AwareDateTime()


@blp.patch("/<slug>/journees/<int:number>")
@blp.scoped("events:write", 404, 409, 422)
@blp.arguments(JourneeUpdateSchema)
@blp.response(200, JourneeOutSchema)
def update_journee(data: dict, slug: str, number: int):
    """Modifier une journée ; de nouvelles heures la déplacent et ses inscrits reçoivent le nouveau .ics /
    update a journée (a move tells its registrants)."""
    cycle = cycle_or_404(slug)
    journee = _journee_or_404(cycle, number)
    new_number = data.get("number", journee.number)
    if new_number != journee.number and any(j.number == new_number for j in cycle.journees):
        raise Problem(409, f"La journée {new_number} existe déjà.", "This journée number is taken.")
    save_journee(journee, number=new_number, starts_at=data.get("starts_at", journee.starts_at),
                 ends_at=data.get("ends_at", journee.ends_at), texts=_texts(data, journee))
    return journee


@blp.delete("/<slug>/journees/<int:number>")
@blp.scoped("events:write", 404, 422)
@blp.response(204)
def remove_journee(slug: str, number: int):
    """Supprimer une journée sans inscrits dont aucun rappel n'est parti / delete an unused journée."""
    cycle = cycle_or_404(slug)
    delete_journee(_journee_or_404(cycle, number))
