"""Messages handed to each SMTP relay, per counting window: the quota every worker process shares."""
from __future__ import annotations

from sqlalchemy import BigInteger, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class RelayQuota(db.Model):
    """One row per (relay, window span, bucket start); see ``app.sending.limits.DatabaseQuota``.

    ``span`` is the window in seconds (1, 3600, 86400…), ``bucket`` the bucket's
    start in Unix seconds, ``count`` the messages granted in it. The row
    ``(relay, 0, 0)`` is the relay's lock.
    """

    __tablename__ = "relay_quota"

    relay: Mapped[str] = mapped_column(String(255), primary_key=True)
    span: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    bucket: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    count: Mapped[int] = mapped_column(Integer, default=0)
