"""JSON API. Every route requires a logged-in admin session or a bearer API token."""
from __future__ import annotations

import sys

from flask import Blueprint, abort, current_app, request
from flask_login import current_user

from app import web
from app.extensions import csrf

bp = Blueprint("api", __name__)
csrf.exempt(bp)  # token or session auth, JSON bodies; no browser form posts here


@bp.before_request
def _require_auth() -> None:
    token = current_app.config.get("API_TOKEN", "")
    header = request.headers.get("Authorization", "")
    if token and header == f"Bearer {token}":
        return
    if getattr(current_user, "is_authenticated", False):
        # A session user must still prove same-origin intent on writes.
        if request.method in {"GET", "HEAD", "OPTIONS"} or request.is_json:
            return
    abort(401)


web.import_submodules(sys.modules[__name__])
