"""``make screenshots``: the demo announcement at 375 px and 600 px, and the admin pages at 1280 px and 768 px
(composer, preview, cycle editor, dashboard, report, subscribers, a subscriber, the suppression list, the sidebar),
the composer's image picker, the registration confirmation message, the public archive at 390 px.

Renders the real compiled HTML (the same bytes' HTML part a subscriber gets,
with the web view's impersonal values) into screenshots/ (git-ignored), plus a
375 px copy with every <style> block removed, as SFR and La Poste webmails show it.
Then serves the admin in-process on a loopback port, logs in as the demo admin and
saves the dashboard, composer, preview, cycle editor and report pages.
Always uses a throw-away SQLite database (never the configured one) and the outbox.

A curated few (DOCS_SHOTS) are also written, reduced to a 256-colour palette, into docs/screenshots/:
those are committed and shown by the README. ``--out DIR`` and ``--docs DIR`` change the two folders
(``--docs ""`` skips the curated copy); a helper adding a shot appends its name to DOCS_SHOTS.
"""
from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
OUT = ROOT / "screenshots"
DOCS = ROOT / "docs" / "screenshots"
# The shots the README shows (file stems in OUT), copied small into DOCS. Keep the set short: each one is
# committed. Total today about 1 MB.
DOCS_SHOTS = (
    "admin-sidebar-1280", "admin-sidebar-768", "admin-dashboard-1280", "admin-subscriber-1280",
    "admin-suppressions-1280", "admin-cycle-editor-1280", "admin-report-1280", "announcement-375",
    "admin-composer-live-preview-desktop-1280", "admin-composer-live-preview-phone-1280",
    "registration-check-390",
    "admin-composer-image-picker-1280", "message-registration-confirmation-600", "public-archives-390",
)
DOCS_MAX_HEIGHT = 2400  # px: a longer full-page shot is cut at the bottom for the README
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
    "--lang=fr-FR",  # French date and time pickers, as the officer's browser shows them
]
ADMIN_WIDTHS = (1280, 768)
PERSON = "laura.kossi@example.org"  # the person whose page is shown: registered, with a history


def demo_app():
    """A fresh app on a scratch SQLite database with the CRPVE demo loaded; returns (app, email, password)."""
    tmp = Path(tempfile.mkdtemp(prefix="lettrine-shots-"))
    os.environ["LETTRINE_INSTANCE_DIR"] = str(tmp)  # always a throw-away database: never touch a real one
    os.environ["DATABASE_URL"] = f"sqlite:///{tmp / 'shots.db'}"
    os.environ["SMTP_URL"] = ""  # the outbox: nothing leaves the machine
    os.environ.setdefault("BASE_URL", "https://lettrine.example.org")
    from flask_migrate import upgrade

    from app import create_app
    from app.services import demo
    from app.extensions import db

    app = create_app()
    # The pages are served over plain http on loopback: the session cookie must not require https.
    app.config.update(SESSION_COOKIE_SECURE=False, REMEMBER_COOKIE_SECURE=False)
    with app.app_context():
        upgrade()
        email, password = demo.load_demo()
        db.session.commit()
        _enrich(email)
    return app, email, password


def _enrich(actor: str) -> None:
    """What a few weeks of use leave behind, so the shots are not empty pages: the person shown is registered
    for two journées, and the suppression list holds a request by phone, a closed organisation's domain and
    an erased person's fingerprint."""
    from app.services.demo import CYCLE_SLUG
    from app.extensions import db
    from app.models import Cycle, Subscriber
    from app.services.audience import suppressions as suppression_list
    from app.services.privacy.rights import erase_subscriber
    from app.services.events.registrations import register

    cycle = db.session.query(Cycle).filter_by(slug=CYCLE_SLUG).one()
    register(cycle, PERSON, journees=list(cycle.journees[:2]), allow_past=True, source="admin", actor=actor,
             notify=False)
    suppression_list.add("ne-plus-ecrire@example.org", "demande par téléphone le 3 février", actor=actor)
    suppression_list.add("@ancienne-asso.example.org", "association dissoute", actor=actor)
    erased = db.session.query(Subscriber).filter(Subscriber.email != PERSON).order_by(Subscriber.id.desc()).first()
    if erased is not None:
        erase_subscriber(erased, actor=actor, source="demande de la personne")
    db.session.commit()


def announcement_html(app) -> str:
    from app.services.demo import CAMPAIGN_SLUG
    from app.extensions import db
    from app.sending.compose import compile_campaign
    from app.sending.views import recipient_values
    from app.models import Campaign, Subscriber

    with app.app_context():
        campaign = db.session.query(Campaign).filter_by(slug=CAMPAIGN_SLUG).one()
        subscriber = db.session.query(Subscriber).filter_by(email="laura.kossi@example.org").one()
        compiled = compile_campaign(campaign)
        html, _text = compiled.fill(recipient_values(campaign.id, campaign.slug, subscriber.uid,
                                                     subscriber.first_name))
        return html


def strip_styles(html: str) -> str:
    return re.sub(r"<style\b.*?</style>", "", html, flags=re.S | re.I)


def _ids(app) -> dict[str, int]:
    from app.services.demo import CAMPAIGN_SLUG, CYCLE_SLUG
    from app.extensions import db
    from app.models import Campaign, Cycle, Subscriber

    with app.app_context():
        return {"campaign": db.session.query(Campaign).filter_by(slug=CAMPAIGN_SLUG).one().id,
                "cycle": db.session.query(Cycle).filter_by(slug=CYCLE_SLUG).one().id,
                "subscriber": db.session.query(Subscriber).filter_by(email=PERSON).one().id}


def _send_announcement(app, campaign_id: int) -> None:
    """Send the demo announcement to the outbox, so the report and dashboard have figures."""
    from app.extensions import db
    from app.sending.worker import Worker, WorkerOptions
    from app.services.campaigns import sending_policy
    from app.models import Campaign
    from app.services.campaigns.lifecycle import start_campaign

    with app.app_context():
        start_campaign(db.session.get(Campaign, campaign_id))
    Worker(app, WorkerOptions(idle_seconds=0.1), policy=sending_policy()).run(until_idle=True)


def _logged_in(browser, url: str, email: str, password: str):
    """A French, Paris-time browser context at 1280 px, logged in to the admin at ``url``. Offline: only
    the local server is reached (the newsletter's https images would not load anyway)."""
    context = browser.new_context(locale="fr-FR", timezone_id="Europe/Paris", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(url) else route.abort())
    page.goto(url + "/admin/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(url + "/admin/")
    return context, page


def admin_shots(browser, app, email: str, password: str, out: Path = OUT) -> None:
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    ids = _ids(app)
    before = [("admin-composer", f"/admin/campaigns/{ids['campaign']}/edit"),
              ("admin-preview", f"/admin/campaigns/{ids['campaign']}/preview"),
              ("admin-cycle-editor", f"/admin/events/{ids['cycle']}/edit")]
    after = [("admin-dashboard", "/admin/"),
             ("admin-report", f"/admin/campaigns/{ids['campaign']}/report"),
             ("admin-composer-sent", f"/admin/campaigns/{ids['campaign']}/edit"),
             ("admin-subscribers", "/admin/subscribers"),
             ("admin-subscriber", f"/admin/subscribers/{ids['subscriber']}"),
             ("admin-suppressions", "/admin/suppressions")]
    try:
        context, page = _logged_in(browser, url, email, password)
        for batch in (before, after):
            if batch is after:
                _send_announcement(app, ids["campaign"])
            for name, path in batch:
                for width in ADMIN_WIDTHS:
                    page.set_viewport_size({"width": width, "height": 900})
                    page.goto(url + path, wait_until="load")
                    target = out / f"{name}-{width}.png"
                    page.screenshot(path=str(target), full_page=True)
                    print(target)
        # The navigation itself: the sidebar at 1280 px, the folded "Menu" at 768 px (viewport only).
        for width in ADMIN_WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(url + "/admin/", wait_until="load")
            target = out / f"admin-sidebar-{width}.png"
            page.screenshot(path=str(target))
            print(target)
        context.close()
    finally:
        server.shutdown()


def composer_preview_shots(browser, app, email: str, password: str, out: Path) -> None:
    """The composer with its live preview beside the blocks (1280 px), after typing, at the desktop
    and phone widths of the preview."""
    from werkzeug.serving import make_server

    from app.extensions import db
    from app.models import Campaign, CampaignTemplate, MailingList

    with app.app_context():
        letter = Campaign(
            slug="lettre-apercu-direct", name="Lettre d'information — printemps", template=CampaignTemplate.NEWSLETTER,
            subject="Les nouvelles du CRPVE", preheader="Formations, ressources et rendez-vous du printemps",
            lists=list(db.session.query(MailingList).order_by(MailingList.id).limit(1)),
            content={"blocks": [{"type": "title", "text": "Les nouvelles du printemps"},
                                {"type": "text", "text": "Bonjour,\n\nVoici les rendez-vous des prochaines semaines."},
                                {"type": "button", "label": "Voir l'agenda", "url": "https://www.crpve91.fr/agenda"}]})
        db.session.add(letter)
        db.session.commit()
        edit = f"/admin/campaigns/{letter.id}/edit"
    server = make_server("127.0.0.1", 0, app, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        context, page = _logged_in(browser, url, email, password)
        page.goto(url + edit, wait_until="load")
        page.fill("#blocks-1-text", "Bonjour,\n\nVoici les rendez-vous des prochaines semaines : **inscriptions ouvertes** "
                                    "pour le cycle de qualification.")
        page.wait_for_selector("#composer-preview[data-seq]")  # the live preview has followed the typing
        for device, label in (("desktop", "Ordinateur (600 px)"), ("phone", "Téléphone (390 px)")):
            page.get_by_role("button", name=label).click()
            page.locator(".card.blocks").scroll_into_view_if_needed()
            target = out / f"admin-composer-live-preview-{device}-1280.png"
            page.screenshot(path=str(target))
            print(target)
        context.close()
    finally:
        server.shutdown()


def publish(out: Path, docs: Path) -> None:
    """Copy DOCS_SHOTS from ``out`` into ``docs``, as 256-colour PNGs at most DOCS_MAX_HEIGHT high (an admin page
    goes from ~150 kB to ~60 kB; the README's images stay light in the repository)."""
    from PIL import Image

    docs.mkdir(parents=True, exist_ok=True)
    for stem in DOCS_SHOTS:
        source = out / f"{stem}.png"
        if not source.exists():
            print(f"(no {source.name}: not published)")
            continue
        with Image.open(source) as image:
            image = image.convert("RGB")
            if image.height > DOCS_MAX_HEIGHT:
                image = image.crop((0, 0, image.width, DOCS_MAX_HEIGHT))
            small = image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
            target = docs / source.name
            small.save(target, optimize=True)
        print(target, f"{target.stat().st_size // 1024} kB")


def main(argv: list[str] | None = None) -> None:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=OUT, help="every shot (default: screenshots/, git-ignored)")
    parser.add_argument("--docs", default=str(DOCS),
                        help='the README\'s shots, committed (default: docs/screenshots/; "" to skip)')
    args = parser.parse_args(argv)
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    app, email, password = demo_app()
    html = announcement_html(app)
    (out / "announcement.html").write_text(html, encoding="utf-8")
    shots = [("announcement-600.png", 600, html), ("announcement-375.png", 375, html),
             ("announcement-375-no-style.png", 375, strip_styles(html))]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"),
                                     args=CHROMIUM_ARGS, headless=True)
        for name, width, content in shots:
            page = browser.new_page(viewport={"width": width, "height": 800}, locale="fr-FR")
            # Offline: the email must not need the network (block anything but the inline document).
            page.route("**/*", lambda route: route.abort())
            page.set_content(content, wait_until="load")
            page.screenshot(path=str(out / name), full_page=True)
            page.close()
            print(out / name)
        admin_shots(browser, app, email, password, out)
        composer_preview_shots(browser, app, email, password, out)
        from screenshots_forms import confirmation_message_shots  # tools/screenshots_forms.py: the one message
        confirmation_message_shots(browser, app, out)
        from screenshots_paperwork import paperwork_shots  # the image picker, the confirmation, the archive
        paperwork_shots(browser, app, email, password, out)
        from screenshots_after import after_journee_shots  # tools/screenshots_after.py: check-in, certificate, survey
        after_journee_shots(browser, app, email, password, out, Path(args.docs).resolve() if args.docs else None)
        browser.close()
    if args.docs:
        publish(out, Path(args.docs).resolve())


if __name__ == "__main__":
    main()
