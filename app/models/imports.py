"""Background CSV imports started from the admin: their progress and final report.

The job row is the only channel between the import thread and the browser that
polls it, so progress survives page reloads and is visible to every admin.
"""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.audience import MailingList
from app.models.types import UTCDateTime, str_enum, utcnow


class ImportStatus(str, enum.Enum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ImportJob(db.Model):
    __tablename__ = "import_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int | None] = mapped_column(ForeignKey("mailing_lists.id", ondelete="SET NULL"))
    file_name: Mapped[str] = mapped_column(String(300))
    stored_path: Mapped[str] = mapped_column(String(1000), default="")  # deleted once imported
    actor: Mapped[str] = mapped_column(String(320), default="")
    pending: Mapped[bool] = mapped_column(default=False)
    status: Mapped[ImportStatus] = mapped_column(str_enum(ImportStatus), default=ImportStatus.QUEUED)
    bytes_total: Mapped[int] = mapped_column(BigInteger, default=0)
    bytes_done: Mapped[int] = mapped_column(BigInteger, default=0)
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The first rejected rows only ({line, email, reason}); counts hold the totals.
    report: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Written with every batch's progress: a running job whose heartbeat stops was in a
    # process that died, and the scheduler starts it again (app.services.audience.import_jobs).
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # How many times it was taken over after such a death; also the lease: a thread whose
    # job was taken over stops at its next write.
    resumes: Mapped[int] = mapped_column(default=0, server_default="0")

    mailing_list: Mapped[MailingList | None] = relationship()

    @property
    def percent(self) -> int:
        if self.status == ImportStatus.DONE:
            return 100
        if not self.bytes_total:
            return 0
        return min(100, int(self.bytes_done * 100 / self.bytes_total))

    @property
    def finished(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.FAILED)
