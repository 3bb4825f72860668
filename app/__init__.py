"""Lettrine: newsletters, mailing lists and event announcements.

``create_app()`` wires configuration, extensions, blueprints and CLI commands.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from dotenv import load_dotenv
from flask import Flask

from config import BASE_DIR, load_settings


def create_app(overrides: dict[str, Any] | None = None, environ: dict | None = None) -> Flask:
    """Build the application. ``overrides`` replace settings after the environment is read."""
    if environ is None:
        load_dotenv(BASE_DIR / ".env", override=False)
    settings = load_settings(environ)
    app = Flask(__name__, instance_path=settings.instance_dir)
    app.config.update(settings.flask_config())
    if overrides:
        app.config.update(overrides)
        if "SECRET_KEYS" in overrides:
            app.config["SECRET_KEY"] = overrides["SECRET_KEYS"][0]
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)

    _init_extensions(app)
    _register_blueprints(app)
    _register_cli(app)
    _trust_proxies(app)
    _init_operations(app)
    return app


def _init_operations(app: Flask) -> None:
    """Structured logs, /readyz, /metrics and request metrics."""
    from app import logs
    from app.operations import metrics
    from app.web import operations as routes

    logs.configure(app)
    metrics.init_app(app)
    routes.register(app)


def _trust_proxies(app: Flask) -> None:
    """Behind N reverse proxies (``TRUSTED_PROXIES``), take the client's address and scheme from
    the last N ``X-Forwarded-For/-Proto`` hops: consent records and per-IP rate limits need the
    person's IP, not the proxy's. With 0 (the default) the headers are ignored, as anyone can
    send them. ``X-Forwarded-Host`` is never believed: many proxies pass on the client's own,
    and links are built from ``BASE_URL`` anyway."""
    count = app.config["TRUSTED_PROXIES"]
    if count:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)  # type: ignore[method-assign]


def _init_extensions(app: Flask) -> None:
    from app import models  # noqa: F401 - registers every table
    from app.database import configure_engine
    from app.extensions import babel, csrf, db, limiter, login_manager, migrate
    from app.i18n import remember_locale, select_locale

    db.init_app(app)
    migrate.init_app(app, db, directory=str(BASE_DIR / "migrations"))
    csrf.init_app(app)
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(BASE_DIR / "app" / "translations"),
    )
    app.after_request(remember_locale)
    app.config.setdefault("RATELIMIT_ENABLED", not app.config.get("TESTING", False))
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Connectez-vous pour accéder à cette page."
    login_manager.login_message_category = "info"

    @login_manager.user_loader
    def load_user(session_token: str):
        """Cookies carry the user's session token (Flask-Login's alternative id), not the id."""
        from sqlalchemy import select

        from app.models import User

        return db.session.scalar(select(User).where(User.session_token == session_token))

    with app.app_context():
        configure_engine(db.engine)

    from app.web.filters import register_filters

    register_filters(app)


def _register_blueprints(app: Flask) -> None:
    from app.web import register_blueprints

    register_blueprints(app)


def _register_cli(app: Flask) -> None:
    from app.cli import register_commands

    register_commands(app)
