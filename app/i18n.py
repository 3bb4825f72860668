"""Language choice: French first, English on request (``?lang=en``, then a cookie)."""
from __future__ import annotations

from typing import Any

from flask import has_request_context, request
from flask_babel import force_locale
from flask_login import current_user

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


class TranslatedError(ValueError):
    """A refusal whose message is a translatable string (``lazy_gettext``), so each caller says it
    in its own language: a page in the reader's, the API in French and English, the CLI in French."""

    def __init__(self, message: Any) -> None:
        super().__init__(str(message))
        self.message = message

    def __str__(self) -> str:
        return str(self.message)

    @property
    def fr(self) -> str:
        with force_locale("fr"):
            return str(self.message)

    @property
    def en(self) -> str:
        with force_locale("en"):
            return str(self.message)
