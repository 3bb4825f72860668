"""Satisfaction surveys: one per journée (and one for the whole cycle), answered through a signed link.

Sent to those present (at least one half-day of the journée; for the cycle survey,
of any journée), once the journée has ended (the cycle's: once its last journée has;
:mod:`app.services.events.calendar_rules`). Before that the sending is refused, not
scheduled: the officer sends it after the journée, when the people were really there. One answer per person and survey: answering again edits it, until
the officer closes the cycle. Results (response rate, averages, distribution of the
1–5 scores, comments) are computed here for the admin page, the CSV and
``flask events survey-results --json`` alike, so they cannot disagree.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from app import links
from app.errors import LettrineError
from app.extensions import db
from app.models import (
    AttendanceStatus,
    Cycle,
    CycleClosure,
    EventKind,
    Journee,
    Registration,
    SurveyAnswer,
    record_event,
    utcnow,
)
from app.services.events import attendance as att
from app.services.events.calendar_rules import moment_label, survey_closed_reason, survey_opens_at
from app.services.events.followup_mail import SendReport, send_each
from app.services.support import excel_csv
from app.tokens import InvalidToken, Purpose, sign, verify

QUESTIONS: list[tuple[str, str]] = [
    ("objectives", "Les objectifs annoncés ont été atteints"),
    ("content", "Le contenu de la formation"),
    ("speaker", "L'intervention (clarté, animation)"),
    ("organisation", "L'organisation (accueil, lieu, horaires)"),
    ("usefulness", "L'utilité pour votre travail"),
]
QUESTION_KEYS = [key for key, _ in QUESTIONS]
CYCLE_SCOPE = "cycle"


class SurveyError(LettrineError, ValueError):
    """The answer or the sending cannot be done as asked; the message is French."""

    status = 422
    code = "survey"
    en = "The answer or the sending cannot be done as asked."


def scope_of(journee: Journee | None) -> str:
    return CYCLE_SCOPE if journee is None else f"j{journee.id}"


def survey_label(journee: Journee | None) -> str:
    return "Ensemble du cycle" if journee is None else f"Journée {journee.number}"


# --- links -------------------------------------------------------------------------------

def survey_url(registration: Registration, journee: Journee | None) -> str:
    token = sign(Purpose.SURVEY, {"r": registration.uid, "s": scope_of(journee)})
    return links.absolute(f"/avis/{token}")


def from_token(token: str) -> tuple[Registration, Journee | None]:
    """The registration and journée a survey link is for; SurveyError when it is not valid."""
    try:
        payload = verify(Purpose.SURVEY, token)
    except InvalidToken as exc:
        raise SurveyError("Ce lien de questionnaire n'est pas valide.") from exc
    registration = db.session.scalar(select(Registration).where(Registration.uid == str(payload.get("r"))))
    scope = str(payload.get("s", ""))
    if registration is None:
        raise SurveyError("Cette inscription n'existe plus.")
    if scope == CYCLE_SCOPE:
        return registration, None
    journee = next((j for j in registration.cycle.journees if f"j{j.id}" == scope), None)
    if journee is None:
        raise SurveyError("Cette journée n'existe plus.")
    return registration, journee


# --- who is asked ------------------------------------------------------------------------

def present_registrations(cycle: Cycle, journee: Journee | None) -> list[Registration]:
    """Those present at least one half-day of ``journee`` (any journée of the cycle when None)."""
    rows = att.cycle_attendance(cycle)
    ids = {a.registration_id for a in rows if a.status == AttendanceStatus.PRESENT
           and (journee is None or a.journee_id == journee.id)}
    return [r for r in att.participants(cycle) if r.id in ids]


def send_survey(cycle: Cycle, journee: Journee | None, now: datetime | None = None) -> SendReport:
    """Email the survey link to each person present; raises SurveyError before the journée (or, for
    the cycle's survey, its last journée) has ended, and once the cycle is closed."""
    if is_closed(cycle):
        raise SurveyError("Le cycle est clos : le questionnaire n'est plus ouvert.")
    refusal = survey_closed_reason(cycle, journee, now or utcnow())
    if refusal is not None:
        raise SurveyError(refusal)
    subject = (f"Votre avis : {cycle.title}" + (f" (Journée {journee.number})" if journee else ""))[:200]
    return send_each("survey_invitation", present_registrations(cycle, journee), lambda registration: {
        "subject": subject, "cycle": cycle, "journee": journee, "survey_url": survey_url(registration, journee)},
        # With each invitation queued: a "survey not answered" sequence counts its days from it.
        on_queued=lambda registration: record_event(EventKind.SURVEY_SENT, registration.subscriber_id,
                                                    cycle_id=cycle.id, journee_id=journee.id if journee else None))


# --- answering ---------------------------------------------------------------------------

def is_closed(cycle: Cycle) -> bool:
    return db.session.get(CycleClosure, cycle.id) is not None


def find_answer(registration: Registration, journee: Journee | None) -> SurveyAnswer | None:
    return db.session.scalar(select(SurveyAnswer).where(
        SurveyAnswer.registration_id == registration.id, SurveyAnswer.scope == scope_of(journee)))


def parse_scores(form: dict[str, Any]) -> dict[str, int]:
    """Every question answered with a whole number from 1 to 5; SurveyError names the first missing one."""
    scores = {}
    for key, label in QUESTIONS:
        value = str(form.get(key) or "").strip()
        if value not in {"1", "2", "3", "4", "5"}:
            raise SurveyError(f"Donnez une note de 1 à 5 à : « {label} ».")
        scores[key] = int(value)
    return scores


def save_answer(registration: Registration, journee: Journee | None, scores: dict[str, int], comment: str = "",
                name: str = "") -> tuple[SurveyAnswer, bool]:
    """Record or edit the person's answer; ``(answer, created)``. Commits."""
    if is_closed(registration.cycle):
        raise SurveyError("Le questionnaire est clos : les réponses ne peuvent plus être modifiées.")
    answer = find_answer(registration, journee)
    created = answer is None
    if answer is None:
        answer = SurveyAnswer(registration=registration, cycle_id=registration.cycle_id,
                              journee_id=journee.id if journee else None, scope=scope_of(journee))
        db.session.add(answer)
    answer.scores = dict(scores)
    answer.comment = (comment or "").strip()[:5000]
    answer.name = (name or "").strip()[:200]
    answer.updated_at = utcnow()
    db.session.commit()
    return answer, created


# --- results -----------------------------------------------------------------------------

def results(cycle: Cycle, journee: Journee | None) -> dict[str, Any]:
    answers = list(db.session.scalars(select(SurveyAnswer).where(
        SurveyAnswer.cycle_id == cycle.id, SurveyAnswer.scope == scope_of(journee)).order_by(SurveyAnswer.created_at)))
    invited = len(present_registrations(cycle, journee))
    distribution = {key: {str(n): 0 for n in range(1, 6)} for key in QUESTION_KEYS}
    for answer in answers:
        for key in QUESTION_KEYS:
            value = answer.scores.get(key)
            if isinstance(value, int) and 1 <= value <= 5:
                distribution[key][str(value)] += 1
    averages: dict[str, float | None] = {}
    for key in QUESTION_KEYS:
        count = sum(distribution[key].values())
        averages[key] = round(sum(int(n) * c for n, c in distribution[key].items()) / count, 2) if count else None
    opens = survey_opens_at(cycle, journee)
    return {
        "scope": scope_of(journee) if journee is None else f"journee-{journee.number}",
        "journee": journee.number if journee else None,
        "label": survey_label(journee),
        # May it be sent yet (the journée, or the cycle's last one, has ended)? And from when.
        "open": opens is not None and utcnow() >= opens,
        "opens_at": opens.isoformat() if opens is not None else None,
        "opens_label": moment_label(opens) if opens is not None else "",
        "invited": invited,
        "answers": len(answers),
        "response_rate": round(len(answers) / invited, 4) if invited else None,
        "averages": averages,
        "distribution": distribution,
        "comments": [{"text": a.comment, "name": a.name} for a in answers if a.comment],
    }


def cycle_results(cycle: Cycle) -> dict[str, Any]:
    """``survey-results --json``: every journée's survey, then the whole-cycle one."""
    return {
        "cycle": cycle.slug,
        "questions": [{"key": key, "label": label} for key, label in QUESTIONS],
        "closed": is_closed(cycle),
        "surveys": [results(cycle, j) for j in cycle.journees] + [results(cycle, None)],
    }


def results_csv(cycle: Cycle) -> bytes:
    """Every answer, one line each."""
    labels = {f"j{j.id}": survey_label(j) for j in cycle.journees} | {CYCLE_SCOPE: survey_label(None)}
    answers = db.session.scalars(select(SurveyAnswer).where(SurveyAnswer.cycle_id == cycle.id)
                                 .order_by(SurveyAnswer.scope, SurveyAnswer.created_at))
    return excel_csv(
        ["Questionnaire", *[label for _, label in QUESTIONS], "Commentaire", "Nom", "Répondu le"],
        ([labels.get(a.scope, a.scope), *[a.scores.get(k, "") for k in QUESTION_KEYS], a.comment, a.name,
          a.updated_at.strftime("%Y-%m-%d %H:%M")] for a in answers))
