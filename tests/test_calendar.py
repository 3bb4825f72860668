"""Journée .ics files parse with icalendar, with the right UTC times and stable UIDs."""
from datetime import datetime, timezone

from icalendar import Calendar

from app.extensions import db
from app.models import Cycle, Journee
from app.sending.calendar import journee_ics
from app.timeutil import format_local, local_to_utc, parse_local


def test_journee_ics(app):
    cycle = Cycle(slug="c", title="Comment faire vivre un contrat de ville", venue_name="CRPVE",
                  venue_room="Salle de conférence", contact_name="Laura KOSSI", contact_email="chmission1@crpve91.fr")
    start = local_to_utc(datetime(2016, 3, 10).date(), datetime(2016, 3, 10, 10).time())
    j = Journee(cycle=cycle, number=1, starts_at=start, ends_at=start.replace(hour=16), title="Démarche intégrée")
    db.session.add(j)
    db.session.commit()
    cal = Calendar.from_ical(journee_ics(j))
    assert cal["METHOD"] == "PUBLISH"
    event = cal.walk("VEVENT")[0]
    assert event.decoded("dtstart") == datetime(2016, 3, 10, 9, 0, tzinfo=timezone.utc)
    assert str(event["uid"]) == f"journee-{j.uid}@crpve91.fr"
    assert int(event["sequence"]) == 0
    assert "Salle de conférence" in str(event["location"])


def test_local_time_round_trip_across_dst(app):
    assert parse_local("2016-03-03 09:00") == datetime(2016, 3, 3, 8, 0, tzinfo=timezone.utc)
    assert parse_local("2016-04-06 09:00") == datetime(2016, 4, 6, 7, 0, tzinfo=timezone.utc)
    assert format_local(datetime(2016, 4, 6, 7, 0, tzinfo=timezone.utc)) == "2016-04-06 09:00 (UTC+02:00)"
