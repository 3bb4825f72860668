"""The public agenda and its iCalendar feed; the admin's events pages and attendance CSV."""
import csv
import io
from datetime import datetime, timezone

from icalendar import Calendar
from sqlalchemy import select

from app.extensions import db
from app.models import Registration, RegistrationStatus
from app.services.events.registrations import register
from tests.event_factories import future_dates, make_cycle
from tests.emailcheck import plain_spaces


def test_agenda_lists_upcoming_cycles_with_registration_link(client, app):
    upcoming = make_cycle(dates=future_dates())
    make_cycle(slug="old-2016")  # entirely past: not on the page
    make_cycle(slug="hidden", dates=future_dates(), published=False)
    page = client.get("/agenda").get_data(as_text=True)
    assert page.count("<article") == 1
    assert f'href="/inscription/{upcoming.slug}"' in page and "Inscrivez-vous" in page
    assert "Journée 4" in page and 'href="/agenda.ics"' in page


def test_agenda_feed_parses_with_the_journees_uids_and_times(client, app):
    cycle = make_cycle()  # 2016: the feed keeps past journées too
    make_cycle(slug="hidden", dates=future_dates(), published=False)
    response = client.get("/agenda.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    cal = Calendar.from_ical(response.data)
    assert cal["METHOD"] == "PUBLISH" and cal["VERSION"] == "2.0"
    events = {str(e["uid"]): e for e in cal.walk("VEVENT")}
    assert set(events) == {f"journee-{j.uid}@crpve91.fr" for j in cycle.journees}
    j2 = events[f"journee-{cycle.journees[1].uid}@crpve91.fr"]
    assert j2.decoded("dtstart") == datetime(2016, 4, 7, 8, 0, tzinfo=timezone.utc)  # 10:00 Paris, summer time
    assert j2.decoded("dtend") == datetime(2016, 4, 7, 15, 0, tzinfo=timezone.utc)
    j1 = events[f"journee-{cycle.journees[0].uid}@crpve91.fr"]
    assert j1.decoded("dtstart") == datetime(2016, 3, 10, 9, 0, tzinfo=timezone.utc)  # winter time
    assert "Journée 1" in str(j1["summary"])


def test_admin_events_pages_and_add_by_hand(admin_client, app):
    cycle = make_cycle(dates=future_dates(), capacity=1)
    register(cycle, "ana@example.org", first_name="Ana", last_name="Zèbre", journees=cycle.journees[:1], notify=False)
    assert "Journée 1" in admin_client.get("/admin/events").get_data(as_text=True)
    page = admin_client.get(f"/admin/events/{cycle.id}").get_data(as_text=True)
    assert "Ana Zèbre" in page and "ana@example.org" in page
    response = admin_client.post(f"/admin/events/{cycle.id}/registrants", data={
        "email": "ben@example.org", "first_name": "Ben", "last_name": "Aa",
        "journees": [str(cycle.journees[0].id)]})
    assert response.status_code == 302
    ben = db.session.scalar(select(Registration).where(Registration.source == "admin"))
    assert ben.subscriber.email == "ben@example.org"
    assert [d.status for d in ben.days] == [RegistrationStatus.WAITING]  # capacity 1: waiting list
    bad = admin_client.post(f"/admin/events/{cycle.id}/registrants", data={"email": "nope"}, follow_redirects=True)
    assert "Inscription impossible" in bad.get_data(as_text=True)


def test_admin_pages_need_login(client, app):
    cycle = make_cycle()
    assert client.get("/admin/events").status_code == 302
    assert client.get(f"/admin/events/{cycle.id}/attendance.csv").status_code == 302


def test_attendance_csv_is_excel_ready_and_formula_safe(admin_client, app):
    cycle = make_cycle(dates=future_dates())
    register(cycle, "ana@example.org", first_name="Ana", last_name="Lefèvre",
             organisation='=HYPERLINK("http://evil.example","clic")', journees=cycle.journees[:2], notify=False)
    register(cycle, "ben@example.org", first_name="Ben", last_name="Martin", function="+33 chef",
             journees=cycle.journees[1:2], notify=False)
    response = admin_client.get(f"/admin/events/{cycle.id}/attendance.csv")
    assert response.mimetype == "text/csv"
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:4] == ["Journée", "Date", "Statut", "Nom"]
    assert [(r[0], r[3]) for r in rows[1:]] == [("1", "Lefèvre"), ("2", "Lefèvre"), ("2", "Martin")]
    assert rows[1][6] == "'=HYPERLINK(\"http://evil.example\",\"clic\")"
    assert rows[3][7] == "'+33 chef"
    only = admin_client.get(f"/admin/events/{cycle.id}/attendance.csv?journee=1")
    assert len(only.data.decode("utf-8-sig").strip().splitlines()) == 2


def test_admin_moves_a_journee_and_edits_reminder_rules(admin_client, app):
    from app.models import Campaign, CampaignStatus

    cycle = make_cycle(dates=future_dates())
    year = future_dates()[0].year
    j2 = cycle.journees[1]
    register(cycle, "ana@example.org", journees=[j2], notify=False)
    # One place and one syntax for the rules (issue #24): the editor's rows; the "7@09:00" form is gone.
    page = admin_client.get(f"/admin/events/{cycle.id}").get_data(as_text=True)
    assert "7@09:00" not in page and f'href="/admin/events/{cycle.id}/edit#rule-days-0"' in page
    assert admin_client.post(f"/admin/events/{cycle.id}/reminders", data={"rules": "3@10:30"}).status_code == 404
    editor = {"title": cycle.title, "published": "y", "rule-days-0": "3", "rule-time-0": "10:30"}
    response = admin_client.post(f"/admin/events/{cycle.id}/edit", data=editor, follow_redirects=True)
    assert "Cycle enregistré ; rappels" in plain_spaces(response.get_data(as_text=True))
    assert cycle.reminder_rules == [{"days_before": 3, "time": "10:30"}]
    scheduled = db.session.scalars(select(Campaign).where(Campaign.status == CampaignStatus.SCHEDULED)).all()
    assert sorted(c.reminder_days_before for c in scheduled) == [3, 3, 3, 3]
    assert "programmé" in admin_client.get(f"/admin/events/{cycle.id}").get_data(as_text=True)
    bad = admin_client.post(f"/admin/events/{cycle.id}/edit", data=editor | {"rule-time-0": "25:00"})
    assert bad.status_code == 400 and "Cycle non enregistré" in bad.get_data(as_text=True)
    moved = admin_client.post(f"/admin/events/{cycle.id}/journees/{j2.id}/move",
                              data={"date": f"{year}-04-15", "start": "09:00", "end": "12:00"}, follow_redirects=True)
    assert "Journée 2 déplacée ; 1 personne(s) prévenue(s)" in plain_spaces(moved.get_data(as_text=True))
    db.session.expire_all()
    assert j2.sequence == 1
    reminder = db.session.scalar(select(Campaign).where(Campaign.journee_id == j2.id))
    from app.timeutil import format_local

    assert format_local(reminder.scheduled_at, with_offset=False) == f"{year}-04-12 10:30"
