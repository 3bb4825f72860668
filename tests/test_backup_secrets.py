"""A backup made without ``--with-secrets`` holds no password hash, token or secret, and every file
inside it is 0600 (issue #22: the demo admin's password and the webhook secrets were in such a
backup, and the database file inside the archive was 0644). Runs on the test database's kind
(SQLite, or PostgreSQL with TEST_DATABASE_URL); the restore shows the rows are all there.
"""
from __future__ import annotations

import tarfile
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from app.encryption import encrypt
from app.extensions import db
from app.models import Role, User, WebhookEndpoint
from app.services.integrations import create_token
from tests.test_backup import flask, plain, target_url  # noqa: F401 (target_url: a fixture)

PASSWORD = "le mot de passe de la démo"


def _world(instance: Path) -> dict[str, str]:
    """An admin, an API token, a webhook, and `make run`'s demo password file in the instance folder."""
    admin = User(email="admin@crpve91.fr", name="Admin", role=Role.ADMIN)
    admin.set_password(PASSWORD)
    secret = "whsec_" + "c2VjcmV0LWRlLXdlYmhvb2stcXVpLW5lLWRvaXQtcGFzLWZ1aXI="
    db.session.add_all([admin, WebhookEndpoint(url="https://crm.example.org/hook", events=["subscriber.created"],
                                               secret_encrypted=encrypt(secret))])
    db.session.commit()
    token = create_token("site web", "all")
    instance.mkdir(parents=True, exist_ok=True)
    (instance / "demo-admin-password").write_text(PASSWORD)
    values = {"password_hash": admin.password_hash, "session_token": admin.session_token,
              "token_hash": db.session.execute(text("SELECT token_hash FROM api_tokens")).scalar(),
              "secret_encrypted": db.session.execute(text("SELECT secret_encrypted FROM webhook_endpoints")).scalar(),
              "token": token.plaintext}
    return values


@pytest.mark.slow
def test_a_backup_without_secrets_holds_none_and_every_file_is_private(app, tmp_path, migrated, target_url):
    values = _world(tmp_path / "instance")
    archive = tmp_path / "b.tar.gz"
    result = flask(plain(migrated), "backup", "create", "--out", str(archive), instance=tmp_path / "instance")
    assert result.returncode == 0, result.stderr
    with tarfile.open(archive) as tar:
        members = [m for m in tar.getmembers() if m.isfile()]
        assert members and all(m.mode & 0o777 == 0o600 for m in members), [(m.name, oct(m.mode)) for m in members]
        names = [m.name for m in members]
        assert not any(n.endswith("demo-admin-password") for n in names)
        raw = b"".join(tar.extractfile(m).read() for m in members)
    for name, value in values.items():
        assert value.encode() not in raw, name
    assert PASSWORD.encode() not in raw
    # Restored: every row is there, no secret is; the admin sets a password again with `users create`.
    restored = flask(plain(target_url), "backup", "restore", str(archive), instance=tmp_path / "restored")
    assert restored.returncode == 0, restored.stderr
    engine = create_engine(plain(target_url).replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as conn:
            user = conn.execute(text("SELECT email, password_hash, session_token FROM users")).one()
            hashes = conn.execute(text("SELECT token_hash FROM api_tokens")).scalars().all()
            secrets = conn.execute(text("SELECT secret_encrypted FROM webhook_endpoints")).scalars().all()
    finally:
        engine.dispose()
    assert user.email == "admin@crpve91.fr" and user.password_hash != values["password_hash"]
    assert user.session_token != values["session_token"] and len(hashes) == 1 and hashes != [values["token_hash"]]
    assert secrets == [""]
    from werkzeug.security import check_password_hash

    assert not check_password_hash(user.password_hash, PASSWORD)


def test_a_backup_with_secrets_keeps_them(app, tmp_path, migrated):
    values = _world(tmp_path / "instance")
    archive = tmp_path / "s.tar.gz"
    result = flask(plain(migrated), "backup", "create", "--out", str(archive), "--with-secrets",
                   instance=tmp_path / "instance")
    assert result.returncode == 0, result.stderr
    with tarfile.open(archive) as tar:
        assert all(m.mode & 0o777 == 0o600 for m in tar.getmembers() if m.isfile())
        manifest = tar.extractfile("manifest.json").read().decode()
        assert tar.extractfile("files/demo-admin-password").read().decode() == PASSWORD
    assert '"scrubbed": []' in manifest and values["token"] not in manifest
