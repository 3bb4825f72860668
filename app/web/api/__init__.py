"""JSON API. Every route requires a bearer API token or a logged-in session; writes from a
session need the admin role (an editor may read progress figures, not mark people bounced)."""
from __future__ import annotations

import hmac
import sys

from flask import Blueprint, abort, current_app, request
from flask_login import current_user

from app import web
from app.extensions import csrf

bp = Blueprint("api", __name__)
csrf.exempt(bp)  # token or session auth, JSON bodies; no browser form posts here

# Endpoints that also accept a narrower token of their own (endpoint -> config key), so a
# relay can be given the bounce webhook's token without getting the whole API.
ENDPOINT_TOKENS: dict[str, str] = {}


def _bearer_matches(header: str, token: str) -> bool:
    return bool(token) and hmac.compare_digest(header.encode(), f"Bearer {token}".encode())


@bp.before_request
def _require_auth() -> None:
    header = request.headers.get("Authorization", "")
    if _bearer_matches(header, current_app.config["API_TOKEN"]):
        return
    own = ENDPOINT_TOKENS.get(request.endpoint or "")
    if own and _bearer_matches(header, current_app.config.get(own, "")):
        return
    if getattr(current_user, "is_authenticated", False):
        if request.method in {"GET", "HEAD", "OPTIONS"}:
            return
        # A write must prove same-origin intent (a JSON body needs a CORS preflight) and an admin.
        if not request.is_json:
            abort(401)
        if not current_user.is_admin:
            abort(403)
        return
    abort(401)


web.import_submodules(sys.modules[__name__])
