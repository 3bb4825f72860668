"""In Chromium: from the announcement's "Inscrivez-vous", register for two journées, get two .ics, cancel one."""
import email
import re
from email import policy

import pytest
from sqlalchemy import select

from app.extensions import db
from app.message.builder import Recipient
from app.sending.compose import builder_for
from app.models import Campaign, CampaignTemplate, OutboxMessage, Registration, RegistrationStatus
from tests.browser import screenshot
from tests.event_factories import future_dates, make_cycle
from tests.sending_fixtures import deliver_queued

pytestmark = pytest.mark.browser


def test_register_then_cancel_one_journee_in_chromium(live_server, page, app):
    cycle = make_cycle(dates=future_dates())
    announcement = Campaign(slug="annonce", name="Annonce", subject="Cycle de qualification",
                            template=CampaignTemplate.CYCLE_ANNOUNCEMENT, cycle_id=cycle.id)
    db.session.add(announcement)
    db.session.commit()
    raw = builder_for(announcement).build(Recipient(1, "u1", "lectrice@example.org", "Léa")).raw
    html = email.message_from_bytes(raw, policy=policy.default).get_body(("html",)).get_content()
    page.set_content(html)  # the announcement as a mail client shows it
    with page.expect_popup() as opened:  # the button opens a new tab, as in a mail client
        page.get_by_role("link", name="Inscrivez-vous").first.click()
    page = opened.value
    page.wait_for_url(f"{live_server.url}/inscription/{cycle.slug}?c={announcement.id}&p=*")  # credited, her token
    page.get_by_label("Prénom").fill("Hélène")
    page.locator("#last_name").fill("Duchêne")
    page.get_by_label("Adresse e-mail").fill("helene.duchene@example.org")
    page.get_by_label("Structure").fill("Grand Paris Sud")
    boxes = page.locator('input[name="journees"]')
    assert boxes.count() == 4 and not any(boxes.nth(i).is_checked() for i in range(4))  # nothing pre-ticked
    assert not page.get_by_label("J'accepte de recevoir").is_checked()
    # Sent without a journée and with a bad address: both errors at once, the summary has the focus.
    page.get_by_label("Adresse e-mail").fill("helene.duchene@example")
    page.get_by_role("button", name="Je m'inscris").click()
    page.get_by_role("heading", name="Le formulaire contient 2 erreurs").wait_for()
    assert page.evaluate("document.activeElement.id") == "error-summary"
    assert page.get_by_label("Structure").input_value() == "Grand Paris Sud"  # nothing typed is lost
    page.get_by_role("link", name="Choisissez au moins une journée.").click()
    assert page.evaluate("location.hash") == "#journees"
    screenshot(page, "registration-errors")
    page.get_by_label("Adresse e-mail").fill("helene.duchene@example.org")
    boxes.nth(0).check()
    boxes.nth(2).check()
    screenshot(page, "registration-form")
    page.get_by_role("button", name="Je m'inscris").click()
    page.get_by_role("heading", name="Merci, votre inscription est enregistrée").wait_for()

    deliver_queued()
    [row] = db.session.scalars(select(OutboxMessage)).all()
    message = email.message_from_bytes(row.raw, policy=policy.default)
    ics = [p.get_filename() for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert ics == ["journee-1.ics", "journee-3.ics"]
    link = re.search(r"(http://127\.0\.0\.1:\d+/r/\S+)", message.get_body(("plain",)).get_content()).group(1)

    page.goto(link)
    assert page.get_by_role("link", name="Ajouter à Google Agenda").count() == 2
    with page.expect_download() as download:
        page.get_by_role("link", name="Fichier agenda (.ics)").first.click()
    assert download.value.suggested_filename == "journee-1.ics"
    page.get_by_role("button", name="Annuler la journée 3").click()
    page.get_by_text("Votre participation à la journée 3 est annulée.").wait_for()
    screenshot(page, "registration-manage")
    db.session.expire_all()
    reg = db.session.scalar(select(Registration))
    assert reg.source == f"campaign:{announcement.id}"
    assert {d.journee.number: d.status for d in reg.days} == {1: RegistrationStatus.CONFIRMED,
                                                             3: RegistrationStatus.CANCELLED}
    assert page.get_by_role("button", name="Annuler la journée 1").is_visible()
