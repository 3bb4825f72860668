"""``make screenshots``: the demo announcement at 375 px and 600 px in headless Chromium.

Renders the real compiled HTML (the same bytes' HTML part a subscriber gets,
with the web view's impersonal values) into screenshots/ (git-ignored), plus a
375 px copy with every <style> block removed, as SFR and La Poste webmails show it.
Always uses a throw-away SQLite database (never the configured one).
"""
from __future__ import annotations

import os
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
OUT = ROOT / "screenshots"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]


def announcement_html() -> str:
    tmp = Path(tempfile.mkdtemp(prefix="lettrine-shots-"))
    os.environ["LETTRINE_INSTANCE_DIR"] = str(tmp)  # always a throw-away database: never touch a real one
    os.environ["DATABASE_URL"] = f"sqlite:///{tmp / 'shots.db'}"
    os.environ.setdefault("BASE_URL", "https://lettrine.example.org")
    from flask_migrate import upgrade

    from app import create_app
    from app.cli import demo
    from app.cli.demo_cycle import CAMPAIGN_SLUG
    from app.extensions import db
    from app.mail.render import compile_campaign, recipient_values
    from app.models import Campaign, Subscriber

    app = create_app()
    with app.app_context():
        upgrade()
        demo.load_base()
        for loader in demo.LOADERS:
            loader()
        campaign = db.session.query(Campaign).filter_by(slug=CAMPAIGN_SLUG).one()
        subscriber = db.session.query(Subscriber).filter_by(email="laura.kossi@example.org").one()
        compiled = compile_campaign(campaign)
        html, _text = compiled.fill(recipient_values(campaign.id, campaign.slug, subscriber.uid,
                                                     subscriber.first_name))
        return html


def strip_styles(html: str) -> str:
    return re.sub(r"<style\b.*?</style>", "", html, flags=re.S | re.I)


def main() -> None:
    from playwright.sync_api import sync_playwright

    OUT.mkdir(exist_ok=True)
    html = announcement_html()
    (OUT / "announcement.html").write_text(html, encoding="utf-8")
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
            page.screenshot(path=str(OUT / name), full_page=True)
            page.close()
            print(OUT / name)
        browser.close()


if __name__ == "__main__":
    main()
