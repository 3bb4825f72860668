"""Dispatch: due reminders start once, only for that journée's confirmed registrants; grace period; missed."""
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from app.extensions import db
from app.models import Campaign, CampaignStatus, Delivery, MailingList, RegistrationStatus, Subscriber
from app.scheduling import dispatch_due
from app.services.events.cycles import save_cycle
from app.services.events.registrations import cancel, register
from tests.event_factories import make_cycle

UTC = timezone.utc
FEB_2016 = datetime(2016, 2, 1, 12, 0, tzinfo=UTC)


def seeded_with_registrants(capacity=2):
    """J1: ana + ben confirmed, chloe waiting, dan cancelled; J2: only eve."""
    cycle = make_cycle(capacity=capacity)
    save_cycle(cycle, now=FEB_2016)
    j1, j2 = cycle.journees[0], cycle.journees[1]
    for who in ("ana", "ben", "chloe", "dan"):
        register(cycle, f"{who}@example.org", first_name=who.title(), journees=[j1], now=FEB_2016, notify=False)
    register(cycle, "eve@example.org", journees=[j2], now=FEB_2016, notify=False)
    # dan was waiting too (capacity 2): cancelling him frees no seat, chloe stays first in line.
    from app.services.events.registrations import find_registration

    cancel(find_registration(cycle, "dan@example.org"), now=FEB_2016, notify=False)
    return cycle


def recipients(campaign):
    return set(db.session.scalars(
        select(Subscriber.email).join(Delivery, Delivery.subscriber_id == Subscriber.id)
        .where(Delivery.campaign_id == campaign.id)))


def reminder(cycle, number, days):
    journee = cycle.journees[number - 1]
    return db.session.scalar(select(Campaign).where(Campaign.journee_id == journee.id,
                                                    Campaign.reminder_days_before == days))


def test_due_reminder_goes_to_that_journees_confirmed_registrants_once(app):
    cycle = seeded_with_registrants()
    waiting = db.session.scalar(select(Subscriber).where(Subscriber.email == "chloe@example.org"))
    assert waiting is not None
    at = datetime(2016, 3, 3, 8, 0, 30, tzinfo=UTC)  # 30 s after 09:00 Paris on 3 March
    report = dispatch_due(at)
    j1_week = reminder(cycle, 1, 7)
    assert report.started == {j1_week.id: 2}
    db.session.refresh(j1_week)
    assert j1_week.status == CampaignStatus.SENDING
    assert recipients(j1_week) == {"ana@example.org", "ben@example.org"}
    assert reminder(cycle, 1, 1).status == CampaignStatus.SCHEDULED  # not yet due
    assert dispatch_due(at).started == {}  # a second pass at the same instant does nothing
    assert dispatch_due(at + timedelta(minutes=5)).started == {}
    assert db.session.scalar(select(func.count()).select_from(Delivery)) == 2


def test_journee_two_reminder_reaches_only_its_registrant(app):
    cycle = seeded_with_registrants()
    report = dispatch_due(datetime(2016, 3, 31, 7, 0, 1, tzinfo=UTC))
    # The J1 reminders are beyond the grace period by then: missed, not sent as a surprise.
    assert set(report.missed) == {reminder(cycle, 1, 7).id, reminder(cycle, 1, 1).id}
    j2_week = reminder(cycle, 2, 7)
    assert list(report.started) == [j2_week.id]
    assert recipients(j2_week) == {"eve@example.org"}


def test_grace_period_after_downtime(app):
    lst = MailingList(slug="formations", name="Formations")
    db.session.add(lst)
    due = datetime(2016, 3, 3, 8, 0, tzinfo=UTC)
    late = Campaign(slug="late", name="En retard", subject="S", lists=[lst],
                    status=CampaignStatus.SCHEDULED, scheduled_at=due)
    too_late = Campaign(slug="too-late", name="Trop tard", subject="S", lists=[lst],
                        status=CampaignStatus.SCHEDULED, scheduled_at=due - timedelta(hours=2))
    future = Campaign(slug="future", name="Plus tard", subject="S", lists=[lst],
                      status=CampaignStatus.SCHEDULED, scheduled_at=due + timedelta(days=1))
    db.session.add_all([late, too_late, future])
    db.session.commit()
    # The scheduler comes back 5 h after `late` was due (7 h after `too_late`); grace is 6 h.
    report = dispatch_due(due + timedelta(hours=5))
    assert report.started == {late.id: 0}
    assert report.missed == [too_late.id]
    for c in (late, too_late, future):
        db.session.refresh(c)
    assert late.status == CampaignStatus.SENDING
    assert too_late.status == CampaignStatus.MISSED
    assert "manqué" in too_late.status_reason and "délai de grâce de 6 h" in too_late.status_reason
    assert future.status == CampaignStatus.SCHEDULED


def test_grace_is_configurable(app):
    app.config["SCHEDULE_GRACE_HOURS"] = 1
    c = Campaign(slug="c", name="C", subject="S", status=CampaignStatus.SCHEDULED,
                 scheduled_at=datetime(2016, 3, 3, 8, 0, tzinfo=UTC))
    db.session.add(c)
    db.session.commit()
    assert dispatch_due(datetime(2016, 3, 3, 9, 30, tzinfo=UTC)).missed == [c.id]


def test_waiting_registrant_promoted_before_the_reminder_gets_it(app):
    cycle = seeded_with_registrants()
    from app.services.events.registrations import find_registration

    cancel(find_registration(cycle, "ben@example.org"), now=FEB_2016, notify=False)
    chloe = find_registration(cycle, "chloe@example.org")
    db.session.refresh(chloe)
    assert [d.status for d in chloe.days] == [RegistrationStatus.CONFIRMED]
    dispatch_due(datetime(2016, 3, 3, 8, 1, tzinfo=UTC))
    assert recipients(reminder(cycle, 1, 7)) == {"ana@example.org", "chloe@example.org"}


def test_scheduler_lock_is_exclusive_and_registered_for_flask_dev(app):
    from app import background
    from app.scheduling import SchedulerLock

    first, second = SchedulerLock(app), SchedulerLock(app)
    try:
        assert first.try_acquire() and first.still_held()
        assert not second.try_acquire()
        first.release()
        assert second.try_acquire()
    finally:
        first.release()
        second.release()
    assert "scheduler" in background.names()


def test_two_people_racing_for_the_last_seat_cannot_both_get_it(app):
    import threading

    from app.models import RegistrationDay
    from app.services.events.registrations import register as do_register

    cycle = make_cycle(capacity=1)
    cycle_id = cycle.id
    barrier = threading.Barrier(4)
    errors = []

    def attempt(n: int) -> None:
        with app.app_context():
            try:
                from app.models import Cycle

                mine = db.session.get(Cycle, cycle_id)
                barrier.wait(timeout=30)
                do_register(mine, f"p{n}@example.org", journees=mine.journees[:1], now=FEB_2016, notify=False)
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    statuses = sorted(s.value for s in db.session.scalars(select(RegistrationDay.status)))
    assert statuses == ["confirmed", "waiting", "waiting", "waiting"]
