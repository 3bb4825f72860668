"""Survey questions per cycle: edited in the admin (scale 1–5, choice, free text; order; required or not),
answered on the survey page, counted in the results and the CSV, previewed (page and invitation) before
sending; the fixed five questions' answers keep their meaning (the migration gives existing cycles those keys)."""
from __future__ import annotations

import html
import json
import re

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, Integer, MetaData, Table, create_engine, select, text

from app.extensions import db
from app.models import SurveyAnswer, SurveyQuestion
from app.services.events import attendance as att
from app.services.events import surveys
from app.services.events.registrations import register
from tests.conftest import make_app
from tests.emailcheck import plain_spaces
from tests.event_factories import make_cycle
from tests.test_migrations import empty_database  # noqa: F401 (fixture)


def _present(cycle, email: str, first: str):
    registration = register(cycle, email, first_name=first, last_name="Test", journees=list(cycle.journees[:1]),
                            allow_past=True, source="admin", actor="test", notify=False).registration
    att.check_in(registration, cycle.journees[0], att.Half.AM, actor="test")
    return registration


def _link(registration) -> str:
    return surveys.survey_url(registration, registration.cycle.journees[0]).removeprefix("https://lettrine.test")


def _row(i: int, label: str, kind: str = "scale", *, key: str = "", choices: str = "", required: bool = True,
         order: int | None = None, remove: bool = False) -> dict:
    row = {f"q-{i}-key": key, f"q-{i}-label": label, f"q-{i}-kind": kind, f"q-{i}-choices": choices,
           f"q-{i}-order": str(order if order is not None else i + 1)}
    if required:
        row[f"q-{i}-required"] = "1"
    if remove:
        row[f"q-{i}-remove"] = "1"
    return row


def test_officer_edits_the_questions_and_participants_answer_them(admin_client, client, app, cli_runner):
    cycle = make_cycle()
    marie, paul = _present(cycle, "marie@example.org", "Marie"), _present(cycle, "paul@example.org", "Paul")
    page = admin_client.get(f"/admin/events/{cycle.id}/survey/questions").get_data(as_text=True)
    assert page.count('name="q-') and 'value="Les objectifs annoncés ont été atteints"' in page

    form = {}
    form |= _row(0, "Les objectifs annoncés ont été atteints", key="objectives", order=2)
    for i, key in enumerate(("content", "speaker", "organisation", "usefulness"), start=1):
        form |= _row(i, "x", key=key, remove=True)
    form |= _row(5, "Recommanderiez-vous cette formation ?", "choice", choices="Oui\nNon\n\nPeut-être\nOui", order=1)
    form |= _row(6, "Qu'allez-vous changer dans votre travail ?", "text", required=False, order=3)
    form |= _row(7, "", order=4)  # a blank new row: ignored
    saved = admin_client.post(f"/admin/events/{cycle.id}/survey/questions", data=form, follow_redirects=True)
    assert "Questions enregistrées." in saved.get_data(as_text=True)
    asked = surveys.questions_of(cycle)
    assert [(q.key, q.kind.value, q.required) for q in asked] == [
        ("q6", "choice", True), ("objectives", "scale", True), ("q7", "text", False)]
    assert asked[0].choices == ["Oui", "Non", "Peut-être"]  # blank and repeated lines dropped

    survey_page = client.get(_link(marie)).get_data(as_text=True)
    assert survey_page.index("Recommanderiez-vous") < survey_page.index("Les objectifs annoncés")
    assert 'name="q6" value="Peut-être"' in survey_page and '<textarea id="q-q7" name="q7"' in survey_page
    assert "Le contenu de la formation" not in survey_page
    refused = client.post(_link(marie), data={"q6": "Bof", "objectives": "4"})
    assert refused.status_code == 422 and "Choisissez une des réponses proposées" in refused.get_data(as_text=True)
    missing = client.post(_link(marie), data={"objectives": "4"})
    assert missing.status_code == 422 and "Répondez à : « Recommanderiez-vous" in plain_spaces(
        html.unescape(missing.get_data(as_text=True)))
    assert client.post(_link(marie), data={"q6": "Oui", "objectives": "4",
                                           "q7": "  Associer les habitants plus tôt. "}).status_code == 200
    assert client.post(_link(paul), data={"q6": "Peut-être", "objectives": "2"}).status_code == 200  # q7 optional
    answer = db.session.scalar(select(SurveyAnswer).where(SurveyAnswer.registration_id == marie.id))
    assert answer.scores == {"q6": "Oui", "objectives": 4, "q7": "Associer les habitants plus tôt."}

    result = json.loads(cli_runner.invoke(args=["events", "survey-results", cycle.slug, "--json"]).output)
    day = result["surveys"][0]
    assert [q["key"] for q in result["questions"]] == ["q6", "objectives", "q7"]
    assert day["distribution"]["q6"] == {"Oui": 1, "Non": 0, "Peut-être": 1}
    assert day["averages"] == {"objectives": 3.0} and day["texts"]["q7"] == ["Associer les habitants plus tôt."]
    results_page = admin_client.get(f"/admin/events/{cycle.id}/survey").get_data(as_text=True)
    results_page = plain_spaces(results_page)
    assert "Peut-être : <strong>1</strong>" in results_page and "Associer les habitants plus tôt." in results_page
    csv_text = admin_client.get(f"/admin/events/{cycle.id}/survey.csv").data.decode("utf-8-sig")
    assert csv_text.splitlines()[0].startswith(
        "Questionnaire;Recommanderiez-vous cette formation ?;Les objectifs annoncés ont été atteints;Qu'allez-vous")

    # An answered question cannot change kind (its answers would lose their meaning); nothing changes.
    again = admin_client.post(f"/admin/events/{cycle.id}/survey/questions", follow_redirects=True,
                              headers={"Referer": f"https://lettrine.test/admin/events/{cycle.id}/survey/questions"},
                              data=_row(0, "Recommanderiez-vous cette formation ?", "text", key="q6"))
    assert "ne peut pas changer de type" in again.get_data(as_text=True)
    assert [q.key for q in surveys.questions_of(cycle)] == ["q6", "objectives", "q7"]
    bad_choice = admin_client.post(f"/admin/events/{cycle.id}/survey/questions", follow_redirects=True,
                                   headers={"Referer": "https://lettrine.test/admin/"},
                                   data=_row(0, "Une seule option", "choice", choices="Oui"))
    assert "au moins deux réponses" in bad_choice.get_data(as_text=True)


def test_a_cycle_never_edited_asks_the_five_fixed_questions(app):
    cycle = make_cycle()
    assert [(q.key, q.label) for q in surveys.questions_of(cycle)] == surveys.DEFAULT_QUESTIONS
    assert db.session.scalar(select(SurveyQuestion)) is None


def test_preview_of_the_survey_page_and_the_invitation_before_sending(admin_client, app):
    cycle = make_cycle()
    surveys.save_questions(cycle, [{"label": "Le lieu convenait-il ?", "kind": "choice", "choices": "Oui\nNon",
                                    "required": True}])
    results = admin_client.get(f"/admin/events/{cycle.id}/survey").get_data(as_text=True)
    assert f'href="/admin/events/{cycle.id}/survey/preview"' in results
    preview = admin_client.get(f"/admin/events/{cycle.id}/survey/preview?journee=2").get_data(as_text=True)
    assert "Aperçu" in preview and "Le lieu convenait-il" in preview and "Journée 2" in preview
    assert 'type="submit"' not in preview.split('<form method="post">')[1].split("</form>")[0]
    assert "Votre avis : Comment faire vivre un contrat de ville" in plain_spaces(html.unescape(preview))  # its subject
    frame = f'src="/admin/events/{cycle.id}/survey/invitation.html?journee=2"'
    assert frame in preview and "sandbox" in preview.split(frame)[0].rsplit("<iframe", 1)[1]
    invitation = admin_client.get(f"/admin/events/{cycle.id}/survey/invitation.html?journee=2")
    message = invitation.get_data(as_text=True)
    policy = invitation.headers["Content-Security-Policy"]
    assert invitation.status_code == 200 and policy.startswith("sandbox") and "frame-ancestors 'self'" in policy
    assert "Bonjour Camille" in message and "Donner mon avis" in message
    assert re.search(rf'href="https://lettrine\.test/admin/events/{cycle.id}/survey/preview\?journee=2"', message)

def test_the_survey_editor_and_previews_need_a_login(client, app):
    cycle = make_cycle()
    for path in ("survey/preview", "survey/invitation.html", "survey/questions"):
        response = client.get(f"/admin/events/{cycle.id}/{path}")
        assert response.status_code == 302 and "/admin/login" in response.headers["Location"]


def test_migration_gives_existing_cycles_the_five_questions_under_their_keys(empty_database):  # noqa: F811
    from flask_migrate import upgrade

    app = make_app(empty_database)
    with app.app_context():
        upgrade(revision="0019")
        engine = create_engine(empty_database)
        cycles = Table("cycles", MetaData(), autoload_with=engine)
        values = {}
        for column in cycles.columns:  # every NOT NULL column of the cycles table as 0019 left it
            if column.nullable or column.primary_key:
                continue
            kind = column.type
            values[column.name] = (False if isinstance(kind, Boolean) else 0 if isinstance(kind, Integer)
                                   else [] if isinstance(kind, JSON)
                                   else datetime(2016, 1, 1) if isinstance(kind, DateTime) else "")
        values |= {"uid": "u1", "slug": "ancien", "title": "Ancien cycle"}
        with engine.begin() as conn:
            conn.execute(cycles.insert().values(**values))
        upgrade()
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT key, position, kind, required FROM survey_questions ORDER BY position"))
            assert [tuple(r) for r in rows] == [(k, i, "scale", True) for i, (k, _l) in
                                                enumerate(surveys.DEFAULT_QUESTIONS)]
        engine.dispose()
        from app.extensions import db as app_db

        app_db.session.remove()
        app_db.engine.dispose()


def test_a_duplicated_cycle_keeps_its_survey_questions(app):
    from datetime import date

    from app.services.campaigns import duplicate_cycle

    cycle = make_cycle()
    surveys.save_questions(cycle, [
        {"label": "Le lieu convenait-il ?", "kind": "choice", "choices": "Oui\nNon", "required": True},
        {"key": "objectives", "label": "Les objectifs annoncés ont été atteints", "kind": "scale", "required": True}])
    copy = duplicate_cycle(cycle, [date(2030, 3, 14), date(2030, 4, 11), date(2030, 5, 23), date(2030, 6, 20)])
    asked = [(q.key, q.label, q.kind.value, q.choices) for q in surveys.questions_of(copy)]
    assert asked == [(q.key, q.label, q.kind.value, q.choices) for q in surveys.questions_of(cycle)]
    assert asked[0] == ("q6", "Le lieu convenait-il ?", "choice", ["Oui", "Non"])
