"""One after_request policy: every registered route answers with the security headers; pages whose URL
holds a signed token are never cached and never sent as Referer; the preview frames alone may be framed
(by our own pages); HSTS in production."""
from __future__ import annotations

import pytest

from tests.conftest import login
from tests.security_helpers import make_world, own_app, routes, rule_url

TOKEN_ENDPOINTS = {"public.unsubscribe_page", "public.preferences", "public.privacy_request", "public.privacy_export",
                   "public.confirm_subscription", "public.registration_manage", "public.click",
                   "public.webview_preview"}
FRAMED = {"admin.outbox_message_html", "admin.campaign_preview_html", "admin.campaign_preview_draft",
          "admin.survey_invitation_html"}


def check(response, endpoint: str, token_url: bool = False) -> None:
    h = response.headers
    csp = h.get("Content-Security-Policy", "")
    assert h.get("X-Content-Type-Options") == "nosniff", endpoint
    assert "unsafe-inline" not in csp.split("style-src")[0], endpoint  # never for scripts
    if endpoint in FRAMED:
        assert "frame-ancestors 'self'" in csp and h["X-Frame-Options"] == "SAMEORIGIN", endpoint
    else:
        assert "frame-ancestors 'none'" in csp and h["X-Frame-Options"] == "DENY", endpoint
    if endpoint in TOKEN_ENDPOINTS or token_url:
        assert h.get("Referrer-Policy") == "no-referrer" and h.get("Cache-Control") == "no-store", endpoint
    else:
        assert h.get("Referrer-Policy") == "same-origin", endpoint
    if not csp.startswith("sandbox") and endpoint not in ("public.webview", "public.webview_preview"):
        assert "script-src 'self'" in csp and "style-src 'self'" in csp, endpoint


def test_every_get_route_sends_the_headers(app, client, admin_user):
    world = make_world()
    assert login(client, admin_user.email).status_code == 302
    seen = {}
    for rule in routes(app, "GET"):
        response = client.get(rule_url(rule, world))
        response.get_data()  # run streamed bodies (CSV exports) to their end
        response.close()
        seen[rule.endpoint] = response.status_code
        check(response, rule.endpoint, token_url="token" in rule.arguments)
    # The walk reached real pages, not only error pages: token pages with valid tokens answer 200 (or redirect).
    for endpoint in TOKEN_ENDPOINTS - {"public.privacy_request"}:
        assert seen[endpoint] in (200, 302), (endpoint, seen[endpoint])
    assert seen["admin.dashboard"] == 200 and seen["public.agenda"] == 200
    assert len(seen) >= 40


def test_every_post_route_sends_the_headers_even_when_refused(migrated):
    with own_app(migrated, {"WTF_CSRF_ENABLED": True}) as app:
        world = make_world()
        client = app.test_client()
        for rule in routes(app, "POST"):
            check(client.post(rule_url(rule, world), data={"x": "1"}), rule.endpoint,
                  token_url="token" in rule.arguments)


def test_error_pages_and_static_files_too(client, app):
    check(client.get("/nowhere"), "404")
    check(client.get("/static/lettrine.css"), "static")
    check(client.get("/u/forged"), "public.unsubscribe_page")


def test_hsts_only_in_production(client, app):
    assert "Strict-Transport-Security" not in client.get("/subscribe").headers
    app.config["LETTRINE_ENV"] = "production"
    assert client.get("/subscribe").headers["Strict-Transport-Security"].startswith("max-age=31536000")


@pytest.mark.parametrize("path", ["/c/lettre", "/admin/outbox/1/html"])
def test_a_view_with_its_own_policy_keeps_it_and_gains_frame_ancestors(path, app, client, admin_user):
    from app.extensions import db
    from app.models import CampaignStatus, OutboxMessage

    world = make_world()
    world.campaign.status = CampaignStatus.SENT
    db.session.add(OutboxMessage(mail_from="a@b.c", recipients="x@y.z", subject="s", message_id="<m@x>",
                                 raw=b"Content-Type: text/html\r\n\r\n<p>hi</p>"))
    db.session.commit()
    login(client, admin_user.email)
    response = client.get(path)
    assert response.status_code == 200
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and csp.count("frame-ancestors") == 1
