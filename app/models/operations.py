"""What the running processes say about themselves: one heartbeat row per worker or scheduler.

``/readyz`` and ``/metrics`` read it ("a scheduler passed in the last 90 s", "two workers seen
in the last minute"); it lives in the database because that is what every process, on every
machine, already shares.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, utcnow


class ProcessHeartbeat(db.Model):
    __tablename__ = "process_heartbeats"

    name: Mapped[str] = mapped_column(String(120), primary_key=True)  # "host:pid" or a worker's lease owner
    kind: Mapped[str] = mapped_column(String(20))  # worker | scheduler
    host: Mapped[str] = mapped_column(String(100), default="")
    pid: Mapped[int] = mapped_column(default=0)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_process_heartbeats_kind_seen_at", "kind", "seen_at"),)
