"""The API's edges (issue #22): a token dies with its administrator's account or role, expires,
records its last use, is revoked from the admin; one rate-limit counter per token however the
header is spelt; a transactional message is read by the token that sent it only; registrants'
addresses and names need ``registrations:read``."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import ApiToken, Campaign, Role, User, utcnow
from app.services.accounts import set_user_active, set_user_role
from app.services.integrations import create_token
from tests.api_helpers import token_header
from tests.conftest import make_app
from tests.event_factories import future_dates, make_cycle


def _admin(email: str) -> User:
    user = User(email=email, name="", role=Role.ADMIN)
    user.set_password("correct horse battery")
    db.session.add(user)
    db.session.commit()
    return user


def _bearer(plaintext: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {plaintext}"}


def test_a_deactivated_administrators_token_creates_nobody(client, admin_user):
    """The finding: a token created by an admin who is then deactivated still created subscribers."""
    colleague = _admin("claire@example.org")
    token = create_token("site", "subscribers:write", user=colleague).plaintext
    body = {"email": "a@example.org", "lists": ["lettre"], "consent": {"text": "oui"}}
    assert client.get("/api/v1/subscribers", headers=_bearer(token)).status_code == 200

    set_user_active(colleague, False, by=admin_user)
    response = client.post("/api/v1/subscribers", headers=_bearer(token), json=body)
    assert response.status_code == 401 and response.content_type == "application/problem+json"
    row = db.session.scalar(select(ApiToken))
    assert row.revoked_at is not None and row.revoked_reason == "account_deactivated"
    set_user_active(colleague, True, by=admin_user)  # reactivating the account does not revive it
    assert client.get("/api/v1/subscribers", headers=_bearer(token)).status_code == 401


def test_a_role_change_kills_the_token_and_so_does_a_change_made_behind_the_service(app, client, admin_user):
    colleague = _admin("claire@example.org")
    demoted = create_token("crm", "all", user=colleague).plaintext
    set_user_role(colleague, Role.EDITOR, by=admin_user)
    assert client.get("/api/v1/lists", headers=_bearer(demoted)).status_code == 401
    assert db.session.scalar(select(ApiToken.revoked_reason)) == "role_changed"
    listing = app.test_cli_runner().invoke(args=["tokens", "list"]).output
    assert "crm\tclaire@example.org\trévoqué (rôle changé)" in listing

    other = _admin("paul@example.org")
    token = create_token("agenda", "events:read", user=other).plaintext
    assert client.get("/api/v1/cycles", headers=_bearer(token)).status_code == 200
    db.session.execute(User.__table__.update().where(User.id == other.id).values(active=False))
    db.session.commit()
    db.session.expire_all()
    assert client.get("/api/v1/cycles", headers=_bearer(token)).status_code == 401  # checked at each request


def test_the_admin_page_ties_the_token_to_its_creator(admin_client, admin_user):
    admin_client.post("/admin/api-tokens", data={"name": "CRM", "scopes": ["tx:send"]})
    row = db.session.scalar(select(ApiToken))
    assert row.user_id == admin_user.id and row.created_by == "admin@example.org"


def test_cli_expiry_as_a_day_or_a_number_of_days(cli_runner):
    before = utcnow()
    assert cli_runner.invoke(args=["tokens", "create", "trente", "--scopes", "tx:send", "--expires", "30d"]).exit_code == 0
    assert cli_runner.invoke(args=["tokens", "create", "date", "--scopes", "tx:send",
                                   "--expires", f"{before.year + 1}-06-30"]).exit_code == 0
    thirty, dated = db.session.scalars(select(ApiToken).order_by(ApiToken.id)).all()
    assert timedelta(days=30) <= thirty.expires_at - before < timedelta(days=30, minutes=1)
    assert dated.expires_at == datetime(before.year + 1, 6, 30, 23, 59, 59, tzinfo=UTC)
    assert thirty.user_id is None and thirty.created_by == "cli"
    for bad, said in (("demain", "date d'expiration invalide"), ("2020-01-01", "déjà passée"),
                      ("99999d", "date d'expiration invalide"), ("4000d", "durée trop longue")):
        result = cli_runner.invoke(args=["tokens", "create", "x", "--scopes", "tx:send", "--expires", bad])
        assert result.exit_code != 0 and said in result.output, (bad, result.output)
    assert len(db.session.scalars(select(ApiToken)).all()) == 2


def test_an_expired_token_is_refused_at_the_minute(client):
    created = create_token("bref", "all", expires_at=utcnow() + timedelta(minutes=5))
    assert client.get("/api/v1/lists", headers=_bearer(created.plaintext)).status_code == 200
    db.session.execute(ApiToken.__table__.update().values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert client.get("/api/v1/lists", headers=_bearer(created.plaintext)).status_code == 401


def test_the_admin_lists_last_use_and_revokes_with_csrf(migrated):
    app = make_app(migrated, {"WTF_CSRF_ENABLED": True})
    with app.app_context():
        _admin("admin@example.org")
        token = create_token("agenda", "events:read", user=db.session.scalar(select(User)))
        client = app.test_client()
        assert client.get("/api/v1/cycles", headers=_bearer(token.plaintext)).status_code == 200
        page = client.get("/admin/login").get_data(as_text=True)
        csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        assert client.post("/admin/login", data={"email": "admin@example.org", "password": "correct horse battery",
                                                  "csrf_token": csrf}).status_code == 302
        listing = client.get("/admin/api-tokens").get_data(as_text=True)
        assert "agenda" in listing and "jamais" not in listing.split("agenda", 1)[1].split("</tr>", 1)[0]
        assert token.plaintext not in listing

        refused = client.post(f"/admin/api-tokens/{token.token.id}/revoke")  # no CSRF token
        assert refused.status_code == 400
        db.session.expire_all()
        assert db.session.get(ApiToken, token.token.id).revoked_at is None
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', listing).group(1)
        assert client.post(f"/admin/api-tokens/{token.token.id}/revoke", data={"csrf_token": csrf}).status_code == 302
        assert client.get("/api/v1/cycles", headers=_bearer(token.plaintext)).status_code == 401
        db.session.remove()


def test_the_rate_limit_is_one_counter_per_token_however_the_header_is_spelt(migrated):
    """The finding: ``bearer`` and extra spaces were counted apart, each spelling a fresh allowance."""
    app = make_app(migrated, {"RATELIMIT_ENABLED": True, "API_RATE_LIMIT": "3 per minute"})
    with app.app_context():
        value = create_token("a", "subscribers:read").plaintext
        client = app.test_client()
        spellings = [f"Bearer {value}", f"bearer {value}", f"BEARER   {value}  ", f"  Bearer {value}"]
        codes = [client.get("/api/v1/lists", headers={"Authorization": s}).status_code for s in spellings]
        assert codes == [200, 200, 200, 429]
        # A scope refusal spends the same allowance: it is no way around the limit either.
        other = create_token("b", "subscribers:read").plaintext
        assert client.get("/api/v1/cycles", headers=_bearer(other)).status_code == 403
        assert [client.get("/api/v1/lists", headers=_bearer(other)).status_code for _ in range(3)] == [200, 200, 429]
        db.session.remove()


def test_a_transactional_message_is_read_by_the_token_that_sent_it_only(client):
    """The finding: a ``tx:send`` token read another token's transactional message (its address)."""
    campaign = Campaign(slug="bienvenue", name="Bienvenue", subject="Bienvenue",
                        content={"blocks": [{"type": "title", "text": "Bienvenue"}, {"type": "text", "text": "Bonjour"}]})
    db.session.add(campaign)
    db.session.commit()
    mine, theirs = token_header("tx:send", "boutique"), token_header("tx:send", "crm")
    sent = client.post("/api/v1/tx", headers=mine, json={"to": "laura@example.org", "campaign_id": campaign.id})
    assert sent.status_code == 202
    url = f"/api/v1/tx/{sent.get_json()['id']}"
    assert client.get(url, headers=mine).get_json()["to"] == "laura@example.org"
    stranger = client.get(url, headers=theirs)
    assert stranger.status_code == 404 and "laura" not in stranger.get_data(as_text=True)
    assert client.get(url, headers=token_header("all", "tout")).status_code == 404  # every scope is not ownership


def test_registrants_need_registrations_read_the_agenda_holds_nobody(client):
    """The finding: ``events:read`` (what an agenda needs) listed every registrant's address and name."""
    make_cycle(dates=future_dates())
    writer = token_header("registrations:write")
    made = client.post("/api/v1/cycles/contrat-de-ville-2016/registrations", headers=writer, json={
        "email": "laura.kossi@example.org", "first_name": "Laura", "last_name": "Kossi", "journees": [1]})
    assert made.status_code == 201

    agenda = token_header("events:read", "agenda")
    for url in ("/api/v1/cycles", "/api/v1/cycles/contrat-de-ville-2016"):
        answer = client.get(url, headers=agenda)
        assert answer.status_code == 200 and "journees" in answer.get_data(as_text=True)
        assert "laura" not in answer.get_data(as_text=True).lower() and "kossi" not in answer.get_data(as_text=True).lower()
    refused = client.get("/api/v1/cycles/contrat-de-ville-2016/registrations", headers=agenda)
    assert refused.status_code == 403 and refused.get_json()["required_scope"] == "registrations:read"
    agenda_writer = token_header("events:write", "agenda-site")  # writing the agenda is not reading people
    assert client.get("/api/v1/cycles/contrat-de-ville-2016/registrations", headers=agenda_writer).status_code == 403

    cancelled = client.post(f"/api/v1/registrations/{made.get_json()['id']}/cancel", headers=writer, json={})
    assert cancelled.status_code == 200 and cancelled.get_json()["days"][0]["status"] == "cancelled"
    assert "laura" not in cancelled.get_data(as_text=True).lower()  # an id is no licence to read the person

    reader = token_header("registrations:read", "émargement")
    [row] = client.get("/api/v1/cycles/contrat-de-ville-2016/registrations", headers=reader).get_json()["items"]
    assert (row["email"], row["first_name"], row["last_name"]) == ("laura.kossi@example.org", "Laura", "Kossi")


def test_the_settings_page_leads_to_the_tokens(admin_client, admin_user):
    create_token("agenda", "events:read", user=admin_user)
    create_token("ancien", "events:read", user=admin_user, expires_at=utcnow() + timedelta(minutes=1))
    db.session.execute(ApiToken.__table__.update().where(ApiToken.name == "ancien")
                       .values(expires_at=utcnow() - timedelta(minutes=1)))
    db.session.commit()
    page = admin_client.get("/admin/settings").get_data(as_text=True)
    assert "API</h2>" in page and 'href="/admin/api-tokens"' in page
    assert re.search(r"Jetons actifs\W+1\.", page)  # the expired one is not counted


def test_the_migration_ties_existing_tokens_to_their_creator_and_goes_back(tmp_path):
    """On a SQLite file of its own: a token made on the admin page before 0015 recorded its creator's
    address; after the upgrade it belongs to that account, a CLI token to nobody."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import text

    app = make_app(f"sqlite:///{tmp_path / 'owners.db'}")
    with app.app_context():
        upgrade(revision="0014")
        db.session.execute(text(
            "INSERT INTO users (id, email, name, password_hash, role, active, locale, created_at, session_token) "
            "VALUES (7, 'claire@example.org', '', 'x', 'admin', 1, 'fr', '2026-01-01', 's')"))
        for name, by in (("page", "claire@example.org"), ("cli", "cli")):
            db.session.execute(text(
                "INSERT INTO api_tokens (name, token_hash, prefix, scopes, created_by, created_at) "
                "VALUES (:n, :h, 'lt_x', '[]', :by, '2026-01-01')"), {"n": name, "h": name * 8, "by": by})
        db.session.commit()
        upgrade()
        owners = dict(db.session.execute(text("SELECT name, user_id FROM api_tokens")).all())
        assert owners == {"page": 7, "cli": None}
        downgrade(revision="0014")
        columns = [row[1] for row in db.session.execute(text("PRAGMA table_info(api_tokens)"))]
        assert "user_id" not in columns and "revoked_reason" not in columns
        db.session.remove()
        db.engine.dispose()
