"""Who receives what, on random people: the enqueue, the send-time re-check and the rules agree.

For random people (statuses, list memberships and their consent states, suppressions and their
reasons, suppressed domains, registrations and waiting places, attendance, survey answers,
erasure) and every audience kind — lists (one, two, with a segment or a registration criterion),
"Écrire aux inscrits" (cycle, journée, waiting list), the follow-up audiences, the reminders —
three readings must give the same people:

- the enqueue's SQL (``queue.audience_query``, what ``enqueue`` inserts);
- the worker's send-time re-check (``queue.recipients`` over everyone);
- an oracle written here from the rules as the officer's guide states them
  (``docs/message-kinds.md``), not from the code: editorial messages reach only people who are
  active, have an address, are on no suppression list and not at a suppressed domain; service
  messages also reach people who unsubscribed, unless another suppression or status stops them.

For the transactional kinds, the lane's check (``eligibility.stop_for``, at enqueue and again at
claim) must agree with the same rule read as SQL and with the oracle.
"""
from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from app.extensions import db
from app.models import (
    Attendance,
    AttendanceStatus,
    Campaign,
    Half,
    MailingList,
    Registration,
    RegistrationDay,
    RegistrationStatus,
    Subscriber,
    SubscriberStatus,
    Subscription,
    SubscriptionStatus,
    SuppressedDomain,
    Suppression,
    SuppressionReason,
    SurveyAnswer,
    email_hash,
)
from app.sending import eligibility
from app.sending.queue import audience_query, recipients
from tests.event_factories import make_cycle

DOMAINS = ("mairie-evry.fr", "exemple.org")  # the second is suppressed when the world says so
COMMUNES = ("Évry", "Corbeil", "")
MEMBERSHIP = st.sampled_from([None, SubscriptionStatus.PENDING, SubscriptionStatus.CONFIRMED,
                              SubscriptionStatus.UNSUBSCRIBED])
DAY = st.sampled_from([None, RegistrationStatus.CONFIRMED, RegistrationStatus.WAITING, RegistrationStatus.CANCELLED])


@dataclass(frozen=True)
class Someone:
    status: SubscriberStatus
    erased: bool  # no address left (erasure)
    domain: int
    commune: str
    lists: tuple  # membership status in list A, list B
    suppression: SuppressionReason | None
    days: tuple  # registration day status for journée 1, journée 2
    present: tuple  # attended journée 1, journée 2 (a half-day)
    answered: tuple  # answered the survey of journée 1, of the cycle


someone = st.builds(
    Someone,
    status=st.sampled_from(list(SubscriberStatus)),
    erased=st.booleans(),
    domain=st.integers(0, 1),
    commune=st.sampled_from(COMMUNES),
    lists=st.tuples(MEMBERSHIP, MEMBERSHIP),
    suppression=st.none() | st.sampled_from(list(SuppressionReason)),
    days=st.tuples(DAY, DAY),
    present=st.tuples(st.booleans(), st.booleans()),
    answered=st.tuples(st.booleans(), st.booleans()),
)
world = st.tuples(st.lists(someone, min_size=1, max_size=8), st.booleans())


# -- the oracle: the rules as docs/message-kinds.md states them -----------------------------------

def may_receive(person: Someone, family: str, domain_blocked: bool) -> bool:
    if person.erased or person.status == SubscriberStatus.ERASED:
        return False
    if family == "on_request":
        return True
    if domain_blocked and person.domain == 1:
        return False
    if family == "editorial":
        return person.status == SubscriberStatus.ACTIVE and person.suppression is None
    return (person.status in (SubscriberStatus.ACTIVE, SubscriberStatus.UNSUBSCRIBED)
            and person.suppression in (None, SuppressionReason.UNSUBSCRIBED))


def attended(person: Someone, journee: int | None) -> bool:
    """Present at that journée (index), or at any journée of the cycle (None); only with a registration."""
    registered = any(d is not None for d in person.days)
    if not registered:
        return False
    return any(person.present) if journee is None else person.present[journee]


def named_by(person: Someone, criterion: tuple | None) -> bool:
    if criterion is None:
        return True
    kind, journee = criterion
    days, registered = person.days, any(d is not None for d in person.days)
    if kind == "cycle":
        return RegistrationStatus.CONFIRMED in days
    if kind == "journee":
        return days[journee] == RegistrationStatus.CONFIRMED
    if kind == "waiting":
        return RegistrationStatus.WAITING in days if journee is None else days[journee] == RegistrationStatus.WAITING
    if kind == "none":
        return not any(d in (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITING) for d in days)
    if kind == "present":
        return attended(person, journee)
    if kind == "absent":
        return registered and days[journee] == RegistrationStatus.CONFIRMED and not person.present[journee]
    answered = person.answered[0] if journee == 0 else person.answered[1]
    if kind == "answered":
        return attended(person, journee) and answered
    return attended(person, journee) and not answered  # not_answered


@dataclass(frozen=True)
class Audience:
    """One campaign shape: lists (indexes), a criterion (kind, journée index), a commune, a reminder's journée."""

    name: str
    lists: tuple = ()
    criterion: tuple | None = None
    commune: str = ""
    reminder: int | None = None

    def expected(self, people: list[Someone], domain_blocked: bool) -> set[int]:
        found = set()
        for index, person in enumerate(people):
            if self.reminder is not None:
                entitled = person.days[self.reminder] == RegistrationStatus.CONFIRMED
                family = "service"
            else:
                family = "editorial"
                if self.lists:
                    entitled = any(person.lists[i] == SubscriptionStatus.CONFIRMED for i in self.lists)
                else:
                    entitled = self.criterion is not None and self.criterion[0] != "none"
                entitled = entitled and named_by(person, self.criterion)
                entitled = entitled and (not self.commune or self.commune.lower() in person.commune.lower())
            if entitled and may_receive(person, family, domain_blocked):
                found.add(index)
        return found


AUDIENCES = [
    Audience("liste A", lists=(0,)),
    Audience("listes A et B", lists=(0, 1)),
    Audience("liste A, commune Évry", lists=(0,), commune="Évry"),
    Audience("liste B, inscrits au cycle", lists=(1,), criterion=("cycle", None)),
    Audience("listes A et B, inscrits à aucune journée", lists=(0, 1), criterion=("none", None)),
    Audience("écrire aux inscrits du cycle", criterion=("cycle", None)),
    Audience("écrire aux inscrits de la journée 2", criterion=("journee", 1)),
    Audience("écrire à la liste d'attente", criterion=("waiting", None)),
    Audience("écrire à la liste d'attente de la journée 1", criterion=("waiting", 0)),
    Audience("écrire aux inscrits du cycle à Corbeil", criterion=("cycle", None), commune="Corbeil"),
    Audience("« aucune journée » sans liste", criterion=("none", None)),
    Audience("présents au cycle", criterion=("present", None)),
    Audience("présents à la journée 1", criterion=("present", 0)),
    Audience("absents à la journée 2", criterion=("absent", 1)),
    Audience("ont répondu (journée 1)", criterion=("answered", 0)),
    Audience("n'ont pas répondu (cycle)", criterion=("not_answered", None)),
    Audience("rappel de la journée 1", reminder=0),
    Audience("rappel de la journée 2", reminder=1),
]


# -- the world in the database -------------------------------------------------------------------

@pytest.fixture
def stage(app):
    lists = [MailingList(slug="a", name="A"), MailingList(slug="b", name="B")]
    db.session.add_all(lists)
    cycle = make_cycle()
    campaigns = []
    for number, audience in enumerate(AUDIENCES):
        criterion = None
        if audience.criterion is not None:
            kind, journee = audience.criterion
            criterion = {"kind": kind, "cycle_id": cycle.id,
                         "journee_id": cycle.journees[journee].id if journee is not None else None}
        segment = {**({"event": criterion} if criterion else {}), **({"commune": audience.commune} if audience.commune else {})}
        campaigns.append(Campaign(
            slug=f"c{number}", name=audience.name, subject="S", lists=[lists[i] for i in audience.lists],
            segment=segment, journee_id=cycle.journees[audience.reminder].id if audience.reminder is not None else None,
            cycle_id=cycle.id if audience.reminder is not None else None))
    db.session.add_all(campaigns)
    db.session.commit()
    return lists, cycle, campaigns


def _clear() -> None:
    for model in (SurveyAnswer, Attendance, RegistrationDay, Registration, Subscription, Suppression,
                  SuppressedDomain, Subscriber):
        db.session.execute(delete(model))
    db.session.commit()


def _store(people: list[Someone], domain_blocked: bool, lists, cycle) -> list[int]:
    j1, j2 = cycle.journees[0], cycle.journees[1]
    ids = []
    for index, person in enumerate(people):
        address = f"p{index}@{DOMAINS[person.domain]}"
        row = Subscriber(email=None if person.erased else address, commune=person.commune, status=person.status)
        if person.erased:
            row.email_hash = None
        db.session.add(row)
        db.session.flush()
        ids.append(row.id)
        for mailing_list, status in zip(lists, person.lists):
            if status is not None:
                db.session.add(Subscription(subscriber_id=row.id, list_id=mailing_list.id, status=status))
        if person.suppression is not None:
            db.session.add(Suppression(email_hash=email_hash(address), reason=person.suppression))
        if any(d is not None for d in person.days):
            registration = Registration(cycle_id=cycle.id, subscriber_id=row.id)
            db.session.add(registration)
            db.session.flush()
            for journee, status, present in zip((j1, j2), person.days, person.present):
                if status is not None:
                    db.session.add(RegistrationDay(registration_id=registration.id, journee_id=journee.id, status=status))
                if present:
                    db.session.add(Attendance(registration_id=registration.id, journee_id=journee.id, half=Half.AM,
                                              status=AttendanceStatus.PRESENT))
            for scope, journee, answered in (("j%d" % j1.id, j1.id, person.answered[0]), ("cycle", None, person.answered[1])):
                if answered:
                    db.session.add(SurveyAnswer(registration_id=registration.id, cycle_id=cycle.id,
                                                journee_id=journee, scope=scope))
    if domain_blocked:
        db.session.add(SuppressedDomain(domain=DOMAINS[1]))
    db.session.commit()
    return ids


@pytest.mark.slow  # about 50 s on SQLite for 60 worlds of up to 8 people (18 audiences, 9 one-off kinds each)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(world)
def test_enqueue_recheck_and_the_rules_agree_for_every_audience_kind(stage, drawn):
    people, domain_blocked = drawn
    lists, cycle, campaigns = stage
    _clear()
    ids = _store(people, domain_blocked, lists, cycle)
    index_of = {subscriber_id: index for index, subscriber_id in enumerate(ids)}
    for audience, campaign in zip(AUDIENCES, campaigns):
        queued = {index_of[i] for i in db.session.scalars(audience_query(campaign))}
        rechecked = {index_of[i] for i in recipients(campaign, ids)}
        expected = audience.expected(people, domain_blocked)
        assert queued == rechecked == expected, (audience.name, eligibility.campaign_kind(campaign).key,
                                                 queued, rechecked, expected, people)
    # The lane reads each message's person as the worker does (by id, or by address once erased)…
    facts = eligibility.people_at((f"p{index}@{DOMAINS[p.domain]}", subscriber_id)
                                  for index, (p, subscriber_id) in enumerate(zip(people, ids)))
    for kind in eligibility.TRANSACTIONAL_KINDS:
        sql = {index_of[i] for i in db.session.scalars(select(Subscriber.id).where(*kind.rule.clauses()))}
        lane = {index for index, fact in enumerate(facts) if kind.rule.admits(fact)}
        expected = {index for index, person in enumerate(people) if may_receive(person, kind.rule.name, domain_blocked)}
        assert sql == lane == expected, (kind.key, sql, lane, expected, people)
    # …and one message at a time, as ``transactional.enqueue`` does.
    first = people[0]
    alone = eligibility.stop_for("certificate", f"p0@{DOMAINS[first.domain]}", ids[0]) is None
    assert alone == may_receive(first, "service", domain_blocked)


def test_every_campaign_shape_is_a_kind_of_the_table(stage):
    """Each audience above resolves to the kind the guide names: reminders are service, the rest editorial."""
    _lists, _cycle, campaigns = stage
    kinds = {audience.name: eligibility.campaign_kind(c) for audience, c in zip(AUDIENCES, campaigns)}
    assert kinds["rappel de la journée 1"].key == "reminder" and kinds["rappel de la journée 1"].family.value == "service"
    assert kinds["écrire aux inscrits de la journée 2"].key == "registrants"
    assert kinds["absents à la journée 2"].key == "followup"
    assert kinds["liste B, inscrits au cycle"].key == "newsletter"
    assert {k.family.value for name, k in kinds.items() if not name.startswith("rappel")} == {"editorial"}
