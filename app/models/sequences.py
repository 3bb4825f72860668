"""Sequences: messages that follow a trigger by themselves (welcome series, relances, after the cycle).

- :class:`Sequence` — a named definition (trigger, audience, exits) kept as the file's JSON
  beside a few columns the engine reads; ``paused`` holds every enrolment where it stands.
- :class:`SequenceStep` — one message of it: delay, window, condition, subject and Markdown.
  Each step owns a campaign (``campaign_id``) that stays ``sending``: enqueuing a step for a
  person is inserting one ``deliveries`` row into it, so the campaign worker sends it with the
  campaign's renderer, footer and unsubscribe link, re-checked by the ``sequence_step`` kind.
- :class:`SequenceEnrolment` — one per (sequence, person): where she stands (``next_position``,
  ``next_due_at``) and how it ended (completed, or exited and why). The engine's tick reads the
  partial index ``ix_sequence_enrolments_due`` only: the active rows by due time.
- :class:`SequenceStepSend` — one per (person, sequence, step), unique: the guard that makes a
  step reach the send path exactly once across workers, restarts and clock jumps.
- :class:`SequenceEvent` — what may trigger an enrolment (a subscription confirmed, a
  registration, a check-in), written by the audience and events services in the transaction of
  the change itself (:func:`record_event`); the tick reads them in id order and deletes them in
  the transaction that enrols whom they name.
"""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ColumnElement, ForeignKey, Index, String, Text, UniqueConstraint, select, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.campaigns import Campaign
from app.models.types import UTCDateTime, str_enum, utcnow


class EnrolmentStatus(str, enum.Enum):
    ACTIVE = "active"
    COMPLETED = "completed"
    EXITED = "exited"


class EventKind(str, enum.Enum):
    SUBSCRIBED = "subscribed"  # a subscription became confirmed (list_id)
    REGISTERED = "registered"  # a seat (or a waiting place) at journées of a cycle (cycle_id)
    ATTENDANCE = "attendance"  # a check-in or a correction of presence (cycle_id, journee_id)
    SURVEY_SENT = "survey_sent"  # the satisfaction survey queued for her (cycle_id; journee_id, or none: the cycle's)


class Sequence(db.Model):
    __tablename__ = "sequences"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    # The trigger's kind ("subscribed", "registered", "attended", "absent", "before_journee",
    # "survey_not_answered", "api") and what it names, as the file says it.
    trigger_kind: Mapped[str] = mapped_column(String(40))
    definition: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # the file, as loaded
    list_id: Mapped[int | None] = mapped_column(ForeignKey("mailing_lists.id", ondelete="SET NULL"))
    cycle_id: Mapped[int | None] = mapped_column(ForeignKey("cycles.id", ondelete="SET NULL"))
    journee_id: Mapped[int | None] = mapped_column(ForeignKey("journees.id", ondelete="SET NULL"))
    exits: Mapped[list[str]] = mapped_column(JSON, default=list)
    paused: Mapped[bool] = mapped_column(default=False)
    # A dated trigger (before_journee, attended, absent, survey_not_answered) enrols its audience once.
    fired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    steps: Mapped[list[SequenceStep]] = relationship(
        back_populates="sequence", order_by="SequenceStep.position", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Sequence {self.name}>"


class SequenceStep(db.Model):
    __tablename__ = "sequence_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    sequence_id: Mapped[int] = mapped_column(ForeignKey("sequences.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column()  # 1, 2, … in the file's order
    after_seconds: Mapped[int] = mapped_column(default=0)  # after the trigger (step 1) or the previous step
    window: Mapped[str] = mapped_column(String(80), default="")  # "mon-fri 09:00-18:00", Paris time
    condition: Mapped[str] = mapped_column(String(40), default="")  # "not_registered", "places_left", …
    subject: Mapped[str] = mapped_column(String(300), default="")
    markdown: Mapped[str] = mapped_column(Text, default="")
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id", ondelete="SET NULL"))

    sequence: Mapped[Sequence] = relationship(back_populates="steps")

    __table_args__ = (UniqueConstraint("sequence_id", "position"),)


class SequenceEnrolment(db.Model):
    __tablename__ = "sequence_enrolments"

    id: Mapped[int] = mapped_column(primary_key=True)
    sequence_id: Mapped[int] = mapped_column(ForeignKey("sequences.id", ondelete="CASCADE"))
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscribers.id", ondelete="CASCADE"))
    status: Mapped[EnrolmentStatus] = mapped_column(str_enum(EnrolmentStatus), default=EnrolmentStatus.ACTIVE)
    anchor_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the trigger's moment
    next_position: Mapped[int] = mapped_column(default=1)
    next_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    exit_reason: Mapped[str] = mapped_column(String(40), default="")
    source: Mapped[str] = mapped_column(String(200), default="")
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("sequence_id", "subscriber_id"),
        # The tick's one query: active rows by due time. Partial, so it holds only who is waiting,
        # and the planner picks it with no statistics (a fresh table is never analysed here).
        Index("ix_sequence_enrolments_due", "next_due_at",
              postgresql_where=text("status = 'active'"), sqlite_where=text("status = 'active'")),
        Index("ix_sequence_enrolments_subscriber", "subscriber_id"),
    )


class SequenceStepSend(db.Model):
    """A step reached for one person: queued into the send path, or passed over (its condition)."""

    __tablename__ = "sequence_step_sends"

    id: Mapped[int] = mapped_column(primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscribers.id", ondelete="CASCADE"))
    sequence_id: Mapped[int] = mapped_column(ForeignKey("sequences.id", ondelete="CASCADE"))
    step_id: Mapped[int] = mapped_column(ForeignKey("sequence_steps.id", ondelete="CASCADE"))
    outcome: Mapped[str] = mapped_column(String(20), default="queued")  # "queued" or "passed"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint("subscriber_id", "sequence_id", "step_id"),
        Index("ix_sequence_step_sends_step", "step_id"),
    )


class SequenceEvent(db.Model):
    """A change that may enrol someone, recorded with the change; deleted by the tick that reads it."""

    __tablename__ = "sequence_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[EventKind] = mapped_column(str_enum(EventKind))
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscribers.id", ondelete="CASCADE"))
    list_id: Mapped[int | None] = mapped_column()
    cycle_id: Mapped[int | None] = mapped_column()
    journee_id: Mapped[int | None] = mapped_column()
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def record_event(kind: EventKind, subscriber_id: int, *, list_id: int | None = None, cycle_id: int | None = None,
                 journee_id: int | None = None, at: datetime | None = None) -> None:
    """Record a trigger's event in the caller's transaction: committed with the change, or not at all."""
    db.session.add(SequenceEvent(kind=kind, subscriber_id=subscriber_id, list_id=list_id, cycle_id=cycle_id,
                                 journee_id=journee_id, at=at or utcnow()))


def event_rows(kind: EventKind, rows: list[dict[str, Any]]) -> None:
    """Many events at once (an import's batch): ``rows`` of ``subscriber_id``, ``list_id``…, ``at``."""
    if rows:
        db.session.execute(SequenceEvent.__table__.insert(), [
            {"kind": kind.value, "list_id": None, "cycle_id": None, "journee_id": None, **row}
            for row in rows])


def not_a_step_campaign() -> ColumnElement[bool]:
    """Campaigns the officer wrote, not the ones carrying a sequence's steps (always "sending", followed on
    the Séquences page): the campaigns list and the dashboard leave those out."""
    carried = select(SequenceStep.campaign_id).where(SequenceStep.campaign_id.is_not(None))
    return Campaign.id.not_in(carried)
