"""Web layer: public pages, the admin, the JSON API. Blueprints are registered here."""
from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

from flask import Flask


def import_submodules(package: ModuleType) -> None:
    """Import every module of a package, so each one can add its routes to the blueprint.

    A new admin page is a new module file; nothing else needs editing.
    """
    for info in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{package.__name__}.{info.name}")


def register_blueprints(app: Flask) -> None:
    from app.web import errors, security, typography
    from app.web.admin import bp as admin_bp
    from app.web.api import bp as api_bp
    from app.web.auth import bp as auth_bp
    from app.web.media import bp as media_bp
    from app.web.public import bp as public_bp

    app.register_blueprint(public_bp)
    app.register_blueprint(auth_bp, url_prefix="/admin")
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(api_bp, url_prefix="/api")
    from app.web.api_v1 import init_api

    init_api(app)  # /api/v1: its own blueprints, spec and docs
    app.register_blueprint(media_bp)
    errors.register(app)
    security.register(app)
    typography.register(app)  # French spacing in French HTML pages
