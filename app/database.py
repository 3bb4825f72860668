"""Engine-level settings (SQLite runs in WAL mode with a busy timeout and foreign keys), and
what a database error means for a long-running loop (:func:`db_error_kind`)."""
from __future__ import annotations

import sqlite3
from typing import Any, Literal

from sqlalchemy import event, exc as sa_exc, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult, Engine, Result

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


def rowcount(result: Result[Any]) -> int:
    """How many rows an UPDATE, DELETE or INSERT matched; 0 when the driver cannot tell (-1).

    ``Session.execute`` is typed as returning a ``Result``; DML gives a ``CursorResult``, the
    kind that counts rows (ask with ``preserve_rowcount=True`` for an ``INSERT … SELECT``).
    """
    return max(result.rowcount, 0) if isinstance(result, CursorResult) else 0


def is_postgresql(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


def upsert_insert(model: Any, engine: Engine) -> postgresql.Insert | sqlite.Insert:
    """An ``INSERT`` that supports ``ON CONFLICT`` (both databases have it; each dialect spells the construct)."""
    if is_postgresql(engine):
        return postgresql.insert(model)
    return sqlite.insert(model)


_SQLITE_ANALYZED = frozenset({"subscribers", "subscriptions", "suppressions", "subscriber_terms"})
_ANALYZABLE = frozenset({"subscribers", "subscriptions", "suppressions", "subscriber_terms", "deliveries", "registrations",
                         "registration_days", "transactional_messages"})


def refresh_statistics(*tables: str) -> None:
    """Refresh the planner's statistics after a bulk load (an import, a big enqueue). Commits.

    PostgreSQL: a table loaded a minute ago has none until autovacuum's first ANALYZE (a
    minute or more on a default server, never where autovacuum is off), and a plan made for
    "one row" can turn quadratic on 20,000. ANALYZE samples at most 30,000 rows a table:
    about a tenth of a second.
    SQLite has no statistics at all until someone runs ANALYZE; without them it takes any
    ``col = value`` on an indexed column for ~10 rows, so a search "commune + status" reads
    a million rows through the status index (1.1 s measured at 1M rows) instead of the
    search index. A full ANALYZE (1.6 s for these tables at a million rows, measured): a
    sampled one (``PRAGMA analysis_limit``) saw "1,001 people per status" where all million
    were active, and planned the same walk.
    """
    names = [t for t in tables if t in _ANALYZABLE]
    if not names:
        return
    db.session.commit()
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("ANALYZE " + ", ".join(names)))
    else:
        # The audience tables only: the search is what plans badly without statistics on SQLite,
        # and ANALYZE holds SQLite's write lock while it reads a table whole (deliveries grow forever).
        for name in (n for n in names if n in _SQLITE_ANALYZED):
            db.session.execute(text(f"ANALYZE {name}"))
    db.session.commit()


_SCHEMA_SQLSTATES = {"42P01", "42703", "3F000"}  # PostgreSQL: undefined table, undefined column, invalid schema
_SCHEMA_SIGNS = ("no such table", "no such column", "undefinedtable", "undefinedcolumn")
_SQLITE_CONNECTION_SIGNS = ("unable to open database", "database is locked", "disk i/o error", "readonly database")


def db_error_kind(error: BaseException) -> Literal["schema", "connection"] | None:
    """What a database error says about the database, for loops that must decide to stop or wait.

    ``"schema"``: a table or column is missing (the database is not initialised or not
    up to date): retrying cannot help, exit with "run db upgrade". ``"connection"``: the
    database cannot be reached or is busy (refused connection, server restarting, dropped
    connection, SQLite file locked or unreadable): back off and retry. ``None``: anything
    else (a bug, a constraint): not for the loop to paper over.
    """
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        kind = _kind_of(current)
        if kind is not None:
            return kind
        current = current.__cause__ or current.__context__
    return None


def _schema_text(message: str) -> bool:
    """SQLite's "no such table", PostgreSQL's "relation … does not exist" (not a missing database)."""
    return any(sign in message for sign in _SCHEMA_SIGNS) or (
        "does not exist" in message and ('relation "' in message or 'column "' in message))


def _kind_of(error: BaseException) -> Literal["schema", "connection"] | None:
    if isinstance(error, sa_exc.DBAPIError):
        if error.connection_invalidated:
            return "connection"
        original = error.orig
        if getattr(original, "sqlstate", None) in _SCHEMA_SQLSTATES:
            return "schema"
        name = type(original).__name__.lower() if original is not None else ""
        message = f"{name} {original}".lower()
        if isinstance(error, (sa_exc.ProgrammingError, sa_exc.OperationalError)) and _schema_text(message):
            return "schema"
        if isinstance(error, sa_exc.OperationalError) or isinstance(error, sa_exc.InterfaceError):
            return "connection"
        return None
    if isinstance(error, (sa_exc.DisconnectionError, sa_exc.TimeoutError)):
        return "connection"
    if isinstance(error, sqlite3.OperationalError):
        message = str(error).lower()
        if _schema_text(message):
            return "schema"
        if any(sign in message for sign in _SQLITE_CONNECTION_SIGNS):
            return "connection"
    return None
