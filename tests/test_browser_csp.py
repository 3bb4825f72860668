"""The admin works in Chromium with the Content-Security-Policy on: every admin page of the demo loads
without a CSP violation (the page fixture fails any test that logs one), the scripts that enhance it
still run, and an inline script really is blocked (so the check can fail)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.services import demo
from app.extensions import db
from app.models import Campaign, Cycle, ImportJob, MailingList, OutboxMessage, Subscriber
from tests.browser import csp_violations

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery"


def _login(page, live_server, email: str) -> None:
    page.goto(live_server.url + "/admin/login")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(live_server.url + "/admin/")


def _admin_paths(app) -> list[str]:
    """Every admin GET page: those without arguments, and those with one, for a row of the demo."""
    first = {
        "campaign_id": db.session.scalar(select(Campaign.id).order_by(Campaign.id)),
        "cycle_id": db.session.scalar(select(Cycle.id)),
        "subscriber_id": db.session.scalar(select(Subscriber.id).where(Subscriber.email.is_not(None))),
        "job_id": db.session.scalar(select(ImportJob.id)),
        "message_id": db.session.scalar(select(OutboxMessage.id)),
        "user_id": None,
    }
    paths = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("admin.") or "GET" not in rule.methods:
            continue
        if rule.rule.endswith((".csv", ".json", "/raw", "/html", ".html", "/audience-count", ".zip", ".pdf", ".png", ".ics", ".eml")):
            continue  # not HTML pages
        values = {name: first.get(name) for name in rule.arguments}
        if any(v is None for v in values.values()):
            continue
        path = rule.rule
        for name, value in values.items():
            path = path.replace(f"<int:{name}>", str(value)).replace(f"<{name}>", str(value))
        paths.append(path)
    return sorted(set(paths))


def test_every_admin_page_loads_without_a_csp_violation(live_server, page, admin_user, app):
    demo.load_demo()
    db.session.add(ImportJob(list_id=db.session.scalar(select(MailingList.id)), file_name="f.csv",
                             stored_path="/nonexistent", actor=admin_user.email))
    db.session.add(OutboxMessage(mail_from="a@b.c", recipients="x@example.org", subject="s", message_id="<m@x>",
                                 raw=b"Content-Type: text/html; charset=utf-8\r\n\r\n<p style='color:red'>Bonjour</p>"))
    db.session.commit()
    _login(page, live_server, admin_user.email)
    paths = _admin_paths(app)
    assert len(paths) >= 15
    for path in paths:
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        assert response.headers["content-security-policy"].startswith("default-src 'self'"), path
        page.wait_for_load_state("load")
        assert csp_violations(page) == [], path
    # The enhancements still run from the static file: the status filter submits itself.
    page.goto(live_server.url + "/admin/campaigns")
    page.locator("select[data-autosubmit]").select_option(index=1)
    page.wait_for_url("**/admin/campaigns?**")


def test_an_inline_script_is_blocked_and_reported(live_server, page, admin_user):
    page.context.expect_csp_violations = True
    _login(page, live_server, admin_user.email)
    ran = page.evaluate("""() => { const s = document.createElement('script');
        s.textContent = 'window.__inline = 1'; document.body.appendChild(s); return window.__inline; }""")
    assert ran is None
    page.wait_for_timeout(200)
    assert any("script-src" in v for v in csp_violations(page)), csp_violations(page)


def test_the_preview_frames_may_be_framed_by_our_pages_only(live_server, page, admin_user):
    page.context.expect_csp_violations = True
    _login(page, live_server, admin_user.email)
    page.set_content(f'<iframe src="{live_server.url}/admin/"></iframe>')  # another origin framing the admin
    page.wait_for_timeout(500)
    assert any("frame-ancestors" in v for v in csp_violations(page)), csp_violations(page)
