"""flask backup create / restore, with real processes: a backup taken while two workers send,
restored into a new database, finishes the send with every recipient exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import tarfile
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from app.extensions import db
from app.models import Delivery, DeliveryStatus, Subscriber
from app.services.support.backup import database_is_empty
from tests.conftest import _admin_url, app_environ
from tests.sending_fixtures import make_campaign, start_worker
from tests.smtp_server import SMTPTestServer, smtp_server  # noqa: F401 (fixture)

ROOT = Path(__file__).resolve().parent.parent
FLASK = str(ROOT / ".venv" / "bin" / "flask")


def flask(database_url: str, *args: str, instance: Path | None = None, **extra: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    env.update(app_environ(database_url, **extra))
    if instance is not None:
        env["LETTRINE_INSTANCE_DIR"] = str(instance)
    return subprocess.run(
        [FLASK, "--app", "wsgi", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


@pytest.fixture
def target_url(tmp_path, migrated):
    """A new, empty database of the same kind as the test database, dropped afterwards."""
    if migrated.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    name = f"lettrine_restore_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(_admin_url(migrated), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield migrated.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def plain(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def sent_by_address(database_url: str) -> dict[str, int]:
    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(Subscriber.email, func.count())
                .join(Delivery, Delivery.subscriber_id == Subscriber.id)
                .where(Delivery.status == DeliveryStatus.SENT)
                .group_by(Subscriber.email)
            ).all()
            statuses = dict(conn.execute(select(Delivery.status, func.count()).group_by(Delivery.status)).all())
    finally:
        engine.dispose()
    return {"_statuses": statuses, **{email: n for email, n in rows}}  # type: ignore[dict-item]


@pytest.mark.slow
def test_backup_during_a_send_restores_and_finishes_exactly_once(app, tmp_path, target_url, smtp_server):
    n = 300
    source_url = plain(app.config["SQLALCHEMY_DATABASE_URI"])
    smtp_server.data_delay = 0.06  # a relay slow enough (about 30 messages a second) for the backup to land mid-send
    make_campaign(n)
    upload = Path(app.instance_path) / "imports" / "pending.csv"
    upload.parent.mkdir(parents=True, exist_ok=True)
    upload.write_text("email\nquelqu.un@example.org\n")
    worker = start_worker(source_url, smtp_server.url, "--processes", "2")
    archive = tmp_path / "lettrine.tar.gz"
    try:
        deadline = time.monotonic() + 60
        while len(smtp_server.messages) < n // 4:
            assert time.monotonic() < deadline and worker.poll() is None, "the send did not start"
            time.sleep(0.05)
        result = flask(source_url, "backup", "create", "--out", str(archive))
        assert result.returncode == 0, result.stderr
    finally:
        worker.send_signal(signal.SIGTERM)  # the original installation is gone after the backup
        worker.communicate(timeout=60)
    before_stop = len(smtp_server.messages)
    assert before_stop >= n // 4

    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert "manifest.json" in names and "files/imports/pending.csv" in names
    assert ("database.pgdump" if "postgresql" in source_url else "database.sqlite3") in names
    assert not any(name.startswith("secrets/") or name.endswith("dev-secret-key") for name in names)

    restored_instance = tmp_path / "restored-instance"
    result = flask(target_url, "backup", "restore", str(archive), instance=restored_instance)
    assert result.returncode == 0, result.stderr
    assert (restored_instance / "imports" / "pending.csv").read_text() == upload.read_text()
    snapshot = sent_by_address(target_url)
    statuses = snapshot.pop("_statuses")
    assert statuses.get(DeliveryStatus.SENDING, 0) == 0  # in-flight rows were put back in the queue
    already = set(snapshot)
    assert 0 < len(already) < n

    # The restored installation finishes the send through another relay.
    relay = SMTPTestServer().start()
    try:
        result = flask(target_url, "db", "upgrade", instance=restored_instance)
        assert result.returncode == 0, result.stderr
        finisher = start_worker(target_url, relay.url, "--until-idle", LETTRINE_INSTANCE_DIR=str(restored_instance))
        out, _ = finisher.communicate(timeout=180)
        assert finisher.returncode == 0, out.decode()
        after = sent_by_address(target_url)
        after.pop("_statuses")
        everyone = {f"p{i:04d}@example.org" for i in range(n)}
        assert set(after) == everyone and set(after.values()) == {1}  # every recipient sent exactly once
        resent = relay.counts()
        assert set(resent.values()) == {1}  # the finishing relay got nobody twice
        assert set(resent) == everyone - already  # and exactly those the backup had not recorded as sent
    finally:
        relay.stop()
    # In the original relay: what was accepted before the snapshot is in the backup as sent; what was
    # accepted after it (the original kept sending until SIGTERM) is the only possible repeat.
    first = smtp_server.counts()
    assert already <= set(first)
    repeated = set(first) & set(resent)
    assert len(repeated) <= before_stop - len(already)
    print(
        f"\nbackup mid-send: {len(already)} recorded sent in the backup, {len(resent)} sent after restore, "
        f"{len(repeated)} sent by the original after the snapshot (sent again)"
    )


def test_restore_refuses_a_database_that_is_not_empty(app, tmp_path, migrated):
    make_campaign(3, start=False)
    archive = tmp_path / "b.tar.gz"
    result = flask(plain(migrated), "backup", "create", "--out", str(archive))
    assert result.returncode == 0, result.stderr
    before = db.session.scalar(select(func.count()).select_from(Subscriber))
    result = flask(plain(migrated), "backup", "restore", str(archive))
    assert result.returncode != 0
    assert "pas vide" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Subscriber)) == before == 3


def test_restore_refuses_another_fingerprint_key(app, tmp_path, migrated, target_url):
    """Under another FINGERPRINT_KEY the suppression list would match nobody: an erased person could be
    imported again. The restore says so and changes nothing."""
    make_campaign(2, start=False)
    archive = tmp_path / "k.tar.gz"
    assert flask(plain(migrated), "backup", "create", "--out", str(archive)).returncode == 0
    result = flask(
        plain(target_url), "backup", "restore", str(archive), FINGERPRINT_KEY="another-fingerprint-key-0123456789abcdef"
    )
    assert result.returncode != 0 and "FINGERPRINT_KEY n'est pas celle de la sauvegarde" in result.stderr
    assert database_is_empty(target_url.replace("postgresql://", "postgresql+psycopg://"))
    assert flask(plain(target_url), "backup", "restore", str(archive)).returncode == 0  # the same key: restored


def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path, migrated):
    bogus = tmp_path / "x.tar.gz"
    bogus.write_bytes(b"not an archive")
    result = flask(f"sqlite:///{tmp_path / 'new.db'}", "backup", "restore", str(bogus))
    assert result.returncode != 0 and "pas une sauvegarde" in result.stderr
    assert not (tmp_path / "new.db").exists() or (tmp_path / "new.db").stat().st_size == 0


def test_secrets_only_when_asked(app, tmp_path, migrated):
    archive = tmp_path / "s.tar.gz"
    result = flask(plain(migrated), "backup", "create", "--out", str(archive), "--with-secrets")
    assert result.returncode == 0, result.stderr
    with tarfile.open(archive) as tar:
        keys = tar.extractfile("secrets/SECRET_KEYS").read().decode()
        fingerprint_key = tar.extractfile("secrets/FINGERPRINT_KEY").read().decode()
        manifest = tar.extractfile("manifest.json").read().decode()
    assert keys.startswith("test-secret-key-newest")
    assert fingerprint_key == "test-fingerprint-key-0123456789abcdef"  # without it, the suppressions match nobody
    assert "test-secret-key" not in manifest and "test-fingerprint-key" not in manifest
    assert oct(archive.stat().st_mode & 0o777) == "0o600"
