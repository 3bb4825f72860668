"""After the journée: who was there (per half-day), what they thought of it, who signs the certificates.

Attendance is one row per registration, journée and half-day ("am"/"pm"); a row
exists only once someone has said something about that half-day (checked in,
marked absent or excused). Every change is also written to the audit log
(``attendance_change``) with the officer's address, so the sheet can be
trusted afterwards.

Survey answers are one row per registration and *scope*: ``"j<id>"`` for a
journée, ``"cycle"`` for the whole cycle (a plain string, so the unique
constraint holds on every database even though the cycle-wide answer has no
journée).
"""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.events import Cycle, Journee, Registration
from app.models.types import UTCDateTime, str_enum, utcnow


class Half(str, enum.Enum):
    AM = "am"
    PM = "pm"


class AttendanceStatus(str, enum.Enum):
    PRESENT = "present"
    ABSENT = "absent"
    EXCUSED = "excused"


class Attendance(db.Model):
    """One person's presence at one half-day of a journée."""

    __tablename__ = "attendances"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"))
    journee_id: Mapped[int] = mapped_column(ForeignKey("journees.id", ondelete="CASCADE"))
    half: Mapped[Half] = mapped_column(str_enum(Half, length=2))
    status: Mapped[AttendanceStatus] = mapped_column(str_enum(AttendanceStatus))
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    changed_by: Mapped[str] = mapped_column(String(320), default="")  # officer's address, "cli"…
    # Present without being registered for this journée ("sur place"): recorded at the door when
    # the officer confirms it, shown on the sheets and counted apart.
    walk_in: Mapped[bool] = mapped_column(default=False, server_default="0")
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    signature_svg: Mapped[str | None] = mapped_column(Text)  # SVG path data ("M 1 2 L 3 4 …")
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    registration: Mapped[Registration] = relationship()
    journee: Mapped[Journee] = relationship()

    __table_args__ = (
        UniqueConstraint("registration_id", "journee_id", "half"),
        Index("ix_attendances_journee_half", "journee_id", "half"),
    )


class QuestionKind(str, enum.Enum):
    SCALE = "scale"  # a score from 1 to 5
    CHOICE = "choice"  # one of the question's options
    TEXT = "text"  # free text


class SurveyQuestion(db.Model):
    """One question of a cycle's satisfaction survey, in its order. ``key`` names the answer in
    :attr:`SurveyAnswer.scores` and never changes (the first five keep the fixed survey's keys, so its
    answers keep their meaning)."""

    __tablename__ = "survey_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[QuestionKind] = mapped_column(str_enum(QuestionKind, length=10), default=QuestionKind.SCALE)
    label: Mapped[str] = mapped_column(String(300))
    choices: Mapped[list[str]] = mapped_column(JSON, default=list)  # the options of a "choice" question
    required: Mapped[bool] = mapped_column(default=True)

    __table_args__ = (UniqueConstraint("cycle_id", "key"), Index("ix_survey_questions_cycle_position",
                                                                   "cycle_id", "position"))


class SurveyAnswer(db.Model):
    """A satisfaction survey answer: one value per question key (a 1–5 score, a chosen option or a text),
    a comment, an optional name.

    Erasing the person keeps the scores as an anonymous answer: no registration (so no link to
    the person), no name, no comment and no free-text answer (free text may name them)."""

    __tablename__ = "survey_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int | None] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"))
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="CASCADE"))
    journee_id: Mapped[int | None] = mapped_column(ForeignKey("journees.id", ondelete="CASCADE"))
    scope: Mapped[str] = mapped_column(String(20))  # "j<journee id>" or "cycle"
    scores: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # {"objectives": 4, "q6": "Oui", …}
    comment: Mapped[str] = mapped_column(Text, default="")
    name: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    registration: Mapped[Registration | None] = relationship()
    journee: Mapped[Journee | None] = relationship()

    __table_args__ = (
        UniqueConstraint("registration_id", "scope"),
        Index("ix_survey_answers_cycle_scope", "cycle_id", "scope"),
    )


class CycleClosure(db.Model):
    """A cycle the officer has closed: surveys no longer editable, certificates sent."""

    __tablename__ = "cycle_closures"

    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="CASCADE"), primary_key=True)
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_by: Mapped[str] = mapped_column(String(320), default="")
    certificates_sent: Mapped[int] = mapped_column(default=0)

    cycle: Mapped[Cycle] = relationship()


class CertificateSettings(db.Model):
    """Who signs the certificates (one row, id 1): name, title, place, the scanned signature and the
    centre's stamp (both optional images, printed on every certificate)."""

    __tablename__ = "certificate_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    signatory_name: Mapped[str] = mapped_column(String(200), default="")
    signatory_title: Mapped[str] = mapped_column(String(200), default="")
    place: Mapped[str] = mapped_column(String(200), default="")  # "Évry"; empty = the cycle's venue
    signature_image: Mapped[bytes | None] = mapped_column(LargeBinary)
    signature_mime: Mapped[str] = mapped_column(String(50), default="")
    stamp_image: Mapped[bytes | None] = mapped_column(LargeBinary)
    stamp_mime: Mapped[str] = mapped_column(String(50), default="", server_default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
