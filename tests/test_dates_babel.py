"""Dates and times through Babel, in one place (``app.timeutil.format_when``): French form in French, English
form in English, Paris time everywhere, and the CSV exports' dates all Paris dd/mm/yyyy (issue #24 found the
survey's "Répondu le" and the subscribers' "Inscrit le" in UTC beside Paris times)."""
from __future__ import annotations

import csv
import email
import io
from email import policy
from datetime import date, datetime, timezone

from flask_babel import force_locale, refresh
from sqlalchemy import select

from app.extensions import db
from app.models import MailingList, OutboxMessage, Subscriber, Subscription, SubscriptionStatus, SurveyAnswer, utcnow
from app.services.audience.core import Consent, set_subscription
from app.services.audience.exporter import export_csv
from app.services.events import journee_label, register, save_answer, survey_results_csv
from app.timeutil import format_hours, format_when, to_local
from tests.event_factories import future_dates, make_cycle
from tests.emailcheck import plain_spaces
from tests.sending_fixtures import deliver_queued

# 02:29 UTC on 7 December 2026 is 03:29 in Paris (winter, UTC+01:00); 1 April 2027 08:00 UTC is 10:00 (summer).
WINTER = datetime(2026, 12, 7, 2, 29, tzinfo=timezone.utc)
SUMMER = datetime(2027, 4, 1, 8, 0, tzinfo=timezone.utc)


def _rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))


def test_each_form_in_french_and_in_english(app):
    assert format_when(WINTER, locale="fr") == "7 décembre 2026 à 03:29"
    # Babel's space before AM is narrow or not, by CLDR version.
    assert format_when(WINTER, locale="en").replace("\u202f", " ") == "December 7, 2026 at 3:29 AM"
    assert format_when(WINTER, "numeric", "fr") == "07/12/2026 03:29"
    assert format_when(WINTER, "numeric_day", "fr") == "07/12/2026"
    assert format_when(WINTER, "weekday", "fr") == "lundi 7 décembre 2026"
    assert format_when(WINTER, "weekday", "en") == "Monday, December 7, 2026"
    assert format_when(SUMMER, "day", "fr") == "1er avril 2027"  # French writes the first of the month so
    assert format_when(SUMMER, "day", "en") == "April 1, 2027"
    assert format_when(SUMMER, "weekday_moment", "fr") == "jeudi 1er avril 2027 à 10 h 00"
    assert format_when(date(2027, 4, 2), "day", "fr") == "2 avril 2027"  # a calendar day: no zone applied
    assert format_hours(SUMMER, WINTER, "fr") == "10 h 00–3 h 29"
    assert format_when(None) == ""


def test_the_page_language_is_the_default(app):
    with force_locale("en"):
        assert format_when(WINTER, "day") == "December 7, 2026"
    with force_locale("fr"):
        assert format_when(WINTER, "day") == "7 décembre 2026"
    assert format_when(WINTER, "day") == "7 décembre 2026"  # outside a page: French (CLI, workers, messages)


def test_journee_labels_follow_the_page_language(app):
    cycle = make_cycle(dates=[date(2027, 3, 11), date(2027, 4, 8), date(2027, 5, 27), date(2027, 6, 24)])
    with force_locale("fr"):
        assert journee_label(cycle.journees[0]) == "Journée 1 — jeudi 11 mars 2027, 10 h 00–17 h 00"
    with force_locale("en"):
        label = journee_label(cycle.journees[0])
    assert label.startswith("Day 1 — Thursday, March 11, 2027, 10:00") and "5:00" in label and "PM" in label


def test_the_subscriber_export_writes_paris_time(app):
    formations = MailingList(slug="formations", name="Formations")
    person = Subscriber(email="helene@exemple.fr", first_name="Hélène")
    db.session.add_all([formations, person])
    db.session.commit()
    set_subscription(person, formations, SubscriptionStatus.CONFIRMED, Consent(source="form"))
    subscription = db.session.scalar(select(Subscription))
    assert subscription is not None
    subscription.confirmed_at = WINTER
    db.session.commit()
    [header, row] = _rows(b"".join(export_csv(formations)))
    assert row[header.index("Inscrit le")] == "07/12/2026 03:29"  # it wrote 07/12/2026 02:29 (UTC)


def test_the_survey_export_writes_paris_time_like_the_others(client, app):
    cycle = make_cycle(dates=future_dates())
    registration = register(cycle, "marie@example.org", first_name="Marie", last_name="Lefèvre",
                            journees=list(cycle.journees), source="admin", actor="test", notify=False).registration
    db.session.commit()
    for journee in cycle.journees:  # the survey opens once the journée is over
        journee.starts_at, journee.ends_at = journee.starts_at.replace(year=2020), journee.ends_at.replace(year=2020)
    db.session.commit()
    save_answer(registration, cycle.journees[0], {"content": 5})
    answer = db.session.scalar(select(SurveyAnswer))
    assert answer is not None
    answer.updated_at = WINTER
    db.session.commit()
    with force_locale("en"):  # a French file (its headings are), whatever the officer's interface
        [header, row] = _rows(survey_results_csv(cycle))
    assert row[header.index("Répondu le")] == "07/12/2026 03:29"  # it wrote 2026-12-07 02:29 (UTC, ISO)
    assert row[0] == "Journée 1"


FRENCH_MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
                 "novembre", "décembre"]


def test_a_list_growth_names_its_months_in_the_page_language(admin_client):
    formations = MailingList(slug="formations", name="Formations")
    db.session.add(formations)
    db.session.commit()
    this_month = to_local(utcnow()).date()
    french = admin_client.get(f"/admin/lists/{formations.id}?lang=fr").get_data(as_text=True)
    assert f"<td>{FRENCH_MONTHS[this_month.month - 1]} {this_month.year}</td>" in french
    assert f"<td>{this_month:%Y-%m}</td>" not in french  # it showed "2026-12"
    refresh()  # the test's app context outlives requests: forget the locale Flask-Babel kept
    english = admin_client.get(f"/admin/lists/{formations.id}?lang=en").get_data(as_text=True)
    assert f"<td>{this_month:%B} {this_month.year}</td>" in english


def test_a_registration_made_in_english_still_gets_its_message_in_french(client, app):
    """The page is English, the message is not (messages are French, app.sending.language): the labels made
    in the page's language never leak into it."""
    cycle = make_cycle(dates=[date(to_local(utcnow()).year + 1, 3, 11), date(to_local(utcnow()).year + 1, 4, 8)])
    page = client.post(f"/inscription/{cycle.slug}?lang=en", data={
        "first_name": "Ana", "last_name": "Lefèvre", "email": "ana@example.org", "journees": [str(cycle.journees[0].id)]})
    assert page.status_code == 200 and '<html lang="en">' in page.get_data(as_text=True)
    deliver_queued()
    [row] = db.session.scalars(select(OutboxMessage)).all()
    text = email.message_from_bytes(row.raw, policy=policy.default).get_body(("plain",)).get_content()
    text = plain_spaces(text)  # French typography's non-breaking spaces
    assert "Journée 1" in text and "11 mars" in text and "Day 1" not in text and "March" not in text
