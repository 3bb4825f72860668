"""/api/v1/campaigns: create, update, preview (HTML and text), test send, schedule, send, pause, resume,
cancel, progress and report — the officer's actions, through the same services as the admin."""
from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import marshmallow as ma
from sqlalchemy import select

from app.extensions import db
from app.message.builder import HeaderInjection
from app.sending.compose import builder_for
from app.message.inspect import message_parts
from app.message.render import RenderError
from app.models import Campaign, CampaignStatus, CampaignTemplate, Cycle, MailingList
from app.services.campaigns import (
    BLOCK_TYPES,
    CampaignStateError,
    MessageRefused,
    build_report,
    campaign_progress as progress,
    cancel_campaign,
    pause_campaign,
    queue_campaign_message,
    resume_campaign,
    schedule_campaign,
    start_campaign,
    validate_blocks,
)
from app.services.audience import InvalidAddress
from app.services.support import unique_slug
from app.web.admin.campaign_preview import SAMPLE
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

EDITABLE = (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED, CampaignStatus.PAUSED)
ONE_LINE = ma.validate.Regexp(r"^[^\r\n]*$", error="pas de retour à la ligne / no line break")
Str = ma.fields.String


class SegmentSchema(ma.Schema):
    function = Str(validate=ma.validate.Length(max=200))
    commune = Str(validate=ma.validate.Length(max=200))
    organisation = Str(validate=ma.validate.Length(max=200))


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
    schema = BLOCK_SCHEMAS.get(block.get("type")) if isinstance(block, dict) else None
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
    return {
        "name": Str(validate=[ma.validate.Length(1, 300), ONE_LINE]),
        "subject": Str(validate=[ma.validate.Length(max=300), ONE_LINE]),
        "preheader": Str(validate=[ma.validate.Length(max=200), ONE_LINE]),
        "from_name": Str(validate=[ma.validate.Length(max=200), ONE_LINE]),
        "reply_to": Str(validate=[ma.validate.Length(max=320), ONE_LINE]),
        "lists": ma.fields.List(Str(validate=ma.validate.Length(1, 80)), validate=ma.validate.Length(max=50)),
        "segment": ma.fields.Nested(SegmentSchema),
        "blocks": ma.fields.List(BLOCK, validate=ma.validate.Length(max=100)),
    }


class CampaignUpdateSchema(ma.Schema.from_dict(_editable_fields())):  # type: ignore[misc]
    pass


class CampaignCreateSchema(ma.Schema.from_dict(_editable_fields())):  # type: ignore[misc]
    name = Str(required=True, validate=[ma.validate.Length(1, 300), ONE_LINE])
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
    addresses = ma.fields.List(Str(validate=ma.validate.Length(1, 320)), required=True, validate=ma.validate.Length(1, 10))


class QueuedSchema(ma.Schema):
    ids = ma.fields.List(ma.fields.Integer(), metadata={"description": "à lire sur /api/v1/tx/<id> / read on /api/v1/tx/<id>"})


class ScheduleSchema(ma.Schema):
    at = ma.fields.AwareDateTime(required=True, metadata={"description": "avec fuseau / with a time zone"})


class PauseSchema(ma.Schema):
    reason = Str(load_default="", validate=ma.validate.Length(max=500))


class ResumeArgs(ma.Schema):
    # After a guard's pause: "I have read what it saw" (the reason is in status_reason and progress.guard).
    acknowledge = ma.fields.Boolean(load_default=False)


class ProgressSchema(ma.Schema):
    status = Str()
    status_reason = Str()
    guard = Str()
    total = ma.fields.Integer()
    sent = ma.fields.Integer()
    failed = ma.fields.Integer()
    skipped = ma.fields.Integer()
    queued = ma.fields.Integer()
    in_flight = ma.fields.Integer()
    bounced = ma.fields.Integer()
    done = ma.fields.Integer()
    rate = ma.fields.Float()
    eta = ma.fields.Float(allow_none=True)


class ReportSchema(ma.Schema):
    recipients = ma.fields.Integer()
    counts = ma.fields.Dict(keys=Str(), values=ma.fields.Integer())
    bounced = ma.fields.Integer()
    unsubscribed = ma.fields.Integer()
    failures = ma.fields.List(ma.fields.Dict())
    clicks = ma.fields.List(ma.fields.Dict())


def campaign_or_404(campaign_id: int) -> Campaign:
    return get_or_404(Campaign, campaign_id, "Campagne", "Campaign")


def _apply(campaign: Campaign, data: dict) -> None:
    for name in ("name", "subject", "preheader", "from_name", "reply_to"):
        if name in data:
            setattr(campaign, name, data[name].strip())
    if "segment" in data:
        campaign.segment = {k: v.strip() for k, v in data["segment"].items() if v and v.strip()}
    if "lists" in data and campaign.template != CampaignTemplate.REMINDER:
        found = {m.slug: m for m in db.session.scalars(select(MailingList).where(MailingList.slug.in_(data["lists"])))}
        missing = [s for s in data["lists"] if s not in found]
        if missing:
            raise Problem(422, f"Liste inconnue : {missing[0]}", f"Unknown list: {missing[0]}", errors={"lists": missing})
        campaign.lists = [found[s] for s in dict.fromkeys(data["lists"])]
    if "blocks" in data:
        if campaign.template != CampaignTemplate.NEWSLETTER:
            raise Problem(422, "Seule une lettre d'information a des blocs.", "Only a newsletter has blocks.")
        errors = [f"Bloc {i} — {e}" for i, block in enumerate(data["blocks"], start=1) for e in block_errors(block)]
        errors = errors or validate_blocks(data["blocks"])
        if errors:
            raise Problem(422, "Blocs invalides : " + " ; ".join(errors), "Invalid blocks.", errors={"blocks": errors})
        campaign.content = {**(campaign.content or {}), "blocks": data["blocks"]}


def _state_error(exc: Exception) -> Problem:
    return Problem(409, str(exc), "The campaign is not in a state that allows this action.")


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
    template = CampaignTemplate(data["template"])
    campaign = Campaign(name=data["name"].strip(), template=template, slug=unique_slug(Campaign, data["name"]))
    if template == CampaignTemplate.CYCLE_ANNOUNCEMENT:
        cycle = db.session.get(Cycle, data["cycle_id"]) if data.get("cycle_id") else None
        if cycle is None:
            raise Problem(422, "« cycle_id » : cycle introuvable.", "\"cycle_id\": no such cycle.")
        campaign.cycle_id = cycle.id
        campaign.subject = f"{cycle.kicker + ' : ' if cycle.kicker else ''}{cycle.title}"[:300]
        campaign.preheader = (cycle.period or "")[:200]
    db.session.add(campaign)
    _apply(campaign, data)
    db.session.commit()
    return campaign


@blp.get("/<int:campaign_id>")
@blp.scoped("campaigns:read", 404)
@blp.response(200, CampaignSchema)
def get_campaign(campaign_id: int):
    """Une campagne / one campaign."""
    return campaign_or_404(campaign_id)


@blp.patch("/<int:campaign_id>")
@blp.scoped("campaigns:write", 404, 409, 422)
@blp.arguments(CampaignUpdateSchema)
@blp.response(200, CampaignSchema)
def update_campaign(data: dict, campaign_id: int):
    """Modifier une campagne en brouillon, programmée ou en pause / update an editable campaign."""
    campaign = campaign_or_404(campaign_id)
    if campaign.status not in EDITABLE:
        raise Problem(409, f"Cette campagne n'est plus modifiable (statut : {campaign.status.value}).",
                      f"This campaign can no longer be edited (status: {campaign.status.value}).")
    _apply(campaign, data)
    db.session.commit()
    return campaign


@blp.get("/<int:campaign_id>/preview")
@blp.scoped("campaigns:read", 404, 422)
@blp.response(200, PreviewSchema)
def preview(campaign_id: int):
    """Le message rendu pour une personne fictive : HTML et texte / the rendered HTML and text."""
    campaign = campaign_or_404(campaign_id)
    try:
        raw = builder_for(campaign).build(SAMPLE).raw
    except (RenderError, HeaderInjection) as exc:
        raise Problem(422, f"Le message ne peut pas être rendu : {exc}", "The message cannot be rendered.") from exc
    parts = message_parts(raw)
    subject = next((value for name, value in parts.headers if name.lower() == "subject"), "")
    return {"subject": subject, "html": parts.html, "text": parts.text, "headers": [list(h) for h in parts.headers]}


@blp.post("/<int:campaign_id>/test")
@blp.scoped("campaigns:write", 404, 422)
@idempotent(blp)
@blp.arguments(TestSendSchema)
@blp.response(202, QueuedSchema)
def test_send(data: dict, campaign_id: int):
    """Envoyer le vrai message à quelques adresses de test (10 au plus) / test send."""
    campaign = campaign_or_404(campaign_id)
    ids = []
    try:
        for address in data["addresses"]:
            row = queue_campaign_message(campaign, address, {}, reference=f"test:campaign:{campaign.id}",
                                         kind="test", test=True)
            ids.append(row.id)
    except InvalidAddress as exc:
        db.session.rollback()
        raise Problem(422, f"Adresse de test invalide : {exc}", "Invalid test address.") from exc
    except (MessageRefused, RenderError) as exc:
        db.session.rollback()
        raise Problem(422, str(exc), "The message cannot be built.") from exc
    db.session.commit()
    return {"ids": ids}


@blp.post("/<int:campaign_id>/schedule")
@blp.scoped("campaigns:send", 404, 409, 422)
@blp.arguments(ScheduleSchema)
@blp.response(200, CampaignSchema)
def schedule(data: dict, campaign_id: int):
    """Programmer l'envoi (les vérifications avant envoi doivent passer) / schedule (preflight must pass)."""
    campaign = campaign_or_404(campaign_id)
    at: datetime = data["at"]
    try:
        schedule_campaign(campaign, at)
    except CampaignStateError as exc:
        raise _state_error(exc) from exc
    return campaign


@blp.post("/<int:campaign_id>/send")
@blp.scoped("campaigns:send", 404, 409)
@idempotent(blp)
@blp.response(200, CampaignSchema)
def send_now(campaign_id: int):
    """Envoyer maintenant : la campagne passe « en cours » et les workers l'envoient / send now."""
    campaign = campaign_or_404(campaign_id)
    try:
        started = start_campaign(campaign)
    except CampaignStateError as exc:
        raise _state_error(exc) from exc
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
    try:
        pause_campaign(campaign, data["reason"])
    except CampaignStateError as exc:
        raise _state_error(exc) from exc
    return campaign


@blp.post("/<int:campaign_id>/resume")
@blp.scoped("campaigns:send", 404, 409)
@blp.arguments(ResumeArgs, location="query")
@blp.response(200, CampaignSchema)
def resume(args: dict, campaign_id: int):
    """Reprendre / resume. Après une pause automatique, ``?acknowledge=true`` / after a guard's pause."""
    campaign = campaign_or_404(campaign_id)
    try:
        resume_campaign(campaign, acknowledged=args["acknowledge"], by=f"api:{current_token().name}"[:320])
    except CampaignStateError as exc:
        raise _state_error(exc) from exc
    return campaign


@blp.post("/<int:campaign_id>/cancel")
@blp.scoped("campaigns:send", 404, 409)
@blp.response(200, CampaignSchema)
def cancel(campaign_id: int):
    """Annuler pour de bon (les envois en file sont abandonnés) / cancel for good."""
    campaign = campaign_or_404(campaign_id)
    try:
        cancel_campaign(campaign)
    except CampaignStateError as exc:
        raise _state_error(exc) from exc
    return campaign


@blp.get("/<int:campaign_id>/progress")
@blp.scoped("campaigns:read", 404)
@blp.response(200, ProgressSchema)
def campaign_progress(campaign_id: int):
    """Où en est l'envoi / sending progress."""
    return progress(campaign_or_404(campaign_id)).as_dict()


@blp.get("/<int:campaign_id>/report")
@blp.scoped("campaigns:read", 404)
@blp.response(200, ReportSchema)
def report(campaign_id: int):
    """Bilan : envois, échecs et leurs raisons, désabonnements, clics / report."""
    result = build_report(campaign_or_404(campaign_id))
    return {
        "recipients": result.recipients, "counts": result.counts, "bounced": result.bounced,
        "unsubscribed": result.unsubscribed,
        "failures": [{"smtp_code": code, "reply": reply, "count": count} for code, reply, count in result.failures],
        "clicks": [{"url": c.url, "clicks": c.clicks} for c in result.clicks],
    }
