"""Secrets kept in the database, encrypted with the instance's keys (``SECRET_KEYS``).

A webhook's signing secret must be read back to sign each delivery, so it cannot be
hashed like an API token; it is encrypted instead (Fernet: AES-128-CBC and HMAC-SHA256,
from ``cryptography``), so a leaked database dump or backup without the env file gives
nobody the power to forge Lettrine's webhooks.

Keys follow ``SECRET_KEYS`` (newest first): each secret key gives one Fernet key through
HKDF-SHA256 with a purpose of its own (the same secret key never serves two purposes
as is). The newest encrypts, every one decrypts, so rotating ``SECRET_KEYS`` keeps what
was stored readable; :func:`reencrypt` moves a value to the newest key, so the old one
can then be dropped.
"""
from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

WEBHOOK_SECRET = b"lettrine.webhook-secret"


class UndecryptableSecret(ValueError):
    """No key of ``SECRET_KEYS`` opens this value (a key was dropped before re-encryption)."""


def _fernet_key(secret_key: str, purpose: bytes) -> bytes:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(secret_key.encode("utf-8"))
    return base64.urlsafe_b64encode(derived)


def _keys(purpose: bytes, secret_keys: list[str] | None) -> MultiFernet:
    keys = secret_keys if secret_keys is not None else current_app.config["SECRET_KEYS"]
    return MultiFernet([Fernet(_fernet_key(key, purpose)) for key in keys])


def encrypt(plain: str, purpose: bytes = WEBHOOK_SECRET, *, secret_keys: list[str] | None = None) -> str:
    """A Fernet token (ASCII) for ``plain``, under the newest key."""
    return _keys(purpose, secret_keys).encrypt(plain.encode("utf-8")).decode("ascii")


def decrypt(token: str, purpose: bytes = WEBHOOK_SECRET, *, secret_keys: list[str] | None = None) -> str:
    """The value ``encrypt`` was given; raise :class:`UndecryptableSecret` if no key opens it."""
    try:
        return _keys(purpose, secret_keys).decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeError) as exc:
        raise UndecryptableSecret("secret illisible : la clé qui l'a chiffré n'est plus dans SECRET_KEYS") from exc


def reencrypt(token: str, purpose: bytes = WEBHOOK_SECRET, *, secret_keys: list[str] | None = None) -> str:
    """The same value under the newest key (after a rotation of ``SECRET_KEYS``)."""
    try:
        return _keys(purpose, secret_keys).rotate(token.encode("ascii")).decode("ascii")
    except InvalidToken as exc:
        raise UndecryptableSecret("secret illisible : la clé qui l'a chiffré n'est plus dans SECRET_KEYS") from exc
