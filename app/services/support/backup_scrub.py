"""What a backup made without ``--with-secrets`` leaves out of the database: every password hash,
session token, API token hash and webhook signing secret (issue #22: the demo admin's password
and the webhook secrets were in such a backup).

The rows stay (who the users are, which tokens and webhooks exist); their secrets are replaced by
values nobody knows. After a restore, an administrator sets a password again with
``flask users create EMAIL --role admin`` (the same command resets an existing account), API tokens
are made again, and each webhook gets a new secret.

SQLite: the copy is rewritten, then VACUUMed so no old value is left in a free page. PostgreSQL:
``pg_dump`` leaves these tables' rows out, and the same snapshot writes them with the secrets
replaced (``COPY … TO STDOUT``); a restore loads them between pg_restore's data and its
constraints.
"""
from __future__ import annotations

import secrets
import sqlite3
from pathlib import Path
from typing import Any

from werkzeug.security import generate_password_hash

# Table -> its secret columns. A secret column added to the schema belongs here.
SECRET_COLUMNS: dict[str, tuple[str, ...]] = {
    "users": ("password_hash", "session_token"),
    "api_tokens": ("token_hash",),
    "webhook_endpoints": ("secret_encrypted",),
}
_UNIQUE = {("users", "session_token"), ("api_tokens", "token_hash")}  # a value of its own per row
DIRECTORY = "scrubbed"  # in the archive (PostgreSQL): one COPY text file per table


def _unusable_hash() -> str:
    """A well-formed password hash of a random value: no password opens it, login still works."""
    return generate_password_hash(secrets.token_urlsafe(32))


def _replacement(table: str, column: str, dialect: str, password_hash: str) -> str:
    """An SQL expression for the column's new value (only hex digits and the hash: safe literals)."""
    if (table, column) in _UNIQUE:
        return "lower(hex(randomblob(32)))" if dialect == "sqlite" else "md5(random()::text || clock_timestamp()::text)"
    if column == "password_hash":
        return "'" + password_hash.replace("'", "''") + "'"
    return "''"


def scrub_sqlite(path: Path) -> None:
    """Replace the secrets in a SQLite copy, then VACUUM it (no old page kept)."""
    password_hash = _unusable_hash()
    connection = sqlite3.connect(str(path))
    try:
        existing = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        for table, columns in SECRET_COLUMNS.items():
            if table in existing:
                sets = ", ".join(f'"{c}" = {_replacement(table, c, "sqlite", password_hash)}' for c in columns)
                connection.execute(f'UPDATE "{table}" SET {sets}')
        connection.commit()
        connection.execute("VACUUM")
    finally:
        connection.close()


def pg_excluded_tables() -> list[str]:
    return list(SECRET_COLUMNS)


def pg_copy_scrubbed(raw_connection: Any, out_dir: Path) -> list[str]:
    """Write each secret-holding table's rows, secrets replaced, as COPY text (same snapshot as
    the dump: call inside its transaction). Returns the tables written."""
    password_hash = _unusable_hash()
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    with raw_connection.cursor() as cursor:
        for table, secret in SECRET_COLUMNS.items():
            cursor.execute("SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
                           "AND table_name = %s ORDER BY ordinal_position", (table,))
            columns = [row[0] for row in cursor.fetchall()]
            if not columns:
                continue
            select = ", ".join(_replacement(table, c, "postgresql", password_hash) if c in secret else f'"{c}"'
                               for c in columns)
            target = out_dir / f"{table}.copy"
            with target.open("wb") as fh, cursor.copy(f'COPY (SELECT {select} FROM "{table}") TO STDOUT') as copy:
                for block in copy:
                    fh.write(bytes(block))
            (out_dir / f"{table}.columns").write_text(",".join(columns))
            written.append(table)
    return written


def pg_load_scrubbed(raw_connection: Any, in_dir: Path) -> None:
    """Load the files :func:`pg_copy_scrubbed` wrote (the caller commits)."""
    with raw_connection.cursor() as cursor:
        for table in SECRET_COLUMNS:
            data = in_dir / f"{table}.copy"
            if not data.exists():
                continue
            columns = ", ".join(f'"{c}"' for c in (in_dir / f"{table}.columns").read_text().split(","))
            with cursor.copy(f'COPY "{table}" ({columns}) FROM STDIN') as copy:
                copy.write(data.read_bytes())
