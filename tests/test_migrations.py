"""Migrations: numbered in chain order, and they go up and down on an empty database.

On SQLite always, and on PostgreSQL when ``TEST_DATABASE_URL`` is set (a database of its own,
made and dropped here). Downgrades are what an operator runs after a bad deploy: each must
work, not only exist.
"""
from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from tests.conftest import _admin_url, make_app

VERSIONS = Path(__file__).resolve().parent.parent / "migrations" / "versions"


def _chain() -> list[tuple[str, str | None, str]]:
    rows = []
    for path in sorted(VERSIONS.glob("*.py")):
        source = path.read_text(encoding="utf-8")
        revision = re.search(r"^revision = '([^']+)'", source, re.M).group(1)
        down = re.search(r"^down_revision = (?:'([^']+)'|None)", source, re.M).group(1)
        rows.append((revision, down, path.name))
    return rows


def test_files_are_numbered_in_chain_order():
    rows = _chain()
    for index, (revision, down, name) in enumerate(rows):
        assert name.startswith(revision + "_"), f"{name} holds revision {revision}"
        assert revision == f"{index + 1:04d}", f"{name}: revisions are numbered 0001, 0002… in order"
        assert down == (rows[index - 1][0] if index else None), f"{name} revises {down}"


@pytest.fixture
def empty_database(database_url, tmp_path):
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'roundtrip.db'}"
        return
    name = f"lettrine_migrations_{uuid.uuid4().hex[:8]}"
    admin = create_engine(_admin_url(database_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield database_url.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_upgrade_downgrade_upgrade_on_an_empty_database(empty_database):
    from flask_migrate import downgrade, upgrade

    app = make_app(empty_database)
    with app.app_context():
        from app.extensions import db

        upgrade()
        head_tables = set(inspect(db.engine).get_table_names())
        assert {"subscribers", "campaigns", "deliveries", "registrations"} <= head_tables
        downgrade(revision="base")
        db.engine.dispose()
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        db.engine.dispose()
        assert set(inspect(db.engine).get_table_names()) == head_tables
        version = db.session.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        assert version == _chain()[-1][0]
        db.session.remove()
        db.engine.dispose()


def test_0019_gives_existing_newsletters_their_greeting_as_a_block_and_takes_it_back(empty_database):
    """Existing newsletters rendered "Bonjour Camille," above their blocks; after 0019 that greeting is a
    block of their own, first, so they render as before (and the author can move or remove it)."""
    import json

    from flask_migrate import downgrade, upgrade

    app = make_app(empty_database)
    with app.app_context():
        from app.extensions import db

        upgrade(revision="0018")
        blocks = [{"type": "title", "text": "Les nouvelles"}, {"type": "text", "text": "Bonjour à toutes et à tous"}]
        for name, template in (("lettre", "newsletter"), ("annonce", "cycle_announcement")):
            db.session.execute(text(
                "INSERT INTO message_templates (name, template, subject, preheader, from_name, reply_to, content, "
                "created_by, created_at) VALUES (:name, :template, '', '', '', '', :content, 'test', "
                "'2026-12-01 09:00:00')"), {"name": name, "template": template,
                                            "content": json.dumps({"blocks": blocks})})
        db.session.commit()

        def contents() -> dict[str, list[str]]:
            rows = db.session.execute(text("SELECT name, content FROM message_templates")).all()
            db.session.commit()
            return {name: [b["type"] for b in (json.loads(c) if isinstance(c, str) else c)["blocks"]]
                    for name, c in rows}

        upgrade(revision="0019")
        assert contents() == {"lettre": ["greeting", "title", "text"], "annonce": ["title", "text"]}
        upgrade(revision="0019")  # nothing more on a second run
        downgrade(revision="0018")
        assert contents() == {"lettre": ["title", "text"], "annonce": ["title", "text"]}
        db.session.remove()
        db.engine.dispose()
