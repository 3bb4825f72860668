"""/api/v1/sequences: the sequences with their counts; create or update one from its file; enrol an address."""
from __future__ import annotations

import marshmallow as ma

from app.services.sequences import all_sequences, enrol_address, load_sequence, sequence_by_name, sequence_summary
from app.web.api_v1.core import ApiBlueprint, idempotent

blp = ApiBlueprint("api_v1_sequences", __name__, url_prefix="/sequences",
                   description="Séquences automatiques / automated sequences")


class SequenceSchema(ma.Schema):
    name = ma.fields.String()
    slug = ma.fields.String()
    trigger = ma.fields.String(metadata={"description": "subscribed, registered, before_journee, after_journee…"})
    paused = ma.fields.Boolean()
    fired_at = ma.fields.String(allow_none=True)
    steps = ma.fields.List(ma.fields.Dict())
    exit = ma.fields.List(ma.fields.String())
    definition = ma.fields.Dict(metadata={"description": "le fichier, tel que chargé / the file as loaded"})
    counts = ma.fields.Dict(metadata={"description": "enrolled, active, waiting{step}, completed, exited{reason}, "
                                                     "queued{step}, passed{step}"})


class DefinitionSchema(ma.Schema):
    """The file's shape (docs/sequences.md): checked by the service, which names the field at fault."""

    class Meta:
        unknown = ma.INCLUDE

    name = ma.fields.String(required=True)
    trigger = ma.fields.Dict(required=True)
    steps = ma.fields.List(ma.fields.Dict(), required=True)
    exit = ma.fields.List(ma.fields.String(), load_default=list)


class EnrolSchema(ma.Schema):
    email = ma.fields.String(required=True, validate=ma.validate.Length(1, 320))


class EnrolledSchema(ma.Schema):
    sequence = ma.fields.String()
    email = ma.fields.String()
    enrolled = ma.fields.Boolean(metadata={"description": "false : déjà inscrite (une fois par personne) / already"})


@blp.get("")
@blp.scoped("sequences:read")
@blp.response(200, SequenceSchema(many=True))
def list_sequences():
    """Toutes les séquences et leurs chiffres / every sequence and its counts."""
    return [sequence_summary(s) for s in all_sequences()]


@blp.get("/<name>")
@blp.scoped("sequences:read", 404)
@blp.response(200, SequenceSchema)
def get_sequence(name: str):
    """Une séquence (son nom ou son slug) / one sequence (its name or slug)."""
    return sequence_summary(sequence_by_name(name))


@blp.post("")
@blp.scoped("sequences:write", 422)
@idempotent(blp)
@blp.arguments(DefinitionSchema)
@blp.response(200, SequenceSchema)
def save_sequence(data: dict):
    """Créer ou mettre à jour une séquence depuis son fichier (même forme que `flask sequences load`) /
    create or update a sequence from its file."""
    sequence, _created = load_sequence(data)
    return sequence_summary(sequence)


@blp.post("/<name>/enrol")
@blp.scoped("sequences:write", 404, 422)
@idempotent(blp)
@blp.arguments(EnrolSchema)
@blp.response(200, EnrolledSchema)
def enrol(data: dict, name: str):
    """Inscrire une adresse (déjà connue) à une séquence déclenchée par l'API / enrol a known address."""
    sequence, enrolled = enrol_address(name, data["email"])
    return {"sequence": sequence.name, "email": data["email"], "enrolled": enrolled}
