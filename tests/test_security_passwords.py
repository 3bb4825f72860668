"""Passwords and logins (issue #22): at least 12 characters and not a common one; a per-account lock
alongside the per-IP limit — after 10 failures on one address within 15 minutes even the right
password is refused, for one minute at first, longer with each further failure, and the login
page says so in French.

Findings reproduced: ``12345678`` was accepted, and logins were limited per IP only.
"""
from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import LoginLock, Role, User, utcnow
from app.services.accounts import AccountError, save_user
from app.services.accounts.logins import FIRST_LOCK, LONGEST_LOCK, locked_until, record_failure
from tests.conftest import login


@pytest.mark.parametrize("password", ["12345678", "court", "12345678901"])
def test_a_password_under_12_characters_is_refused(app, password):
    with pytest.raises(AccountError, match="au moins 12 caractères"):
        save_user("laura@crpve91.fr", password, role=Role.EDITOR)
    assert db.session.scalar(select(User)) is None


@pytest.mark.parametrize("password", ["123456789012", "passwordpassword", "qwertyuiop123", "soleil123456",
                                      "azertyuiop123", "lettrine2026", "laura.kossi1234"])
def test_a_common_password_or_an_easy_variant_is_refused(app, password):
    with pytest.raises(AccountError, match="trop courant"):
        save_user("laura.kossi@crpve91.fr", password, role=Role.EDITOR, name="Laura Kossi")


def test_a_long_uncommon_password_is_taken_by_the_admin_and_the_cli(admin_client, cli_runner):
    page = admin_client.post("/admin/users", data={"email": "x@crpve91.fr", "role": "editor",
                                                   "password": "passwordpassword"})
    assert page.status_code == 200 and "trop courant" in page.get_data(as_text=True)
    made = admin_client.post("/admin/users", data={"email": "x@crpve91.fr", "role": "editor",
                                                   "password": "tartine-confiture-velo"})
    assert made.status_code == 302
    refused = cli_runner.invoke(args=["users", "create", "y@crpve91.fr"], input="123456789012\n")
    assert refused.exit_code == 1 and "trop courant" in refused.output
    assert cli_runner.invoke(args=["users", "create", "y@crpve91.fr"], input="quatre mots sans rapport\n").exit_code == 0


def _fail(client, email: str, times: int) -> list[int]:
    return [client.post("/admin/login", data={"email": email, "password": "pas le bon mot de passe"},
                        environ_base={"REMOTE_ADDR": f"198.51.100.{i}"}).status_code for i in range(times)]


def test_ten_failures_lock_the_account_even_for_the_right_password(app, client, admin_user):
    assert _fail(client, admin_user.email, 9) == [401] * 9
    assert login(client, admin_user.email).status_code == 302  # 9 failures: not locked, and a success clears them
    client.post("/admin/logout")
    assert _fail(client, admin_user.email, 10) == [401] * 9 + [429]
    page = login(client, "Admin@Example.org")  # the right password, another spelling of the address
    assert page.status_code == 429
    text = page.get_data(as_text=True)
    assert "verrouillé" in text and "Réessayez dans 1 min" in text
    assert client.get("/admin/").status_code == 302  # not logged in
    # The lock over, the right password opens the account.
    row = db.session.scalar(select(LoginLock))
    row.locked_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert login(client, admin_user.email).status_code == 302


def test_an_unknown_address_locks_the_same_way(app, client, admin_user):
    """The lock tells nobody which accounts exist."""
    assert _fail(client, "nobody@example.org", 10)[-1] == 429
    assert "verrouillé" in login(client, "nobody@example.org").get_data(as_text=True)
    assert login(client, admin_user.email).status_code == 302  # another account is not affected


def test_the_lock_starts_at_one_minute_and_grows_with_further_failures(app):
    email, start = "laura@crpve91.fr", utcnow()
    ends = [record_failure(email, start + timedelta(seconds=i)) for i in range(10)]
    assert ends[:9] == [None] * 9 and ends[9] == start + timedelta(seconds=9) + FIRST_LOCK
    assert locked_until(email, start + timedelta(seconds=30)) == ends[9]
    assert locked_until(email, start + timedelta(seconds=70)) is None
    later = start + timedelta(minutes=2)
    assert record_failure(email, later) == later + 2 * FIRST_LOCK  # one more failure: twice as long
    assert record_failure(email, later) == later + 4 * FIRST_LOCK
    for _ in range(10):
        end = record_failure(email, later)
    assert end == later + LONGEST_LOCK  # capped at one hour


def test_ten_failures_spread_over_more_than_15_minutes_do_not_lock(app):
    email, start = "laura@crpve91.fr", utcnow()
    for i in range(12):
        assert record_failure(email, start + timedelta(minutes=2 * i)) is None


def test_the_lock_table_keeps_no_guessable_fingerprint_of_the_address(app):
    """Like the suppression list: a SHA-256 of the address anyone can compute is nowhere; the row is keyed."""
    record_failure("Claire@Example.org")
    [row] = db.session.scalars(select(LoginLock)).all()
    plain = hashlib.sha256(b"login:claire@example.org").hexdigest()
    assert row.address_hash != plain and len(row.address_hash) == 64
    assert locked_until("claire@example.org") is None  # one failure locks nothing, and the key is the same
    record_failure("<claire@EXAMPLE.org>")
    assert db.session.scalar(select(LoginLock.failures)) == 2
