"""The cycle's paperwork and the images, for the README: the composer's image block with the media library
(1280 px), the registration confirmation message as a participant gets it (600 px), and the public archive
on a phone (390 px). The certificate with its signature and stamp is tools/screenshots_after.py's.

Called by ``tools/screenshots.py`` (``make screenshots``) on its throw-away demo database, after the
announcement was sent (so the archive holds it). Full-size shots go to screenshots/ (git-ignored); the
ones named in DOCS_SHOTS are copied small into docs/screenshots/ by screenshots.py.
"""
from __future__ import annotations

import base64
import email
import email.policy
import io
import re
import threading
from pathlib import Path

PHONE = {"width": 390, "height": 844}


def _picture(colour: tuple[int, int, int], size=(1200, 600)) -> bytes:
    """A plain poster-like picture for the media library (no photograph ships with the demo)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", size, colour)
    draw = ImageDraw.Draw(image)
    for step in range(0, size[0], 80):
        draw.line([(step, size[1]), (step + size[1] // 2, 0)], fill=tuple(min(255, c + 40) for c in colour), width=18)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _newsletter_with_images(app, actor: str) -> int:
    from app.extensions import db
    from app.models import Campaign, CampaignTemplate, MailingList
    from app.services.support import image_block, store_media

    with app.app_context():
        hall = store_media(_picture((24, 82, 122)), "salle.png", "La salle de conférence de la Maison de l'habitat",
                           actor=actor)
        store_media(_picture((196, 120, 30)), "affiche.png", "Affiche du cycle de qualification 2027", actor=actor)
        store_media(_picture((60, 130, 80), (900, 900)), "atelier.png", "Un atelier en petits groupes", actor=actor)
        letter = Campaign(
            slug="lettre-images", name="Lettre d'information — été", template=CampaignTemplate.NEWSLETTER,
            subject="L'été au CRPVE", preheader="Retour en images sur les journées du printemps",
            lists=list(db.session.query(MailingList).order_by(MailingList.id).limit(1)),
            content={"blocks": [{"type": "title", "text": "Retour en images"},
                                {"type": "text", "text": "Bonjour,\n\nMerci aux 48 participant·es des journées."},
                                image_block(hall),
                                {"type": "button", "label": "Voir l'agenda", "url": "https://www.crpve91.fr/agenda"}]})
        db.session.add(letter)
        db.session.commit()
        return letter.id


def _confirmation_html(app) -> str:
    """The registration confirmation of a demo person, built and sent to the outbox like any other, with its
    inline QR image put back in place (the browser shows no cid: parts)."""
    from app.extensions import db
    from app.models import Cycle, OutboxMessage
    from app.sending.worker import Worker, WorkerOptions
    from app.services.campaigns import sending_policy
    from app.services.demo import CYCLE_SLUG
    from app.services.events.registrations import register

    with app.app_context():
        cycle = db.session.query(Cycle).filter_by(slug=CYCLE_SLUG).one()
        register(cycle, "camille.martin@example.org", first_name="Camille", last_name="Martin",
                 organisation="Ville de Grigny", journees=list(cycle.journees[:2]), allow_past=True, source="form",
                 actor="screenshots")
        db.session.commit()
    Worker(app, WorkerOptions(idle_seconds=0.1), policy=sending_policy()).run(until_idle=True)
    with app.app_context():
        row = db.session.query(OutboxMessage).filter(OutboxMessage.recipients == "camille.martin@example.org") \
            .order_by(OutboxMessage.id).first()
        parsed = email.message_from_bytes(row.raw, policy=email.policy.default)
    html = parsed.get_body(preferencelist=("html",)).get_content()
    for part in parsed.walk():
        cid = str(part.get("Content-ID") or "").strip("<>")
        if cid and part.get_content_maintype() == "image":
            data = base64.b64encode(part.get_content()).decode("ascii")
            html = html.replace(f"cid:{cid}", f"data:{part.get_content_type()};base64,{data}")
    return html


def paperwork_shots(browser, app, email_address: str, password: str, out: Path) -> None:
    from werkzeug.serving import make_server

    from screenshots import _logged_in  # tools/screenshots.py: logged in to the admin at 1280 px, offline

    server = make_server("127.0.0.1", 0, app, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    app.config["BASE_URL"] = url  # the library's images are named by BASE_URL: let the browser load them
    letter = _newsletter_with_images(app, email_address)
    confirmation = _confirmation_html(app)
    page = browser.new_page(viewport={"width": 600, "height": 900}, locale="fr-FR")
    page.route("**/*", lambda route: route.abort())  # offline: the message needs nothing from the network
    page.set_content(confirmation, wait_until="load")
    target = out / "message-registration-confirmation-600.png"
    page.screenshot(path=str(target), full_page=True)
    page.close()
    print(target)

    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        context, page = _logged_in(browser, url, email_address, password)
        page.goto(f"{url}/admin/campaigns/{letter}/edit#block-2", wait_until="load")
        page.locator("#block-2 .media-choice img").last.evaluate(
            "el => el.complete || new Promise(ok => el.addEventListener('load', ok))")
        page.frame_locator("#composer-preview").locator("img[alt^='La salle']").evaluate(
            "el => el.complete || new Promise(ok => el.addEventListener('load', ok))")
        page.locator("#block-2").scroll_into_view_if_needed()
        target = out / "admin-composer-image-picker-1280.png"
        page.screenshot(path=str(target))
        print(target)
        context.close()

        phone = browser.new_context(locale="fr-FR", timezone_id="Europe/Paris", viewport=PHONE)
        page = phone.new_page()
        page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(url) else route.abort())
        page.goto(url + "/archives", wait_until="load")
        assert re.search(r"/archives/", page.content()), "the sent announcement is not in the archive"
        target = out / "public-archives-390.png"
        page.screenshot(path=str(target), full_page=True)
        print(target)
        phone.close()
    finally:
        server.shutdown()
