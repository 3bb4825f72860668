"""Users and settings are for admins only; editors are refused; secrets never shown."""
from sqlalchemy import select

from app.extensions import db
from app.models import Role, User
from tests.conftest import make_app


def test_editor_cannot_reach_users_or_settings(editor_client):
    assert editor_client.get("/admin/users").status_code == 403
    assert editor_client.get("/admin/settings").status_code == 403
    assert editor_client.post("/admin/users", data={"email": "x@example.org", "password": "tartine-confiture-velo", "role": "admin"}).status_code == 403
    nav = editor_client.get("/admin/").get_data(as_text=True)
    assert "/admin/users" not in nav and "/admin/settings" not in nav


def test_admin_creates_a_user_and_changes_roles(admin_client, admin_user):
    response = admin_client.post("/admin/users", data={"email": "Officer@Example.org", "name": "Laura", "role": "editor", "password": "tartine-confiture-velo"})
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "officer@example.org"))
    assert user.role == Role.EDITOR and user.check_password("tartine-confiture-velo")
    admin_client.post(f"/admin/users/{user.id}/role", data={"role": "admin"})
    db.session.refresh(user)
    assert user.role == Role.ADMIN
    # An admin cannot demote or deactivate themself.
    admin_client.post(f"/admin/users/{admin_user.id}/role", data={"role": "editor"})
    admin_client.post(f"/admin/users/{admin_user.id}/active", data={})
    db.session.refresh(admin_user)
    assert admin_user.role == Role.ADMIN and admin_user.active


def test_short_password_is_refused_with_a_french_error(admin_client):
    page = admin_client.post("/admin/users", data={"email": "x@example.org", "role": "editor", "password": "short"})
    assert page.status_code == 200
    assert db.session.scalar(select(User).where(User.email == "x@example.org")) is None


def test_settings_never_show_secrets(migrated, admin_user):
    app = make_app(migrated, SMTP_URL="smtp://relayuser:s3cr3tpass@relay.example.org:587?rate=20")
    client = app.test_client()
    client.post("/admin/login", data={"email": admin_user.email, "password": "correct horse battery"})
    page = client.get("/admin/settings").get_data(as_text=True)
    assert "relay.example.org" in page and "rate=20" in page
    assert "s3cr3tpass" not in page and "relayuser" not in page
    assert "test-secret-key" not in page
