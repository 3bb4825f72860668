"""Enqueue: one delivery per eligible person, idempotent, suppression and segments respected."""
import re
from datetime import datetime, timezone

from sqlalchemy import func, select

from app.extensions import db
from app.sending.queue import count_audience, enqueue, enqueue_statement, still_eligible
from app.models import (
    Campaign, Cycle, Delivery, Journee, MailingList, Registration, RegistrationDay, RegistrationStatus,
    Subscriber, SubscriberStatus, SubscriptionStatus, SuppressionReason,
)
from app.services.audience.core import Consent, set_subscription, suppress


def _people(n, **kw):
    rows = [Subscriber(email=f"p{i}@example.org", first_name=f"P{i}", **kw) for i in range(n)]
    db.session.add_all(rows)
    db.session.flush()
    return rows


def test_enqueue_is_one_per_person_and_idempotent(app):
    a = MailingList(slug="a", name="A")
    b = MailingList(slug="b", name="B")
    db.session.add_all([a, b])
    people = _people(5)
    for p in people:
        set_subscription(p, a, SubscriptionStatus.CONFIRMED, Consent("test"))
    for p in people[:3]:  # on both lists: still one message
        set_subscription(p, b, SubscriptionStatus.CONFIRMED, Consent("test"))
    set_subscription(people[4], a, SubscriptionStatus.UNSUBSCRIBED)
    people[3].status = SubscriberStatus.BOUNCED
    campaign = Campaign(slug="c", name="C", subject="S", lists=[a, b])
    db.session.add(campaign)
    db.session.flush()
    assert count_audience(campaign) == 3
    assert enqueue(campaign) == 3
    assert enqueue(campaign) == 0
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Delivery)) == 3


def test_suppressed_addresses_and_segments(app):
    lst = MailingList(slug="l", name="L")
    db.session.add(lst)
    people = _people(3)
    people[0].commune = "Évry-Courcouronnes"
    people[1].commune = "Grigny"
    for p in people:
        set_subscription(p, lst, SubscriptionStatus.CONFIRMED, Consent("test"))
    suppress("p2@example.org", SuppressionReason.MANUAL)
    campaign = Campaign(slug="c", name="C", subject="S", lists=[lst])
    db.session.add(campaign)
    db.session.flush()
    assert count_audience(campaign) == 2
    assert still_eligible(campaign, [p.id for p in people]) == {people[0].id, people[1].id}
    campaign.segment = {"commune": "évry"}
    assert count_audience(campaign) == 1


def test_reminder_audience_is_the_journee_registrants(app):
    cycle = Cycle(slug="cy", title="Cycle")
    day = lambda d: datetime(2016, 3, d, 9, tzinfo=timezone.utc)  # noqa: E731
    j1 = Journee(cycle=cycle, number=1, starts_at=day(10), ends_at=day(10))
    j2 = Journee(cycle=cycle, number=2, starts_at=day(11), ends_at=day(11))
    db.session.add_all([cycle, j1, j2])
    people = _people(3)
    for p, status, journee in [(people[0], RegistrationStatus.CONFIRMED, j1),
                               (people[1], RegistrationStatus.WAITING, j1),
                               (people[2], RegistrationStatus.CONFIRMED, j2)]:
        reg = Registration(cycle=cycle, subscriber=p)
        reg.days.append(RegistrationDay(journee=journee, status=status))
        db.session.add(reg)
    db.session.flush()
    reminder = Campaign(slug="r", name="R", subject="Rappel", cycle_id=cycle.id, journee_id=j1.id, reminder_days_before=7)
    db.session.add(reminder)
    db.session.flush()
    assert enqueue(reminder) == 1
    assert db.session.scalar(select(Delivery.subscriber_id)) == people[0].id


def test_enqueue_never_reads_the_deliveries_table(app):
    """Already-queued people are skipped by the unique index (ON CONFLICT DO NOTHING), not by an
    anti-join: PostgreSQL, told by fresh statistics that deliveries is empty, planned the anti-join
    as a nested loop rescanning the rows the statement itself inserts (quadratic: minutes for
    200,000 recipients in bench/send.py). No plan that reads deliveries can do that."""
    lst = MailingList(slug="a", name="A")
    db.session.add(lst)
    for p in _people(3):
        set_subscription(p, lst, SubscriptionStatus.CONFIRMED, Consent("test"))
    campaign = Campaign(slug="c", name="C", subject="S", lists=[lst])
    db.session.add(campaign)
    db.session.commit()
    compiled = enqueue_statement(campaign).compile(dialect=db.engine.dialect)
    postgresql = db.engine.dialect.name == "postgresql"
    if postgresql:
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE deliveries")
    explain = "EXPLAIN " if postgresql else "EXPLAIN QUERY PLAN "
    params = compiled.params if postgresql else tuple(compiled.params[k] for k in compiled.positiontup)
    plan = db.session.connection().exec_driver_sql(explain + str(compiled), params).all()
    text = "\n".join(" ".join(str(v) for v in row) for row in plan)
    reads = [line for line in text.splitlines() if re.search(r"(Scan|SCAN|SEARCH)\b.*\bdeliveries\b", line)]
    assert "subscriptions" in text and not reads, text
    assert enqueue(campaign) == 3 and enqueue(campaign) == 0
