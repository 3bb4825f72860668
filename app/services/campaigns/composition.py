"""Composing a campaign: one set of rules for the admin composer, the API and the CLI.

:func:`create_campaign` derives what a template implies (an announcement's subject and
preheader from its cycle, a reminder's subject from its journée, a letter to registrants'
subject from their cycle or journée), cuts what it derives to the columns, refuses what was
typed beyond them or across lines, checks the lists, the filters, the registrants' audience
and the blocks, and commits. :func:`update_campaign` applies the same checks to a campaign
that may still change. The admin, ``POST /api/v1/campaigns`` and ``flask campaigns create``
parse their input into :class:`CampaignFields` and call these; none of them decides anything.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.i18n import TranslatedError
from app.message.header_text import (
    ADDRESS_IN_NAME,
    CONTROL,
    FIELDS as HEADER_FIELDS,
    NOT_ONE_MAILBOX,
    REPLY_TO,
    HeaderTextError,
    check_field,
    without_controls,
)
from app.message.richtext import split_heading
from app.models import Campaign, CampaignStatus, CampaignTemplate, Cycle, Journee, MailingList, MediaFile
from app.services.audience import (
    REGISTRANT_KINDS,
    InvalidAddress,
    InvalidCriterion,
    UnknownList,
    lists_by_slug,
    normalise_criterion,
    normalise_email,
)
from app.services.campaigns.blocks import OWN_GREETING, empty_block, validate_blocks
from app.services.events import reminder_subject
from app.services.support import insert_media_into, store_media, unique_slug

# What may still change: a campaign that has not started (or is held).
EDITABLE = (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED, CampaignStatus.PAUSED)
# The longest value each one-line field takes (its column); derived values are cut to it, typed ones refused.
FIELD_LIMITS = {"name": 300, "subject": 300, "preheader": 200, "from_name": 200, "reply_to": 320}
FIELD_LABELS = {"name": _l("Nom interne"), "subject": _l("Objet"), "preheader": _l("Texte d'aperçu"),
                "from_name": _l("Nom de l'expéditeur"), "reply_to": _l("Adresse de réponse")}
# The "contains" filters on the people's profile, and the longest text each takes.
SEGMENT_FILTERS = ("function", "commune", "organisation")
FILTER_LIMIT = 200
MAX_BLOCKS = 100


class CompositionError(TranslatedError):
    """The campaign cannot be created or changed as asked; nothing was saved.

    ``status`` is the HTTP answer it stands for (409: the campaign's state forbids it; 422:
    the input is wrong); ``errors`` the details, field by field.
    """

    def __init__(self, message: Any, *, status: int = 422, errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.status, self.errors = status, errors or {}


@dataclass
class CampaignFields:
    """What the officer (or another system) says of a campaign; None leaves a value as it is
    (on creation: derived from the template, or empty)."""

    name: str | None = None
    template: CampaignTemplate = CampaignTemplate.NEWSLETTER
    cycle_id: int | None = None  # the cycle an announcement announces
    journee_id: int | None = None  # the journée a reminder recalls
    subject: str | None = None
    preheader: str | None = None
    from_name: str | None = None
    reply_to: str | None = None
    lists: Sequence[MailingList | str] | None = None  # rows, or slugs to look up
    filters: dict[str, str] | None = None  # "contains" filters: function, commune, organisation
    audience: dict[str, Any] | None = None  # registrants criterion ({} = none): kind, cycle_id, journee_id
    blocks: list[dict[str, Any]] | None = None  # a newsletter's blocks
    markdown: str | None = None  # or its text as Markdown (a leading "# heading" becomes its title)


def create_campaign(fields: CampaignFields, *, created_by: int | None = None) -> Campaign:
    """A new draft from ``fields``, with what its template implies; commits. CompositionError when refused."""
    template = CampaignTemplate(fields.template)
    name = _typed("name", fields.name) or ""
    if not name and fields.subject:
        name = _typed("subject", fields.subject) or ""
    if not name:
        raise CompositionError(_l("Donnez un nom à la campagne."), errors={"name": [str(_l("obligatoire"))]})
    campaign = Campaign(name=name, template=template, created_by=created_by, subject="", preheader="",
                        from_name="", reply_to="", segment={})
    criterion = _criterion(fields.audience) if template != CampaignTemplate.REMINDER else None
    registrants = criterion if criterion is not None and criterion["kind"] in REGISTRANT_KINDS else None
    if template == CampaignTemplate.CYCLE_ANNOUNCEMENT:
        cycle = db.session.get(Cycle, fields.cycle_id or 0)
        if cycle is None:
            raise CompositionError(_l("Choisissez le cycle à annoncer."), errors={"cycle_id": [str(_l("cycle introuvable"))]})
        campaign.cycle_id = cycle.id
        campaign.subject = announcement_subject(cycle)
        campaign.preheader = without_controls(cycle.period or "")[: FIELD_LIMITS["preheader"]]
    elif template == CampaignTemplate.REMINDER:
        journee = db.session.get(Journee, fields.journee_id or 0)
        if journee is None:
            raise CompositionError(_l("Choisissez la journée à rappeler."),
                                   errors={"journee_id": [str(_l("journée introuvable"))]})
        campaign.cycle_id, campaign.journee_id = journee.cycle_id, journee.id
        campaign.subject = reminder_subject(journee)  # the automatic reminders' rule
    else:
        if fields.blocks is None and fields.markdown is None:
            campaign.content = {"blocks": [empty_block("title"), empty_block("greeting"), empty_block("text")]}
        if registrants is not None:
            campaign.cycle_id = registrants["cycle_id"]
            campaign.subject = registrants_subject(registrants)
    if fields.lists is None and template != CampaignTemplate.REMINDER and registrants is None:
        # The composer's starting point: the first list (registrants need none: they chose to come).
        default = db.session.scalar(select(MailingList).order_by(MailingList.id))
        campaign.lists = [default] if default is not None else []
    campaign.slug = unique_slug(Campaign, name)
    with db.session.no_autoflush:  # the lookups below must not flush a half-made campaign
        _apply(campaign, fields, criterion=criterion, keep_invalid_blocks=False)
    db.session.add(campaign)
    db.session.commit()
    return campaign


def open_announcement(cycle: Cycle, name: str, *, created_by: int | None = None) -> tuple[Campaign, bool]:
    """The cycle's announcement still in draft, or a new one named ``name``; ``(campaign, created)``.

    A second click on "Créer l'annonce" (or a second tab) opens the draft she already started
    instead of silently making another with the same name."""
    draft = db.session.scalar(select(Campaign).where(
        Campaign.cycle_id == cycle.id, Campaign.template == CampaignTemplate.CYCLE_ANNOUNCEMENT,
        Campaign.status == CampaignStatus.DRAFT).order_by(Campaign.id))
    if draft is not None:
        return draft, False
    fields = CampaignFields(name=name, template=CampaignTemplate.CYCLE_ANNOUNCEMENT, cycle_id=cycle.id)
    return create_campaign(fields, created_by=created_by), True


def update_campaign(campaign: Campaign, fields: CampaignFields, *, keep_invalid_blocks: bool = False) -> list[str]:
    """Apply ``fields`` to a campaign that may still change; commits. CompositionError when refused.

    ``keep_invalid_blocks``: the composer keeps what the officer typed even when a block is
    wrong (nothing she wrote is lost) and shows the returned problems; the API refuses instead.
    """
    if campaign.status not in EDITABLE:
        raise CompositionError(_l("Cette campagne n'est plus modifiable (statut : %(status)s).",
                                  status=campaign.status.value), status=409)
    criterion = _criterion(fields.audience) if fields.audience is not None else None
    with db.session.no_autoflush:
        problems = _apply(campaign, fields, criterion=criterion, keep_invalid_blocks=keep_invalid_blocks)
    db.session.commit()
    return problems


def set_click_tracking(campaign: Campaign, on: bool) -> None:
    """Rewrite the letter's links through Lettrine (or stop); commits. Refused once sending began: its
    recipients must all get the same links."""
    if campaign.status not in (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED):
        raise CompositionError(_l("Le suivi des clics ne peut plus changer : l'envoi a commencé."), status=409)
    campaign.track_clicks = on
    db.session.commit()


def append_image(campaign: Campaign, *, upload: tuple[bytes, str, str] | None = None, media_id: int | None = None,
                 actor: str, at: int | None = None) -> MediaFile:
    """Add an image block to a draft newsletter at index ``at`` (where the author was; None: at the end): an
    uploaded file (bytes, name, text alternative), kept in the media library, or one already there; commits.
    CompositionError or MediaError when refused."""
    if campaign.template != CampaignTemplate.NEWSLETTER or campaign.status != CampaignStatus.DRAFT:
        raise CompositionError(_l("Les images s'ajoutent aux lettres d'information en brouillon."), status=409)
    if upload is not None:
        row = store_media(*upload, actor=actor)
    else:
        found = db.session.get(MediaFile, media_id or 0)
        if found is None:
            raise CompositionError(_l("Choisissez une image ou envoyez-en une."))
        row = found
    campaign.content = {**(campaign.content or {}),
                        "blocks": insert_media_into(list((campaign.content or {}).get("blocks", [])), row, at)}
    db.session.commit()
    return row


def announcement_subject(cycle: Cycle) -> str:
    """"Cycle de qualification : Comment faire vivre…": the kicker, then the title, cut to the column."""
    return without_controls(f"{cycle.kicker + ' : ' if cycle.kicker else ''}{cycle.title}")[: FIELD_LIMITS["subject"]]


def registrants_subject(criterion: dict[str, Any]) -> str:
    """A letter to a cycle's (or a journée's) registrants is about the cycle's title (and the journée)."""
    cycle = db.session.get(Cycle, criterion["cycle_id"])
    journee = db.session.get(Journee, criterion["journee_id"]) if criterion.get("journee_id") else None
    title = without_controls(cycle.title) if cycle is not None else ""
    suffix = f" — journée {journee.number}" if journee else ""  # kept whole: the title gives way
    return title[: FIELD_LIMITS["subject"] - len(suffix)] + suffix


def registrants_audience(cycle: Cycle, journee_number: int | None = None) -> dict[str, Any]:
    """The criterion "registered for the cycle" (or for its journée ``journee_number``)."""
    if journee_number is None:
        return {"kind": "cycle", "cycle_id": cycle.id, "journee_id": None}
    journee = next((j for j in cycle.journees if j.number == journee_number), None)
    if journee is None:
        raise CompositionError(_l("Le cycle « %(cycle)s » n'a pas de journée %(number)s.",
                                  cycle=cycle.slug, number=journee_number))
    return {"kind": "journee", "cycle_id": cycle.id, "journee_id": journee.id}


def markdown_blocks(text: str) -> list[dict[str, Any]]:
    """A letter written as Markdown: its leading "# heading" becomes the title block, the rest one text block.

    The greeting block comes first, as it always did, unless the letter opens with a greeting of its
    own ("Bonjour à toutes et à tous,"): then it would greet twice."""
    heading, rest = split_heading(text)
    blocks = [{"type": "title", "text": heading}] if heading else []
    if rest.strip():
        blocks.append({"type": "text", "text": rest.strip()})
    if not blocks:
        raise CompositionError(_l("Le texte du message est vide."), errors={"markdown": [str(_l("vide"))]})
    return blocks if OWN_GREETING.match(rest.strip()) else [{"type": "greeting"}] + blocks


def _typed(field: str, value: str | None) -> str | None:
    """A one-line value as typed: stripped; refused across lines or beyond its column, and for the
    header-bound ones (subject, preheader, sender's name, reply-to) by the one header-text check."""
    if value is None:
        return None
    if "\r" in value or "\n" in value:
        raise CompositionError(_l("« %(field)s » : pas de retour à la ligne.", field=FIELD_LABELS[field]),
                               errors={field: [str(_l("pas de retour à la ligne"))]})
    if field in HEADER_FIELDS:
        try:
            value = check_field(field, value)
            if field == REPLY_TO and value:
                normalise_email(value)  # the one mailbox must also be one an email validator takes
        except HeaderTextError as exc:
            raise header_text_refusal(exc, FIELD_LABELS[field]) from exc
        except InvalidAddress as exc:
            raise header_text_refusal(HeaderTextError(field, NOT_ONE_MAILBOX), FIELD_LABELS[field]) from exc
    value = value.strip()
    if len(value) > FIELD_LIMITS[field]:
        raise CompositionError(_l("« %(field)s » : %(limit)s caractères au plus.", field=FIELD_LABELS[field],
                                  limit=FIELD_LIMITS[field]), errors={field: [str(_l("trop long"))]})
    return value


def header_text_refusal(exc: HeaderTextError, label: Any) -> CompositionError:
    """The header-text check's refusal in the reader's language, naming the field as the form does."""
    if exc.reason == CONTROL and exc.codepoint in ("000A", "000D"):
        why = _l("pas de retour à la ligne")
    elif exc.reason == CONTROL:
        why = _l("caractère de contrôle interdit (U+%(codepoint)s)", codepoint=exc.codepoint)
    elif exc.reason == ADDRESS_IN_NAME:
        why = _l("un nom d'expéditeur ne contient pas d'adresse (ni « @ », ni « < > »)")
    else:
        why = _l("une seule adresse e-mail, sans nom ni autre adresse (ex. formations@crpve91.fr)")
    return CompositionError(_l("« %(field)s » : %(why)s.", field=label, why=why), errors={exc.field: [str(why)]})


def header_text_problems(campaign: Campaign, skip: Sequence[str] = ()) -> list[str]:
    """What the header-text check refuses in a campaign as it stands (one saved before the check
    existed, or the composer's unsaved copy): the preview and the checks before sending say it."""
    problems = []
    for field in sorted(HEADER_FIELDS - set(skip)):
        try:
            check_field(field, getattr(campaign, field) or "")
        except HeaderTextError as exc:
            problems.append(str(header_text_refusal(exc, FIELD_LABELS[field])))
    return problems


def _criterion(raw: dict[str, Any] | None) -> dict[str, Any] | None:
    try:
        return normalise_criterion(raw) if raw else None
    except InvalidCriterion as exc:
        raise CompositionError(_l("Critère d'inscription refusé : %(error)s", error=str(exc)),
                               errors={"audience": [str(exc)]}) from exc


def _filters(raw: dict[str, str]) -> dict[str, str]:
    unknown = sorted(set(raw) - set(SEGMENT_FILTERS))
    if unknown:
        raise CompositionError(_l("Filtre inconnu : %(name)s", name=unknown[0][:40]))
    kept = {key: (raw.get(key) or "").strip() for key in SEGMENT_FILTERS}
    if any(len(value) > FILTER_LIMIT for value in kept.values()):
        raise CompositionError(_l("Un filtre dépasse %(limit)s caractères.", limit=FILTER_LIMIT))
    return {key: value for key, value in kept.items() if value}


def _lists(wanted: Sequence[MailingList | str]) -> list[MailingList]:
    slugs = [item for item in wanted if isinstance(item, str)]
    try:
        found = {m.slug: m for m in lists_by_slug(slugs)}
    except UnknownList as exc:
        raise CompositionError(_l("Liste inconnue : %(slug)s", slug=exc.missing[0]),
                               errors={"lists": exc.missing}) from exc
    rows = [found[item] if isinstance(item, str) else item for item in wanted]
    return list({row.id: row for row in rows}.values())


def _blocks(campaign: Campaign, fields: CampaignFields, keep_invalid: bool) -> tuple[list[dict[str, Any]] | None, list[str]]:
    if fields.blocks is None and fields.markdown is None:
        return None, []
    if campaign.template != CampaignTemplate.NEWSLETTER:
        raise CompositionError(_l("Seule une lettre d'information a des blocs."))
    blocks = fields.blocks if fields.blocks is not None else markdown_blocks(fields.markdown or "")
    if len(blocks) > MAX_BLOCKS:
        raise CompositionError(_l("%(limit)s blocs au plus.", limit=MAX_BLOCKS))
    problems = validate_blocks(blocks)
    if problems and not keep_invalid:
        raise CompositionError(_l("Blocs invalides : %(errors)s", errors=" ; ".join(problems)),
                               errors={"blocks": problems})
    return blocks, problems


def _apply(campaign: Campaign, fields: CampaignFields, *, criterion: dict[str, Any] | None,
           keep_invalid_blocks: bool) -> list[str]:
    """Check every value first, then set them: a refusal changes nothing."""
    texts = {name: _typed(name, getattr(fields, name)) for name in FIELD_LIMITS}
    if texts["name"] == "":
        raise CompositionError(_l("Donnez un nom à la campagne."), errors={"name": [str(_l("obligatoire"))]})
    reminder = campaign.template == CampaignTemplate.REMINDER
    lists = _lists(fields.lists) if fields.lists is not None and not reminder else None
    filters = _filters(fields.filters) if fields.filters is not None else None
    blocks, problems = _blocks(campaign, fields, keep_invalid_blocks)
    for name, value in texts.items():
        if value is not None:
            setattr(campaign, name, value)
    if filters is not None or fields.audience is not None:
        current = dict(campaign.segment or {})
        event = current.get("event") if fields.audience is None else criterion
        segment = filters if filters is not None else {k: v for k, v in current.items() if k != "event"}
        # A new dict, never changed in place: a JSON column does not see in-place changes.
        campaign.segment = {**segment, "event": event} if event and not reminder else dict(segment)
    if lists is not None:
        campaign.lists = lists
    if blocks is not None:
        campaign.content = {**(campaign.content or {}), "blocks": blocks}
    return problems
