"""Audiences from registrations: "registered for the cycle / for journée N / on the waiting
list / registered for none of this cycle's journées", plus the follow-up audiences
(present / absent / answered the survey).

A criterion is a small dict stored in ``Campaign.segment["event"]`` (or a saved segment):
``{"kind": "journee", "cycle_id": 3, "journee_id": 7}``. Two forms of the same rule:

- :func:`clause` — a SQL condition on ``Subscriber.id``, for the audience query and counts;
- :func:`members` — which of a batch's ids match, read through the unique
  (cycle, subscriber) index: the send-time re-check stays driven by the batch's ids.
"""
from __future__ import annotations

from typing import Any, Iterable

from sqlalchemy import Select, exists, select
from sqlalchemy.orm import selectinload

from app.errors import LettrineError
from app.extensions import db
from app.models import Cycle, Journee, Registration, RegistrationDay, RegistrationStatus, Subscriber
from app.services.audience.followup_audiences import KINDS as FOLLOWUP_KINDS
from app.services.audience.followup_audiences import followup_ids

REGISTRATION_KINDS = ("cycle", "journee", "waiting", "none")
KINDS = REGISTRATION_KINDS + FOLLOWUP_KINDS
# Kinds that name people who chose to come: a campaign may reach them with no list at all
# (practical information about the event they registered for).
REGISTRANT_KINDS = ("cycle", "journee", "waiting", "present", "absent", "answered", "not_answered")
_SEATED = (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITING)


class InvalidCriterion(LettrineError, ValueError):
    """The criterion names an unknown kind, cycle or journée (message in French)."""

    status = 422
    code = "audience_criterion"
    en = "Unknown audience criterion, cycle or journée."


def normalise(raw: dict[str, Any] | None) -> dict[str, Any] | None:
    """A checked criterion (ints, a known kind, the journée belongs to the cycle), or None."""
    if not raw or not raw.get("kind"):
        return None
    kind = str(raw["kind"])
    if kind not in KINDS:
        raise InvalidCriterion(f"critère d'inscription inconnu : {kind}")
    try:
        cycle_id = int(raw.get("cycle_id") or 0)
        journee_id = int(raw["journee_id"]) if raw.get("journee_id") not in (None, "", 0, "0") else None
    except (TypeError, ValueError) as exc:
        raise InvalidCriterion("cycle ou journée invalide") from exc
    if journee_id is not None:
        journee = db.session.get(Journee, journee_id)
        if journee is None:
            raise InvalidCriterion("journée inconnue")
        cycle_id = journee.cycle_id
    if not cycle_id or db.session.get(Cycle, cycle_id) is None:
        raise InvalidCriterion("cycle inconnu")
    if kind in ("journee", "absent") and journee_id is None:
        raise InvalidCriterion("choisissez la journée")
    if kind in ("cycle", "none"):
        journee_id = None
    return {"kind": kind, "cycle_id": cycle_id, "journee_id": journee_id}


def _days(criterion: dict[str, Any]) -> Select:
    """Registration ids holding a seat (or a waiting place) as the criterion asks."""
    kind, cycle_id, journee_id = criterion["kind"], criterion["cycle_id"], criterion.get("journee_id")
    query = select(RegistrationDay.registration_id)
    if kind == "journee":
        return query.where(RegistrationDay.journee_id == journee_id,
                           RegistrationDay.status == RegistrationStatus.CONFIRMED)
    journees = select(Journee.id).where(Journee.cycle_id == cycle_id)
    if kind == "waiting":
        if journee_id is not None:
            return query.where(RegistrationDay.journee_id == journee_id,
                               RegistrationDay.status == RegistrationStatus.WAITING)
        return query.where(RegistrationDay.journee_id.in_(journees), RegistrationDay.status == RegistrationStatus.WAITING)
    if kind == "cycle":
        return query.where(RegistrationDay.journee_id.in_(journees), RegistrationDay.status == RegistrationStatus.CONFIRMED)
    # "none": a seat or a waiting place on any journée of the cycle counts as registered.
    return query.where(RegistrationDay.journee_id.in_(journees), RegistrationDay.status.in_(_SEATED))


def ids_query(criterion: dict[str, Any]) -> Select:
    """SELECT of subscriber ids (column ``id``) matching a positive criterion (not "none")."""
    if criterion["kind"] in FOLLOWUP_KINDS:
        return followup_ids(criterion["kind"], criterion["cycle_id"], criterion.get("journee_id"))
    return select(Registration.subscriber_id.label("id")).where(
        Registration.cycle_id == criterion["cycle_id"], Registration.id.in_(_days(criterion)))


def clause(criterion: dict[str, Any]):
    """SQL condition on ``Subscriber.id`` for this criterion."""
    if criterion["kind"] == "none":
        return ~exists().where(Registration.subscriber_id == Subscriber.id,
                               Registration.cycle_id == criterion["cycle_id"],
                               Registration.id.in_(_days(criterion)))
    return Subscriber.id.in_(ids_query(criterion))


def members(criterion: dict[str, Any], subscriber_ids: Iterable[int]) -> set[int]:
    """Which of these ids match: each lookup goes through the (cycle, subscriber) unique index."""
    ids = sorted(set(subscriber_ids))
    if not ids:
        return set()
    if criterion["kind"] == "none":
        seated = select(Registration.subscriber_id).where(
            Registration.cycle_id == criterion["cycle_id"], Registration.id.in_(_days(criterion)))
        return set(ids) - set(db.session.scalars(seated.where(Registration.subscriber_id.in_(ids))))
    return set(db.session.scalars(ids_query(criterion).where(Registration.subscriber_id.in_(ids))))


def describe(criterion: dict[str, Any] | None) -> str:
    """The criterion in French, for the composer, the segment list and the report."""
    if not criterion:
        return ""
    cycle = db.session.get(Cycle, criterion["cycle_id"])
    journee = db.session.get(Journee, criterion["journee_id"]) if criterion.get("journee_id") else None
    title = cycle.title if cycle else "?"
    day = f"la journée {journee.number}" if journee else ""
    return {
        "cycle": f"inscrits au cycle « {title} »",
        "journee": f"inscrits à {day} du cycle « {title} »",
        "waiting": f"en liste d'attente ({day or 'toute journée'}) du cycle « {title} »",
        "none": f"inscrits à aucune journée du cycle « {title} »",
        "present": f"présents ({day or 'à une journée au moins'}) du cycle « {title} »",
        "absent": f"absents à {day} du cycle « {title} »",
        "answered": f"présents ayant répondu au questionnaire ({day or 'du cycle'}) « {title} »",
        "not_answered": f"présents n'ayant pas répondu au questionnaire ({day or 'du cycle'}) « {title} »",
    }.get(criterion["kind"], criterion["kind"])


def choices() -> list[tuple[str, str]]:
    """Options for a select: ``(value, label)`` with value "kind:cycle_id:journee_id"."""
    options: list[tuple[str, str]] = []
    for cycle in db.session.scalars(select(Cycle).options(selectinload(Cycle.journees)).order_by(Cycle.id.desc()).limit(30)):
        options.append((f"cycle:{cycle.id}:", f"{cycle.title} — inscrits au cycle"))
        for journee in cycle.journees:
            options.append((f"journee:{cycle.id}:{journee.id}", f"{cycle.title} — inscrits à la journée {journee.number}"))
        options.append((f"waiting:{cycle.id}:", f"{cycle.title} — liste d'attente"))
        options.append((f"none:{cycle.id}:", f"{cycle.title} — inscrits à aucune journée"))
        # After the journées: who came, who did not, who answered the satisfaction survey.
        options.append((f"present:{cycle.id}:", f"{cycle.title} — présents à une journée au moins"))
        for journee in cycle.journees:
            number = journee.number
            options.append((f"present:{cycle.id}:{journee.id}", f"{cycle.title} — présents à la journée {number}"))
            options.append((f"absent:{cycle.id}:{journee.id}", f"{cycle.title} — inscrits mais absents à la journée {number}"))
            options.append((f"answered:{cycle.id}:{journee.id}",
                            f"{cycle.title} — présents à la journée {number} ayant répondu au questionnaire"))
            options.append((f"not_answered:{cycle.id}:{journee.id}",
                            f"{cycle.title} — présents à la journée {number} n'ayant pas répondu au questionnaire"))
        options.append((f"answered:{cycle.id}:", f"{cycle.title} — ayant répondu au questionnaire du cycle"))
        options.append((f"not_answered:{cycle.id}:", f"{cycle.title} — n'ayant pas répondu au questionnaire du cycle"))
    return options


def parse_choice(value: str) -> dict[str, Any] | None:
    """"kind:cycle:journee" (from :func:`choices`) → a checked criterion, or None if empty."""
    if not value:
        return None
    parts = (value.split(":") + ["", ""])[:3]
    return normalise({"kind": parts[0], "cycle_id": parts[1], "journee_id": parts[2] or None})
