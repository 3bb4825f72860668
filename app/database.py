"""Engine-level settings: SQLite runs in WAL mode with a busy timeout and foreign keys."""
from __future__ import annotations

from sqlalchemy import event, text
from sqlalchemy.engine import Engine

from app.extensions import db


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


_ANALYZABLE = frozenset({"subscribers", "subscriptions", "suppressions", "deliveries", "registrations",
                         "registration_days", "transactional_messages"})


def refresh_statistics(*tables: str) -> None:
    """Refresh PostgreSQL's planner statistics after a bulk load (an import, a big enqueue). Commits.

    A table loaded a minute ago has none until autovacuum's first ANALYZE (a minute
    or more on a default server, never where autovacuum is off), and a plan made for
    "one row" can turn quadratic on 20,000. ANALYZE samples at most 30,000 rows a
    table: about a tenth of a second. SQLite plans without statistics: nothing to do.
    """
    if db.session.get_bind().dialect.name != "postgresql":
        return
    names = [t for t in tables if t in _ANALYZABLE]
    if names:
        db.session.commit()
        db.session.execute(text("ANALYZE " + ", ".join(names)))
        db.session.commit()


_SCHEMA_SQLSTATES = {"42P01", "42703", "3F000"}  # undefined table, undefined column, invalid schema


def db_error_kind(exc: BaseException) -> str | None:
    """"schema" (not migrated: retrying cannot help), "connection" (down, restarting, locked: retry later) or None."""
    from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError, ProgrammingError

    if isinstance(exc, DBAPIError):
        sqlstate = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
        message = str(exc.orig).lower()
        if sqlstate in _SCHEMA_SQLSTATES or "no such table" in message or "no such column" in message:
            return "schema"
        if isinstance(exc, (OperationalError, InterfaceError)) or exc.connection_invalidated:
            return "connection"
        if isinstance(exc, ProgrammingError):
            return None
    if isinstance(exc, DisconnectionError):
        return "connection"
    return None
