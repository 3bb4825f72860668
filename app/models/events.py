"""Events: a training cycle, its journées, and who registered for which day."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.audience import Subscriber, new_uid
from app.models.types import UTCDateTime, str_enum, utcnow

DEFAULT_REMINDER_RULES: list[dict[str, Any]] = [
    {"days_before": 7, "time": "09:00"},
    {"days_before": 1, "time": "09:00"},
]


class RegistrationStatus(str, enum.Enum):
    CONFIRMED = "confirmed"
    WAITING = "waiting"
    CANCELLED = "cancelled"


class Cycle(db.Model):
    """A training cycle; rich-text fields hold a small, sanitised Markdown subset."""

    __tablename__ = "cycles"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True, default=new_uid)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    kicker: Mapped[str] = mapped_column(String(200), default="")  # "Cycle de qualification"
    title: Mapped[str] = mapped_column(String(300))
    subtitle: Mapped[str] = mapped_column(String(300), default="")
    period: Mapped[str] = mapped_column(String(200), default="")  # "Mars 2016 – Juin 2016"
    introduction: Mapped[str] = mapped_column(Text, default="")
    stakes: Mapped[str] = mapped_column(Text, default="")
    objectives: Mapped[str] = mapped_column(Text, default="")
    audience: Mapped[str] = mapped_column(Text, default="")
    format: Mapped[str] = mapped_column(Text, default="")
    speakers: Mapped[str] = mapped_column(Text, default="")
    sponsor_note: Mapped[str] = mapped_column(Text, default="")
    venue_name: Mapped[str] = mapped_column(String(300), default="")
    venue_room: Mapped[str] = mapped_column(String(300), default="")
    venue_address: Mapped[str] = mapped_column(Text, default="")
    contact_name: Mapped[str] = mapped_column(String(200), default="")
    contact_email: Mapped[str] = mapped_column(String(320), default="")
    contact_phone: Mapped[str] = mapped_column(String(50), default="")
    registration_required: Mapped[bool] = mapped_column(default=True)
    registration_url: Mapped[str] = mapped_column(String(500), default="")  # empty = Lettrine's form
    agenda_url: Mapped[str] = mapped_column(String(500), default="")
    capacity: Mapped[int | None] = mapped_column()  # per journée; None = unlimited
    # Seats asked for on the public form are given only once the address is confirmed by a
    # click (fake sign-ups cannot fill a journée). Applies to cycles with a capacity.
    hold_seats: Mapped[bool] = mapped_column(default=True, server_default="1")
    reminder_rules: Mapped[list[dict[str, Any]]] = mapped_column(
        JSON, default=lambda: [dict(r) for r in DEFAULT_REMINDER_RULES]
    )
    published: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    journees: Mapped[list[Journee]] = relationship(
        back_populates="cycle", order_by="Journee.number", cascade="all, delete-orphan"
    )


class Journee(db.Model):
    """One day of a cycle. ``uid`` and ``sequence`` feed the .ics files (RFC 5545)."""

    __tablename__ = "journees"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True, default=new_uid)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column()
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    title: Mapped[str] = mapped_column(String(300), default="")
    introduction: Mapped[str] = mapped_column(Text, default="")
    objectives: Mapped[str] = mapped_column(Text, default="")
    work_axes: Mapped[str] = mapped_column(Text, default="")
    sequence: Mapped[int] = mapped_column(default=0)
    lunch_minutes: Mapped[int] = mapped_column(default=60, server_default="60")  # counted out of the hours attended

    cycle: Mapped[Cycle] = relationship(back_populates="journees")

    __table_args__ = (UniqueConstraint("cycle_id", "number"),)


class Registration(db.Model):
    """A person's registration to a cycle; the days they attend are RegistrationDay rows."""

    __tablename__ = "registrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True, default=new_uid)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="CASCADE"))
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscribers.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(200), default="form")
    ip: Mapped[str | None] = mapped_column(String(64))
    newsletter_consent: Mapped[bool] = mapped_column(default=False)
    # Journée ids asked for on the public form, waiting for the address to be confirmed.
    requested_journees: Mapped[list[int]] = mapped_column(JSON, default=list)
    # When the person proved they own the address (a POST from the emailed /r/ link).
    address_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    cycle: Mapped[Cycle] = relationship()
    subscriber: Mapped[Subscriber] = relationship()
    days: Mapped[list[RegistrationDay]] = relationship(
        back_populates="registration", cascade="all, delete-orphan"
    )

    __table_args__ = (UniqueConstraint("cycle_id", "subscriber_id"),)


class RegistrationDay(db.Model):
    __tablename__ = "registration_days"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE")
    )
    journee_id: Mapped[int] = mapped_column(ForeignKey("journees.id", ondelete="CASCADE"))
    status: Mapped[RegistrationStatus] = mapped_column(
        str_enum(RegistrationStatus), default=RegistrationStatus.CONFIRMED
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    registration: Mapped[Registration] = relationship(back_populates="days")
    journee: Mapped[Journee] = relationship()

    __table_args__ = (
        UniqueConstraint("registration_id", "journee_id"),
        Index("ix_registration_days_journee_status", "journee_id", "status"),
    )
