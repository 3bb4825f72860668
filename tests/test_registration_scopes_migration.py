"""Migration 0018: a token that could register people (events:write) still can after the scopes split, and
gains no power over the agenda (events:write now moves and deletes journées); an agenda reader (events:read)
gains no access to registrants; the downgrade takes the new scopes off."""
from __future__ import annotations

import json

from sqlalchemy import text

from app.extensions import db


def _scopes() -> dict[str, list[str]]:
    rows = db.session.execute(text("SELECT name, scopes FROM api_tokens ORDER BY name")).all()
    return {name: json.loads(scopes) if isinstance(scopes, str) else scopes for name, scopes in rows}


def test_events_write_tokens_keep_registering_people(tmp_path):
    """On a SQLite file of its own whatever the suite's database (test_migrations runs the chain on both)."""
    from flask_migrate import downgrade, upgrade

    from tests.conftest import make_app

    app = make_app(f"sqlite:///{tmp_path / 'scopes.db'}")
    with app.app_context():
        upgrade(revision="0017")
        for name, scopes in (("site", ["events:write", "subscribers:write"]), ("agenda", ["events:read"]),
                             ("crm", ["tx:send"])):
            db.session.execute(text(
                "INSERT INTO api_tokens (name, token_hash, prefix, scopes, created_by, created_at) "
                "VALUES (:n, :h, 'lt_x', :s, 'admin', '2026-01-01')"), {"n": name, "h": name * 8, "s": json.dumps(scopes)})
        db.session.commit()
        upgrade()
        assert _scopes() == {"agenda": ["events:read"], "crm": ["tx:send"],
                             "site": ["events:read", "registrations:write", "subscribers:write"]}
        downgrade(revision="0017")
        assert _scopes()["site"] == ["events:write", "subscribers:write"]
        db.session.remove()
        db.engine.dispose()
