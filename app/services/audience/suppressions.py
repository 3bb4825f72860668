"""The suppression list as the officer manages it: addresses and whole domains.

Addresses are kept as hashes only (``Suppression``), so an erased person's address is
not kept anywhere: the page shows the address when a subscriber still carries it, and
finds a typed address by its hash. Domains (``SuppressedDomain``) are kept in clear —
they name organisations, not people — and the audience query and the send-time
re-check (``app.sending.queue``) skip every address at them.
"""
from __future__ import annotations

from typing import Any

import re
from dataclasses import dataclass
from datetime import datetime

import idna
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.errors import LettrineError
from app.extensions import db
from app.models import Subscriber, Suppression, SuppressionReason, SuppressedDomain, email_hash
from app.services.audience.core import InvalidAddress, audit, find_subscriber, lift_suppression, normalise_email, suppress

DOMAIN_RE = re.compile(r"^(?=.{3,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$")
# Lazy: the suppressions page shows them in the officer's language.
REASON_LABELS = {
    SuppressionReason.UNSUBSCRIBED: _l("désabonnement"),
    SuppressionReason.BOUNCED: _l("adresse en erreur"),
    SuppressionReason.COMPLAINED: _l("plainte"),
    SuppressionReason.ERASED: _l("effacement RGPD"),
    SuppressionReason.MANUAL: _l("ajout par l'équipe"),
}


class SuppressionError(LettrineError, ValueError):
    """Bad input from the officer (message in French, one line)."""

    status = 422
    code = "suppression"
    en = "The suppression cannot be made as asked."


@dataclass
class Entry:
    kind: str  # "address" or "domain"
    key: str  # hash or domain
    shown: str  # the address (when a subscriber still carries it), or the domain
    reason: str
    note: str
    at: datetime
    subscriber_id: int | None = None


def normalise_domain(raw: str) -> str:
    domain = (raw or "").strip().lower().lstrip("@").rstrip(".")
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise SuppressionError(f"domaine invalide : {raw}") from exc
    if not DOMAIN_RE.match(domain):
        raise SuppressionError(f"domaine invalide : {raw} (exemple : ancienne-asso.fr)")
    return domain


def add(value: str, note: str, *, actor: str) -> str:
    """Suppress an address or, for "@domaine.fr" / "domaine.fr", a whole domain; commits.

    Returns "address" or "domain". Adding twice is harmless (the first reason stays)."""
    value = (value or "").strip()
    if not value:
        raise SuppressionError("indiquez une adresse ou un domaine")
    note = (note or "").strip()[:400]
    if "@" not in value or value.startswith("@"):
        domain = normalise_domain(value)
        if db.session.get(SuppressedDomain, domain) is None:
            db.session.add(SuppressedDomain(domain=domain, reason=note, created_by=actor[:320]))
        db.session.commit()
        return "domain"
    try:
        suppress_address(value, source=f"ajout par l'équipe ({actor}) : {note}" if note
                         else f"ajout par l'équipe ({actor})", actor=actor, note=note)
    except InvalidAddress as exc:
        raise SuppressionError(f"adresse invalide : {value}") from exc
    return "address"


def suppress_address(raw: str, *, source: str, actor: str, via: str = "admin", note: str = "") -> Suppression:
    """Suppress one address (reason "manual"), the admin's, the API's and the CLI's way alike: its hash on
    the list, the decision on the person's history when she is known; commits. InvalidAddress when it is not one."""
    address = normalise_email(raw)
    suppress(address, SuppressionReason.MANUAL, source=source)
    person = find_subscriber(address)
    if person is not None:
        audit("suppress", person, actor=actor, source=via, detail={"note": note})
    db.session.commit()
    row = db.session.get(Suppression, email_hash(address))
    assert row is not None  # just written, or there already
    return row


def remove(value: str, *, actor: str) -> bool:
    """Lift an address's or a domain's suppression; True if there was one. Commits."""
    value = (value or "").strip()
    if "@" not in value or value.startswith("@"):
        row = db.session.get(SuppressedDomain, normalise_domain(value))
        if row is None:
            return False
        db.session.delete(row)
        db.session.commit()
        return True
    try:
        address = normalise_email(value)
    except InvalidAddress as exc:
        raise SuppressionError(f"adresse invalide : {value}") from exc
    return remove_hash(email_hash(address), actor=actor)


def remove_hash(key: str, *, actor: str) -> bool:
    row = db.session.get(Suppression, key)
    if row is None:
        return False
    db.session.delete(row)
    person = db.session.scalar(select(Subscriber).where(Subscriber.email_hash == key))
    if person is not None:
        audit("unsuppress", person, actor=actor, source="admin")
    db.session.commit()
    return True


def domain_of(address: str) -> str:
    """The address's domain as suppressed domains are kept: IDNA (``xn--``), lower case."""
    domain = address.rsplit("@", 1)[-1].lower()
    try:
        return domain if domain.isascii() else idna.encode(domain, uts46=True).decode("ascii")
    except idna.IDNAError:
        return domain


def is_domain_suppressed(address: str) -> bool:
    return db.session.get(SuppressedDomain, domain_of(address)) is not None


def is_blocked(address: str) -> bool:
    """Suppressed by its hash or its domain."""
    return db.session.get(Suppression, email_hash(address)) is not None or is_domain_suppressed(address)


def entries(*, q: str = "", reason: str = "", limit: int = 200) -> list[Entry]:
    """Newest first; ``q`` an address (found by hash) or part of a domain; ``reason`` a
    SuppressionReason value or "domain"."""
    q = (q or "").strip().lower()
    rows: list[Entry] = []
    if reason in ("", "domain"):
        query: Any = select(SuppressedDomain).order_by(SuppressedDomain.created_at.desc()).limit(limit)
        if q and "@" not in q:
            query = query.where(SuppressedDomain.domain.contains(q.lstrip("@"), autoescape=True))
        elif q:
            query = query.where(SuppressedDomain.domain == domain_of(q))
        rows += [Entry("domain", d.domain, "@" + d.domain, "domaine", d.reason + (f" — {d.created_by}" if d.created_by else ""),
                       d.created_at) for d in db.session.scalars(query)]
    if reason != "domain" and (not q or "@" in q):
        query = (select(Suppression, Subscriber.email, Subscriber.id)
                 .outerjoin(Subscriber, Subscriber.email_hash == Suppression.email_hash)
                 .order_by(Suppression.created_at.desc()).limit(limit))
        if reason:
            query = query.where(Suppression.reason == SuppressionReason(reason))
        if q:
            try:
                query = query.where(Suppression.email_hash == email_hash(normalise_email(q)))
            except InvalidAddress:
                return rows
        for row, address, person_id in db.session.execute(query):
            shown = address or "adresse non conservée (empreinte " + row.email_hash[:10] + "…)"
            rows.append(Entry("address", row.email_hash, shown, str(REASON_LABELS.get(row.reason, row.reason.value)),
                              row.source, row.created_at, person_id))
    rows.sort(key=lambda e: e.at, reverse=True)
    return rows[:limit]


def lift_for(person: Subscriber, *, actor: str) -> None:
    """Unsuppress one person's address (the team's decision, recorded); the caller commits."""
    if person.email:
        lift_suppression(person.email)
        audit("unsuppress", person, actor=actor, source="admin")
