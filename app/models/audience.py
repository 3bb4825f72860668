"""The audience: lists, subscribers, their subscriptions with consent, suppressions, audit."""
from __future__ import annotations

import enum
import hashlib
import hmac
import secrets
from datetime import datetime
from typing import Any

import idna
from flask import current_app
from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from app.extensions import db
from app.models.types import UTCDateTime, str_enum, utcnow


def new_uid() -> str:
    """An opaque, unguessable public identifier (what tokens and URLs carry)."""
    return secrets.token_urlsafe(16)


def mailbox_key(address: str) -> str:
    """The comparison key of a canonical address, stored (``Anne@xn--exmple-cua.fr``) or already a key.

    Local part lower-cased, domain in its Unicode form (``anne@exämple.fr``): the key every
    fingerprint was made of before addresses were stored as typed (issue #22), so a
    suppression recorded then still matches. Parsing what people type is
    ``app.services.audience.addresses``; this only maps its two outputs onto one key.
    """
    key = address.strip().lower()
    local, at, domain = key.rpartition("@")
    if at and "xn--" in domain:
        try:
            return f"{local}@{idna.decode(domain)}"
        except idna.IDNAError:
            return key
    return key


def email_hash(normalised_email: str) -> str:
    """The suppression key: a keyed fingerprint of the address's key, so erasure keeps no address.

    HMAC-SHA256 under ``FINGERPRINT_KEY`` (:func:`keyed`) of the key's SHA-256 (:func:`mailbox_key`:
    the stored ``Anne@xn--…`` and its key give one fingerprint): without the key, a copy of
    the database cannot test guessed addresses against the suppression list.
    """
    return keyed(hashlib.sha256(mailbox_key(normalised_email).encode("utf-8")).hexdigest())


def keyed(digest: str, key: str | None = None) -> str:
    """The fingerprint of a SHA-256 ``digest`` (hex): migration 0022 made the plain digests it found so."""
    secret = key if key is not None else current_app.config["FINGERPRINT_KEY"]
    return hmac.new(secret.encode("utf-8"), digest.encode("ascii"), hashlib.sha256).hexdigest()


class SubscriberStatus(str, enum.Enum):
    ACTIVE = "active"
    UNSUBSCRIBED = "unsubscribed"  # from everything
    BOUNCED = "bounced"
    COMPLAINED = "complained"
    ERASED = "erased"


class SubscriptionStatus(str, enum.Enum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    UNSUBSCRIBED = "unsubscribed"


class SuppressionReason(str, enum.Enum):
    UNSUBSCRIBED = "unsubscribed"
    BOUNCED = "bounced"
    COMPLAINED = "complained"
    ERASED = "erased"
    MANUAL = "manual"


class MailingList(db.Model):
    __tablename__ = "mailing_lists"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    public: Mapped[bool] = mapped_column(default=True)  # offered on the public subscribe form
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # hidden from forms and new campaigns
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    subscriptions: Mapped[list[Subscription]] = relationship(back_populates="mailing_list")

    def __repr__(self) -> str:
        return f"<MailingList {self.slug}>"


class Subscriber(db.Model):
    """A person we may write to; also the identity behind event registrations."""

    __tablename__ = "subscribers"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True, default=new_uid)
    # NULL once erased. Stored for delivery: the local part as typed, the domain IDNA-encoded
    # (``Anne.Dupont@xn--exmple-cua.fr``); one person is one ``email_hash`` (unique below),
    # whatever the spelling. Collation "C" on PostgreSQL: a C-collated unique index also
    # answers the admin's prefix search (LIKE 'jean.d%'), so no second index slows every insert.
    email: Mapped[str | None] = mapped_column(
        String(320).with_variant(String(320, collation="C"), "postgresql"), unique=True
    )
    # Kept beside the address so the suppression list can be enforced in SQL (enqueue,
    # send-time re-check) and uniqueness holds on the key, not the spelling (migration
    # 0023); bulk inserts that bypass the ORM must fill it too.
    email_hash: Mapped[str | None] = mapped_column(String(64), index=True, unique=True)
    first_name: Mapped[str] = mapped_column(String(200), default="")
    last_name: Mapped[str] = mapped_column(String(200), default="")
    organisation: Mapped[str] = mapped_column(String(300), default="")
    function: Mapped[str] = mapped_column(String(300), default="")
    commune: Mapped[str] = mapped_column(String(200), default="")
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[SubscriberStatus] = mapped_column(
        str_enum(SubscriberStatus), default=SubscriberStatus.ACTIVE
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    last_activity_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    subscriptions: Mapped[list[Subscription]] = relationship(
        back_populates="subscriber", cascade="all, delete-orphan"
    )

    __table_args__ = (
        Index("ix_subscribers_status", "status"),
        # Admin search by name prefix at a million rows: LIKE 'dup%' on PostgreSQL needs a
        # pattern_ops index (the database collation need not be C); SQLite searches by range.
        Index("ix_subscribers_last_name", "last_name", postgresql_ops={"last_name": "varchar_pattern_ops"}),
    )

    @validates("email")
    def _hash_email(self, _key: str, value: str | None) -> str | None:
        self.email_hash = email_hash(value) if value else None
        return value

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p)

    def __repr__(self) -> str:
        return f"<Subscriber {self.id} {self.status.value}>"


class Subscription(db.Model):
    """Membership of one subscriber in one list, with the consent that justifies it."""

    __tablename__ = "subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscribers.id", ondelete="CASCADE"))
    list_id: Mapped[int] = mapped_column(ForeignKey("mailing_lists.id", ondelete="CASCADE"))
    status: Mapped[SubscriptionStatus] = mapped_column(
        str_enum(SubscriptionStatus), default=SubscriptionStatus.PENDING
    )
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    consent_source: Mapped[str] = mapped_column(String(500), default="")
    consent_ip: Mapped[str | None] = mapped_column(String(64))
    consent_text: Mapped[str] = mapped_column(Text, default="")
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    unsubscribed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    subscriber: Mapped[Subscriber] = relationship(back_populates="subscriptions")
    mailing_list: Mapped[MailingList] = relationship(back_populates="subscriptions")

    __table_args__ = (
        UniqueConstraint("subscriber_id", "list_id"),
        Index("ix_subscriptions_list_status", "list_id", "status"),
        # The few who left a list: read by the "désabonné·e" filter of Abonnés (app.services.audience.standing).
        Index("ix_subscriptions_unsubscribed", "subscriber_id", postgresql_where=text("status = 'unsubscribed'"),
              sqlite_where=text("status = 'unsubscribed'")),
    )


class Suppression(db.Model):
    """Addresses that must never be (re)subscribed silently: keyed by hash only."""

    __tablename__ = "suppressions"

    email_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    reason: Mapped[SuppressionReason] = mapped_column(str_enum(SuppressionReason))
    source: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AuditLog(db.Model):
    """Every change to a subscription or a subscriber's standing, for RGPD accountability."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    subscriber_id: Mapped[int | None] = mapped_column(
        ForeignKey("subscribers.id", ondelete="SET NULL")
    )
    list_id: Mapped[int | None] = mapped_column(ForeignKey("mailing_lists.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(320), default="")  # admin email, "public", "system"
    source: Mapped[str] = mapped_column(String(500), default="")
    ip: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    __table_args__ = (
        Index("ix_audit_log_subscriber_at", "subscriber_id", "at"),
        # A campaign's unsubscribes (its figures) and the dashboard's totals read one action over a time range.
        Index("ix_audit_log_action_at", "action", "at"),
    )
