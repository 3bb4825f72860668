"""Audiences built from registrations and attendance, as SQL: who a ``segment["event"]`` criterion names.

A criterion is a small dict stored in ``Campaign.segment["event"]`` (or a saved segment),
checked by ``app.services.audience.event_audiences.normalise``:
``{"kind": "journee", "cycle_id": 3, "journee_id": 7}``.

Kinds:
- registrations: ``cycle`` (a seat at a journée of the cycle), ``journee`` (a seat at that
  journée), ``waiting`` (on a waiting list), ``none`` (neither a seat nor a waiting place
  in the cycle: only meaningful beside a list);
- follow-up: ``present`` (at least one half-day of the journée), ``absent`` (a confirmed seat
  for the journée, no half-day present), ``answered`` / ``not_answered`` (present, and did or
  did not answer that journée's survey; ``journee_id=None`` = the cycle survey, among those
  present at any journée).

They live here, in the sending layer, because the queue applies them twice — in the enqueue
query and in the send-time re-check — and both must read the same definition
(:mod:`app.sending.eligibility`); a registry filled by the services let a worker run
without them and silently ignore the criterion. Two forms of the same rule:

- :func:`clause` — a SQL condition on ``Subscriber.id``, for the audience query and counts;
- :func:`members` — which of a batch's ids match, read through the unique
  (cycle, subscriber) index: the send-time re-check stays driven by the batch's ids.
"""
from __future__ import annotations

from typing import Any, Iterable

from sqlalchemy import ColumnElement, Select, exists, select

from app.extensions import db
from app.models import (
    Attendance,
    AttendanceStatus,
    Journee,
    Registration,
    RegistrationDay,
    RegistrationStatus,
    Subscriber,
    SurveyAnswer,
)

REGISTRATION_KINDS = ("cycle", "journee", "waiting", "none")
FOLLOWUP_KINDS = ("present", "absent", "answered", "not_answered")
KINDS = REGISTRATION_KINDS + FOLLOWUP_KINDS
# Kinds that name people who registered: a campaign may reach them with no list at all
# ("Écrire aux inscrits", the follow-up messages). "none" names people who did not.
REGISTRANT_KINDS = ("cycle", "journee", "waiting") + FOLLOWUP_KINDS
_SEATED = (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITING)


def criterion_of(segment: dict[str, Any] | None) -> dict[str, Any] | None:
    """The registration criterion of a campaign's segment, or None (no criterion, or an empty one)."""
    value = (segment or {}).get("event")
    return value if isinstance(value, dict) and value.get("kind") else None


def _present_registrations(cycle_id: int, journee_id: int | None) -> Select:
    query = select(Attendance.registration_id).join(Journee, Journee.id == Attendance.journee_id).where(
        Journee.cycle_id == cycle_id, Attendance.status == AttendanceStatus.PRESENT)
    if journee_id is not None:
        query = query.where(Attendance.journee_id == journee_id)
    return query


def followup_ids(kind: str, cycle_id: int, journee_id: int | None = None) -> Select:
    """SELECT of the subscriber ids (column ``id``) in the follow-up audience ``kind``."""
    if kind not in FOLLOWUP_KINDS:
        raise ValueError(f"audience de suivi inconnue : {kind!r} ({', '.join(FOLLOWUP_KINDS)})")
    people = select(Registration.subscriber_id.label("id")).where(Registration.cycle_id == cycle_id)
    present = _present_registrations(cycle_id, journee_id)
    if kind == "present":
        return people.where(Registration.id.in_(present))
    if kind == "absent":
        if journee_id is None:
            raise ValueError("« absent » demande une journée")
        seated = select(RegistrationDay.registration_id).where(
            RegistrationDay.journee_id == journee_id, RegistrationDay.status == RegistrationStatus.CONFIRMED)
        return people.where(Registration.id.in_(seated), Registration.id.not_in(present))
    scope = "cycle" if journee_id is None else f"j{journee_id}"
    # Anonymous answers (an erased person's) have no registration: a NULL would make NOT IN match nobody.
    answered = select(SurveyAnswer.registration_id).where(SurveyAnswer.cycle_id == cycle_id, SurveyAnswer.scope == scope,
                                                          SurveyAnswer.registration_id.is_not(None))
    if kind == "answered":
        return people.where(Registration.id.in_(present), Registration.id.in_(answered))
    return people.where(Registration.id.in_(present), Registration.id.not_in(answered))


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


def clause(criterion: dict[str, Any]) -> ColumnElement[bool]:
    """SQL condition on ``Subscriber.id`` for this criterion."""
    _check(criterion)
    if criterion["kind"] == "none":
        return ~exists().where(Registration.subscriber_id == Subscriber.id,
                               Registration.cycle_id == criterion["cycle_id"],
                               Registration.id.in_(_days(criterion)))
    return Subscriber.id.in_(ids_query(criterion))


def members(criterion: dict[str, Any], subscriber_ids: Iterable[int]) -> set[int]:
    """Which of these ids match: each lookup goes through the (cycle, subscriber) unique index."""
    _check(criterion)
    ids = sorted(set(subscriber_ids))
    if not ids:
        return set()
    if criterion["kind"] == "none":
        seated = select(Registration.subscriber_id).where(
            Registration.cycle_id == criterion["cycle_id"], Registration.id.in_(_days(criterion)))
        return set(ids) - set(db.session.scalars(seated.where(Registration.subscriber_id.in_(ids))))
    return set(db.session.scalars(ids_query(criterion).where(Registration.subscriber_id.in_(ids))))


def _check(criterion: dict[str, Any]) -> None:
    """An unknown kind is an error, never a criterion quietly skipped (the whole list would be written to)."""
    if criterion.get("kind") not in KINDS:
        raise ValueError(f"critère d'inscription inconnu : {criterion.get('kind')!r}")
