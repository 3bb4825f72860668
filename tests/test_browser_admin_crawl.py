"""The admin crawl, in Chromium at 1280 px on the CRPVE demo: from the dashboard, every page the sidebar
reaches and the detail pages one or two clicks further (a campaign, its report and preview, a cycle, a
journée, the presence page, a person, a list, segments, suppressions, media, users, settings, tokens,
webhooks, operations...), breadth first. Each page must be in French (``<html lang="fr">``, no English text),
have no critical or serious axe-core violation, fit the width without a horizontal scroll (at 1280 px, and at
768 px where the sidebar folds into "Menu"), and keep every sidebar entry on one line. The page fixture also fails on any Content-Security-Policy violation."""
from __future__ import annotations

import re
from collections import deque
from urllib.parse import parse_qsl, urldefrag, urlsplit

import pytest
from flask import current_app
from sqlalchemy import select

from app.services import demo
from app.extensions import db
from app.models import Campaign, CampaignStatus, Cycle, ImportJob, MailingList, Registration, Subscriber
from app.services.audience import suppressions as suppression_list
from app.services.events.attendance import checkin_token
from app.services.deliverability.bounces import COMPLAINT, HARD, register_bounce
from app.services.privacy.rights import erase_subscriber
from app.services.campaigns.lifecycle import start_campaign
from app.services.events.registrations import register
from app.services.campaigns.reuse import duplicate_campaign
from app.services.integrations.webhooks import create_endpoint
from app.services.sequences import create_from_example
from tests.page_checks import layout, page_problems
from tests.sending_fixtures import deliver_queued

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery"
MAX_PAGES = 150
MAX_DEPTH = 3  # dashboard 0, sidebar pages 1, their details 2, a detail's tabs 3
PER_PATTERN = 3  # three campaigns (an announcement, a reminder, a newsletter), not all of them
NOT_PAGES = re.compile(r"(\.(csv|json|zip|pdf|png|ics|eml|txt)$)|(/(raw|html|export|download|audience-count)$)|/logout")


def _login(page, live_server, email: str) -> None:
    page.goto(live_server.url + "/admin/login")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(live_server.url + "/admin/")


def _pattern(path: str) -> str:
    """/admin/campaigns/12/report -> /admin/campaigns/<id>/report; a query keeps only its keys (?status=, ?page=)."""
    path, _, query = path.partition("?")
    keys = sorted({key for key, _value in parse_qsl(query)})
    return re.sub(r"/\d+(?=/|$)", "/<id>", path) + ("?" + "&".join(keys) if keys else "")


def _links(page, origin: str) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]:not([download])", "els => els.map(a => a.href)")
    paths = []
    for href in hrefs:
        url, _fragment = urldefrag(href)
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}" != origin or not parts.path.startswith("/admin"):
            continue
        if NOT_PAGES.search(parts.path) or "lang" in dict(parse_qsl(parts.query)):
            continue  # files are not pages; the ?lang=en switch would turn the rest of the crawl English
        paths.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return paths


def _seed(actor: str) -> list[str]:
    """The demo, one announcement sent (so the report, dashboard and outbox have figures), an import job, a
    webhook endpoint and a sequence (the demo has none), two registrations, a suppressed domain, an erased person, a bounce and a complaint; returns the pages no link leads to, which the crawl visits too."""
    demo.load_demo()
    db.session.commit()
    sent = db.session.scalar(select(Campaign).where(Campaign.status.in_((CampaignStatus.DRAFT, CampaignStatus.SCHEDULED)),
                                                    Campaign.cycle_id.is_not(None)).order_by(Campaign.id))
    assert sent is not None and db.session.scalar(select(Cycle.id)) is not None
    start_campaign(sent)
    deliver_queued()
    db.session.add(ImportJob(list_id=db.session.scalar(select(MailingList.id)), file_name="contacts.csv",
                             stored_path="/nonexistent", actor=actor))
    # On loopback (the operator's opt-in), where nothing listens: no test reaches another address.
    current_app.config["WEBHOOK_ALLOW_PRIVATE_TARGETS"] = True
    create_endpoint("http://127.0.0.1:9/crm/lettrine", "all", description="CRM du CRPVE")
    create_from_example("bienvenue", name="Bienvenue à la lettre", cycle_slug=None,
                        list_slug=db.session.scalar(select(MailingList.slug).order_by(MailingList.id)))
    cycle = db.session.scalar(select(Cycle).order_by(Cycle.id))
    for email, first, last in (("marie@example.org", "Marie", "Lefèvre"), ("paul@example.org", "Paul", "Diallo")):
        register(cycle, email, first_name=first, last_name=last, organisation="Mairie d'Évry",
                 journees=list(cycle.journees[:2]), allow_past=True, source="admin", actor=actor, notify=False)
    suppression_list.add("@ancienne-asso.example.org", "association dissoute", actor=actor)
    people = db.session.scalars(select(Subscriber).order_by(Subscriber.id)).all()
    register_bounce(people[0], HARD, status="5.1.1", diagnostic="550 5.1.1 <x@example.org>: User unknown",
                    source="dsn", campaign_id=sent.id)
    register_bounce(people[1], COMPLAINT, source="arf", campaign_id=sent.id)
    erase_subscriber(db.session.scalar(select(Subscriber).order_by(Subscriber.id.desc())), actor=actor)
    db.session.commit()
    draft = duplicate_campaign(sent).id  # a draft of the same announcement: its "send now" confirmation
    registration = db.session.scalar(select(Registration).order_by(Registration.id))
    # The door's camera page and the survey's editor and preview lie deeper than the crawl goes.
    return [f"/admin/campaigns/{sent.id}/sending", f"/admin/campaigns/{draft}/confirm",
            f"/admin/presence/{checkin_token(registration)}", f"/admin/events/{cycle.id}/presence/camera",
            f"/admin/events/{cycle.id}/survey/questions", f"/admin/events/{cycle.id}/survey/preview"]


def _unvisited_routes(app, visited: list[str]) -> list[str]:
    """Admin GET pages of the URL map that the crawl did not reach (files and JSON are not pages)."""
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("admin.") or "GET" not in (rule.methods or ()) or NOT_PAGES.search(rule.rule):
            continue
        if rule.rule.endswith((".html", ".csv", ".json", "/preview.html")):
            continue
        shape = re.compile(re.sub(r"<int:\w+>", r"\\d+", re.sub(r"<\w+>", "[^/]+", rule.rule)) + "$")
        if not any(shape.match(path) for path in visited):
            missing.append(rule.rule)
    return sorted(missing)


def _crawl(page, origin: str, extra: list[str]) -> tuple[list[str], dict[str, list[str]]]:
    """Breadth first from the dashboard (plus ``extra``, pages no link leads to): the pages visited and the
    problems of each page that has some. A linked page that does not answer 200 HTML is a problem too
    (an editor shown a link to an admin-only page would get a 403)."""
    queue: deque[tuple[str, int]] = deque([("/admin/", 0)] + [(path, MAX_DEPTH) for path in extra])
    seen_paths: set[str] = {"/admin/", *extra}
    per_pattern: dict[str, int] = {}
    visited: list[str] = []
    failures: dict[str, list[str]] = {}
    while queue and len(visited) < MAX_PAGES:
        path, depth = queue.popleft()
        response = page.goto(origin + path)
        assert response is not None
        if response.status != 200 or "text/html" not in response.headers.get("content-type", ""):
            failures[path] = [f"HTTP {response.status} {response.headers.get('content-type')}"]
            continue
        page.wait_for_load_state("load")
        visited.append(path)
        problems = page_problems(page, admin=True)
        page.set_viewport_size({"width": 768, "height": 900})  # a tablet: the sidebar folds, nothing may overflow
        box = layout(page)
        if box["scrollWidth"] > box["viewport"]:
            problems.append(f"at 768 px: {box['scrollWidth']} px wide")
        page.set_viewport_size({"width": 1280, "height": 900})
        if problems:
            failures[path] = problems
        if depth >= MAX_DEPTH:
            continue
        for link in _links(page, origin):
            pattern = _pattern(link)
            if link in seen_paths or per_pattern.get(pattern, 0) >= PER_PATTERN:
                continue
            seen_paths.add(link)
            per_pattern[pattern] = per_pattern.get(pattern, 0) + 1
            queue.append((link, depth + 1))
    return visited, failures


def _report(failures: dict[str, list[str]]) -> str:
    return "\n".join(f"{path}\n  " + "\n  ".join(problems) for path, problems in failures.items())


@pytest.mark.slow
def test_every_admin_page_is_french_accessible_and_fits_1280px(live_server, page, admin_user, app):
    unlinked = _seed(admin_user.email)
    _login(page, live_server, admin_user.email)
    visited, failures = _crawl(page, live_server.url, unlinked)
    print(f"\n{len(visited)} admin pages crawled:\n" + "\n".join(visited))
    print("Admin GET routes not reached:\n" + "\n".join(_unvisited_routes(app, visited)))
    assert not failures, f"{len(failures)} of {len(visited)} pages fail:\n{_report(failures)}"
    # The crawl really reached the pages the issue names (a crawl that stopped early would prove nothing).
    patterns = {_pattern(p) for p in visited}
    for expected in ("/admin/campaigns/<id>/edit", "/admin/campaigns/<id>/report", "/admin/campaigns/<id>/preview",
                     "/admin/events/<id>/edit", "/admin/subscribers/<id>", "/admin/suppressions", "/admin/segments",
                     "/admin/media", "/admin/users", "/admin/settings"):
        assert expected in patterns, (expected, sorted(patterns))
    assert len(visited) >= 30
    assert _unvisited_routes(app, visited) == ["/admin/events/<int:cycle_id>/emargement.<fmt>"]  # a PDF or CSV file


@pytest.mark.slow
def test_the_editor_crawl_finds_no_forbidden_link_and_the_same_quality(live_server, page, admin_user, editor_user):
    """An editor's admin (no users, settings, API tokens, webhooks): every page they can reach passes the same
    checks, and no page shows them a link that answers 403."""
    _seed(admin_user.email)
    _login(page, live_server, editor_user.email)
    visited, failures = _crawl(page, live_server.url, [])
    assert not failures, f"{len(failures)} of {len(visited)} pages fail:\n{_report(failures)}"
    assert len(visited) >= 25
    assert not any(p.startswith(("/admin/users", "/admin/settings", "/admin/api-tokens", "/admin/webhooks"))
                   for p in visited)


def test_the_checks_can_fail(page):
    """A page with each fault the crawl looks for: every check reports it (a check that never fails proves nothing)."""
    page.set_content("""<!doctype html><html lang="en"><head><title>Settings</title></head><body>
      <main><h1>Réglages</h1><p>Please click here to save your changes and go back to the list.</p>
      <p>Nouvelle liste</p><p><span>one-click</span></p><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
      <div class="wide"><span>x</span></div></main></body></html>""")
    page.add_style_tag(content=".wide { width: 3000px; } p { color: #ccc; background: #fff; }")
    problems = "\n".join(page_problems(page, admin=False))
    assert '<html lang="en">' in problems
    assert "horizontal overflow" in problems
    assert "Please click here" in problems  # English function words
    assert "English: 'Settings'" in problems  # an English catalogue string (the title)
    assert "image-alt (critical)" in problems and "color-contrast (serious)" in problems
    assert "English: 'one-click'" in problems  # a stored token shown without its label
    assert "Nouvelle liste" not in problems
    # A sidebar entry that wraps onto two lines, and one cut by white-space: nowrap.
    page.set_content("""<!doctype html><html lang="fr"><body><nav id="admin-nav"><ul>
      <li><a class="narrow" href="/a">Tableau de bord des campagnes</a></li>
      <li><a class="cut" href="/b">Boîte d'envoi des messages</a></li></ul></nav><main><h1>Titre</h1></main></body></html>""")
    page.add_style_tag(content="a { display:block; } .narrow { width:4rem; } .cut { width:4rem; white-space:nowrap; overflow:hidden; }")
    sidebar = "\n".join(page_problems(page, admin=True))
    assert "sidebar entries on more than one line: ['Tableau de bord des campagnes', \"Boîte d'envoi des messages\"]" in sidebar


# Pages whose main form, sent empty, must answer with its errors in French and accessibly.
FORM_PAGES = ("/admin/subscribers/new", "/admin/events/new", "/admin/campaigns/new", "/admin/lists", "/admin/users",
              "/admin/suppressions", "/admin/webhooks", "/admin/api-tokens",
              "/admin/media")


def test_admin_forms_sent_empty_show_french_accessible_errors(live_server, page, admin_user):
    _seed(admin_user.email)
    _login(page, live_server, admin_user.email)
    failures = {}
    for path in FORM_PAGES:
        page.goto(live_server.url + path)
        form = page.locator("main form").filter(has=page.locator(
            "input[type=text]:visible, input[type=email]:visible, input[type=url]:visible, textarea:visible, "
            "input[type=file]:visible")).first
        assert form.count() == 1, path
        # The browser's own "please fill in this field" bubble would stop the request: the server must answer.
        form.evaluate("f => { f.noValidate = true; }")
        with page.expect_navigation():
            form.locator("button[type=submit], input[type=submit]").first.click()
        problems = page_problems(page, admin=True)
        if problems:
            failures[f"{path} -> {page.url.removeprefix(live_server.url)}"] = problems
    report = "\n".join(f"{path}\n  " + "\n  ".join(problems) for path, problems in failures.items())
    assert not failures, report


def test_the_newsletter_composer_with_its_blocks_passes_too(live_server, page, admin_user):
    """The demo has no free newsletter: one is made here, with an image and a button block, and its composer
    (every block's fields and tools) and preview are checked like the crawled pages."""
    demo.load_base()
    _login(page, live_server, admin_user.email)
    page.goto(live_server.url + "/admin/campaigns/new")
    page.get_by_label("Lettre d'information (blocs)").check()
    page.get_by_label("Nom interne").fill("Lettre de mars")
    page.get_by_role("button", name="Créer le brouillon").click()
    page.get_by_text("Campagne créée").wait_for()
    page.get_by_role("button", name="Image", exact=True).click()
    page.get_by_role("button", name="Bouton", exact=True).click()
    page.wait_for_load_state("load")
    problems = {"composer": page_problems(page, admin=True)}
    page.get_by_role("link", name="Aperçu et vérifications").click()
    page.wait_for_load_state("load")
    problems["preview"] = page_problems(page, admin=True)
    assert problems == {"composer": [], "preview": []}
