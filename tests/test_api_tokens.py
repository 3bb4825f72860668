"""API tokens: created by the CLI or an admin's page, shown once, stored hashed, scoped, revocable,
expiring, and rate-limited one token at a time."""
from __future__ import annotations

import re
from datetime import timedelta

from flask_babel import refresh
from sqlalchemy import select

from app.extensions import db
from app.models import ApiToken, utcnow
from app.services.integrations.api_tokens import create_token, hash_token
from tests.api_helpers import token_header
from tests.conftest import make_app


def test_cli_prints_the_token_once_and_stores_only_its_hash(cli_runner, client):
    result = cli_runner.invoke(args=["tokens", "create", "site web", "--scopes", "subscribers:read,tx:send"])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    assert re.fullmatch(r"lt_[A-Za-z0-9_-]{43}", token)
    row = db.session.scalar(select(ApiToken))
    assert row.token_hash == hash_token(token) and token not in row.token_hash
    assert row.scopes == ["subscribers:read", "tx:send"]
    listing = cli_runner.invoke(args=["tokens", "list"])
    assert "site web" in listing.output and token not in listing.output and token[:10] in listing.output

    assert client.get("/api/v1/subscribers", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert db.session.scalar(select(ApiToken.last_used_at)) is not None
    assert cli_runner.invoke(args=["tokens", "revoke", str(row.id)]).exit_code == 0
    response = client.get("/api/v1/subscribers", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401 and response.content_type == "application/problem+json"


def test_cli_refuses_an_unknown_scope_in_one_line(cli_runner):
    result = cli_runner.invoke(args=["tokens", "create", "x", "--scopes", "subscribers:eat"])
    assert result.exit_code != 0 and "portée inconnue : subscribers:eat" in result.output
    assert db.session.scalar(select(ApiToken)) is None


def test_a_token_without_the_scope_gets_403_problem_json_in_french_and_english(client):
    headers = token_header("subscribers:read")
    response = client.post("/api/v1/subscribers", headers=headers, json={
        "email": "a@example.org", "lists": ["x"], "consent": {"text": "oui"}})
    assert response.status_code == 403
    assert response.content_type == "application/problem+json"
    body = response.get_json()
    assert body["status"] == 403 and body["required_scope"] == "subscribers:write"
    assert "subscribers:write" in body["messages"]["fr"] and "lacks the scope" in body["messages"]["en"]
    assert body["detail"] == body["messages"]["fr"]


def test_missing_wrong_and_expired_tokens_get_401(client):
    assert client.get("/api/v1/lists").status_code == 401
    assert client.get("/api/v1/lists", headers={"Authorization": "Bearer lt_nope"}).status_code == 401
    expired = create_token("vieux", "all", expires_at=utcnow() + timedelta(seconds=1))
    db.session.execute(ApiToken.__table__.update().values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    response = client.get("/api/v1/lists", headers={"Authorization": f"Bearer {expired.plaintext}"})
    assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Bearer")


def test_admin_page_creates_a_token_shown_once_and_revokes_it(admin_client):
    page = admin_client.post("/admin/api-tokens", data={"name": "CRM", "scopes": ["tx:send", "events:write"]})
    assert page.status_code == 200
    token = re.search(r'<code id="new-token">(lt_[^<]+)</code>', page.get_data(as_text=True)).group(1)
    row = db.session.scalar(select(ApiToken))
    assert row.token_hash == hash_token(token) and row.created_by == "admin@example.org"
    again = admin_client.get("/admin/api-tokens").get_data(as_text=True)
    assert "CRM" in again and token not in again
    admin_client.post(f"/admin/api-tokens/{row.id}/revoke")
    db.session.refresh(row)
    assert row.revoked_at is not None


def test_admin_page_describes_the_scopes_in_the_page_language_only(admin_client):
    french = admin_client.get("/admin/api-tokens").get_data(as_text=True)
    assert "lists:write — créer et modifier des listes" in french and "create and update lists" not in french
    refresh()  # the test's app context would otherwise keep the first request's locale
    english = admin_client.get("/admin/api-tokens?lang=en").get_data(as_text=True)
    assert "lists:write — create and update lists" in english and "créer et modifier des listes" not in english


def test_an_editor_cannot_see_or_create_tokens(editor_client):
    assert editor_client.get("/admin/api-tokens").status_code == 403
    assert editor_client.post("/admin/api-tokens", data={"name": "x", "scopes": ["tx:send"]}).status_code == 403
    assert db.session.scalar(select(ApiToken)) is None


def test_rate_limit_counts_each_token_apart(migrated):
    app = make_app(migrated, {"RATELIMIT_ENABLED": True, "API_RATE_LIMIT": "3 per minute"})
    with app.app_context():
        first, second = token_header("subscribers:read", "a"), token_header("subscribers:read", "b")
        client = app.test_client()
        codes = [client.get("/api/v1/lists", headers=first).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        limited = client.get("/api/v1/lists", headers=first)
        assert limited.content_type == "application/problem+json" and limited.get_json()["status"] == 429
        assert client.get("/api/v1/lists", headers=second).status_code == 200
        db.session.remove()


def test_docs_page_and_its_assets_are_served_by_the_app(client):
    page = client.get("/api/v1/docs/").get_data(as_text=True)
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert assets and all(a.startswith("/api/v1/docs/") for a in assets), assets  # no CDN
    for asset in assets:
        assert client.get(asset).status_code == 200, asset
    assert '"url": "/api/v1/openapi.json"' in page
