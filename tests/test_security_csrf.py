"""CSRF matrix: every POST route of the application refuses a request without a CSRF token (and changes
nothing), except the documented exceptions; ``/u/<token>`` lets through only the exact RFC 8058 body.

Run with WTF_CSRF_ENABLED=True (the usual test app turns CSRF off)."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app import links
from app.extensions import db
from app.models import Subscriber, SubscriberStatus, Suppression
from tests.security_helpers import csrf_token, make_world, own_app, routes, rule_url

# The only POST routes a request without a CSRF token may reach, and why.
EXEMPT = {
    "public.subscribe_submit": "embeddable form on the CRPVE site: double opt-in, honeypot, rate limits",
    "public.unsubscribe_page": "only the exact RFC 8058 body List-Unsubscribe=One-Click (tested below)",
}
# Exempt from the global hook only to check the token in the form itself: an expired page is shown
# again with what was typed and this message, instead of the generic "Formulaire expiré" page.
CHECKED_BY_THE_FORM = {"public.registration_form": "La page est restée ouverte trop longtemps"}
API_PREFIX = "api."  # bearer token or a JSON body from an admin session, never a browser form


@pytest.fixture
def csrf_app(migrated):
    with own_app(migrated, {"WTF_CSRF_ENABLED": True}) as app:
        yield app


def _row_counts() -> dict[str, int]:
    db.session.expire_all()
    return {t.name: db.session.scalar(select(func.count()).select_from(t)) for t in db.metadata.sorted_tables}


def _login(client, email: str) -> None:
    token = csrf_token(client.get("/admin/login").get_data(as_text=True))
    response = client.post("/admin/login", data={"email": email, "password": "correct horse battery",
                                                 "csrf_token": token})
    assert response.status_code == 302


def test_every_post_route_refuses_a_request_without_csrf_token(csrf_app):
    from app.models import Role, User

    admin = User(email="admin@example.org", name="Admin", role=Role.ADMIN)
    admin.set_password("correct horse battery")
    db.session.add(admin)
    db.session.commit()
    world = make_world()
    client = csrf_app.test_client()
    _login(client, admin.email)
    checked = []
    for rule in routes(csrf_app, "POST"):
        if rule.endpoint in EXEMPT or rule.endpoint.startswith(API_PREFIX):
            continue
        before = _row_counts()
        if rule.endpoint.startswith("api_v1"):
            # /api/v1 takes bearer tokens only: a form posted with the admin's session cookie is refused.
            response = client.post(rule_url(rule, world), data={"email": "x@example.org"})
            assert response.status_code == 401, (rule.endpoint, response.status_code)
            assert _row_counts() == before, rule.endpoint
            continue
        response = client.post(rule_url(rule, world), data={"action": "resubscribe", "email": "x@example.org",
                                                            "journees": "1", "role": "admin"})
        body = response.get_data(as_text=True)
        assert response.status_code == 400, (rule.endpoint, response.status_code)
        assert CHECKED_BY_THE_FORM.get(rule.endpoint, "Formulaire expiré") in body, rule.endpoint
        assert _row_counts() == before, rule.endpoint
        checked.append(rule.endpoint)
    assert client.get("/admin/").status_code == 200  # still logged in: the logout POST was refused too
    assert {"auth.logout", "admin.subscriber_erase", "public.preferences", "public.registration_manage",
            "public.registration_form", "public.confirm_subscription", "admin.user_role"} <= set(checked)


def test_exemptions_are_exactly_the_documented_ones(csrf_app):
    from flask_wtf.csrf import CSRFProtect  # noqa: F401 - the extension instance is app.extensions.csrf
    from app.extensions import csrf

    exempt_views = set(csrf._exempt_views)
    exempt_endpoints = {endpoint for endpoint, view in csrf_app.view_functions.items()
                        if f"{view.__module__}.{view.__name__}" in exempt_views}
    post_endpoints = {r.endpoint for r in routes(csrf_app, "POST")}
    # Token pages are exempt from Flask-WTF's Referer-checking hook but checked by app.web.security.
    token_pages = {r.endpoint for r in routes(csrf_app, "POST") if "token" in r.arguments}
    assert exempt_endpoints & post_endpoints == set(EXEMPT) | token_pages | set(CHECKED_BY_THE_FORM)


def _world_and_unsubscribe_path():
    world = make_world()
    client_path = links.unsubscribe_url(world.subscriber.uid, None).split("lettrine.test", 1)[1]
    return world, client_path


def _state(subscriber_id: int):
    db.session.expire_all()
    sub = db.session.get(Subscriber, subscriber_id)
    return sub.status, db.session.scalar(select(func.count()).select_from(Suppression))


def test_a_cross_site_resubscribe_changes_nothing(csrf_app):
    world, path = _world_and_unsubscribe_path()
    client = csrf_app.test_client()
    page = client.get(path).get_data(as_text=True)
    token = csrf_token(page)
    assert client.post(path, data={"scope": "all", "csrf_token": token}).status_code == 200
    assert _state(world.subscriber.id) == (SubscriberStatus.UNSUBSCRIBED, 1)

    attacker = csrf_app.test_client()  # another browser: no session, no token
    for data in ({"action": "resubscribe"},
                 {"action": "resubscribe", "List-Unsubscribe": "One-Click"},
                 {"List-Unsubscribe": "One-Click", "scope": "all"},
                 {"action": "resubscribe", "csrf_token": "forged"}):
        response = attacker.post(path, data=data)
        assert response.status_code == 400 and "Formulaire expiré" in response.get_data(as_text=True), data
        assert _state(world.subscriber.id) == (SubscriberStatus.UNSUBSCRIBED, 1), data
    # The owner's own button still works.
    page = client.get(path).get_data(as_text=True)
    restored = client.post(path, data={"action": "resubscribe", "csrf_token": csrf_token(page)})
    assert restored.status_code == 200
    assert _state(world.subscriber.id) == (SubscriberStatus.ACTIVE, 0)


@pytest.mark.parametrize("multipart", [False, True])
def test_the_exact_one_click_body_needs_no_token(csrf_app, multipart):
    world, path = _world_and_unsubscribe_path()
    client = csrf_app.test_client()
    kwargs = {"data": {"List-Unsubscribe": "One-Click"}}
    if multipart:
        kwargs["content_type"] = "multipart/form-data"
    response = client.post(path, **kwargs)
    assert response.status_code == 200 and response.mimetype == "text/plain"
    assert not response.headers.getlist("Set-Cookie")
    db.session.expire_all()
    assert db.session.get(Subscriber, world.subscriber.id).status == SubscriberStatus.UNSUBSCRIBED


def test_a_page_sent_with_no_referrer_still_posts_over_https(csrf_app):
    """Referrer-Policy: no-referrer means no Referer on the page's own POST; the token alone decides."""
    world = make_world()
    client = csrf_app.test_client()
    path = "/p/" + world.tokens["public.preferences"]
    page = client.get(path, base_url="https://lettrine.test")
    assert page.headers["Referrer-Policy"] == "no-referrer"
    token = csrf_token(page.get_data(as_text=True))
    saved = client.post(path, data={"csrf_token": token}, base_url="https://lettrine.test")
    assert saved.status_code == 303
    forged = csrf_app.test_client().post(path, data={"csrf_token": token}, base_url="https://lettrine.test")
    assert forged.status_code == 400  # a token from another session is worthless


def test_admin_forms_keep_the_referer_check_over_https(csrf_app):
    client = csrf_app.test_client()
    page = client.get("/admin/login", base_url="https://lettrine.test").get_data(as_text=True)
    data = {"email": "a@example.org", "password": "x", "csrf_token": csrf_token(page)}
    assert client.post("/admin/login", data=data, base_url="https://lettrine.test").status_code == 400
    same_site = client.post("/admin/login", data=data, base_url="https://lettrine.test",
                            headers={"Referer": "https://lettrine.test/admin/login"})
    assert same_site.status_code == 401  # reached the view: wrong password
