"""The cycle's paperwork in Chromium: the officer sets the signatory's scanned signature and the centre's stamp in
the settings and downloads a certificate that carries both, dated on the day the cycle closed; she edits the
survey's questions, previews the survey page and the invitation, and a participant answers on a 390 px phone."""
from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from PIL import Image, ImageDraw
from sqlalchemy import select

from app.extensions import db
from app.models import SurveyAnswer
from app.services.events import attendance as att
from app.services.events import close_cycle, surveys
from app.services.events.registrations import register
from tests.event_factories import make_cycle
from tests.pdf_text import pdf_text
from tests.test_browser_workspace import _login
from tests.test_certificate_paperwork import _images_on

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


def _signature_png(path) -> None:
    image = Image.new("RGB", (360, 120), "white")
    ImageDraw.Draw(image).line([(20, 90), (80, 30), (140, 95), (220, 25), (330, 80)], fill=(20, 30, 120), width=5)
    image.save(path)


def _stamp_jpeg(path) -> None:
    image = Image.new("RGB", (240, 240), "white")
    ImageDraw.Draw(image).ellipse([10, 10, 230, 230], outline=(30, 60, 160), width=8)
    image.save(path, format="JPEG")


def _marie(cycle):
    registration = register(cycle, "marie@example.org", first_name="Marie", last_name="Curie",
                            organisation="Ville d'Évry", journees=list(cycle.journees[:1]), allow_past=True,
                            source="admin", actor="test", notify=False).registration
    att.check_in(registration, cycle.journees[0], att.Half.AM, actor="test")
    return registration


def test_signature_and_stamp_set_in_the_settings_are_on_the_certificate(live_server, page, admin_user, tmp_path,
                                                                      app):
    cycle = make_cycle()
    marie = _marie(cycle)
    close_cycle(cycle, actor="test", notify=False, now=datetime(2016, 7, 1, 9, 0, tzinfo=timezone.utc))
    signature, stamp = tmp_path / "signature.png", tmp_path / "tampon.jpg"
    _signature_png(signature)
    _stamp_jpeg(stamp)
    _login(page, live_server, admin_user.email)
    page.goto(live_server.url + "/admin/settings")
    page.get_by_label("Nom de la personne qui signe").fill("Claire Dupont")
    page.get_by_label("Sa fonction").fill("Directrice")
    page.get_by_label("Signature scannée").set_input_files(str(signature))
    page.get_by_label("Tampon du centre").set_input_files(str(stamp))
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    page.get_by_text("Signataire des attestations enregistré.").wait_for()
    assert page.get_by_role("img", name="Signature enregistrée").evaluate("el => el.naturalWidth") == 360
    assert page.get_by_role("img", name="Tampon enregistré").evaluate("el => el.naturalWidth") == 240

    pdf = page.context.request.get(f"{live_server.url}/admin/events/{cycle.id}/attestations/{marie.id}.pdf")
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    assert _images_on(pdf.body()) == 2
    text = pdf_text(pdf.body())
    assert "Claire Dupont" in text and "Fait à Evry, le 1er juillet 2016" in text


def test_officer_edits_previews_and_a_participant_answers_at_390px(live_server, page, admin_user, app):
    cycle = make_cycle()
    marie = _marie(cycle)
    _login(page, live_server, admin_user.email)
    page.goto(f"{live_server.url}/admin/events/{cycle.id}/survey")
    page.get_by_role("link", name="Modifier les questions").click()
    page.wait_for_url(f"**/admin/events/{cycle.id}/survey/questions")
    page.get_by_label("Question", exact=True).nth(5).fill("Recommanderiez-vous cette formation ?")
    page.locator("#q-5-kind").select_option("choice")
    page.locator("#q-5-choices").fill("Oui\nNon\nPeut-être")
    page.locator("#q-5-order").fill("0")  # first
    page.locator("#q-6-label").fill("Qu'allez-vous changer dans votre travail ?")
    page.locator("#q-6-kind").select_option("text")
    page.locator("#question-6").get_by_label("Réponse obligatoire").uncheck()
    page.locator("#question-1").get_by_label("Retirer cette question").check()
    page.get_by_role("button", name="Enregistrer les questions").click()
    page.get_by_text("Questions enregistrées.").wait_for()
    assert [q.key for q in surveys.questions_of(cycle)] == [
        "q6", "objectives", "speaker", "organisation", "usefulness", "q7"]

    # Before sending: the survey page's preview beside the invitation as it will leave.
    page.get_by_role("link", name="Prévisualiser le questionnaire et l'invitation").click()
    page.get_by_text("Aperçu : c'est la page que verront les participant·es.").wait_for()
    assert page.get_by_role("button", name="Envoyer ma réponse").is_disabled()
    assert page.locator(".survey-preview legend").first.inner_text().startswith("Recommanderiez-vous")
    invitation = page.frame_locator("#invitation-preview")
    invitation.get_by_text("Bonjour Camille,").wait_for()
    button = invitation.get_by_role("link", name="Donner mon avis").get_attribute("href")
    assert re.fullmatch(rf"{live_server.url}/admin/events/{cycle.id}/survey/preview", button), button

    # A participant answers on a phone.
    page.context.clear_cookies()
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + surveys.survey_url(marie, cycle.journees[0]).removeprefix(app.config["BASE_URL"]))
    page.get_by_role("radio", name="Peut-être").check()
    for key, score in (("objectives", "4"), ("speaker", "5"), ("organisation", "3"), ("usefulness", "4")):
        page.locator(f"input[name={key}][value='{score}']").check()
    page.get_by_label("Qu'allez-vous changer").fill("Associer les habitants plus tôt.")
    page.get_by_role("button", name="Envoyer ma réponse").click()
    page.get_by_text("Merci ! Votre réponse est enregistrée.").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    answer = db.session.scalar(select(SurveyAnswer))
    assert answer.scores == {"q6": "Peut-être", "objectives": 4, "speaker": 5, "organisation": 3, "usefulness": 4,
                             "q7": "Associer les habitants plus tôt."}
