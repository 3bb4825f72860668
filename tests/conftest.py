"""Test harness: a real database (SQLite, or PostgreSQL when TEST_DATABASE_URL is set).

Each pytest process gets its own database, migrated once with the real Alembic
migrations; every test then starts from empty tables. Several processes (xdist
workers, helpers, CI) can therefore run side by side against one PostgreSQL.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from pathlib import Path

import pytest

_TMP = Path(tempfile.mkdtemp(prefix="lettrine-tests-"))
os.environ["LETTRINE_INSTANCE_DIR"] = str(_TMP / "instance")

from sqlalchemy import create_engine, text  # noqa: E402

from config import normalise_database_url  # noqa: E402

TEST_SECRET_KEYS = ["test-secret-key-newest-0123456789abcdef", "test-secret-key-older-0123456789abcdef"]
BASE_URL = "https://lettrine.test"
FIXTURES = Path(__file__).parent / "fixtures"


def _admin_url(url: str) -> str:
    return url.rsplit("/", 1)[0] + "/postgres"


@pytest.fixture(scope="session")
def database_url():
    """A fresh database for this test process, dropped at the end."""
    base = os.environ.get("TEST_DATABASE_URL", "").strip()
    if not base:
        yield f"sqlite:///{_TMP / 'test.db'}"
        return
    base = normalise_database_url(base)
    name = f"lettrine_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(_admin_url(base), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield base.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def app_environ(database_url: str, **extra: str) -> dict[str, str]:
    """The environment a test app (or a CLI subprocess) is built from: nothing leaks in."""
    env = {
        "LETTRINE_ENV": "testing",
        "DATABASE_URL": database_url,
        "SECRET_KEYS": ",".join(TEST_SECRET_KEYS),
        "FINGERPRINT_KEY": "test-fingerprint-key-0123456789abcdef",
        "BASE_URL": BASE_URL,
        "MAIL_FROM": "CRPVE <formations@crpve91.fr>",
        "LETTRINE_INSTANCE_DIR": os.environ["LETTRINE_INSTANCE_DIR"],
    }
    env.update(extra)
    return env


def make_app(database_url: str, overrides: dict | None = None, **environ: str):
    from app import create_app

    config = {"TESTING": True, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False}
    config.update(overrides or {})
    return create_app(config, environ=app_environ(database_url, **environ))


@pytest.fixture(scope="session")
def migrated(database_url):
    """Run the real migrations once per test process."""
    from flask_migrate import upgrade

    app = make_app(database_url)
    with app.app_context():
        upgrade()
        from app.extensions import db

        db.engine.dispose()
    return database_url


def _empty_tables(app) -> None:
    from app.extensions import db

    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        if db.engine.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(text(f'DELETE FROM "{table}"'))


@pytest.fixture
def app(migrated):
    """An application on the migrated test database, emptied after the test."""
    from app.services.audience import counts as audience_counts

    audience_counts.forget()  # ids repeat once tables are emptied: no stale counts across tests
    application = make_app(migrated)
    ctx = application.app_context()
    ctx.push()
    try:
        yield application
    finally:
        from app.extensions import db

        db.session.remove()
        _empty_tables(application)
        db.engine.dispose()
        # Uploads waiting on disk belong to the emptied tables too (an import left at its preview
        # would be counted by the next test of the same process).
        shutil.rmtree(Path(application.instance_path) / "imports", ignore_errors=True)
        ctx.pop()


@pytest.fixture
def db_session(app):
    from app.extensions import db

    return db.session


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def admin_user(app):
    from app.extensions import db
    from app.models import Role, User

    user = User(email="admin@example.org", name="Admin", role=Role.ADMIN)
    user.set_password("correct horse battery")
    db.session.add(user)
    db.session.commit()
    return user


@pytest.fixture
def editor_user(app):
    from app.extensions import db
    from app.models import Role, User

    user = User(email="editor@example.org", name="Éditrice", role=Role.EDITOR)
    user.set_password("correct horse battery")
    db.session.add(user)
    db.session.commit()
    return user


def login(client, email: str, password: str = "correct horse battery"):
    return client.post("/admin/login", data={"email": email, "password": password})


@pytest.fixture
def admin_client(client, admin_user):
    response = login(client, admin_user.email)
    assert response.status_code == 302, response.data
    return client


@pytest.fixture
def editor_client(client, editor_user):
    response = login(client, editor_user.email)
    assert response.status_code == 302
    return client


@pytest.fixture
def cli_runner(app):
    return app.test_cli_runner()


from tests.browser import _browser, live_server, page  # noqa: E402,F401  (fixtures)
