"""Authentication before the body: an anonymous or unauthorised request to the admin is
answered before anything (the CSRF check, a form, the import's upload) reads its body.

Why: before_request functions run app-wide ones first, so Flask-WTF's CSRF check read the
whole body of an anonymous POST before the admin blueprint's login check ran — and on
``/admin/imports``, whose limit is raised for the CSV upload, an anonymous 100 MB upload was
read in full, then answered 400 (issue #22). Here, first of all: the admin's login check and
its admin-only pages' role check, then the larger limits of :data:`LARGE_UPLOADS` (the import's,
the images'), for a logged-in user only.

The API needs nothing here: its bearer token and scope are checked by each route's wrapper
(``ApiBlueprint.scoped``) before the arguments are parsed, and its body limit stays 1 MB except
for ``POST /api/v1/imports``, whose view raises it once the token is checked.
nginx does the same in front (``deploy/nginx/lettrine.conf``): the import's and the images'
locations ask :func:`upload_allowed` (``auth_request``, no body) before accepting a body over 1 MB.
"""
from __future__ import annotations

from flask import Flask, Response, abort, current_app, request
from flask_login import current_user

from app.extensions import login_manager
from app.web.api_v1.imports import import_allowed

ADMIN_BLUEPRINT = "admin"
# Endpoint -> setting holding its own request-body limit (bytes), for a logged-in user only.
LARGE_UPLOADS: dict[str, str] = {"admin.imports": "IMPORT_MAX_CONTENT_LENGTH",
                                 **{endpoint: "MEDIA_MAX_CONTENT_LENGTH" for endpoint in (
                                     "admin.campaign_edit", "admin.campaign_preview_draft", "admin.campaign_media",
                                     "admin.media_upload", "admin.settings_certificates")}}


def _admin_only(endpoint: str) -> bool:
    view = current_app.view_functions.get(endpoint)
    return bool(getattr(view, "admin_only", False))


def authenticate_first() -> Response | None:
    """The admin's login and role checks, before any body is read (see the module docstring)."""
    if request.blueprint != ADMIN_BLUEPRINT:
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if _admin_only(request.endpoint or "") and not current_user.is_admin:
        abort(403)
    setting = LARGE_UPLOADS.get(request.endpoint or "")
    if setting:
        request.max_content_length = current_app.config.get(setting)
    return None


def upload_allowed() -> tuple[str, int]:
    """For nginx's ``auth_request`` in front of the import upload: 204 for a logged-in user, else
    401. Reads no body (nginx sends none) and changes nothing."""
    return ("", 204) if current_user.is_authenticated else ("", 401)


def register(app: Flask) -> None:
    """Run before every other before_request function (the CSRF check reads the form in its own)."""
    app.before_request_funcs.setdefault(None, []).insert(0, authenticate_first)
    app.add_url_rule("/admin/imports/allowed", "upload_allowed", upload_allowed, methods=["GET"])
    app.add_url_rule("/api/v1/imports/allowed", "api_import_allowed", import_allowed, methods=["GET"])
