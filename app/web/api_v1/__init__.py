"""REST API v1 under /api/v1: JSON, bearer tokens with scopes, OpenAPI 3.1 at /api/v1/openapi.json,
browsable docs at /api/v1/docs (Swagger UI served by the app itself, no CDN).

Each resource is one module of this package exposing ``blp`` (an :class:`ApiBlueprint`);
modules are found automatically, as for the admin pages.
"""
from __future__ import annotations

import importlib
import pkgutil
import sys

from flask import Flask
from flask_swagger_ui import get_swaggerui_blueprint

from app.web.api_v1.core import PREFIX, ApiBlueprint, api

API_DESCRIPTION = """API de Lettrine (CRPVE) : abonnés, listes, messages transactionnels, campagnes,
inscriptions aux journées, liste d'exclusion, rebonds.

Authentification : `Authorization: Bearer lt_…` (jeton créé par un administrateur, page « API »
ou `flask tokens create`). Erreurs : RFC 9457 (`application/problem+json`), message en français
(`detail`) et en anglais (`messages.en`). Les POST qui créent ou envoient acceptent `Idempotency-Key`.
Webhooks sortants : signature Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`)."""


def init_api(app: Flask) -> None:
    app.config.setdefault("API_TITLE", "Lettrine API")
    app.config.setdefault("API_VERSION", "1")
    app.config.setdefault("OPENAPI_VERSION", "3.1.0")
    app.config.setdefault("OPENAPI_URL_PREFIX", PREFIX)
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault("API_SPEC_OPTIONS", {
        "info": {"description": API_DESCRIPTION},
        "servers": [{"url": app.config["BASE_URL"]}] if app.config.get("BASE_URL") else [],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
    })
    api.init_app(app)
    package = sys.modules[__name__]
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        blueprint = getattr(module, "blp", None)
        if isinstance(blueprint, ApiBlueprint):
            api.register_blueprint(blueprint, url_prefix=PREFIX + blueprint.url_prefix)
    app.register_blueprint(get_swaggerui_blueprint(
        PREFIX + "/docs", PREFIX + "/openapi.json", blueprint_name="api_docs",
        config={"app_name": "Lettrine API", "layout": "BaseLayout", "persistAuthorization": True}))
