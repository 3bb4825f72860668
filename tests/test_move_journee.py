"""Moving a journée: its reminders follow, SEQUENCE rises, confirmed registrants get the updated .ics."""
import email
from datetime import date, datetime, time, timezone
from email import policy

from icalendar import Calendar
from sqlalchemy import select

from app.extensions import db
from app.models import Campaign, CampaignStatus, OutboxMessage
from app.services.events.cycles import move_journee, save_cycle
from app.services.events.registrations import cancel, find_registration, register
from app.timeutil import local_to_utc
from tests.event_factories import make_cycle
from tests.sending_fixtures import deliver_queued
from tests.emailcheck import normalise

UTC = timezone.utc
FEB_2016 = datetime(2016, 2, 1, 12, 0, tzinfo=UTC)


def parsed(row: OutboxMessage):
    return email.message_from_bytes(row.raw, policy=policy.default)


def calendars(message) -> list[tuple[str, Calendar]]:
    return [(part.get_filename(), Calendar.from_ical(part.get_content()))
            for part in message.iter_attachments() if part.get_content_type() == "text/calendar"]


def test_move_journee_moves_reminders_and_sends_updated_ics(app):
    cycle = make_cycle()
    save_cycle(cycle, now=FEB_2016)
    j2 = cycle.journees[1]
    register(cycle, "ana@example.org", first_name="Ana", journees=[j2], now=FEB_2016)
    register(cycle, "ben@example.org", journees=[j2], now=FEB_2016)
    register(cycle, "other@example.org", journees=[cycle.journees[0]], now=FEB_2016)
    cancel(find_registration(cycle, "ben@example.org"), now=FEB_2016)
    deliver_queued()
    first_ics = calendars(parsed(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).first()))
    assert int(first_ics[0][1].walk("VEVENT")[0]["sequence"]) == 0
    before = db.session.scalar(select(func_max_id()))

    report = move_journee(j2, local_to_utc(date(2016, 4, 14), time(9, 30)),
                          local_to_utc(date(2016, 4, 14), time(16, 30)), now=datetime(2016, 3, 1, tzinfo=UTC))
    assert report.moved and report.notified == 1
    assert j2.sequence == 1
    reminders = {c.reminder_days_before: c for c in db.session.scalars(
        select(Campaign).where(Campaign.journee_id == j2.id))}
    assert reminders[7].scheduled_at == datetime(2016, 4, 7, 7, 0, tzinfo=UTC)
    assert reminders[1].scheduled_at == datetime(2016, 4, 13, 7, 0, tzinfo=UTC)
    assert all(c.status == CampaignStatus.SCHEDULED for c in reminders.values())

    deliver_queued()
    [update] = db.session.scalars(select(OutboxMessage).where(OutboxMessage.id > before)).all()
    assert update.recipients == "ana@example.org"  # not ben (cancelled), not other (journée 1)
    message = parsed(update)
    [(filename, cal)] = calendars(message)
    assert filename == "journee-2.ics"
    event = cal.walk("VEVENT")[0]
    assert int(event["sequence"]) == 1
    assert str(event["uid"]) == f"journee-{j2.uid}@crpve91.fr"
    assert event.decoded("dtstart") == datetime(2016, 4, 14, 7, 30, tzinfo=UTC)
    assert event.decoded("dtend") == datetime(2016, 4, 14, 14, 30, tzinfo=UTC)
    # (typography-insensitive, and the text part may wrap the date onto the next line)
    assert "jeudi 14 avril 2016" in normalise(message.get_body(("plain",)).get_content())


def test_moving_into_the_past_of_a_reminder_cancels_it(app):
    cycle = make_cycle()
    save_cycle(cycle, now=FEB_2016)
    j1 = cycle.journees[0]
    # On 5 March, journée 1 is brought forward to 8 March: its 7-day reminder (1 March) is already past.
    move_journee(j1, local_to_utc(date(2016, 3, 8), time(10)), local_to_utc(date(2016, 3, 8), time(17)),
                 now=datetime(2016, 3, 5, tzinfo=UTC))
    reminders = {c.reminder_days_before: c for c in db.session.scalars(
        select(Campaign).where(Campaign.journee_id == j1.id))}
    assert reminders[7].status == CampaignStatus.CANCELLED and "passé" in reminders[7].status_reason
    assert reminders[1].scheduled_at == datetime(2016, 3, 7, 8, 0, tzinfo=UTC)


def func_max_id():
    from sqlalchemy import func

    return func.coalesce(func.max(OutboxMessage.id), 0)
