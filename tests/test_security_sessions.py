"""Sessions: the cookies carry a per-user session token (Flask-Login's alternative id) that changes at
logout, password change and deactivation, so a copied cookie dies with them; remember-me lasts 30 days,
cookies are HttpOnly, SameSite=Lax and Secure behind https; a failed login takes as long for an unknown
address as for a real account."""
from __future__ import annotations

import re
import statistics
import time
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

from flask import g

from app.extensions import db
from app.models import User
from tests.conftest import login


def _cookie_header(response, name: str) -> str:
    return next(h for h in response.headers.getlist("Set-Cookie") if h.startswith(name + "="))


def _copy(client, app, name: str):
    """Another browser holding a copy of ``client``'s cookie ``name`` (what a thief would have)."""
    other = app.test_client()
    other.set_cookie(name, client.get_cookie(name).value, domain="localhost")
    return other


def test_a_session_cookie_copied_before_logout_no_longer_opens_the_admin(app, client, admin_user):
    assert login(client, admin_user.email).status_code == 302
    thief = _copy(client, app, "session")
    assert thief.get("/admin/").status_code == 200  # the copy works while the session lives
    assert client.post("/admin/logout").status_code == 302
    response = thief.get("/admin/")
    assert response.status_code == 302 and "/admin/login" in response.headers["Location"]


def test_remember_me_lasts_30_days_changes_after_logout_and_dies_with_it(app, client, admin_user):
    response = client.post("/admin/login", data={"email": admin_user.email, "password": "correct horse battery",
                                                 "remember": "y"})
    header = _cookie_header(response, "remember_token")
    assert "HttpOnly" in header and "SameSite=Lax" in header and "Secure" in header
    expires = parsedate_to_datetime(re.search(r"Expires=([^;]+)", header).group(1))
    assert abs((expires - datetime.now(timezone.utc)) - timedelta(days=30)) < timedelta(minutes=1)
    first = client.get_cookie("remember_token").value
    thief = _copy(client, app, "remember_token")  # no session cookie: only remember-me
    assert thief.get("/admin/").status_code == 200
    client.post("/admin/logout")
    assert thief.get("/admin/").status_code == 302
    client.post("/admin/login", data={"email": admin_user.email, "password": "correct horse battery",
                                      "remember": "y"})
    assert client.get_cookie("remember_token").value != first


def test_session_cookie_flags(app, client, admin_user):
    header = _cookie_header(login(client, admin_user.email), "session")
    assert "HttpOnly" in header and "SameSite=Lax" in header and "Secure" in header  # BASE_URL is https


def test_session_cookie_not_secure_on_a_plain_http_development_server(migrated):
    from tests.conftest import make_app

    app = make_app(migrated, BASE_URL="http://127.0.0.1:5000")
    assert app.config["SESSION_COOKIE_SECURE"] is False and app.config["REMEMBER_COOKIE_SECURE"] is False


def test_password_change_and_deactivation_end_other_sessions(app, client, admin_user, editor_user):
    assert login(client, editor_user.email).status_code == 302
    editor_user.set_password("a new long password")
    db.session.commit()
    assert _admin_status(client) == 302

    assert login(client, editor_user.email, "a new long password").status_code == 302
    admin = app.test_client()
    g.pop("_login_user", None)
    login(admin, admin_user.email)
    assert admin.post(f"/admin/users/{editor_user.id}/active").status_code == 302
    db.session.expire_all()
    assert db.session.get(User, editor_user.id).active is False
    assert _admin_status(client) == 302


def test_cookies_carry_the_session_token_not_the_user_id(app, client, admin_user):
    login(client, admin_user.email)
    with client.session_transaction() as session:
        assert session["_user_id"] == admin_user.session_token != str(admin_user.id)


def _admin_status(client) -> int:
    """GET /admin/ as a new request would: the test's app context (and its ``g``, where Flask-Login
    caches the user) is shared by every test-client request, which a real server never does."""
    g.pop("_login_user", None)
    return client.get("/admin/").status_code


def _failed_login_seconds(client, email: str, rounds: int) -> list[float]:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        response = client.post("/admin/login", data={"email": email, "password": "wrong password!"})
        times.append(time.perf_counter() - start)
        assert response.status_code == 401
    return times


def _forget_failures() -> None:
    from sqlalchemy import delete

    from app.models import LoginLock

    db.session.execute(delete(LoginLock))
    db.session.commit()


def test_a_failed_login_takes_the_same_time_for_existing_and_unknown_accounts(app, client, admin_user, capsys):
    _failed_login_seconds(client, admin_user.email, 2)  # warm up
    existing, unknown = [], []
    for _ in range(5):  # interleaved, so load on the machine hits both alike
        _forget_failures()  # below the per-account lock (tested in test_security_passwords.py)
        existing += _failed_login_seconds(client, admin_user.email, 2)
        unknown += _failed_login_seconds(client, "nobody@example.org", 2)
    a, b = statistics.median(existing), statistics.median(unknown)
    with capsys.disabled():
        print(f"\nfailed login, median of {len(existing)}: existing {a * 1000:.1f} ms, unknown {b * 1000:.1f} ms")
    assert a > 0.01  # a real password hash was checked
    assert abs(a - b) / max(a, b) < 0.25, (a, b)  # was ≈ 165 ms against ≈ 8 ms


def test_a_deactivated_account_fails_like_a_wrong_password(app, client, editor_user):
    editor_user.active = False
    db.session.commit()
    response = login(client, editor_user.email)
    assert response.status_code == 401 and "Adresse ou mot de passe incorrect" in response.get_data(as_text=True)
