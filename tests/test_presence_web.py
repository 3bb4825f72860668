"""After the journée in the browser-less web: check-in by scan / code / name / walk-in, corrections with an
audit line, sheets and certificates downloads, closing, the emailed survey link and its results."""
import email
import email.policy
import io
import re
import zipfile
from datetime import timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.models import Attendance, AttendanceStatus, AuditLog, OutboxMessage, Registration, SurveyAnswer
from app.services.events import attendance as att
from app.services.events import surveys
from app.services.events.registrations import register
from tests.event_factories import make_cycle
from tests.pdf_text import assert_a4_with_embedded_fonts, pdf_text
from tests.sending_fixtures import deliver_queued
from tests.emailcheck import plain_spaces


def text_part(message: OutboxMessage) -> str:
    parsed = email.message_from_bytes(message.raw, policy=email.policy.default)
    return parsed.get_body(preferencelist=("plain",)).get_content()


def html_part(message: OutboxMessage) -> str:
    parsed = email.message_from_bytes(message.raw, policy=email.policy.default)
    return parsed.get_body(preferencelist=("html",)).get_content()


def _setup(names=(("Marie", "Curie", "marie@example.org"), ("Paul", "Langevin", "paul@example.org"))):
    cycle = make_cycle()
    people = []
    for first, last, address in names:
        outcome = register(cycle, address, first_name=first, last_name=last, organisation="Ville d'Évry",
                           journees=list(cycle.journees[:2]), allow_past=True, source="admin", actor="test")
        people.append(outcome.registration)
    return cycle, people


def _choose(client, cycle, number=1, half="am"):
    journee = cycle.journees[number - 1]
    response = client.post(f"/admin/events/{cycle.id}/presence", data={"journee": journee.id, "half": half})
    assert response.status_code == 302


def count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_confirmation_carries_the_personal_checkin_code_and_qr(client, app):
    cycle, (marie, _paul) = _setup()
    deliver_queued()
    first = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).first()
    code = att.short_code(marie)
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}", code)
    assert f"Code : {code}" in plain_spaces(text_part(first))
    # The QR image travels in the message (cid:, multipart/related): it shows with remote images blocked.
    cid = re.search(r'src="cid:([^"]+)"', html_part(first)).group(1)
    parsed = email.message_from_bytes(first.raw, policy=email.policy.default)
    [image] = [p for p in parsed.walk() if p.get_content_type() == "image/png"]
    assert str(image["Content-ID"]) == f"<{cid}>" and image.get_content() == att.qr_png(marie)
    assert "/presence/qr/" not in html_part(first)
    # The hosted image stays for the messages sent before (same PNG).
    hosted = client.get(att.qr_url(marie).removeprefix("https://lettrine.test"))
    assert hosted.status_code == 200 and hosted.data == att.qr_png(marie)
    assert client.get("/presence/qr/forged.png").status_code == 404


def test_scan_marks_the_chosen_half_day_once(admin_client, app):
    cycle, (marie, paul) = _setup()
    scan = att.checkin_url(marie).removeprefix("https://lettrine.test")
    no_slot = admin_client.get(scan)  # 2016: no journée today, and none chosen yet
    assert "Aucune journée aujourd'hui" in no_slot.get_data(as_text=True)
    _choose(admin_client, cycle, 1, "pm")
    page = admin_client.get(scan).get_data(as_text=True)
    assert "Marie Curie" in page and 'id="checkin-form"' in page  # the page posts itself
    done = admin_client.post(scan).get_data(as_text=True)
    assert "présent·e ✓" in done
    again = admin_client.get(scan).get_data(as_text=True)
    assert "déjà présent·e" in again and 'id="checkin-form"' not in again
    retry = admin_client.post(scan).get_data(as_text=True)  # a retried request
    assert "déjà présent·e" in retry
    [row] = db.session.scalars(select(Attendance)).all()
    assert (row.half.value, row.status, row.changed_by) == ("pm", AttendanceStatus.PRESENT, "admin@example.org")
    assert count(AuditLog, AuditLog.action == "attendance_change") == 1
    assert admin_client.get("/admin/presence/not-a-token").status_code == 404


def test_scan_needs_a_login(client, app):
    cycle, (marie, _paul) = _setup()
    response = client.get(att.checkin_url(marie).removeprefix("https://lettrine.test"))
    assert response.status_code == 302 and "/admin/login" in response.headers["Location"]
    assert count(Attendance) == 0


def test_code_name_and_walk_in(admin_client, app):
    cycle, (marie, paul) = _setup()
    _choose(admin_client, cycle, 2, "am")
    admin_client.post(f"/admin/events/{cycle.id}/presence/mark", data={"code": att.short_code(paul).lower()})
    wrong = admin_client.post(f"/admin/events/{cycle.id}/presence/mark", data={"code": "AAAA-AAAA"},
                              follow_redirects=True)
    assert "Code inconnu" in wrong.get_data(as_text=True)
    listing = admin_client.get(f"/admin/events/{cycle.id}/presence?q=curie").get_data(as_text=True)
    assert "Marie Curie" in listing and "Paul Langevin" not in listing
    admin_client.post(f"/admin/events/{cycle.id}/presence/mark", data={"registration": marie.id})
    walk_in = admin_client.post(f"/admin/events/{cycle.id}/presence/walk-in", follow_redirects=True, data={
        "email": "irene@example.org", "first_name": "Irène", "last_name": "Joliot", "organisation": "CAF"})
    assert "Irène Joliot : présent·e, venu·e sur place." in plain_spaces(walk_in.get_data(as_text=True))
    bad = admin_client.post(f"/admin/events/{cycle.id}/presence/walk-in", data={"email": "pas une adresse"},
                            follow_redirects=True)
    assert "Ajout impossible" in bad.get_data(as_text=True)
    report = {p["email"]: p for p in att.attendance_report(cycle)}
    assert {e: [(j["number"], j["present"]) for j in p["journees"]] for e, p in report.items()} == {
        "marie@example.org": [(2, ["am"])], "paul@example.org": [(2, ["am"])], "irene@example.org": [(2, ["am"])]}
    irene = db.session.scalar(select(Registration).join(Registration.subscriber).where(
        Registration.source == "sur place"))
    # A walk-in, not a seat: counted apart from those registered for the journée.
    assert irene is not None and irene.days == []
    assert {a.registration_id: a.walk_in for a in db.session.scalars(select(Attendance))} == {
        paul.id: False, marie.id: False, irene.id: True}


def test_corrections_are_audited_and_documents_download(admin_client, app):
    cycle, (marie, paul) = _setup()
    j1 = cycle.journees[0]
    att.check_in(marie, j1, att.Half.AM, actor="accueil@example.org")
    page = admin_client.get(f"/admin/events/{cycle.id}/attendance").get_data(as_text=True)
    assert "Marie Curie" in page and "Toutes les attestations (ZIP)" in page
    for half in ("am", "pm"):
        admin_client.post(f"/admin/events/{cycle.id}/attendance", data={
            "registration": paul.id, "journee": j1.id, "half": half, "status": "present"})
    admin_client.post(f"/admin/events/{cycle.id}/attendance", data={
        "registration": marie.id, "journee": j1.id, "half": "am", "status": "excused"})
    lines = db.session.scalars(select(AuditLog).where(AuditLog.action == "attendance_change")
                               .order_by(AuditLog.id)).all()
    assert [(line.actor, line.detail["from"], line.detail["to"]) for line in lines][-1] == (
        "admin@example.org", "present", "excused")
    assert admin_client.post(f"/admin/events/{cycle.id}/attendance", data={
        "registration": paul.id, "journee": j1.id, "half": "am", "status": "là"}).status_code == 400

    archive = admin_client.get(f"/admin/events/{cycle.id}/attestations.zip")
    names = zipfile.ZipFile(io.BytesIO(archive.data)).namelist()
    assert names == ["attestation-langevin-paul.pdf"]  # Marie is now excused: no half-day present
    one = admin_client.get(f"/admin/events/{cycle.id}/attestations/{paul.id}.pdf")
    assert_a4_with_embedded_fonts(one.data)
    assert "Total des heures suivies : 6 h" in pdf_text(one.data)
    assert admin_client.get(f"/admin/events/{cycle.id}/attestations/{marie.id}.pdf").status_code == 404
    sheet = admin_client.get(f"/admin/events/{cycle.id}/emargement.pdf?journee=1")
    assert "excusé·e" in pdf_text(sheet.data)
    csv_text = admin_client.get(f"/admin/events/{cycle.id}/emargement.csv").data.decode("utf-8-sig")
    assert "Curie;Marie;marie@example.org;Ville d'Évry;excusé·e" in csv_text


def test_after_journee_pages_need_a_login(client, app):
    cycle, _people = _setup()
    for path in (f"/admin/events/{cycle.id}/presence", f"/admin/events/{cycle.id}/attestations.zip",
                 f"/admin/events/{cycle.id}/survey", f"/admin/events/{cycle.id}/emargement.pdf"):
        assert client.get(path).status_code == 302, path


def test_survey_link_answer_edit_results_and_close(admin_client, client, app, cli_runner):
    import json

    cycle, (marie, paul) = _setup()
    j1 = cycle.journees[0]
    for person in (marie, paul):
        att.check_in(person, j1, att.Half.AM, actor="test")
    deliver_queued()
    db.session.query(OutboxMessage).delete()
    db.session.commit()
    sent = admin_client.post(f"/admin/events/{cycle.id}/survey/send", data={"journee": "1"}, follow_redirects=True)
    assert "Questionnaire mis en file pour 2 personne(s)." in sent.get_data(as_text=True)
    deliver_queued()
    links = {m.recipients: re.search(r"https://lettrine\.test(/avis/\S+)", text_part(m)).group(1)
             for m in db.session.scalars(select(OutboxMessage))}
    form = client.get(links["marie@example.org"]).get_data(as_text=True)
    assert "Les objectifs annoncés ont été atteints" in form and "Journée 1" in form
    answers = {"objectives": "4", "content": "5", "speaker": "5", "organisation": "3", "usefulness": "4",
               "comment": "Très utile", "name": ""}
    first = client.post(links["marie@example.org"], data=answers).get_data(as_text=True)
    assert "Votre réponse est enregistrée" in first
    edited = client.post(links["marie@example.org"], data=answers | {"organisation": "2"}).get_data(as_text=True)
    assert "Votre réponse est modifiée" in edited
    incomplete = client.post(links["paul@example.org"], data={"objectives": "4", "comment": "x"})
    assert incomplete.status_code == 422 and "Donnez une note de 1 à 5" in incomplete.get_data(as_text=True)
    client.post(links["paul@example.org"], data=answers | {"objectives": "2", "comment": "", "name": "Paul"})
    assert count(SurveyAnswer) == 2

    result = json.loads(cli_runner.invoke(args=["events", "survey-results", cycle.slug, "--json"]).output)
    first_day = result["surveys"][0]
    assert (first_day["invited"], first_day["answers"], first_day["response_rate"]) == (2, 2, 1.0)
    assert first_day["averages"]["objectives"] == 3.0 and first_day["averages"]["organisation"] == 2.5
    assert first_day["distribution"]["organisation"] == {"1": 0, "2": 1, "3": 1, "4": 0, "5": 0}
    assert first_day["comments"] == [{"text": "Très utile", "name": ""}]
    assert result["surveys"][1]["answers"] == 0 and result["surveys"][-1]["scope"] == "cycle"

    page = admin_client.get(f"/admin/events/{cycle.id}/survey").get_data(as_text=True)
    section = page.split('data-scope="journee-1"')[1].split("</section>")[0]
    assert '<span class="survey-answers">2</span> / <span class="survey-invited">2</span>' in section
    assert re.search(r'data-question="organisation">.*?survey-average">2,50<', section, re.S)
    assert "Très utile" in section
    csv_text = admin_client.get(f"/admin/events/{cycle.id}/survey.csv").data.decode("utf-8-sig")
    assert csv_text.count("Journée 1;") == 2

    admin_client.post(f"/admin/events/{cycle.id}/close")
    closed = client.post(links["marie@example.org"], data=answers | {"organisation": "5"})
    assert closed.status_code == 409 and "Le questionnaire est clos" in closed.get_data(as_text=True)
    assert db.session.scalar(select(SurveyAnswer).where(SurveyAnswer.registration_id == marie.id)).scores[
        "organisation"] == 2
    deliver_queued()
    certificate_mail = [m for m in db.session.scalars(select(OutboxMessage)) if "attestation" in m.subject]
    assert len(certificate_mail) == 2
    link = re.search(r"https://lettrine\.test(/attestation/\S+)", text_part(certificate_mail[0])).group(1)
    pdf = client.get(link)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and "10 mars 2016" in pdf_text(pdf.data)
    assert client.get("/attestation/forged").status_code == 404
    assert client.get(links["paul@example.org"][:-3] + "xyz").status_code == 404


def test_drawn_signature_is_path_data_only_and_shows_on_the_sheet(admin_client, app):
    import pytest

    cycle, (marie, paul) = _setup()
    j1 = cycle.journees[0]
    with pytest.raises(att.AttendanceError):
        att.check_in(marie, j1, att.Half.AM, actor="test", signature_svg='M 0 0"/><script>alert(1)</script>')
    assert count(Attendance) == 0  # a refused signature records nothing
    att.check_in(marie, j1, att.Half.AM, actor="test", signature_svg="M 10 40 C 20 10, 40 10, 50 40 L 90 35")
    att.check_in(paul, j1, att.Half.AM, actor="test")
    csv_text = admin_client.get(f"/admin/events/{cycle.id}/emargement.csv?journee=1").data.decode("utf-8-sig")
    marie_line = next(line for line in csv_text.splitlines() if "Curie" in line and ";matin;" in line)
    paul_line = next(line for line in csv_text.splitlines() if "Langevin" in line and ";matin;" in line)
    assert marie_line.endswith(";oui;") and paul_line.endswith(";;")  # signed; neither came as a walk-in
    text = pdf_text(admin_client.get(f"/admin/events/{cycle.id}/emargement.pdf?journee=1").data)
    assert text.count("arrivée à") == 1  # Paul's time; Marie's row shows her drawn signature instead
