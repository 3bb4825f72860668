"""Who to write to after a journée: the people behind the follow-up audiences, as SELECTs of subscriber ids.

Kinds: ``present`` (at least one half-day of the journée), ``absent`` (a confirmed seat
for the journée, no half-day present), ``answered`` / ``not_answered`` (present, and
did or did not answer that journée's survey; ``journee_id=None`` = the cycle survey,
among those present at any journée).

These are the *who*. Campaigns use them through ``Campaign.segment["event"]`` (the
composer's "Inscription à un événement" select, ``event_audiences.choices``): the
queue applies the criterion with its usual filters (active, address present, not
suppressed) when the audience is counted and queued, and again for each batch at
send time (``event_audiences.clause`` / ``members``, registered in ``app.services.wiring``).
"""
from __future__ import annotations

from sqlalchemy import Select, select

from app.models import (
    Attendance,
    AttendanceStatus,
    Journee,
    Registration,
    RegistrationDay,
    RegistrationStatus,
    SurveyAnswer,
)

KINDS = ("present", "absent", "answered", "not_answered")


def _present_registrations(cycle_id: int, journee_id: int | None) -> Select:
    query = select(Attendance.registration_id).join(Journee, Journee.id == Attendance.journee_id).where(
        Journee.cycle_id == cycle_id, Attendance.status == AttendanceStatus.PRESENT)
    if journee_id is not None:
        query = query.where(Attendance.journee_id == journee_id)
    return query


def followup_ids(kind: str, cycle_id: int, journee_id: int | None = None) -> Select:
    """SELECT of the subscriber ids (column ``id``) in the follow-up audience ``kind``."""
    if kind not in KINDS:
        raise ValueError(f"audience de suivi inconnue : {kind!r} ({', '.join(KINDS)})")
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
    answered = select(SurveyAnswer.registration_id).where(SurveyAnswer.cycle_id == cycle_id,
                                                          SurveyAnswer.scope == scope)
    if kind == "answered":
        return people.where(Registration.id.in_(present), Registration.id.in_(answered))
    return people.where(Registration.id.in_(present), Registration.id.not_in(answered))
