"""After the journée, through the CLI: check-in, attendance JSON, certificates (PDF text read back)."""
import email
import email.policy
import json
import re

from pypdf import PdfReader
from sqlalchemy import func, select

from app.extensions import db
from app.models import Attendance, AuditLog, OutboxMessage
from tests.browser import ARTIFACTS
from tests.pdf_text import assert_a4_with_embedded_fonts, pdf_text
from tests.sending_fixtures import deliver_queued
from tests.emailcheck import plain_spaces

CYCLE = "contrat-de-ville-2016"


def text_part(message: OutboxMessage) -> str:
    """The decoded text/plain part of a stored message."""
    parsed = email.message_from_bytes(message.raw, policy=email.policy.default)
    return parsed.get_body(preferencelist=("plain",)).get_content()


def _demo_with_two_registrants(cli_runner):
    loaded = cli_runner.invoke(args=["demo", "load"])
    assert loaded.exit_code == 0, loaded.output
    for email, name in (("marie.curie@example.org", "Marie Curie"), ("paul.absent@example.org", "Paul Absent")):
        result = cli_runner.invoke(args=["events", "register", CYCLE, email, "--journees", "1,2,3,4",
                                         "--name", name, "--organisation", "Ville d'Évry", "--no-email"])
        assert result.exit_code == 0, result.output


def test_checkin_attendance_and_certificates_on_the_demo_cycle(cli_runner, app, tmp_path):
    _demo_with_two_registrants(cli_runner)
    first = cli_runner.invoke(args=["events", "checkin", CYCLE, "1", "Marie.Curie@example.org"])
    assert first.exit_code == 0, first.output
    assert first.output.count("présent·e") == 2 and "matin" in first.output and "après-midi" in first.output
    second = cli_runner.invoke(args=["events", "checkin", CYCLE, "2", "marie.curie@example.org", "--half", "am"])
    assert second.exit_code == 0 and "matin" in second.output and "après-midi" not in second.output
    again = cli_runner.invoke(args=["events", "checkin", CYCLE, "2", "marie.curie@example.org", "--half", "am"])
    assert "déjà présent·e" in again.output
    assert db.session.scalar(select(func.count()).select_from(Attendance)) == 3
    assert db.session.scalar(select(func.count()).select_from(AuditLog).where(
        AuditLog.action == "attendance_change")) == 3  # the repeat wrote nothing

    report = cli_runner.invoke(args=["events", "attendance", CYCLE, "--json"])
    assert report.exit_code == 0, report.output
    people = {p["email"]: p for p in json.loads(report.output)["people"]}
    marie = people["marie.curie@example.org"]
    assert [(j["number"], j["present"]) for j in marie["journees"]] == [(1, ["am", "pm"]), (2, ["am"])]
    # 10:00–17:00 minus 1 h lunch = 6 h, 3 h per half-day: 6 + 3.
    assert [j["minutes"] for j in marie["journees"]] == [360, 180] and marie["total_hours"] == 9
    assert people["paul.absent@example.org"]["journees"] == [] and people["paul.absent@example.org"]["total_hours"] == 0

    out = tmp_path / "attestations"
    made = cli_runner.invoke(args=["events", "certificates", CYCLE, "--out", str(out)])
    assert made.exit_code == 0, made.output
    files = sorted(p.name for p in out.iterdir())
    assert files == ["attestation-curie-marie.pdf"]  # Paul never checked in: no certificate
    data = (out / files[0]).read_bytes()
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "attestation-exemple.pdf").write_bytes(data)  # for review (git-ignored), like the screenshots
    assert_a4_with_embedded_fonts(data)
    text = pdf_text(data)
    assert "Marie Curie" in text and "Ville d'Évry" in text
    assert "Comment faire vivre un contrat de ville" in text
    assert "10 mars 2016" in text and "7 avril 2016" in text
    assert "26 mai 2016" not in text and "23 juin 2016" not in text
    assert re.search(r"Total des heures suivies ?: ?9 h\b", text), text
    assert "journée entière" in text and "matin" in text
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0  # --no-email, nothing sent


def test_lunch_break_per_journee_changes_the_hours(cli_runner, app):
    _demo_with_two_registrants(cli_runner)
    from app.models import Cycle

    cycle = db.session.scalar(select(Cycle).where(Cycle.slug == CYCLE))
    cycle.journees[0].lunch_minutes = 90  # 7 h − 1 h 30 = 5 h 30: 2 h 45 a half-day
    db.session.commit()
    cli_runner.invoke(args=["events", "checkin", CYCLE, "1", "marie.curie@example.org", "--half", "pm"])
    people = {p["email"]: p for p in json.loads(
        cli_runner.invoke(args=["events", "attendance", CYCLE, "--json"]).output)["people"]}
    assert people["marie.curie@example.org"]["total_minutes"] == 165


def test_checkin_errors_are_one_line(cli_runner, app):
    _demo_with_two_registrants(cli_runner)
    stranger = cli_runner.invoke(args=["events", "checkin", CYCLE, "1", "nobody@example.org"])
    assert stranger.exit_code == 1 and "n'est pas inscrit" in stranger.output
    bad_day = cli_runner.invoke(args=["events", "checkin", CYCLE, "9", "marie.curie@example.org"])
    assert bad_day.exit_code == 1 and "Journée 9 introuvable" in bad_day.output
    bad_half = cli_runner.invoke(args=["events", "checkin", CYCLE, "1", "marie.curie@example.org", "--half", "soir"])
    assert bad_half.exit_code == 2
    assert db.session.scalar(select(func.count()).select_from(Attendance)) == 0


def test_attendance_sheet_pdf_and_csv(cli_runner, app, tmp_path):
    _demo_with_two_registrants(cli_runner)
    cli_runner.invoke(args=["events", "checkin", CYCLE, "1", "marie.curie@example.org", "--half", "am"])
    pdf, csv_file = tmp_path / "j1.pdf", tmp_path / "j1.csv"
    for out in (pdf, csv_file):
        result = cli_runner.invoke(args=["events", "attendance-sheet", CYCLE, "--journee", "1", "--out", str(out)])
        assert result.exit_code == 0, result.output
    assert_a4_with_embedded_fonts(pdf.read_bytes())
    text = pdf_text(pdf.read_bytes())
    assert text.count("Feuille d'émargement") == 2  # one table per half-day
    assert "10 mars 2016, matin (10:00–13:00)" in text and "10 mars 2016, après-midi (14:00–17:00)" in text
    assert "CURIE Marie" in text and "ABSENT Paul" in text and "arrivée à" in text
    lines = csv_file.read_bytes().decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Journée;Date;Demi-journée;Nom")
    marie = [line for line in lines if "Curie" in line]
    assert len(marie) == 2 and "présent·e" in marie[0] and marie[0].split(";")[2] == "matin"
    assert marie[1].split(";")[7] == ""  # afternoon: nothing recorded
    bad = cli_runner.invoke(args=["events", "attendance-sheet", CYCLE, "--out", str(tmp_path / "x.txt")])
    assert bad.exit_code == 1 and ".pdf ou .csv" in bad.output


def test_survey_goes_to_those_present_and_close_sends_certificate_links(cli_runner, app, tmp_path):
    _demo_with_two_registrants(cli_runner)
    cli_runner.invoke(args=["events", "checkin", CYCLE, "2", "marie.curie@example.org", "--half", "pm"])
    sent = cli_runner.invoke(args=["events", "survey", CYCLE, "2"])
    assert sent.exit_code == 0 and "en file pour 1 personne" in sent.output, sent.output
    nobody = cli_runner.invoke(args=["events", "survey", CYCLE, "1"])
    assert "en file pour 0 personne" in nobody.output
    deliver_queued()
    [message] = db.session.scalars(select(OutboxMessage)).all()
    assert message.recipients == "marie.curie@example.org"
    assert "https://lettrine.test/avis/" in text_part(message)

    signatory = cli_runner.invoke(args=["events", "signatory", "--name", "Claire Dupont", "--title", "Directrice",
                                        "--place", "Évry-Courcouronnes"])
    assert signatory.exit_code == 0, signatory.output
    closed = cli_runner.invoke(args=["events", "close", CYCLE])
    assert closed.exit_code == 0 and "attestations envoyées : 1" in closed.output, closed.output
    again = cli_runner.invoke(args=["events", "close", CYCLE])
    assert again.exit_code == 1 and "déjà clos" in again.output
    late = cli_runner.invoke(args=["events", "survey", CYCLE, "2"])
    assert late.exit_code == 1 and "clos" in late.output
    made = cli_runner.invoke(args=["events", "certificates", CYCLE, "--out", str(tmp_path)])
    assert made.exit_code == 0, made.output
    raw_text = PdfReader(tmp_path / "attestation-curie-marie.pdf").pages[0].extract_text()
    text = pdf_text((tmp_path / "attestation-curie-marie.pdf").read_bytes())
    assert "Je soussigné·e, Claire Dupont, Directrice" in text and "Fait à Évry-Courcouronnes" in text
    assert "\u202f:" in raw_text and "«\u202f" in raw_text  # French typography: narrow no-break spaces
    deliver_queued()
    certificate_mail = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()[-1]
    assert "https://lettrine.test/attestation/" in text_part(certificate_mail)
    assert "9 h" not in plain_spaces(text_part(certificate_mail)) and "3\u00a0h suivies" in text_part(certificate_mail)


def test_signature_image_is_checked_and_drawn_on_the_certificate(cli_runner, app, tmp_path):
    import segno

    _demo_with_two_registrants(cli_runner)
    cli_runner.invoke(args=["events", "checkin", CYCLE, "1", "marie.curie@example.org"])
    fake = tmp_path / "signature.png"
    fake.write_text("pas une image")
    refused = cli_runner.invoke(args=["events", "signatory", "--name", "Claire Dupont", "--image", str(fake)])
    assert refused.exit_code == 1 and "PNG ou un JPEG" in refused.output
    png = tmp_path / "vraie.png"
    segno.make("signature").save(str(png), kind="png", scale=4)
    accepted = cli_runner.invoke(args=["events", "signatory", "--name", "Claire Dupont", "--image", str(png)])
    assert accepted.exit_code == 0, accepted.output
    cli_runner.invoke(args=["events", "certificates", CYCLE, "--out", str(tmp_path / "out")])
    page = PdfReader(tmp_path / "out" / "attestation-curie-marie.pdf").pages[0]
    images = [o for o in page["/Resources"].get("/XObject", {}).values() if o.get_object()["/Subtype"] == "/Image"]
    assert len(images) == 1
