"""Backups: the database, the uploaded files and the settings, in one archive; restore onto an empty database.

``flask backup create --out FILE`` writes a ``.tar.gz`` holding

- ``manifest.json``: when, which database kind, the migration revision, and the
  settings that shape the data (BASE_URL, MAIL_FROM, DKIM domain and selector, the
  organisation…) — never a secret unless ``--with-secrets``;
- ``database.sqlite3`` (SQLite: the online backup API, a consistent copy while
  workers write) or ``database.pgdump`` (PostgreSQL: ``pg_dump`` custom format, one
  consistent snapshot; Debian's postgresql-client matching the server's version);
- ``files/``: the instance folder (uploaded imports waiting to run…), without the
  SQLite database itself, locks and, unless asked, the development secret key;
- ``secrets/`` only with ``--with-secrets``: SECRET_KEYS (links already sent keep
  working only with them), FINGERPRINT_KEY (the suppression list is kept under it) and the
  DKIM private key. Without it, the database holds no password hash, token or webhook secret
  either (``backup_scrub``), and the demo admin's password file is left out;
- every file inside the archive is 0600, like the archive itself.

``flask backup restore FILE`` refuses a database that has any table: a restore never
merges into, nor overwrites, live data. After loading, rows that were being sent when
the backup was taken are put back in the queue (no worker of the old installation
holds them any more), so the send resumes at once; what a relay accepted after the
snapshot is not in the backup and is sent again (the Message-ID is the same).
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Mapping

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import URL, make_url

from app.errors import LettrineError
from app.models import keyed, utcnow
from app.services.support import backup_scrub

FORMAT = 1
SETTINGS_KEPT = (
    "BASE_URL",
    "MAIL_FROM",
    "REPLY_TO",
    "UNSUBSCRIBE_MAILTO",
    "BOUNCE_DOMAIN",
    "TIMEZONE",
    "DKIM_DOMAIN",
    "DKIM_SELECTOR",
    "SCHEDULE_GRACE_HOURS",
    "BOUNCE_SOFT_LIMIT",
    "BOUNCE_SOFT_WINDOW_DAYS",
    "TRUSTED_PROXIES",
)
SKIPPED_FILES = ("dev-secret-key", "demo-admin-password")


class BackupError(LettrineError, RuntimeError):
    """A backup or restore that cannot be done; the message says why (one line)."""

    status = 409
    code = "backup"
    en = "The backup or restore cannot be done."


@dataclass
class RestoreReport:
    kind: str
    revision: str
    files: int
    requeued: int
    secrets: list[str]


def _libpq_env(url: URL) -> dict[str, str]:
    """pg_dump / pg_restore connection settings in the environment, never on the command line (ps)."""
    env = dict(os.environ)
    for key, value in (
        ("PGHOST", url.host),
        ("PGPORT", url.port),
        ("PGUSER", url.username),
        ("PGPASSWORD", url.password),
        ("PGDATABASE", url.database),
    ):
        if value:
            env[key] = str(value)
    return env


def _run(command: list[str], env: dict[str, str]) -> None:
    if not shutil.which(command[0]):
        raise BackupError(f"{command[0]} introuvable : installez postgresql-client (Debian) / not installed")
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{command[0]} a échoué / failed: {result.stderr.strip().splitlines()[-1:]}")


def _revision(database_url: str) -> str:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return str(conn.execute(text("SELECT version_num FROM alembic_version")).scalar() or "")
    finally:
        engine.dispose()


def _private(info: tarfile.TarInfo) -> tarfile.TarInfo:
    """Every member owner-only: 0600 files, 0700 folders (the archive holds personal data)."""
    info.mode = 0o700 if info.isdir() else 0o600
    return info


def _pg_dump_without_secrets(url: URL, dump: Path, scrubbed: Path) -> list[str]:
    """pg_dump without the secret-holding tables' rows, and those rows with their secrets
    replaced, both from one snapshot (``pg_export_snapshot``)."""
    engine = create_engine(url)
    raw = engine.raw_connection()
    try:
        connection = raw.driver_connection
        connection.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")  # type: ignore[union-attr]
        snapshot = connection.execute("SELECT pg_export_snapshot()").fetchone()[0]  # type: ignore[union-attr]
        excluded = [f"--exclude-table-data={table}" for table in backup_scrub.pg_excluded_tables()]
        _run(
            [
                "pg_dump",
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                f"--snapshot={snapshot}",
                *excluded,
                "--file",
                str(dump),
            ],
            _libpq_env(url),
        )
        return backup_scrub.pg_copy_scrubbed(connection, scrubbed)
    finally:
        raw.rollback()
        raw.close()
        engine.dispose()


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes, mode: int = 0o600) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), mode, int(utcnow().timestamp())
    tar.addfile(info, io.BytesIO(data))


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("base SQLite en mémoire : rien à sauvegarder / in-memory database")
    return Path(url.database).resolve()


def create(config: Mapping[str, Any], instance_path: str, out: Path, with_secrets: bool = False) -> dict[str, Any]:
    """Write the archive to ``out`` (atomically: a temporary file renamed at the end). Returns the manifest."""
    database_url = config["SQLALCHEMY_DATABASE_URI"]
    url = make_url(database_url)
    kind = "postgresql" if url.get_backend_name() == "postgresql" else "sqlite"
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lettrine-backup-") as work:
        dump = Path(work) / ("database.pgdump" if kind == "postgresql" else "database.sqlite3")
        scrubbed_dir = Path(work) / backup_scrub.DIRECTORY
        scrubbed: list[str] = []
        if kind == "postgresql" and not with_secrets:
            scrubbed = _pg_dump_without_secrets(url, dump, scrubbed_dir)
        elif kind == "postgresql":
            _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(dump)], _libpq_env(url))
        else:
            source = sqlite3.connect(str(_sqlite_path(url)), timeout=30)
            target = sqlite3.connect(str(dump))
            try:
                source.backup(target)  # consistent, even while workers write (WAL)
            finally:
                target.close()
                source.close()
            if not with_secrets:
                backup_scrub.scrub_sqlite(dump)
                scrubbed = list(backup_scrub.SECRET_COLUMNS)
        manifest = {
            "format": FORMAT,
            "created_at": utcnow().isoformat(),
            "database": kind,
            "revision": _revision(database_url),
            "settings": {k: config.get(k) for k in SETTINGS_KEPT if config.get(k) not in (None, "")},
            "organisation": vars(config["ORGANISATION"]) if config.get("ORGANISATION") is not None else {},
            "secrets": with_secrets,
            "scrubbed": scrubbed,  # tables whose secrets were replaced
            "fingerprint_check": fingerprint_check(config["FINGERPRINT_KEY"]),
        }
        skip = _skipped_paths(instance_path, url, kind, with_secrets)
        partial = out.with_name(out.name + ".partial")
        with tarfile.open(partial, "w:gz") as tar:
            _add_bytes(tar, "manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False).encode())
            tar.add(dump, arcname=dump.name, filter=_private)
            for path in sorted(scrubbed_dir.iterdir()) if scrubbed_dir.is_dir() else []:
                tar.add(path, arcname=f"{backup_scrub.DIRECTORY}/{path.name}", filter=_private)
            root = Path(instance_path)
            for path in sorted(root.rglob("*")) if root.is_dir() else []:
                if (
                    path.is_file()
                    and path.resolve() not in skip
                    and not path.name.endswith(".lock")
                    and path.resolve() != out
                    and path.resolve() != partial.resolve()
                ):
                    tar.add(path, arcname=f"files/{path.relative_to(root).as_posix()}", filter=_private)
            if with_secrets:
                _add_bytes(tar, "secrets/SECRET_KEYS", ",".join(config["SECRET_KEYS"]).encode(), 0o600)
                # The suppression list matches nobody under another key: it goes with the data it keys.
                _add_bytes(tar, "secrets/FINGERPRINT_KEY", config["FINGERPRINT_KEY"].encode(), 0o600)
                key_file = config.get("DKIM_PRIVATE_KEY_FILE")
                if key_file:
                    _add_bytes(tar, "secrets/dkim.pem", Path(key_file).read_bytes(), 0o600)
        os.chmod(partial, 0o600)
        partial.replace(out)
    return manifest


def _skipped_paths(instance_path: str, url: URL, kind: str, with_secrets: bool) -> set[Path]:
    root = Path(instance_path)
    skip = set() if with_secrets else {(root / name).resolve() for name in SKIPPED_FILES}
    if kind == "sqlite" and url.database and url.database != ":memory:":
        db_path = Path(url.database).resolve()
        skip |= {db_path, Path(f"{db_path}-wal"), Path(f"{db_path}-shm"), Path(f"{db_path}-journal")}
    return skip


def read_manifest(archive: Path) -> dict[str, Any]:
    try:
        with tarfile.open(archive, "r:gz") as tar:
            member = tar.extractfile("manifest.json")
            if member is None:
                raise KeyError("manifest.json")
            manifest = json.loads(member.read())
    except (OSError, tarfile.TarError, KeyError, ValueError) as exc:
        raise BackupError(f"{archive} n'est pas une sauvegarde Lettrine / not a Lettrine backup ({exc})") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"format de sauvegarde inconnu / unknown backup format: {manifest.get('format')!r}")
    return manifest


# What the key makes of a fixed digest: tells, without showing the key, whether two keys are the same.
_CHECKED = "0" * 64


def fingerprint_check(key: str) -> str:
    return keyed(_CHECKED, key)


def database_is_empty(database_url: str) -> bool:
    """True when the database does not exist yet (SQLite file absent) or has no table at all."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and not _sqlite_path(url).exists():
        return True
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return not inspect(conn).get_table_names()
    finally:
        engine.dispose()


def restore(archive: Path, database_url: str, instance_path: str, fingerprint_key: str | None = None) -> RestoreReport:
    """Load the archive into an empty database and the instance folder; refuse a non-empty database, and
    (given the configured ``fingerprint_key``) a backup whose suppression list was kept under another key."""
    manifest = read_manifest(archive)
    check = manifest.get("fingerprint_check")
    if fingerprint_key is not None and check and check != fingerprint_check(fingerprint_key):
        raise BackupError(
            "FINGERPRINT_KEY n'est pas celle de la sauvegarde : la liste d'exclusion n'y reconnaîtrait plus "
            "personne (restauration refusée, rien n'a été modifié). Reprenez la clé de la sauvegarde "
            "(secrets/FINGERPRINT_KEY d'une sauvegarde --with-secrets) / FINGERPRINT_KEY differs from the "
            "backup's: the suppression list would match nobody; restore refused, nothing changed"
        )
    url = make_url(database_url)
    kind = "postgresql" if url.get_backend_name() == "postgresql" else "sqlite"
    if manifest["database"] != kind:
        raise BackupError(
            f"sauvegarde {manifest['database']}, base cible {kind} : impossible / "
            f"a {manifest['database']} backup cannot be restored into {kind}"
        )
    if not database_is_empty(database_url):
        raise BackupError(
            "la base cible n'est pas vide : restauration refusée (rien n'a été modifié) / "
            "the target database is not empty: restore refused, nothing changed"
        )
    root = Path(instance_path)
    secrets: list[str] = []
    files = 0
    with tempfile.TemporaryDirectory(prefix="lettrine-restore-") as work, tarfile.open(archive, "r:gz") as tar:
        tar.extractall(work, filter="data")
        dump = Path(work) / ("database.pgdump" if kind == "postgresql" else "database.sqlite3")
        if kind == "postgresql":
            _pg_restore(url, dump, Path(work) / backup_scrub.DIRECTORY)
        else:
            target = _sqlite_path(url)
            target.parent.mkdir(parents=True, exist_ok=True)
            source = sqlite3.connect(str(dump))
            dest = sqlite3.connect(str(target))
            try:
                source.backup(dest)
            finally:
                dest.close()
                source.close()
        for path in sorted((Path(work) / "files").rglob("*")) if (Path(work) / "files").is_dir() else []:
            if path.is_file():
                destination = root / path.relative_to(Path(work) / "files")
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, destination)
                files += 1
        if (Path(work) / "secrets").is_dir():
            kept = root / "restored-secrets"
            kept.mkdir(parents=True, exist_ok=True, mode=0o700)
            for path in sorted((Path(work) / "secrets").iterdir()):
                shutil.copy2(path, kept / path.name)
                os.chmod(kept / path.name, 0o600)
                secrets.append(str(kept / path.name))
    requeued = _requeue_in_flight(database_url)
    return RestoreReport(kind, manifest.get("revision", ""), files, requeued, secrets)


def _pg_restore(url: URL, dump: Path, scrubbed: Path) -> None:
    """pg_restore; with the rows of a backup without secrets loaded between its data and its
    constraints (their foreign keys are checked once they are in)."""
    command = [
        "pg_restore",
        "--no-owner",
        "--no-privileges",
        "--exit-on-error",
        "--single-transaction",
        "--dbname",
        url.database or "",
    ]
    if not scrubbed.is_dir():
        _run([*command, str(dump)], _libpq_env(url))
        return
    _run([*command, "--section=pre-data", "--section=data", str(dump)], _libpq_env(url))
    engine = create_engine(url)
    raw = engine.raw_connection()
    try:
        backup_scrub.pg_load_scrubbed(raw.driver_connection, scrubbed)
        raw.commit()
    finally:
        raw.close()
        engine.dispose()
    _run([*command, "--section=post-data", str(dump)], _libpq_env(url))


def _requeue_in_flight(database_url: str) -> int:
    """Rows a worker of the old installation held: back in the queue now, not after their lease."""
    engine = create_engine(database_url)
    try:
        with engine.begin() as conn:
            total = 0
            for table in ("deliveries", "transactional_messages"):
                result = conn.execute(
                    text(
                        f"UPDATE {table} SET status = 'queued', lease_owner = NULL, "
                        "lease_expires_at = NULL WHERE status = 'sending'"
                    )
                )
                total += max(result.rowcount, 0)
            return total
    finally:
        engine.dispose()


def describe(manifest: Mapping[str, Any]) -> str:
    created = datetime.fromisoformat(manifest["created_at"]).strftime("%Y-%m-%d %H:%M:%S UTC")
    return f"{manifest['database']} · révision {manifest['revision']} · {created}"
