"""The one confirmation message of a registration form (issue #24), for the README: what someone who
asked for a journée and the newsletter on a cycle with limited places receives, on a 390 px phone.

Called by ``tools/screenshots.py`` (``make screenshots``) on its throw-away demo database. The message is
rendered by the application itself (``render_transactional``, the bytes' HTML part), shown offline.
"""
from __future__ import annotations

from pathlib import Path

PHONE = {"width": 390, "height": 844}
SHOT = "registration-check-390"


def confirmation_message_shots(browser, app, out: Path) -> None:
    """``registration-check-390.png``: "Confirmez votre demande", the journée and the newsletter, one button."""
    from app import links
    from app.extensions import db
    from app.models import Cycle, MailingList
    from app.sending.transactional import render_transactional
    from app.services.demo import CYCLE_SLUG

    with app.app_context(), app.test_request_context():
        cycle = db.session.query(Cycle).filter_by(slug=CYCLE_SLUG).one()
        newsletter = db.session.query(MailingList).filter_by(slug="formations").first()
        html, _text = render_transactional("registration_check", {
            "subject": f"Confirmez votre inscription : {cycle.title}", "first_name": "", "cycle": cycle,
            "requested": cycle.journees[1:2], "newsletter_lists": [newsletter.name if newsletter else "Formations"],
            "manage_url": links.registration_manage_url("exemple"),
        })
    page = browser.new_page(viewport=PHONE, locale="fr-FR")
    page.route("**/*", lambda route: route.abort())  # offline: the message must not need the network
    page.set_content(html, wait_until="load")
    page.screenshot(path=str(out / f"{SHOT}.png"), full_page=True)
    page.close()
    print(out / f"{SHOT}.png")
