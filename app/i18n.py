"""Language choice: French first, English on request (``?lang=en``, then a cookie)."""
from __future__ import annotations

from typing import Any

from flask import has_request_context, request
from flask_babel import force_locale
from flask_login import current_user

from app.errors import LettrineError

SUPPORTED = ("fr", "en")


def select_locale() -> str:
    """The request's language; French outside a request (workers, CLI, scheduler)."""
    if not has_request_context():
        return "fr"
    asked = request.args.get("lang")
    if asked in SUPPORTED:
        return asked
    cookie = request.cookies.get("lang")
    if cookie in SUPPORTED:
        return cookie
    if getattr(current_user, "is_authenticated", False) and current_user.locale in SUPPORTED:
        return current_user.locale
    return "fr"


def remember_locale(response):
    """Keep an explicit ``?lang=`` choice for the next pages."""
    asked = request.args.get("lang")
    if asked in SUPPORTED:
        response.set_cookie("lang", asked, max_age=365 * 24 * 3600, samesite="Lax")
    return response


class TranslatedError(LettrineError, ValueError):
    """A :class:`~app.errors.LettrineError` whose message is a translatable string (``lazy_gettext``),
    so each edge says it in its reader's language: a page in the reader's, the API in French and
    English (``messages.en``), the CLI in French."""

    def __init__(self, message: Any, **options: Any) -> None:
        super().__init__(str(message), **options)
        self.lazy = message

    @property
    def message(self) -> str:
        return str(self.lazy)

    def __str__(self) -> str:
        return str(self.lazy)

    @property
    def fr(self) -> str:
        with force_locale("fr"):
            return str(self.lazy)

    # The base's English is a plain class attribute; here it is the message translated.
    @property
    def en(self) -> str:  # type: ignore[override]
        with force_locale("en"):
            return str(self.lazy)
