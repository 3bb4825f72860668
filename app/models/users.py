"""Admin users: the communication officer (editor) and whoever runs the service (admin)."""
from __future__ import annotations

import enum
import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from app.extensions import db
from app.models.types import Email, UTCDateTime, str_enum, utcnow


class Role(str, enum.Enum):
    ADMIN = "admin"  # everything, including users and settings
    EDITOR = "editor"  # audience and campaigns


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(Email, unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[Role] = mapped_column(str_enum(Role), default=Role.EDITOR)
    active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str] = mapped_column(String(8), default="fr")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Flask-Login's alternative id: what the session and remember-me cookies carry. A new
    # value (logout, password change, deactivation) makes every older cookie worthless.
    session_token: Mapped[str] = mapped_column(String(64), unique=True, default=lambda: secrets.token_urlsafe(32))

    def get_id(self) -> str:  # Flask-Login
        return self.session_token

    def end_sessions(self) -> None:
        """Invalidate every session and remember-me cookie of this user."""
        self.session_token = secrets.token_urlsafe(32)

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)
        self.end_sessions()

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN


class LoginLock(db.Model):
    """Failed logins on one address (any address, known or not: the lock tells nobody which
    exist), for the per-account lock of ``app.services.accounts.logins``. Keyed by a hash of the
    canonical address, so the table holds no address."""

    __tablename__ = "login_locks"

    address_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)  # since ``since``
    since: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)  # the run's first failure
    last_failure_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
