"""Where a sequence's people stand: enrolled, waiting at each step, completed, exited and why.

Read by ``flask sequences status NAME --json``, ``GET /api/v1/sequences`` and the admin's list:
grouped counts over the sequence's enrolments (its unique (sequence, person) index).
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from app.extensions import db
from app.models import EnrolmentStatus, Sequence, SequenceEnrolment, SequenceStepSend
from app.services.sequences.timing import format_delay


def counts(sequence: Sequence) -> dict[str, Any]:
    """``{"enrolled", "active", "waiting": {"1": n, …}, "completed", "exited": {reason: n}, "sent": {"1": n}}``."""
    E = SequenceEnrolment
    waiting = {str(step.position): 0 for step in sequence.steps}
    exited: dict[str, int] = {}
    completed = active = 0
    rows = db.session.execute(
        select(E.status, E.next_position, E.exit_reason, func.count())
        .where(E.sequence_id == sequence.id).group_by(E.status, E.next_position, E.exit_reason))
    for status, position, reason, count in rows:
        if status == EnrolmentStatus.ACTIVE:
            active += count
            waiting[str(position)] = waiting.get(str(position), 0) + count
        elif status == EnrolmentStatus.COMPLETED:
            completed += count
        else:
            exited[reason or "?"] = exited.get(reason or "?", 0) + count
    positions = {step.id: str(step.position) for step in sequence.steps}
    reached = {positions.get(step_id, "?"): 0 for step_id in positions}
    passed = dict(reached)
    for step_id, outcome, count in db.session.execute(
            select(SequenceStepSend.step_id, SequenceStepSend.outcome, func.count())
            .where(SequenceStepSend.sequence_id == sequence.id)
            .group_by(SequenceStepSend.step_id, SequenceStepSend.outcome)):
        target = reached if outcome == "queued" else passed
        key = positions.get(step_id, "?")
        target[key] = target.get(key, 0) + count
    return {"enrolled": active + completed + sum(exited.values()), "active": active, "waiting": waiting,
            "completed": completed, "exited": exited, "queued": reached, "passed": passed}


def summary(sequence: Sequence) -> dict[str, Any]:
    """A sequence as the API and the CLI give it: its definition, state and counts."""
    return {
        "name": sequence.name, "slug": sequence.slug, "trigger": sequence.trigger_kind, "paused": sequence.paused,
        "fired_at": sequence.fired_at.isoformat() if sequence.fired_at else None,
        "steps": [{"position": s.position, "after": format_delay(s.after_seconds), "window": s.window,
                   "if": s.condition, "subject": s.subject, "campaign_id": s.campaign_id} for s in sequence.steps],
        "exit": list(sequence.exits), "definition": sequence.definition, "counts": counts(sequence),
    }


def person_sequences(subscriber_id: int) -> list[dict[str, Any]]:
    """A person's sequences and where she stands in each (her page in the admin)."""
    E = SequenceEnrolment
    rows = db.session.execute(
        select(E, Sequence).join(Sequence, Sequence.id == E.sequence_id)
        .where(E.subscriber_id == subscriber_id).order_by(E.enrolled_at)).all()
    return [{"sequence": sequence.name, "status": enrolment.status.value, "next_position": enrolment.next_position,
             "steps": len(sequence.steps), "next_due_at": enrolment.next_due_at, "exit_reason": enrolment.exit_reason,
             "enrolled_at": enrolment.enrolled_at, "finished_at": enrolment.finished_at}
            for enrolment, sequence in rows]
