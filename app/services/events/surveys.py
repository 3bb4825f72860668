"""Satisfaction surveys: one per journée (and one for the whole cycle), answered through a signed link.

Sent to those present (at least one half-day of the journée; for the cycle survey,
of any journée), once the journée has ended (the cycle's: once its last journée has;
:mod:`app.services.events.calendar_rules`). Before that the sending is refused, not
scheduled: the officer sends it after the journée, when the people were really there. One answer per person and survey: answering again edits it, until
the officer closes the cycle. Results (response rate, averages, distribution of the
1–5 scores, counts of each option, the texts, comments) are computed here for the admin page,
the CSV and ``flask events survey-results --json`` alike, so they cannot disagree.

The questions are the cycle's own (:func:`questions_of`, edited with :func:`save_questions`): a
1–5 scale, one option among several, or free text, in the officer's order, each required or
not. A cycle whose questions were never edited asks the five of :data:`DEFAULT_QUESTIONS`, whose
keys the migration gave every existing cycle, so answers given before keep their meaning.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import force_locale, gettext as _, lazy_gettext as _l
from sqlalchemy import delete, select

from app import links
from app.errors import LettrineError
from app.extensions import db
from app.models import (
    AttendanceStatus,
    Cycle,
    CycleClosure,
    EventKind,
    Journee,
    QuestionKind,
    Registration,
    SurveyAnswer,
    SurveyQuestion,
    record_event,
    utcnow,
)
from app.services.events import attendance as att
from app.services.events.calendar_rules import moment_label, survey_closed_reason, survey_opens_at
from app.services.events.followup_mail import SendReport, send_each
from app.sending.transactional import render_transactional
from app.services.support import excel_csv
from app.timeutil import format_when
from app.tokens import InvalidToken, Purpose, sign, verify

DEFAULT_QUESTIONS: list[tuple[str, str]] = [
    ("objectives", "Les objectifs annoncés ont été atteints"),
    ("content", "Le contenu de la formation"),
    ("speaker", "L'intervention (clarté, animation)"),
    ("organisation", "L'organisation (accueil, lieu, horaires)"),
    ("usefulness", "L'utilité pour votre travail"),
]
QUESTION_KEYS = [key for key, _ in DEFAULT_QUESTIONS]
CYCLE_SCOPE = "cycle"
SCALE = ("1", "2", "3", "4", "5")
MAX_QUESTIONS = 30
MAX_CHOICES = 12
TEXT_LIMIT = 2000
KIND_LABELS = {QuestionKind.SCALE: _l("Note de 1 à 5"), QuestionKind.CHOICE: _l("Choix parmi des réponses"),
               QuestionKind.TEXT: _l("Texte libre")}


class SurveyError(LettrineError, ValueError):
    """The answer or the sending cannot be done as asked; the message is French."""

    status = 422
    code = "survey"
    en = "The answer or the sending cannot be done as asked."


@dataclass
class Question:
    """One question as asked (a stored row, or one of the default five)."""

    key: str
    label: str
    kind: QuestionKind = QuestionKind.SCALE
    choices: list[str] = field(default_factory=list)
    required: bool = True

    @property
    def options(self) -> list[str]:
        """What may be answered: the scores of a scale, the options of a choice (nothing for a text)."""
        return list(SCALE) if self.kind == QuestionKind.SCALE else list(self.choices)


def questions_of(cycle: Cycle) -> list[Question]:
    """The cycle's questions in order; the five default ones while the officer has not edited them."""
    rows = db.session.scalars(select(SurveyQuestion).where(SurveyQuestion.cycle_id == cycle.id)
                              .order_by(SurveyQuestion.position, SurveyQuestion.id)).all()
    if not rows:
        return [Question(key, label) for key, label in DEFAULT_QUESTIONS]
    return [Question(r.key, r.label, r.kind, list(r.choices or []), r.required) for r in rows]


def _answered_keys(cycle: Cycle) -> set[str]:
    keys: set[str] = set()
    for scores in db.session.scalars(select(SurveyAnswer.scores).where(SurveyAnswer.cycle_id == cycle.id)):
        keys |= {k for k, v in (scores or {}).items() if v not in ("", None)}
    return keys


def save_questions(cycle: Cycle, items: list[dict[str, Any]]) -> list[Question]:
    """Replace the cycle's questions by ``items`` (in order: ``key`` of an existing question or "" for a new
    one, ``label``, ``kind``, ``choices``, ``required``); commits. SurveyError (French) names the first
    problem and nothing changes: an empty label, fewer than two options to choose from, or a question
    already answered that would change kind (its answers would lose their meaning: add a new one)."""
    if not items:
        raise SurveyError("Gardez au moins une question.")
    if len(items) > MAX_QUESTIONS:
        raise SurveyError(f"{MAX_QUESTIONS} questions au plus.")
    before = {q.key: q for q in questions_of(cycle)}
    answered = _answered_keys(cycle)
    used = set(before) | answered
    cleaned: list[Question] = []
    for number, item in enumerate(items, start=1):
        label = " ".join(str(item.get("label") or "").split())[:300]
        if not label:
            raise SurveyError(f"Question {number} : écrivez la question.")
        try:
            kind = QuestionKind(str(item.get("kind") or "scale"))
        except ValueError as exc:
            raise SurveyError(f"Question {number} : type de question inconnu.") from exc
        choices: list[str] = []
        if kind == QuestionKind.CHOICE:
            raw = item.get("choices") or []
            lines = raw.splitlines() if isinstance(raw, str) else [str(c) for c in raw]
            for line in lines:
                line = " ".join(line.split())[:120]
                if line and line not in choices:
                    choices.append(line)
            if len(choices) < 2:
                raise SurveyError(f"Question {number} : proposez au moins deux réponses, une par ligne.")
            if len(choices) > MAX_CHOICES:
                raise SurveyError(f"Question {number} : {MAX_CHOICES} réponses au plus.")
        key = str(item.get("key") or "")
        if key and key not in before:
            raise SurveyError(f"Question {number} : question inconnue (la page a changé entre-temps ?).")
        if key and key in answered and before[key].kind != kind:
            raise SurveyError(f"Question {number} : déjà répondue, elle ne peut pas changer de type "
                              "(ajoutez plutôt une nouvelle question).")
        if not key:
            n = len(used) + 1
            while f"q{n}" in used:
                n += 1
            key = f"q{n}"
            used.add(key)
        cleaned.append(Question(key, label, kind, choices, bool(item.get("required"))))
    if len({q.key for q in cleaned}) != len(cleaned):
        raise SurveyError("Une question apparaît deux fois.")
    db.session.execute(delete(SurveyQuestion).where(SurveyQuestion.cycle_id == cycle.id))
    for position, question in enumerate(cleaned):
        db.session.add(SurveyQuestion(cycle_id=cycle.id, key=question.key, position=position, kind=question.kind,
                                      label=question.label, choices=question.choices, required=question.required))
    db.session.commit()
    return cleaned


def copy_questions(source: Cycle, target: Cycle) -> None:
    """Give a duplicated cycle the source's questions (same keys, kinds, options and order); commits.
    Nothing to copy while the source asks the default five."""
    rows = db.session.scalars(select(SurveyQuestion).where(SurveyQuestion.cycle_id == source.id)).all()
    for row in rows:
        db.session.add(SurveyQuestion(cycle_id=target.id, key=row.key, position=row.position, kind=row.kind,
                                      label=row.label, choices=list(row.choices or []), required=row.required))
    db.session.commit()


def scope_of(journee: Journee | None) -> str:
    return CYCLE_SCOPE if journee is None else f"j{journee.id}"


def survey_label(journee: Journee | None) -> str:
    """The survey's heading in the reader's language ("Ensemble du cycle", "Journée 2"; French outside a page)."""
    return _("Ensemble du cycle") if journee is None else _("Journée %(n)s", n=journee.number)


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
    subject = invitation_subject(cycle, journee)
    return send_each("survey_invitation", present_registrations(cycle, journee), lambda registration: {
        "subject": subject, "cycle": cycle, "journee": journee, "survey_url": survey_url(registration, journee)},
        # With each invitation queued: a "survey not answered" sequence counts its days from it.
        on_queued=lambda registration: record_event(EventKind.SURVEY_SENT, registration.subscriber_id,
                                                    cycle_id=cycle.id, journee_id=journee.id if journee else None))


def invitation_subject(cycle: Cycle, journee: Journee | None) -> str:
    return (f"Votre avis : {cycle.title}" + (f" (Journée {journee.number})" if journee else ""))[:200]


def invitation_preview(cycle: Cycle, journee: Journee | None, survey_link: str) -> tuple[str, str]:
    """(subject, HTML) of the invitation as a participant would get it (greeted as « Camille »), its button
    leading to ``survey_link`` (the preview of the survey page): what the officer checks before sending."""
    html, _text = render_transactional("survey_invitation", {
        "subject": invitation_subject(cycle, journee), "cycle": cycle, "journee": journee,
        "survey_url": survey_link, "first_name": "Camille"})
    return invitation_subject(cycle, journee), html


# --- answering ---------------------------------------------------------------------------

def is_closed(cycle: Cycle) -> bool:
    return db.session.get(CycleClosure, cycle.id) is not None


def find_answer(registration: Registration, journee: Journee | None) -> SurveyAnswer | None:
    return db.session.scalar(select(SurveyAnswer).where(
        SurveyAnswer.registration_id == registration.id, SurveyAnswer.scope == scope_of(journee)))


def parse_answers(cycle: Cycle, form: Any) -> dict[str, Any]:
    """The answer to each of the cycle's questions, from the survey form: a whole number from 1 to 5, one of
    the options, or a text. SurveyError names the first required question left unanswered, or an answer
    that is not one of the options."""
    values: dict[str, Any] = {}
    for question in questions_of(cycle):
        value = " ".join(str(form.get(question.key) or "").split()) if question.kind != QuestionKind.TEXT \
            else str(form.get(question.key) or "").strip()[:TEXT_LIMIT]
        if not value:
            if question.required:
                raise SurveyError(f"Répondez à : « {question.label} »." if question.kind != QuestionKind.SCALE
                                  else f"Donnez une note de 1 à 5 à : « {question.label} ».")
            continue
        if question.kind == QuestionKind.SCALE:
            if value not in SCALE:
                raise SurveyError(f"Donnez une note de 1 à 5 à : « {question.label} ».")
            values[question.key] = int(value)
        elif question.kind == QuestionKind.CHOICE:
            if value not in question.choices:
                raise SurveyError(f"Choisissez une des réponses proposées à : « {question.label} ».")
            values[question.key] = value
        else:
            values[question.key] = value
    return values


def save_answer(registration: Registration, journee: Journee | None, scores: dict[str, Any], comment: str = "",
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

def results(cycle: Cycle, journee: Journee | None, questions: list[Question] | None = None) -> dict[str, Any]:
    questions = questions if questions is not None else questions_of(cycle)
    answers = list(db.session.scalars(select(SurveyAnswer).where(
        SurveyAnswer.cycle_id == cycle.id, SurveyAnswer.scope == scope_of(journee)).order_by(SurveyAnswer.created_at)))
    invited = len(present_registrations(cycle, journee))
    distribution: dict[str, dict[str, int]] = {q.key: {option: 0 for option in q.options} for q in questions
                                               if q.kind != QuestionKind.TEXT}
    texts: dict[str, list[str]] = {q.key: [] for q in questions if q.kind == QuestionKind.TEXT}
    for answer in answers:
        for question in questions:
            value = answer.scores.get(question.key)
            if question.kind == QuestionKind.TEXT:
                if isinstance(value, str) and value:
                    texts[question.key].append(value)
            elif str(value) in distribution[question.key]:
                distribution[question.key][str(value)] += 1
    averages: dict[str, float | None] = {}
    for question in questions:
        if question.kind != QuestionKind.SCALE:
            continue
        counts = distribution[question.key]
        count = sum(counts.values())
        averages[question.key] = round(sum(int(n) * c for n, c in counts.items()) / count, 2) if count else None
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
        "texts": texts,
        "comments": [{"text": a.comment, "name": a.name} for a in answers if a.comment],
    }


def cycle_results(cycle: Cycle) -> dict[str, Any]:
    """``survey-results --json``: every journée's survey, then the whole-cycle one."""
    questions = questions_of(cycle)
    return {
        "cycle": cycle.slug,
        "questions": [{"key": q.key, "label": q.label, "kind": q.kind.value, "choices": q.choices,
                       "required": q.required} for q in questions],
        "closed": is_closed(cycle),
        "surveys": [results(cycle, j, questions) for j in cycle.journees] + [results(cycle, None, questions)],
    }


def results_csv(cycle: Cycle) -> bytes:
    """Every answer, one line each; a French file like its headings (Paris time, dd/mm/yyyy as everywhere)."""
    with force_locale("fr"):
        return _results_csv(cycle)


def _results_csv(cycle: Cycle) -> bytes:
    labels = {f"j{j.id}": survey_label(j) for j in cycle.journees} | {CYCLE_SCOPE: survey_label(None)}
    answers = db.session.scalars(select(SurveyAnswer).where(SurveyAnswer.cycle_id == cycle.id)
                                 .order_by(SurveyAnswer.scope, SurveyAnswer.created_at))
    questions = questions_of(cycle)
    return excel_csv(
        ["Questionnaire", *[q.label for q in questions], "Commentaire", "Nom", "Répondu le"],
        ([labels.get(a.scope, a.scope), *[a.scores.get(q.key, "") for q in questions], a.comment, a.name,
          format_when(a.updated_at, "numeric")] for a in answers))
