"""In Chromium at 390 px (a phone): the officer scans a registrant's QR code (opens the URL it holds), then
scans it again; the page says "déjà présent·e" and nothing changes. Also the survey and its results page."""
import email
import email.policy
import io
import re

import pytest
import segno
from sqlalchemy import func, select

from app.extensions import db
from app.models import Attendance, AuditLog, OutboxMessage
from app.services.events import attendance as att
from app.services.events.registrations import register
from tests.browser import screenshot
from tests.event_factories import make_cycle
from tests.sending_fixtures import deliver_queued

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def _html(message: OutboxMessage) -> str:
    return email.message_from_bytes(message.raw, policy=email.policy.default).get_body(("html",)).get_content()


def _text(message: OutboxMessage) -> str:
    return email.message_from_bytes(message.raw, policy=email.policy.default).get_body(("plain",)).get_content()


def _login(page, base: str) -> None:
    page.goto(f"{base}/admin/login")
    page.get_by_label("Adresse e-mail").fill("admin@example.org")
    page.get_by_label("Mot de passe").fill("correct horse battery")
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(re.compile(r".*/admin/?$"))


def _open_door(page, base: str, cycle) -> None:
    """On a phone, logged in: the door page of the cycle, its first journée's morning chosen, nobody in yet."""
    page.set_viewport_size(PHONE)
    _login(page, base)
    page.goto(f"{base}/admin/events/{cycle.id}/presence")
    page.get_by_label("Journée", exact=True).select_option(label=page.locator("#slot-journee option").first.inner_text())
    page.get_by_label("matin").check()
    page.get_by_role("button", name="Choisir").click()
    page.get_by_text("0 présent·e").wait_for()


def test_checkin_by_scanning_at_390px(live_server, page, app, admin_user):
    cycle = make_cycle()
    outcome = register(cycle, "marie@example.org", first_name="Marie", last_name="Curie", organisation="Ville d'Évry",
                       journees=list(cycle.journees[:2]), allow_past=True, source="admin", actor="test")
    register(cycle, "paul@example.org", first_name="Paul", last_name="Langevin", journees=list(cycle.journees[:2]),
             allow_past=True, source="admin", actor="test", notify=False)
    deliver_queued()
    confirmation = db.session.scalars(select(OutboxMessage)).first()
    cid = re.search(r'src="cid:([^"]+)"', _html(confirmation)).group(1)
    parsed = email.message_from_bytes(confirmation.raw, policy=email.policy.default)
    [image] = [p for p in parsed.walk() if str(p["Content-ID"] or "") == f"<{cid}>"]
    # What the QR image holds: the same PNG segno makes for the check-in URL (pixel for pixel).
    scan_url = att.checkin_url(outcome.registration)
    expected = io.BytesIO()
    segno.make(scan_url, error="m").save(expected, kind="png", scale=6, border=2)
    assert image.get_content() == expected.getvalue()

    served = page.request.get(att.qr_url(outcome.registration))  # the hosted copy, for older messages
    assert served.ok and served.body() == expected.getvalue()
    _open_door(page, live_server.url, cycle)
    button = page.get_by_role("button", name="Marquer présent·e : Paul Langevin")
    box = button.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 44  # a thumb can hit it
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page scrolls sideways: {width}px"
    screenshot(page, "checkin-390")

    page.goto(scan_url)  # the camera app opens the link the QR code holds
    page.locator(".presence-done").wait_for()
    assert "présent·e" in page.locator(".presence-done").inner_text()
    screenshot(page, "checkin-scan-390")
    page.goto(scan_url)  # scanned a second time
    page.locator(".presence-already").wait_for()
    assert page.locator(".presence-already").inner_text() == "déjà présent·e"
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Attendance)) == 1
    assert db.session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "attendance_change")) == 1

    page.goto(f"{live_server.url}/admin/events/{cycle.id}/presence")
    page.get_by_role("button", name="Marquer présent·e : Paul Langevin").click()
    page.get_by_text("Paul Langevin : présent·e.").wait_for()
    assert page.get_by_text("2 présent·es").is_visible()


def test_a_scan_on_a_flaky_network_is_retried_and_marks_once(live_server, page, app, admin_user):
    """At the door: the first POST never reaches the server, the second reaches it but its answer is
    lost on the way back; the page keeps trying, says so, and ends on the truth — one check-in."""
    cycle = make_cycle()
    outcome = register(cycle, "marie@example.org", first_name="Marie", last_name="Curie",
                       journees=list(cycle.journees[:1]), allow_past=True, source="admin", actor="test", notify=False)
    scan_url = att.checkin_url(outcome.registration)
    _open_door(page, live_server.url, cycle)
    posts = []

    def flaky(route):
        if route.request.method != "POST":
            return route.continue_()
        posts.append(route.request.url)
        if len(posts) == 1:
            return route.abort("internetdisconnected")  # never left the phone
        if len(posts) == 2:
            route.fetch()  # the server marks her…
            return route.abort("connectionreset")  # …and the answer is lost
        return route.continue_()

    page.route("**/admin/presence/**", flaky)
    page.goto(scan_url)
    page.locator(".presence-already, .presence-done").first.wait_for(timeout=20_000)
    assert len(posts) == 3
    # The third POST found her marked: the page says so, and only one check-in exists.
    assert page.locator(".presence-already").inner_text() == "déjà présent·e"
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Attendance)) == 1
    page.unroute("**/admin/presence/**")
    # ?r=done is shown only when true: for someone not checked in, the page offers the check-in instead.
    other = register(cycle, "paul@example.org", first_name="Paul", last_name="Langevin",
                     journees=list(cycle.journees[:1]), allow_past=True, source="admin", actor="test", notify=False)
    page.route("**/admin/presence/**", lambda route: route.abort() if route.request.method == "POST"
               else route.continue_())
    page.goto(att.checkin_url(other.registration) + "?r=done")
    page.get_by_role("status").filter(has_text="Pas de réseau").wait_for()
    assert page.locator(".presence-done").count() == 0
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Attendance)) == 1


def test_survey_answered_in_chromium_then_results_page(live_server, page, app, admin_user, cli_runner):
    cycle = make_cycle()
    outcome = register(cycle, "marie@example.org", first_name="Marie", last_name="Curie",
                       journees=list(cycle.journees[:1]), allow_past=True, source="admin", actor="test", notify=False)
    att.check_in(outcome.registration, cycle.journees[0], att.Half.AM, actor="test")
    assert "en file pour 1" in cli_runner.invoke(args=["events", "survey", cycle.slug, "1"]).output
    deliver_queued()
    [invitation] = db.session.scalars(select(OutboxMessage)).all()
    link = re.search(r"(http://127\.0\.0\.1:\d+/avis/\S+)", _text(invitation)).group(1)
    page.set_viewport_size(PHONE)
    page.goto(link)
    for question, score in (("Les objectifs annoncés ont été atteints", "4"), ("Le contenu de la formation", "5"),
                            ("L'intervention (clarté, animation)", "5"),
                            ("L'organisation (accueil, lieu, horaires)", "3"), ("L'utilité pour votre travail", "4")):
        page.get_by_role("group", name=question).get_by_label(score, exact=True).check()
    page.get_by_label("Un commentaire, une suggestion ?").fill("Des cas concrets, merci !")
    page.get_by_role("button", name="Envoyer ma réponse").click()
    page.get_by_text("Merci ! Votre réponse est enregistrée.").wait_for()
    page.get_by_role("group", name="L'organisation (accueil, lieu, horaires)").get_by_label("2", exact=True).check()
    page.get_by_role("button", name="Modifier ma réponse").click()
    page.get_by_text("Votre réponse est modifiée.").wait_for()

    page.set_viewport_size({"width": 1280, "height": 900})
    _login(page, live_server.url)
    page.goto(f"{live_server.url}/admin/events/{cycle.id}/survey")
    section = page.locator('[data-scope="journee-1"]')
    assert section.locator(".survey-answers").inner_text() == "1"
    assert section.locator('[data-question="organisation"] .survey-average').inner_text() == "2,00"
    assert section.get_by_text("Des cas concrets, merci !").is_visible()
    screenshot(page, "survey-results")


def test_scanning_someone_not_registered_for_the_journee_asks_for_a_walk_in_at_390px(live_server, page, app,
                                                                                     admin_user):
    """Paul is registered for journée 2 only; at journée 1's door his QR code opens a question, not a check-in."""
    cycle = make_cycle()
    register(cycle, "marie@example.org", first_name="Marie", last_name="Curie", journees=[cycle.journees[0]],
             allow_past=True, source="admin", actor="test", notify=False)
    paul = register(cycle, "paul@example.org", first_name="Paul", last_name="Langevin", journees=[cycle.journees[1]],
                    allow_past=True, source="admin", actor="test", notify=False).registration
    _open_door(page, live_server.url, cycle)
    assert page.get_by_text("Paul Langevin").count() == 0  # journée 1's list: Marie only

    page.goto(att.checkin_url(paul))  # his QR code, scanned at journée 1
    question = page.get_by_role("alertdialog")
    question.wait_for()
    assert "Pas inscrit·e à cette journée" in question.inner_text()
    yes = page.get_by_role("button", name="Oui, présent·e sur place")
    box = yes.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 44
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Attendance)) == 0  # asked, nothing written yet
    screenshot(page, "checkin-walk-in-390")

    yes.click()
    page.get_by_text("Paul Langevin : présent·e, venu·e sur place.").wait_for()
    assert page.get_by_text("1 présent·e dont 1 sur place").is_visible()
    db.session.expire_all()
    [row] = db.session.scalars(select(Attendance)).all()
    assert row.walk_in and row.registration_id == paul.id and row.journee_id == cycle.journees[0].id


def test_closing_a_cycle_before_its_last_journee_is_refused_with_its_date(live_server, page, app, admin_user):
    from app.models import CycleClosure
    from app.services.events import moment_label
    from tests.event_factories import future_dates

    cycle = make_cycle(slug="cycle-a-venir", dates=future_dates())
    when = moment_label(cycle.journees[-1].ends_at)
    _login(page, live_server.url)
    page.goto(f"{live_server.url}/admin/events/{cycle.id}/attendance")
    page.once("dialog", lambda dialog: dialog.accept())  # "Clore le cycle et envoyer les attestations ?"
    page.get_by_role("button", name="Clore le cycle et envoyer les attestations").click()
    refusal = page.get_by_role("alert").filter(has_text="La dernière journée se termine le")
    refusal.wait_for()
    assert when in refusal.inner_text().replace("\u00a0", " ").replace("\u202f", " ")
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(CycleClosure)) == 0
    screenshot(page, "close-refused")
    page.get_by_role("button", name=re.compile("Oui, clore avant la dernière journée")).click()
    page.get_by_role("status").filter(has_text="Cycle clos").wait_for()
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(CycleClosure)) == 1
