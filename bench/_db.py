"""Shared set-up for benchmarks: a throwaway SQLite file or PostgreSQL database, migrated."""
from __future__ import annotations

import os
import sys
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PG_ADMIN = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


@contextmanager
def scratch_database(kind: str):
    """Yield a database URL (``sqlite`` or ``postgresql``) that is dropped afterwards."""
    from sqlalchemy import create_engine, text

    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{tmp}/bench.db"
        return
    name = f"lettrine_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def bench_app(database_url: str, **env: str):
    """A migrated app on that database, configured like production but with the outbox."""
    os.environ.setdefault("LETTRINE_INSTANCE_DIR", tempfile.mkdtemp(prefix="lettrine-bench-"))
    from flask_migrate import upgrade

    from app import create_app

    environ = {"LETTRINE_ENV": "testing", "DATABASE_URL": database_url, "SECRET_KEYS": "bench-key-" + "x" * 40,
               "BASE_URL": "https://lettres.crpve91.fr", "MAIL_FROM": "CRPVE <formations@crpve91.fr>",
               "LETTRINE_INSTANCE_DIR": os.environ["LETTRINE_INSTANCE_DIR"], **env}
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False}, environ=environ)
    with app.app_context():
        upgrade()
    return app


def admin_and_list(app) -> int:
    """The benchmark's admin (bench@crpve91.fr / bench-password) and its one list; returns the list's id."""
    from app.extensions import db
    from app.models import MailingList, Role, User

    with app.app_context():
        lst = MailingList(slug="formations", name="Formations CRPVE")
        user = User(email="bench@crpve91.fr", role=Role.ADMIN)
        user.set_password("bench-password")
        db.session.add_all([lst, user])
        db.session.commit()
        return lst.id
