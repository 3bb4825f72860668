"""Issue #22: the suppression list keeps an erased address only as a *keyed* fingerprint (HMAC-SHA256 under
FINGERPRINT_KEY), and migration 0022 turns the plain SHA-256 digests already stored into it, so every entry,
an erased person's included, still stops the address after the upgrade (and the person's look-up key too)."""
from __future__ import annotations

import hashlib
import hmac

import pytest
from sqlalchemy import text

from app.models import email_hash
from tests.conftest import make_app
from tests.test_migrations import empty_database  # noqa: F401 (fixture)

ERASED, MEMBER = "Efface.Avant@Example.org", "membre@example.org"


def _plain(address: str) -> str:
    return hashlib.sha256(address.strip().lower().encode()).hexdigest()


def test_the_fingerprint_needs_the_key(app):
    fingerprint = email_hash(ERASED)
    key = app.config["FINGERPRINT_KEY"].encode()
    assert fingerprint == email_hash(ERASED.lower()) == hmac.new(key, _plain(ERASED).encode(), "sha256").hexdigest()
    assert fingerprint != _plain(ERASED)  # a guessed address hashed without the key finds nothing
    app.config["FINGERPRINT_KEY"] = "another-fingerprint-key-0123456789abcdef"
    assert email_hash(ERASED) != fingerprint


def test_upgrade_keys_the_stored_digests_and_downgrade_gives_back_what_it_can(empty_database):  # noqa: F811
    from flask_migrate import downgrade, upgrade

    app = make_app(empty_database)
    with app.app_context():
        from app.extensions import db

        upgrade(revision="0021")
        db.session.execute(text("INSERT INTO subscribers (uid, email, email_hash, first_name, last_name, organisation, "
                                "function, commune, attributes, status, created_at, updated_at) VALUES "
                                "('u1', :email, :hash, '', '', '', '', '', '{}', 'active', :now, :now), "
                                "('u2', NULL, NULL, '', '', '', '', '', '{}', 'erased', :now, :now)"),
                           {"email": MEMBER, "hash": _plain(MEMBER), "now": "2026-01-01 00:00:00"})
        db.session.execute(text("INSERT INTO suppressions (email_hash, reason, source, created_at) VALUES "
                                "(:erased, 'erased', 'erase', :now), (:member, 'manual', 'admin', :now)"),
                           {"erased": _plain(ERASED), "member": _plain(MEMBER), "now": "2026-01-01 00:00:00"})
        db.session.commit()
        upgrade()
        stored = set(db.session.execute(text("SELECT email_hash FROM suppressions")).scalars())
        assert stored == {email_hash(ERASED), email_hash(MEMBER)}  # found again by the keyed look-up
        assert db.session.execute(text("SELECT email_hash FROM subscribers WHERE uid = 'u1'")).scalar() == \
            email_hash(MEMBER)
        db.session.commit()  # no read left open: on PostgreSQL it would hold off 0023's downgrade DDL
        downgrade(revision="0021")
        stored = set(db.session.execute(text("SELECT email_hash FROM suppressions")).scalars())
        # The member's address is known: plain again. The erased one is not: it stays keyed (and matches nobody).
        assert stored == {_plain(MEMBER), email_hash(ERASED)}
        db.session.remove()
        db.engine.dispose()


def test_production_needs_its_own_key_and_elsewhere_one_is_derived_that_survives_a_rotation(tmp_path):
    from config import ConfigError, load_settings

    env = {"LETTRINE_ENV": "production", "DATABASE_URL": "postgresql://u@h/db", "SECRET_KEYS": "k" * 40,
           "BASE_URL": "https://news.example.org", "MAIL_FROM": "A <a@example.org>",
           "LETTRINE_INSTANCE_DIR": str(tmp_path)}
    with pytest.raises(ConfigError, match="FINGERPRINT_KEY is required in production"):
        load_settings(env)
    with pytest.raises(ConfigError, match="FINGERPRINT_KEY must be at least 32 characters"):
        load_settings({**env, "FINGERPRINT_KEY": "short"})
    assert load_settings({**env, "FINGERPRINT_KEY": "f" * 40}).fingerprint_key == "f" * 40
    development = {"LETTRINE_INSTANCE_DIR": str(tmp_path)}
    before = load_settings({**development, "SECRET_KEYS": "new-key,old-key"}).fingerprint_key
    after = load_settings({**development, "SECRET_KEYS": "newest-key,new-key,old-key"}).fingerprint_key
    assert before == after and len(before) == 64  # a key prepended: the suppression list still matches
