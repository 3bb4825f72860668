"""A sequence's file (the same JSON as the API's), read, checked and saved: create or update by name.

The shape (docs/sequences.md)::

    {"name": "Bienvenue",
     "trigger": {"subscribed": "lettre"},
     "steps": [{"after": "0", "subject": "…", "markdown": "…"},
               {"after": "3d", "window": "mon-fri 09:00-18:00", "subject": "…", "markdown": "…"}],
     "exit": ["unsubscribed"]}

Triggers: ``{"subscribed": LIST}``, ``{"registered": CYCLE}``, ``{"attended": [CYCLE, N]}``,
``{"absent": [CYCLE, N]}``, ``{"after_journee": [CYCLE, N]}`` (both: the steps' ``if`` tells
them apart), ``{"before_journee": [CYCLE, N, DAYS], "audience": {"list": LIST, "not_registered":
CYCLE}}``, ``{"survey_not_answered": [CYCLE, N | null, DAYS]}``, ``{"api": true}``.

Each step owns a campaign that stays ``sending`` (``app.models.sequences``): its subject and
Markdown are that campaign's, so the step is rendered, footed and unsubscribed like any
campaign, and previews and test sends of campaigns work on it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from app.errors import LettrineError
from app.extensions import db
from app.message.header_text import SUBJECT, HeaderTextError, check_field
from app.models import (
    Campaign,
    CampaignStatus,
    CampaignTemplate,
    Cycle,
    Journee,
    MailingList,
    Sequence,
    SequenceStep,
    utcnow,
)
from app.sending import campaign_state, eligibility
from app.services.sequences.timing import TimingError, format_delay, parse_delay, parse_window
from app.services.support import slugify

# Trigger kinds the engine knows, and whether a date (rather than an event) fires them.
EVENT_TRIGGERS = ("subscribed", "registered", "survey_not_answered", "api")
DATED_TRIGGERS = ("before_journee", "attended", "absent", "after_journee")
TRIGGERS = EVENT_TRIGGERS + DATED_TRIGGERS
# Reasons an enrolment ends early. "unsubscribed", "erased" and "ineligible" (a bounce, a
# complaint, the suppression list) always apply; the others when the file lists them.
EXITS = ("unsubscribed", "erased", "registered", "cycle_full", "cycle_started")
ALWAYS_EXITS = ("unsubscribed", "erased", "ineligible")
# What a step may require of the person when it falls due (otherwise it is passed over).
CONDITIONS = ("not_registered", "registered", "places_left", "present", "absent", "not_answered")
# The segment key that marks a step's campaign (``app.sending.eligibility.campaign_kind`` reads it).
STEP_MARKER = eligibility.SEQUENCE_STEP


class SequenceError(LettrineError, ValueError):
    """A sequence file the engine cannot take (French, one line naming the field)."""

    status = 422
    code = "sequence_invalid"
    en = "The sequence definition is not valid."


class SequenceNotFound(LettrineError, LookupError):
    status = 404
    code = "sequence_not_found"
    en = "No sequence of that name."


@dataclass
class StepSpec:
    after_seconds: int
    window: str
    condition: str
    subject: str
    markdown: str


@dataclass
class SequenceSpec:
    name: str
    trigger_kind: str
    list_id: int | None = None
    cycle_id: int | None = None
    journee_id: int | None = None
    exits: list[str] = field(default_factory=list)
    steps: list[StepSpec] = field(default_factory=list)
    definition: dict[str, Any] = field(default_factory=dict)


def _list(slug: Any) -> MailingList:
    found = db.session.scalar(select(MailingList).where(MailingList.slug == str(slug)))
    if found is None:
        raise SequenceError(f"liste inconnue : {slug!r}")
    return found


def _cycle(slug: Any) -> Cycle:
    found = db.session.scalar(select(Cycle).where(Cycle.slug == str(slug)))
    if found is None:
        raise SequenceError(f"cycle inconnu : {slug!r}")
    return found


def _journee(cycle: Cycle, number: Any) -> Journee:
    found = next((j for j in cycle.journees if str(j.number) == str(number)), None)
    if found is None:
        raise SequenceError(f"le cycle {cycle.slug!r} n'a pas de journée {number!r}")
    return found


def _args(trigger: dict[str, Any], key: str, count: int) -> list[Any]:
    value = trigger[key]
    if not isinstance(value, list) or len(value) != count:
        raise SequenceError(f"déclencheur « {key} » : {count} valeurs attendues entre crochets")
    return value


def parse(data: Any) -> SequenceSpec:
    """Check a file's JSON and resolve what it names (lists, cycles, journées); raises :class:`SequenceError`."""
    if not isinstance(data, dict):
        raise SequenceError("un objet JSON est attendu")
    name = str(data.get("name") or "").strip()
    if not name or len(name) > 200:
        raise SequenceError("« name » est obligatoire (200 caractères au plus)")
    trigger = data.get("trigger")
    if not isinstance(trigger, dict):
        raise SequenceError("« trigger » est obligatoire (un objet)")
    kinds = [k for k in trigger if k in TRIGGERS]
    if len(kinds) != 1:
        raise SequenceError(f"« trigger » : un et un seul déclencheur parmi {', '.join(TRIGGERS)}")
    kind = kinds[0]
    spec = SequenceSpec(name=name, trigger_kind=kind)
    if kind == "subscribed":
        spec.list_id = _list(trigger[kind]).id
    elif kind == "registered":
        spec.cycle_id = _cycle(trigger[kind]).id
    elif kind in ("attended", "absent", "after_journee"):
        cycle_slug, number = _args(trigger, kind, 2)
        cycle = _cycle(cycle_slug)
        spec.cycle_id, spec.journee_id = cycle.id, _journee(cycle, number).id
    elif kind in ("before_journee", "survey_not_answered"):
        cycle_slug, number, days = _args(trigger, kind, 3)
        if not isinstance(days, int) or days < 0:
            raise SequenceError(f"déclencheur « {kind} » : le nombre de jours doit être un entier positif")
        cycle = _cycle(cycle_slug)
        spec.cycle_id = cycle.id
        spec.journee_id = _journee(cycle, number).id if number is not None else None
        if kind == "before_journee" and spec.journee_id is None:
            raise SequenceError("déclencheur « before_journee » : le numéro de la journée est obligatoire")
        if kind == "before_journee":
            audience = trigger.get("audience", data.get("audience"))
            if not isinstance(audience, dict) or "list" not in audience:
                raise SequenceError("« before_journee » demande une audience : {\"list\": LISTE, \"not_registered\": CYCLE}")
            spec.list_id = _list(audience["list"]).id
            if audience.get("not_registered") not in (None, cycle.slug):
                raise SequenceError("« not_registered » doit nommer le cycle du déclencheur")
    exits = data.get("exit", [])
    if not isinstance(exits, list) or any(e not in EXITS for e in exits):
        raise SequenceError(f"« exit » : une liste parmi {', '.join(EXITS)}")
    if any(e in ("registered", "cycle_full", "cycle_started") for e in exits) and spec.cycle_id is None:
        raise SequenceError("les sorties « registered », « cycle_full », « cycle_started » demandent un cycle")
    spec.exits = list(dict.fromkeys(exits))
    steps = data.get("steps")
    if not isinstance(steps, list) or not steps:
        raise SequenceError("« steps » : au moins une étape")
    for number, step in enumerate(steps, 1):
        if not isinstance(step, dict):
            raise SequenceError(f"étape {number} : un objet est attendu")
        subject = str(step.get("subject") or "").strip()
        markdown = str(step.get("markdown") or "").strip()
        if not subject or len(subject) > 300:
            raise SequenceError(f"étape {number} : « subject » est obligatoire (300 caractères au plus)")
        try:  # the one check of header-bound text, as for every other subject (app.message.header_text)
            check_field(SUBJECT, subject)
        except HeaderTextError as exc:
            raise SequenceError(f"étape {number} : {exc}") from exc
        if not markdown:
            raise SequenceError(f"étape {number} : « markdown » est obligatoire")
        condition = str(step.get("if") or "")
        if condition and condition not in CONDITIONS:
            raise SequenceError(f"étape {number} : condition « {condition} » inconnue ({', '.join(CONDITIONS)})")
        if condition and condition != "places_left" and spec.cycle_id is None:
            raise SequenceError(f"étape {number} : la condition « {condition} » demande un cycle")
        if condition in ("present", "absent") and spec.journee_id is None:
            raise SequenceError(f"étape {number} : la condition « {condition} » demande une journée")
        window = str(step.get("window") or "")
        try:
            parse_window(window)
            after = parse_delay(step.get("after"))
        except TimingError as exc:
            raise SequenceError(f"étape {number} : {exc}") from exc
        spec.steps.append(StepSpec(after, window, condition, subject, markdown))
    spec.definition = export_of(spec, data)
    return spec


def export_of(spec: SequenceSpec, data: dict[str, Any]) -> dict[str, Any]:
    """The file as kept (and given back by the API): the original, delays written the engine's way."""
    return {
        "name": spec.name,
        "trigger": data["trigger"],
        **({"audience": data["audience"]} if "audience" in data else {}),
        "steps": [{"after": format_delay(s.after_seconds), **({"window": s.window} if s.window else {}),
                   **({"if": s.condition} if s.condition else {}), "subject": s.subject, "markdown": s.markdown}
                  for s in spec.steps],
        "exit": spec.exits,
    }


def step_campaign(sequence: Sequence, step: SequenceStep) -> Campaign:
    """The campaign that carries a step: always ``sending``, its one block the step's Markdown."""
    campaign = db.session.get(Campaign, step.campaign_id) if step.campaign_id else None
    if campaign is None:
        now = utcnow()
        base = f"sequence-{sequence.slug}-{step.position}-{step.id}"[:110]
        slug, n = base, 2
        while db.session.scalar(select(Campaign.id).where(Campaign.slug == slug)) is not None:
            slug, n = f"{base}-{n}", n + 1  # the step's earlier campaign, cancelled, keeps its slug
        campaign = Campaign(slug=slug, status=CampaignStatus.SENDING, started_at=now,
                            template=CampaignTemplate.NEWSLETTER)
        db.session.add(campaign)
    campaign.name = f"Séquence « {sequence.name} » — étape {step.position}"[:300]
    campaign.subject = step.subject
    campaign.content = {"blocks": [{"type": "text", "text": step.markdown}]}
    campaign.segment = {STEP_MARKER: step.id}
    mailing_list = db.session.get(MailingList, sequence.list_id) if sequence.list_id else None
    # A welcome series speaks for its list (List-Id, the unsubscribe link's scope); other steps have none.
    campaign.lists = [mailing_list] if mailing_list is not None and sequence.trigger_kind == "subscribed" else []
    db.session.flush()
    step.campaign_id = campaign.id
    return campaign


def save(spec: SequenceSpec) -> tuple[Sequence, bool]:
    """Create the sequence, or update the one of that name (its steps matched by position). Commits.

    Enrolments keep their place; a step removed takes its campaign out of the send path
    (cancelled), and who stood at it moves on at the next tick.
    """
    sequence = db.session.scalar(select(Sequence).where(Sequence.name == spec.name))
    created = sequence is None
    if sequence is None:
        sequence = Sequence(name=spec.name, slug=_free_slug(spec.name), trigger_kind=spec.trigger_kind, exits=[])
        db.session.add(sequence)
    sequence.trigger_kind = spec.trigger_kind
    if (sequence.cycle_id, sequence.journee_id, sequence.list_id) != (spec.cycle_id, spec.journee_id, spec.list_id):
        sequence.fired_at = None  # a new date or audience: fires again (enrolments stay unique per person)
    sequence.list_id, sequence.cycle_id, sequence.journee_id = spec.list_id, spec.cycle_id, spec.journee_id
    sequence.exits = spec.exits
    sequence.definition = spec.definition
    db.session.flush()
    existing = {s.position: s for s in sequence.steps}
    for position, wanted in enumerate(spec.steps, 1):
        step = existing.pop(position, None)
        if step is None:
            step = SequenceStep(sequence_id=sequence.id, position=position)
            sequence.steps.append(step)
        step.after_seconds, step.window, step.condition = wanted.after_seconds, wanted.window, wanted.condition
        step.subject, step.markdown = wanted.subject, wanted.markdown
        db.session.flush()
        step_campaign(sequence, step)
    for step in existing.values():
        if step.campaign_id is not None:
            campaign_state.cancel(step.campaign_id, utcnow(), "étape retirée de la séquence")
        sequence.steps.remove(step)
    db.session.commit()
    return sequence, created


def _free_slug(name: str) -> str:
    base = slugify(name, 100) or "sequence"
    slug, n = base, 2
    while db.session.scalar(select(Sequence.id).where(Sequence.slug == slug)) is not None:
        slug, n = f"{base}-{n}", n + 1
    return slug


def load(data: Any) -> tuple[Sequence, bool]:
    """Create or update a sequence from its file's JSON; ``(sequence, created)``. Commits."""
    return save(parse(data))


def by_name(name: str) -> Sequence:
    found = db.session.scalar(select(Sequence).where(Sequence.name == name))
    if found is None:
        found = db.session.scalar(select(Sequence).where(Sequence.slug == name))
    if found is None:
        raise SequenceNotFound(f"séquence inconnue : {name!r}")
    return found


def all_sequences() -> list[Sequence]:
    return list(db.session.scalars(select(Sequence).order_by(Sequence.name)))


def set_paused(sequence: Sequence, paused: bool) -> bool:
    """Pause (every enrolment waits where it stands) or resume; True when it changed. Commits."""
    changed = sequence.paused != paused
    sequence.paused = paused
    db.session.commit()
    return changed
