"""API tokens: created by an admin (page or CLI), shown once, stored as a SHA-256 hash.

A token is ``lt_`` followed by 43 random URL-safe characters (256 bits), so a plain
SHA-256 is enough to store it: there is nothing to brute-force, unlike a password.
Each token carries scopes (``subscribers:write``…); the API checks the scope each
route needs and answers 403 without it. A token made on the admin page carries its
administrator's rights: it stops working the moment that account is deactivated or
loses its role, and is revoked then (:func:`revoke_tokens_of`), so it never comes back.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
import re
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select, update

from app.errors import LettrineError
from app.extensions import db
from app.models import ApiToken, User, utcnow

PREFIX = "lt_"

#: Every scope, with what it allows (shown on the admin page and in ``tokens create --help``).
SCOPES: dict[str, str] = {
    "subscribers:read": "lire les abonnés et les listes / read subscribers and lists",
    "subscribers:write": "créer, modifier, importer, désabonner, effacer des abonnés / create, update, import, unsubscribe, erase",
    "lists:write": "créer et modifier des listes / create and update lists",
    "campaigns:read": "lire les campagnes, leur progression et leur bilan / read campaigns, progress, reports",
    "campaigns:write": "créer et modifier des campagnes, envoyer des tests / create, update, test-send",
    "campaigns:send": "programmer, envoyer, suspendre, reprendre, annuler / schedule, send, pause, resume, cancel",
    "events:read": "lire cycles, journées et places restantes / read cycles, days, seats left",
    "events:write": "créer et modifier cycles et journées / create and edit cycles and days",
    "registrations:read": "lire les inscrits (adresses, noms) / read registrants' personal data",
    "registrations:write": "inscrire, modifier et annuler des inscriptions / register, change, cancel",
    "sequences:read": "lire les séquences et leurs chiffres / read sequences and their counts",
    "sequences:write": "créer et modifier des séquences, y inscrire une adresse / create, update, enrol an address",
    "tx:send": "envoyer des messages transactionnels / send transactional messages",
    "suppressions:read": "lire la liste d'exclusion / read the suppression list",
    "suppressions:write": "ajouter à la liste d'exclusion / add to the suppression list",
    "bounces:read": "lire les rebonds / read bounce reports",
    "bounces:write": "déclarer des rebonds (relais) / report bounces (relays)",
}

# Writing implies reading the same resource.
IMPLIED = {"subscribers:write": "subscribers:read", "lists:write": "subscribers:read",
           "campaigns:write": "campaigns:read", "campaigns:send": "campaigns:read",
           "events:write": "events:read", "registrations:write": "registrations:read", "suppressions:write": "suppressions:read",
           "bounces:write": "bounces:read", "sequences:write": "sequences:read"}

# Touching ``last_used_at`` on every request would make every API call a write; a
# minute's precision is what the admin page needs.
LAST_USED_PRECISION = timedelta(minutes=1)


class TokenError(LettrineError, ValueError):
    """Bad name, unknown scope or past expiry (French message, for the page and the CLI)."""

    status = 422
    code = "api_token"
    en = "Bad token name, unknown scope or past expiry."


def hash_token(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


def parse_scopes(raw: str | list[str]) -> list[str]:
    """``"subscribers:read,tx:send"`` (or a list) → a sorted list of known scopes; "all" means every scope."""
    items = raw.replace(" ", ",").split(",") if isinstance(raw, str) else list(raw)
    wanted = {item.strip() for item in items if item and item.strip()}
    if "all" in wanted:
        return sorted(SCOPES)
    unknown = sorted(wanted - SCOPES.keys())
    if unknown:
        raise TokenError(f"portée inconnue : {unknown[0]} (connues : {', '.join(SCOPES)})")
    if not wanted:
        raise TokenError("au moins une portée est nécessaire / at least one scope is required")
    return sorted(wanted)


@dataclass(frozen=True)
class CreatedToken:
    token: ApiToken
    plaintext: str  # shown once, never stored


_DURATION = re.compile(r"^([1-9][0-9]{0,3})\s*([dj])$", re.IGNORECASE)  # "30d" (or "30j"): days from now
MAX_LIFETIME_DAYS = 3660


def parse_expiry(text: str, now: datetime | None = None) -> datetime | None:
    """``--expires``: a last day (``2027-06-30``, to the end of that day in UTC) or a number of days
    from now (``30d``); empty means never. TokenError otherwise."""
    text = (text or "").strip()
    if not text:
        return None
    now = now or utcnow()
    duration = _DURATION.match(text)
    if duration:
        days = int(duration.group(1))
        if days > MAX_LIFETIME_DAYS:
            raise TokenError(f"durée trop longue : {days} jours ({MAX_LIFETIME_DAYS} au plus)")
        return now + timedelta(days=days)
    try:
        last_day = date.fromisoformat(text)
    except ValueError:
        raise TokenError(f"date d'expiration invalide : {text[:40]!r} (AAAA-MM-JJ, ou un nombre de jours : 30d)") from None
    return datetime.combine(last_day, time(23, 59, 59), tzinfo=UTC)


def create_token(name: str, scopes: str | list[str], *, expires_at: datetime | None = None,
                 last_day: date | None = None, created_by: str = "", user: User | None = None,
                 now: datetime | None = None) -> CreatedToken:
    """Create a token (commits) and return it with its plaintext, which is not kept anywhere.

    ``last_day``: the last day it works (the admin's and the CLI's date), to the end of that day in UTC.
    ``user``: the administrator it belongs to (the admin page's); it lives only as long as their role."""
    now = now or utcnow()
    if last_day is not None and expires_at is None:
        expires_at = datetime.combine(last_day, time(23, 59, 59), tzinfo=UTC)
    name = name.strip()
    if not name or len(name) > 200:
        raise TokenError("le nom du jeton est obligatoire (200 caractères au plus)")
    if expires_at is not None and expires_at <= now:
        raise TokenError("la date d'expiration est déjà passée")
    if user is not None and not (user.active and user.is_admin):
        raise TokenError("seul un administrateur actif peut détenir un jeton")
    plaintext = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(name=name, token_hash=hash_token(plaintext), prefix=plaintext[:10],
                   scopes=parse_scopes(scopes), created_by=(created_by or (user.email if user else ""))[:320],
                   user_id=user.id if user else None, expires_at=expires_at, created_at=now)
    db.session.add(row)
    db.session.commit()
    return CreatedToken(row, plaintext)


def authenticate(plaintext: str, now: datetime | None = None) -> ApiToken | None:
    """The usable token with this plaintext, or None (unknown, revoked, expired, or its administrator's
    account deactivated or no longer an administrator).

    The lookup is by hash (an index probe, no timing leak on the secret itself);
    ``last_used_at`` is written at most once a minute.
    """
    if not plaintext.startswith(PREFIX) or len(plaintext) > 100:
        return None
    now = now or utcnow()
    digest = hash_token(plaintext)
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == digest))
    if row is None or not hmac.compare_digest(row.token_hash, digest) or not row.usable(now):
        return None
    if row.last_used_at is None or now - row.last_used_at >= LAST_USED_PRECISION:
        db.session.execute(update(ApiToken).where(ApiToken.id == row.id).values(last_used_at=now))
        db.session.commit()
    return row


def has_scope(token: ApiToken, scope: str) -> bool:
    granted = set(token.scopes or [])
    granted |= {IMPLIED[s] for s in granted if s in IMPLIED}
    return scope in granted


def revoke(token_id: int, now: datetime | None = None) -> ApiToken | None:
    """Revoke for good (commits); the row stays so the list shows who had access until when."""
    row = db.session.get(ApiToken, token_id)
    if row is not None and row.revoked_at is None:
        row.revoked_at = now or utcnow()
        db.session.commit()
    return row


#: Why a token was revoked without anyone asking (``ApiToken.revoked_reason``; empty: revoked by hand).
REVOKE_REASONS = {"account_deactivated": "compte désactivé", "role_changed": "rôle changé"}


def revoke_tokens_of(user: User, reason: str, now: datetime | None = None) -> int:
    """Revoke every live token of this account, in the caller's transaction (the account's change
    commits both); how many. Called when the account is deactivated or changes role (``REVOKE_REASONS``)."""
    rows = list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))))
    for row in rows:
        row.revoked_at, row.revoked_reason = now or utcnow(), reason[:200]
    return len(rows)


def all_tokens() -> list[ApiToken]:
    return list(db.session.scalars(select(ApiToken).order_by(ApiToken.revoked_at.is_not(None), ApiToken.id.desc())))
