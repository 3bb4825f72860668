"""/api/v1/campaigns: create, update, preview (HTML and text), test send, schedule, send, pause, resume,
cancel, progress and report — the officer's actions, through the same services as the admin."""
from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import marshmallow as ma
from flask_babel import force_locale
from sqlalchemy import select

from app.models import Campaign, CampaignStatus, CampaignTemplate
from app.services.campaigns import (
    BLOCK_TYPES,
    FIELD_LIMITS,
    FILTER_LIMIT,
    MAX_BLOCKS,
    MAX_TEST_ADDRESSES,
    CampaignFields,
    CompositionError,
    TestSendError,
    build_report,
    campaign_figures,
    cancel_campaign,
    create_campaign as compose_campaign,
    pause_campaign,
    preview_message,
    resume_campaign,
    schedule_campaign,
    send_test,
    start_campaign,
    update_campaign as recompose_campaign,
)
from app.web.api_v1.core import (
    ID,
    MAX_ID,
    ApiBlueprint,
    PageArgs,
    Problem,
    current_token,
    get_or_404,
    idempotent,
    page_of,
)

blp = ApiBlueprint("api_v1_campaigns", __name__, url_prefix="/campaigns", description="Campagnes / campaigns")

ONE_LINE = ma.validate.Regexp(r"^[^\r\n]*$", error="pas de retour à la ligne / no line break")
Str = ma.fields.String


class SegmentSchema(ma.Schema):
    function = Str(validate=ma.validate.Length(max=FILTER_LIMIT))
    commune = Str(validate=ma.validate.Length(max=FILTER_LIMIT))
    organisation = Str(validate=ma.validate.Length(max=FILTER_LIMIT))


class AudienceSchema(ma.Schema):
    """Who registered (or came): the same criterion as the composer's "Inscription" choice."""

    kind = Str(required=True, validate=ma.validate.OneOf(
        ["cycle", "journee", "waiting", "none", "present", "absent", "answered", "not_answered"]))
    cycle_id = ma.fields.Integer(required=True, strict=True, validate=ID)
    journee_id = ma.fields.Integer(strict=True, validate=ID, allow_none=True, load_default=None)


def _block_json_schemas() -> list[dict]:
    """One JSON schema per block type, written from ``BLOCK_TYPES`` (the composer's own description),
    so the API documents exactly what :func:`validate_blocks` accepts."""
    kinds: dict[str, dict[str, Any]] = {"text": {"type": "string", "maxLength": 20000}, "markdown": {"type": "string", "maxLength": 20000},
             "url": {"type": "string", "maxLength": 2000, "pattern": r"^(https://[A-Za-z0-9.-]+(/\S*)?|mailto:\S+|tel:\S+)$"},
             "number": {"type": "integer", "minimum": 1, "maximum": 1000}, "checkbox": {"type": "boolean"},
             "cycle": {"type": "integer", "minimum": 1, "maximum": MAX_ID}}
    schemas = []
    for kind, (_label, fields) in BLOCK_TYPES.items():
        properties: dict = {"type": {"const": kind}}
        for field in fields:
            prop = dict(kinds[field.kind])
            if field.required and prop["type"] == "string":
                prop["pattern"] = prop.get("pattern", r"\S")
            if field.name == "width":
                prop["maximum"] = 600
            properties[field.name] = prop
        schema = {"type": "object", "properties": properties, "additionalProperties": False,
                  "required": ["type", *[f.name for f in fields if f.required]]}
        if kind == "image":  # a text alternative, or marked decorative
            schema["anyOf"] = [{"properties": {"decorative": {"const": True}}, "required": ["decorative"]},
                               {"properties": {"alt": {"type": "string", "pattern": r"\S"}}, "required": ["alt"]}]
        schemas.append(schema)
    return schemas


BLOCK_SCHEMAS = {schema["properties"]["type"]["const"]: schema for schema in _block_json_schemas()}
_JSON_TYPES = {"string": str, "integer": int, "boolean": bool}


def _matches(value: Any, schema: dict[str, Any]) -> bool:
    """``value`` against one property's schema, with the few keywords the block schemas use."""
    if "const" in schema:
        return value == schema["const"]
    kind = _JSON_TYPES[schema["type"]]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        return False
    if isinstance(value, str):
        return len(value) <= schema.get("maxLength", len(value)) and (
            "pattern" not in schema or re.search(schema["pattern"], value) is not None)
    if kind is int:
        return schema.get("minimum", value) <= value <= schema.get("maximum", value)
    return True


def block_errors(block: Any) -> list[str]:
    """Why ``block`` does not match the schema the description gives for its type (empty if it does).

    The same dicts as the OpenAPI description, so what is documented is what is enforced; the
    composer's rules (:func:`validate_blocks`) still run after this.
    """
    kind = block.get("type") if isinstance(block, dict) else None
    schema = BLOCK_SCHEMAS.get(kind) if isinstance(kind, str) else None  # a list or an object is no type
    if schema is None:
        return ["type de bloc inconnu / unknown block type"]
    errors = [f"champ obligatoire / required: {name}" for name in schema["required"] if name not in block]
    for name, value in block.items():
        prop = schema["properties"].get(name)
        if prop is None:
            errors.append(f"champ inconnu / unknown field: {name[:40]}")
        elif not _matches(value, prop):
            errors.append(f"valeur refusée / invalid value: {name}")
    if "anyOf" in schema and not any(all(n in block and _matches(block[n], p) for n, p in option["properties"].items())
                                     for option in schema["anyOf"]):
        errors.append("texte alternatif ou image décorative / alt text or decorative")
    return errors


BLOCK = ma.fields.Dict(metadata={"oneOf": list(BLOCK_SCHEMAS.values())})


def _editable_fields() -> dict[str, ma.fields.Field]:
    """The fields documented and parsed here; their limits are the composition service's, which checks them again."""
    return {
        "name": Str(validate=[ma.validate.Length(1, FIELD_LIMITS["name"]), ONE_LINE]),
        **{name: Str(validate=[ma.validate.Length(max=FIELD_LIMITS[name]), ONE_LINE])
           for name in ("subject", "preheader", "from_name", "reply_to")},
        "lists": ma.fields.List(Str(validate=ma.validate.Length(1, 80)), validate=ma.validate.Length(max=50), metadata={
            "description": "identifiants ; absent à la création : la première liste, comme dans l'admin / "
                           "slugs; absent on creation: the first list, as in the admin"}),
        "segment": ma.fields.Nested(SegmentSchema),
        "audience": ma.fields.Nested(AudienceSchema, allow_none=True, metadata={
            "description": "inscrits d'un cycle ou d'une journée (null : aucun) / a cycle's or journée's registrants"}),
        "blocks": ma.fields.List(BLOCK, validate=ma.validate.Length(max=MAX_BLOCKS), metadata={
            "description": "le bloc {\"type\": \"greeting\"} place « Bonjour Prénom, » ; sans lui, pas de salutation / "
                           "the {\"type\": \"greeting\"} block places the greeting; without it, none"}),
    }


class CampaignUpdateSchema(ma.Schema.from_dict(_editable_fields())):  # type: ignore[misc]
    pass


class CampaignCreateSchema(ma.Schema.from_dict(_editable_fields())):  # type: ignore[misc]
    name = Str(required=True, validate=[ma.validate.Length(1, FIELD_LIMITS["name"]), ONE_LINE])
    template = Str(load_default=CampaignTemplate.NEWSLETTER.value,
                   validate=ma.validate.OneOf([CampaignTemplate.NEWSLETTER.value, CampaignTemplate.CYCLE_ANNOUNCEMENT.value]))
    cycle_id = ma.fields.Integer(strict=True, validate=ID, metadata={"description": "pour une annonce de cycle / for a cycle announcement"})


class CampaignSchema(ma.Schema):
    id = ma.fields.Integer()
    slug = Str()
    name = Str()
    template = ma.fields.Function(lambda c: c.template.value)
    status = ma.fields.Function(lambda c: c.status.value, metadata={"enum": [s.value for s in CampaignStatus]})
    status_reason = Str()
    subject = Str()
    preheader = Str()
    from_name = Str()
    reply_to = Str()
    lists = ma.fields.Function(lambda c: [m.slug for m in c.lists])
    segment = ma.fields.Dict()
    blocks = ma.fields.Function(lambda c: list((c.content or {}).get("blocks", [])))
    cycle_id = ma.fields.Integer(allow_none=True)
    journee_id = ma.fields.Integer(allow_none=True)
    scheduled_at = ma.fields.DateTime(allow_none=True)
    started_at = ma.fields.DateTime(allow_none=True)
    finished_at = ma.fields.DateTime(allow_none=True)
    created_at = ma.fields.DateTime()


class CampaignPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(CampaignSchema))
    next_cursor = Str(allow_none=True)


class PreviewSchema(ma.Schema):
    subject = Str()
    html = Str()
    text = Str()
    headers = ma.fields.List(ma.fields.List(Str()))


class TestSendSchema(ma.Schema):
    # The limit of ten is the service's (the same refusal, in the same words, as in the admin).
    addresses = ma.fields.List(Str(validate=ma.validate.Length(1, 320)), required=True, validate=ma.validate.Length(min=1),
                               metadata={"description": f"{MAX_TEST_ADDRESSES} au plus / at most {MAX_TEST_ADDRESSES}"})


class QueuedSchema(ma.Schema):
    ids = ma.fields.List(ma.fields.Integer(), metadata={"description": "à lire sur /api/v1/tx/<id> / read on /api/v1/tx/<id>"})


class ScheduleSchema(ma.Schema):
    at = ma.fields.AwareDateTime(required=True, metadata={"description": "avec fuseau / with a time zone"})


class PauseSchema(ma.Schema):
    reason = Str(load_default="", validate=ma.validate.Length(max=500))


class ResumeArgs(ma.Schema):
    # After a guard's pause: "I have read what it saw" (the reason is in status_reason and progress.guard).
    acknowledge = ma.fields.Boolean(load_default=False)


def _count(description: str) -> ma.fields.Integer:
    return ma.fields.Integer(metadata={"description": description})


class FiguresSchema(ma.Schema):
    """A campaign's figures (docs/campaign-figures.md): the JSON of ``flask campaigns progress --json``."""

    id = ma.fields.Integer()
    slug = Str()
    status = Str(metadata={"enum": [s.value for s in CampaignStatus]})
    status_reason = Str()
    audience = _count("destinataires (une ligne d'envoi par personne, figée au départ) / people addressed")
    audience_estimated = ma.fields.Boolean(metadata={"description": "pas encore parti : compte du jour / "
                                                                    "not started yet: today's count"})
    queued = _count("en attente de leur tour / waiting")
    in_flight = _count("entre les mains d'un worker / in a worker's hands")
    sent = _count("acceptés par le serveur d'envoi / accepted by the relay")
    refused = _count("refusés pour de bon / failed for good")
    skipped = _count("désinscrits ou exclus avant leur tour / unsubscribed or suppressed before their turn")
    abandoned = _count("campagne annulée avant leur tour / cancelled before their turn")
    bounced = _count("rebonds, parmi les envoyés et refusés / bounced, among sent and refused")
    unsubscribed = _count("personnes désinscrites par les liens de la campagne / unsubscribed through its links")
    clicks = ma.fields.Integer(allow_none=True, metadata={"description": "null : suivi des clics désactivé / "
                                                                         "null: click tracking off"})
    done = _count("sent + refused + skipped + abandoned")
    percent = ma.fields.Integer(allow_none=True, metadata={
        "description": "en cours, en pause ou envoyée ; sinon null / while sending, paused or sent; else null"})
    rate = ma.fields.Float(allow_none=True, metadata={"description": "msg/s, en cours d'envoi seulement / "
                                                                     "while sending only"})
    eta = ma.fields.Float(allow_none=True, metadata={"description": "secondes, en cours d'envoi seulement / "
                                                                    "seconds, while sending only"})
    guard = Str(metadata={"description": "en pause par un garde-fou : ce qu'il a constaté, jusqu'à ce qu'on le "
                                         "reconnaisse (resume?acknowledge=true) / paused by a send guard: what it saw"})


class CampaignDetailSchema(CampaignSchema):
    figures = ma.fields.Function(lambda c: campaign_figures(c).as_dict(),
                                 metadata={"description": "comme /progress / as /progress"})


class ReportSchema(ma.Schema):
    figures = ma.fields.Nested(FiguresSchema)
    failures = ma.fields.List(ma.fields.Dict())
    clicks = ma.fields.List(ma.fields.Dict())


def campaign_or_404(campaign_id: int) -> Campaign:
    return get_or_404(Campaign, campaign_id, "Campagne", "Campaign")


def _fields(data: dict, template: CampaignTemplate = CampaignTemplate.NEWSLETTER) -> CampaignFields:
    """The request's values as the composition service reads them (absent: left as they are; "audience": null, none)."""
    return CampaignFields(
        name=data.get("name"), template=template, cycle_id=data.get("cycle_id"), subject=data.get("subject"),
        preheader=data.get("preheader"), from_name=data.get("from_name"), reply_to=data.get("reply_to"),
        lists=data.get("lists"), filters=data.get("segment"), blocks=data.get("blocks"),
        audience=(data["audience"] or {}) if "audience" in data else None)


def _refused(exc: CompositionError) -> Problem:
    if exc.errors:
        return Problem(exc.status, exc.fr, exc.en, errors=exc.errors)
    return Problem(exc.status, exc.fr, exc.en)


def _block_shapes(data: dict) -> None:
    """The blocks against the schema the description gives, before the composer's own rules."""
    errors = [f"Bloc {i} — {e}" for i, block in enumerate(data.get("blocks") or [], start=1) for e in block_errors(block)]
    if errors:
        raise Problem(422, "Blocs invalides : " + " ; ".join(errors), "Invalid blocks.", errors={"blocks": errors})


@blp.get("")
@blp.scoped("campaigns:read")
@blp.arguments(PageArgs, location="query")
@blp.response(200, CampaignPageSchema)
def list_campaigns(args: dict):
    """Les campagnes, les plus anciennes d'abord (curseur) / campaigns, oldest first (cursor)."""
    items, cursor = page_of(select(Campaign), Campaign.id, args)
    return {"items": items, "next_cursor": cursor}


@blp.post("")
@blp.scoped("campaigns:write", 404, 422)
@idempotent(blp)
@blp.arguments(CampaignCreateSchema)
@blp.response(201, CampaignSchema)
def create_campaign(data: dict):
    """Créer une campagne (lettre à blocs, ou annonce d'un cycle) / create a campaign."""
    _block_shapes(data)
    try:
        return compose_campaign(_fields(data, CampaignTemplate(data["template"])))
    except CompositionError as exc:
        raise _refused(exc) from exc


@blp.get("/<int:campaign_id>")
@blp.scoped("campaigns:read", 404)
@blp.response(200, CampaignDetailSchema)
def get_campaign(campaign_id: int):
    """Une campagne et ses chiffres / one campaign and its figures."""
    return campaign_or_404(campaign_id)


@blp.patch("/<int:campaign_id>")
@blp.scoped("campaigns:write", 404, 409, 422)
@blp.arguments(CampaignUpdateSchema)
@blp.response(200, CampaignSchema)
def update_campaign(data: dict, campaign_id: int):
    """Modifier une campagne en brouillon, programmée ou en pause / update an editable campaign."""
    campaign = campaign_or_404(campaign_id)
    _block_shapes(data)
    try:
        recompose_campaign(campaign, _fields(data))
    except CompositionError as exc:
        raise _refused(exc) from exc
    return campaign


@blp.get("/<int:campaign_id>/preview")
@blp.scoped("campaigns:read", 404, 422)
@blp.response(200, PreviewSchema)
def preview(campaign_id: int):
    """Le message rendu pour une personne fictive : HTML et texte / the rendered HTML and text."""
    with force_locale("fr"):
        found = preview_message(campaign_or_404(campaign_id))
    if found.error:
        raise Problem(422, found.error, "The message cannot be rendered.")
    parts = found.parts
    return {"subject": found.subject, "html": parts.html, "text": parts.text, "headers": [list(h) for h in parts.headers]}


@blp.post("/<int:campaign_id>/test")
@blp.scoped("campaigns:write", 404, 422)
@idempotent(blp)
@blp.arguments(TestSendSchema)
@blp.response(202, QueuedSchema)
def test_send(data: dict, campaign_id: int):
    """Envoyer le vrai message à quelques adresses de test (10 au plus) / test send."""
    try:
        rows = send_test(campaign_or_404(campaign_id), data["addresses"], actor=f"api:{current_token().name}")
    except TestSendError as exc:
        raise Problem(422, exc.fr, exc.en) from exc
    return {"ids": [row.id for row in rows]}


@blp.post("/<int:campaign_id>/schedule")
@blp.scoped("campaigns:send", 404, 409, 422)
@blp.arguments(ScheduleSchema)
@blp.response(200, CampaignSchema)
def schedule(data: dict, campaign_id: int):
    """Programmer l'envoi (les vérifications avant envoi doivent passer) / schedule (preflight must pass)."""
    campaign = campaign_or_404(campaign_id)
    at: datetime = data["at"]
    schedule_campaign(campaign, at)
    return campaign


@blp.post("/<int:campaign_id>/send")
@blp.scoped("campaigns:send", 404, 409)
@idempotent(blp)
@blp.response(200, CampaignSchema)
def send_now(campaign_id: int):
    """Envoyer maintenant : la campagne passe « en cours » et les workers l'envoient / send now."""
    campaign = campaign_or_404(campaign_id)
    started = start_campaign(campaign)
    if started is None:
        raise Problem(409, "Cette campagne est déjà partie ou ne peut pas partir.", "This campaign was already started or cannot start.")
    return campaign


@blp.post("/<int:campaign_id>/pause")
@blp.scoped("campaigns:send", 404, 409, 422)
@blp.arguments(PauseSchema)
@blp.response(200, CampaignSchema)
def pause(data: dict, campaign_id: int):
    """Suspendre / pause."""
    campaign = campaign_or_404(campaign_id)
    pause_campaign(campaign, data["reason"])
    return campaign


@blp.post("/<int:campaign_id>/resume")
@blp.scoped("campaigns:send", 404, 409)
@blp.arguments(ResumeArgs, location="query")
@blp.response(200, CampaignSchema)
def resume(args: dict, campaign_id: int):
    """Reprendre / resume. Après une pause automatique, ``?acknowledge=true`` / after a guard's pause."""
    campaign = campaign_or_404(campaign_id)
    resume_campaign(campaign, acknowledged=args["acknowledge"], by=f"api:{current_token().name}"[:320])
    return campaign


@blp.post("/<int:campaign_id>/cancel")
@blp.scoped("campaigns:send", 404, 409)
@blp.response(200, CampaignSchema)
def cancel(campaign_id: int):
    """Annuler pour de bon (les envois en file sont abandonnés) / cancel for good."""
    campaign = campaign_or_404(campaign_id)
    cancel_campaign(campaign)
    return campaign


@blp.get("/<int:campaign_id>/progress")
@blp.scoped("campaigns:read", 404)
@blp.response(200, FiguresSchema)
def campaign_progress(campaign_id: int):
    """Les chiffres de la campagne et où en est l'envoi / the campaign's figures and progress."""
    return campaign_figures(campaign_or_404(campaign_id)).as_dict()


@blp.get("/<int:campaign_id>/report")
@blp.scoped("campaigns:read", 404)
@blp.response(200, ReportSchema)
def report(campaign_id: int):
    """Bilan : envois, échecs et leurs raisons, désabonnements, clics / report."""
    result = build_report(campaign_or_404(campaign_id))
    return {
        "figures": result.figures.as_dict(),
        "failures": [{"smtp_code": code, "reply": reply, "count": count} for code, reply, count in result.failures],
        "clicks": [{"url": c.url, "clicks": c.clicks} for c in result.clicks],
    }
