"""Language choice: French first, English on request (``?lang=en``, then a cookie)."""
from __future__ import annotations

from flask import has_request_context, request
from flask_login import current_user

SUPPORTED = ("fr", "en")


def select_locale() -> str:
    if not has_request_context():  # CLI commands, background threads (imports): French
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
