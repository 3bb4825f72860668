"""Signed tokens for links that act without a login.

One salt per purpose, so a token minted for one use is worthless for another.
``SECRET_KEYS`` is a list, newest first: the newest signs, every key verifies,
so rotating the secret keeps old links working. Tokens carry the subscriber's
opaque ``uid`` (never the address).
"""
from __future__ import annotations

import base64
from enum import Enum
from typing import Any

from flask import current_app
from itsdangerous import BadData, URLSafeSerializer, URLSafeTimedSerializer

from app.errors import LettrineError


class Purpose(str, Enum):
    UNSUBSCRIBE = "lettrine.unsubscribe"  # never expires (email-standards.md)
    PREFERENCES = "lettrine.preferences"  # never expires
    CONFIRM = "lettrine.confirm"  # double opt-in, 7 days
    REGISTRATION = "lettrine.registration"  # manage one's event registration
    DATA_EXPORT = "lettrine.data-export"  # RGPD access, 7 days
    CLICK = "lettrine.click"  # signed redirect for click tracking
    BOUNCE = "lettrine.bounce"  # VERP Return-Path
    CHECKIN = "lettrine.checkin"  # one registrant's check-in code for one cycle (opened by an officer)
    SURVEY = "lettrine.survey"  # answer the satisfaction survey without a login
    CERTIFICATE = "lettrine.certificate"  # download one's certificate of attendance
    PREFILL = "lettrine.prefill"  # fills the registration form in; opens nothing
    PREVIEW = "lettrine.preview"  # a test message's "Voir la version en ligne": that campaign before it is sent


MAX_AGE: dict[Purpose, int | None] = {
    Purpose.UNSUBSCRIBE: None,
    Purpose.PREFERENCES: None,
    Purpose.CONFIRM: 7 * 24 * 3600,
    Purpose.REGISTRATION: None,
    Purpose.DATA_EXPORT: 7 * 24 * 3600,
    Purpose.CLICK: None,
    Purpose.BOUNCE: None,
    Purpose.CHECKIN: None,  # valid for the cycle's life; useless without an officer's login
    Purpose.SURVEY: None,  # closing the cycle closes the survey (database, not token age)
    Purpose.CERTIFICATE: None,  # the certificate is the person's own document, kept as long as they need it
    Purpose.PREFILL: None,  # only shows her own name and address on a form she would type them into
    Purpose.PREVIEW: 30 * 24 * 3600,  # proofreading time; once sent, the campaign's own web view is public
}


class InvalidToken(LettrineError, ValueError):
    """The token is forged, truncated, tampered with, expired or for another purpose."""

    status = 400
    code = "invalid_token"
    en = "The link or token is invalid or has expired."

    def __init__(self, message: str, expired: bool = False) -> None:
        super().__init__(message)
        self.expired = expired


def _keys(secret_keys: list[str] | None) -> list[str]:
    keys = secret_keys if secret_keys is not None else current_app.config["SECRET_KEYS"]
    # itsdangerous signs with the *last* key and verifies with all: ours are newest first.
    return list(reversed(keys))


def _serializer(purpose: Purpose, secret_keys: list[str] | None):
    if MAX_AGE[purpose] is None:
        return URLSafeSerializer(_keys(secret_keys), salt=purpose.value)
    return URLSafeTimedSerializer(_keys(secret_keys), salt=purpose.value)


def sign(purpose: Purpose, payload: Any, secret_keys: list[str] | None = None) -> str:
    """Return a URL-safe token carrying ``payload`` for ``purpose``."""
    return _serializer(purpose, secret_keys).dumps(payload)


MAX_TOKEN_LENGTH = 1000


def _canonical_b64(segment: str) -> bool:
    """True when ``segment`` is the one canonical unpadded base64url spelling of its bytes.

    Python's base64 decoder ignores the unused low bits of the last character, so
    ``…Yl4`` and ``…Yl5`` decode to the same signature: without this check four
    different strings would verify for every token.
    """
    try:
        raw = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (ValueError, TypeError):
        return False
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii") == segment


def verify(purpose: Purpose, token: str, secret_keys: list[str] | None = None, *, ignore_age: bool = False) -> Any:
    """Return the payload of a valid token, or raise :class:`InvalidToken`.

    Only the exact spelling that was signed is accepted. ``ignore_age`` lets a
    page recognise a genuine but expired link (to offer a fresh one); it must
    never be used to act on one.
    """
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
        raise InvalidToken("malformed token")
    if not all(_canonical_b64(part) for part in token.split(".")):
        raise InvalidToken("non-canonical token")
    serializer = _serializer(purpose, secret_keys)
    try:
        if isinstance(serializer, URLSafeTimedSerializer):
            return serializer.loads(token, max_age=None if ignore_age else MAX_AGE[purpose])
        return serializer.loads(token)
    except BadData as exc:
        from itsdangerous import SignatureExpired

        raise InvalidToken(str(exc), expired=isinstance(exc, SignatureExpired)) from exc
    except Exception as exc:  # noqa: BLE001 - malformed input of any kind is just invalid
        raise InvalidToken(f"malformed token: {exc}") from exc
