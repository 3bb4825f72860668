"""Engine-level settings: SQLite runs in WAL mode with a busy timeout and foreign keys."""
from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.engine import Engine


def configure_engine(engine: Engine) -> None:
    """Apply per-connection pragmas on SQLite; PostgreSQL needs nothing here."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_conn, _record) -> None:  # pragma: no cover - trivial
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
        # SQLite's lower() only folds ASCII; French names need "Évry" == "évry".
        dbapi_conn.create_function("lower", 1, _unicode_lower, deterministic=True)


def _unicode_lower(value):
    return value.lower() if isinstance(value, str) else value


def is_postgresql(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


def upsert_insert(model, engine: Engine):
    """An ``INSERT`` that supports ``ON CONFLICT`` (both databases have it; each dialect spells the construct)."""
    if is_postgresql(engine):
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(model)
