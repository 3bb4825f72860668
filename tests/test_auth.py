"""Login on every admin and API route, CSRF on forms, no open redirect."""
import pytest

from tests.conftest import login, make_app


# The API's description and its docs page are public on purpose: they hold no data, and the
# people integrating a website read them before they have a token.
PUBLIC_ENDPOINTS = {"auth.login", "api-docs.openapi_json", "api_docs.show"}


def test_every_admin_and_api_route_requires_login(app, client):
    checked = 0
    for rule in app.url_map.iter_rules():
        if not (rule.rule.startswith("/admin") or rule.rule.startswith("/api")):
            continue
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        url = rule.rule
        for arg in rule.arguments:
            url = url.replace(f"<int:{arg}>", "1").replace(f"<{arg}>", "x").replace(f"<path:{arg}>", "x")
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method)
            assert response.status_code in (302, 401), (method, url, response.status_code)
            if response.status_code == 302:
                assert "/admin/login" in response.headers["Location"], url
            checked += 1
    assert checked >= 5


def test_login_wrong_password_is_refused(client, admin_user):
    response = login(client, admin_user.email, "wrong")
    assert response.status_code == 401
    assert "incorrect" in response.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302


def test_login_then_logout(client, admin_user):
    assert login(client, admin_user.email).status_code == 302
    page = client.get("/admin/")
    assert page.status_code == 200
    assert "Tableau de bord" in page.get_data(as_text=True)
    client.post("/admin/logout")
    assert client.get("/admin/").status_code == 302


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example", "http:evil"])
def test_next_is_never_an_open_redirect(client, admin_user, target):
    response = client.post(f"/admin/login?next={target}", data={"email": admin_user.email, "password": "correct horse battery"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/"


def test_next_keeps_a_local_path(client, admin_user):
    response = client.post("/admin/login?next=/admin/lists", data={"email": admin_user.email, "password": "correct horse battery"})
    assert response.headers["Location"] == "/admin/lists"


def test_forms_need_a_csrf_token(migrated, admin_user):
    app = make_app(migrated, {"WTF_CSRF_ENABLED": True})
    client = app.test_client()
    response = client.post("/admin/login", data={"email": admin_user.email, "password": "correct horse battery"})
    assert response.status_code in (400, 401)
    assert client.get("/admin/").status_code == 302


def test_english_is_available(admin_client):
    page = admin_client.get("/admin/?lang=en").get_data(as_text=True)
    assert "Dashboard" in page
    # The choice sticks for the next page.
    assert "Dashboard" in admin_client.get("/admin/").get_data(as_text=True)
