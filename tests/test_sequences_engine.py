"""Sequences, in process: the relance before a cycle, the follow-up after it, and the engine's guards.

Each test loads one of the ready-made files (app/services/sequences/examples) on the seed's
cycle and list, moves the engine's clock by hand (``tick(now=…)``), and counts what a real
SMTP server (aiosmtpd on loopback) received from the campaign worker.
"""
from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, insert, select

from app.extensions import db
from app.models import (
    Delivery,
    EventKind,
    Half,
    Registration,
    MailingList,
    Sequence,
    SequenceEnrolment,
    SequenceStepSend,
    Subscriber,
    Subscription,
    SubscriptionStatus,
    email_hash,
    record_event,
    utcnow,
)
from app.services.events import check_in, register
from app.services.sequences import (
    SequenceError,
    example_files,
    load_sequence,
    sequence_by_name,
    sequence_counts,
    tick,
)
from tests.event_factories import make_cycle
from tests.sending_fixtures import deliver_queued
from tests.smtp_server import smtp_server  # noqa: F401 - fixture

def _example(name: str) -> dict:
    return json.loads(next(p for p in example_files() if p.stem == name).read_text(encoding="utf-8"))


def _list_of(n: int, slug: str = "formations") -> tuple[MailingList, list[int]]:
    """``n`` confirmed members ``m0000@example.org``… of the list (inserted in bulk: no trigger events)."""
    mailing_list = MailingList(slug=slug, name="Formations CRPVE")
    db.session.add(mailing_list)
    db.session.flush()
    now = utcnow()
    ids = db.session.execute(insert(Subscriber).returning(Subscriber.id), [
        {"uid": f"m{i:08d}", "email": f"m{i:04d}@example.org", "email_hash": email_hash(f"m{i:04d}@example.org"),
         "first_name": f"M{i}", "last_name": "Dupont", "attributes": {}, "created_at": now, "updated_at": now}
        for i in range(n)]).scalars().all()
    db.session.execute(insert(Subscription), [
        {"subscriber_id": sid, "list_id": mailing_list.id, "status": SubscriptionStatus.CONFIRMED, "consent_at": now,
         "confirmed_at": now, "created_at": now, "updated_at": now, "consent_source": "test", "consent_text": ""}
        for sid in ids])
    db.session.commit()
    return mailing_list, list(ids)


def _register(cycle, addresses: list[str], journee) -> None:
    for address in addresses:
        register(cycle, address, journees=[journee], allow_past=True, notify=False, source="admin", actor="test")


def _subjects(server) -> Counter:
    return Counter(str(m.parsed()["Subject"]) for m in server.messages)


@pytest.mark.parametrize("full", [False, True], ids=["places-left", "cycle-full"])
def test_relance_reaches_those_not_registered_at_j21_then_at_j10_while_places_remain(app, smtp_server, full):
    app.config.update(SMTP_URL=smtp_server.url)
    _, ids = _list_of(200)
    cycle = make_cycle(capacity=60)
    j1 = cycle.journees[0]
    _register(cycle, [f"m{i:04d}@example.org" for i in range(30)], j1)  # 30 registered before anything
    load_sequence(_example("relance-avant-le-cycle"))
    j21 = j1.starts_at - timedelta(days=21)

    assert tick(now=j21 - timedelta(hours=1)).enrolled == 0  # not yet
    first = tick(now=j21)
    assert (first.enrolled, first.queued) == (170, 170)
    deliver_queued(app)
    subjects = _subjects(smtp_server)
    assert subjects == {"Il reste des places : le cycle commence dans trois semaines": 170}
    reached = {r for m in smtp_server.messages for r in m.rcpt_tos}
    assert not reached & {f"m{i:04d}@example.org" for i in range(30)}  # the registered got nothing

    smtp_server.messages.clear()
    _register(cycle, [f"m{i:04d}@example.org" for i in range(30, 50)], j1)  # 20 register in between: 10 left
    if full:
        _register(cycle, [f"m{i:04d}@example.org" for i in range(50, 60)], j1)  # the last 10 places go
    again = tick(now=j21 + timedelta(days=1))  # a tick between the two steps queues nothing
    assert again.queued == 0
    j10 = j1.starts_at - timedelta(days=10)
    second = tick(now=j10)
    deliver_queued(app)
    sequence = sequence_by_name("Relance avant le cycle")
    counts = sequence_counts(sequence)
    if full:
        assert second.queued == 0 and smtp_server.messages == []
        assert counts["exited"] == {"registered": 30, "cycle_full": 140}
    else:
        assert second.queued == 150
        assert _subjects(smtp_server) == {"Dernières places : le cycle commence dans dix jours": 150}
        reached = {r for m in smtp_server.messages for r in m.rcpt_tos}
        assert reached == {f"m{i:04d}@example.org" for i in range(50, 200)}
        assert counts["exited"] == {"registered": 20} and counts["completed"] == 150
    assert counts["enrolled"] == 170 and counts["active"] == 0
    # Each person and step once, however many ticks come after (a clock set back, a restart).
    for moment in (j10, j10 - timedelta(days=5), j10 + timedelta(days=30)):
        assert tick(now=moment).queued == 0
    assert db.session.scalar(select(func.count()).select_from(Delivery)) == 170 + (0 if full else 150)


def test_after_the_cycle_the_present_and_the_absent_each_get_their_own_step_once(app, smtp_server):
    app.config.update(SMTP_URL=smtp_server.url)
    mailing_list = MailingList(slug="formations", name="Formations CRPVE")
    db.session.add(mailing_list)
    cycle = make_cycle(slug="contrat-de-ville-2016")
    journee = cycle.journees[3]  # "Après le cycle" follows journée 4
    people = ["ana", "bob", "cleo", "dan", "eve", "fred"]
    _register(cycle, [f"{p}@example.org" for p in people], journee)
    registrations = {r.subscriber.email.split("@")[0]: r for r in db.session.scalars(select(Registration))}
    day = journee.starts_at + timedelta(hours=1)
    for name in ("ana", "bob", "cleo", "dan"):  # check-in data: four came, Eve and Fred did not
        check_in(registrations[name], journee, Half.AM, actor="accueil", now=day)
    load_sequence(_example("apres-le-cycle"))

    assert tick(now=journee.ends_at - timedelta(minutes=1)).enrolled == 0
    fired = tick(now=journee.ends_at)
    assert fired.enrolled == 6 and fired.queued == 0  # J+7: nothing yet
    week = journee.ends_at + timedelta(days=7)  # Thursday 23 June 2016 + 7 = Thursday 30 June, 17:00 Paris
    tick(now=week)
    tick(now=week + timedelta(minutes=1))  # the absent's step follows at once (the next tick)
    deliver_queued(app)
    by_person = {}
    for message in smtp_server.messages:
        for rcpt in message.rcpt_tos:
            by_person.setdefault(rcpt.split("@")[0], []).append(str(message.parsed()["Subject"]))
    resources = "Merci de votre participation : les ressources du cycle"
    documents = "Vous n'avez pas pu venir : les documents du cycle"
    assert by_person == {"ana": [resources], "bob": [resources], "cleo": [resources], "dan": [resources],
                         "eve": [documents], "fred": [documents]}
    counts = sequence_counts(sequence_by_name("Après le cycle"))
    assert counts["completed"] == 6 and counts["queued"] == {"1": 4, "2": 2} and counts["passed"] == {"1": 2, "2": 4}
    assert tick(now=week + timedelta(days=1)).queued == 0


def test_a_step_due_outside_its_window_waits_for_its_opening(app):
    mailing_list, ids = _list_of(3)
    load_sequence({"name": "Fenêtre", "trigger": {"subscribed": "formations"},
                   "steps": [{"after": "0", "window": "mon-fri 09:00-18:00", "subject": "Bonjour", "markdown": "Texte"}]})
    saturday_noon = datetime(2026, 12, 12, 11, 0, tzinfo=timezone.utc)  # 12:00 in Paris, a Saturday
    for sid in ids:
        record_event(EventKind.SUBSCRIBED, sid, list_id=mailing_list.id, at=saturday_noon)
    db.session.commit()
    report = tick(now=saturday_noon)
    assert report.enrolled == 3 and report.queued == 0
    due = set(db.session.scalars(select(SequenceEnrolment.next_due_at)))
    assert due == {datetime(2026, 12, 14, 8, 0, tzinfo=timezone.utc)}  # Monday 09:00 in Paris
    assert tick(now=datetime(2026, 12, 14, 7, 59, tzinfo=timezone.utc)).queued == 0
    assert tick(now=datetime(2026, 12, 14, 8, 0, tzinfo=timezone.utc)).queued == 3
    assert db.session.scalar(select(func.count()).select_from(SequenceStepSend)) == 3


def test_a_file_naming_an_unknown_list_or_condition_is_refused_in_french(app):
    with pytest.raises(SequenceError, match="liste inconnue"):
        load_sequence({"name": "X", "trigger": {"subscribed": "nulle-part"},
                       "steps": [{"subject": "a", "markdown": "b"}]})
    db.session.add(MailingList(slug="formations", name="F"))
    db.session.commit()
    with pytest.raises(SequenceError, match="condition"):
        load_sequence({"name": "X", "trigger": {"subscribed": "formations"},
                       "steps": [{"subject": "a", "markdown": "b", "if": "peut-être"}]})
    with pytest.raises(SequenceError, match="délai illisible|fenêtre"):
        load_sequence({"name": "X", "trigger": {"subscribed": "formations"},
                       "steps": [{"subject": "a", "markdown": "b", "after": "trois jours"}]})


def test_a_step_subject_gets_the_header_text_check_of_every_subject(app, client):
    """The composer, the API's campaigns and the templates refuse a control character in a subject before
    storing it (app.message.header_text); a sequence's step stored it, and its campaign could not be built."""
    from tests.api_helpers import token_header

    db.session.add(MailingList(slug="formations", name="F"))
    db.session.commit()
    with pytest.raises(SequenceError, match="étape 1 .*contrôle"):
        load_sequence({"name": "X", "trigger": {"subscribed": "formations"},
                       "steps": [{"subject": "Bienvenue\r\nBcc: tous@example.org", "markdown": "b"}]})
    answer = client.post("/api/v1/sequences", headers=token_header("sequences:write"), json={
        "name": "Y", "trigger": {"subscribed": "formations"}, "steps": [{"subject": "Bien\u2028venue", "markdown": "b"}]})
    assert answer.status_code == 422 and "contrôle" in answer.get_json()["detail"]
    assert db.session.scalar(select(func.count()).select_from(Sequence)) == 0


def test_a_dated_trigger_found_long_after_its_moment_is_missed_not_sent(app):
    db.session.add(MailingList(slug="formations", name="Formations CRPVE"))
    cycle = make_cycle()
    journee = cycle.journees[3]
    _register(cycle, ["ana@example.org"], journee)
    load_sequence(_example("apres-le-cycle"))  # loaded months after the journée, as on the demo's 2016 cycle
    report = tick(now=journee.ends_at + timedelta(days=120))
    assert report.missed == ["Après le cycle"] and report.enrolled == 0
    assert tick(now=journee.ends_at + timedelta(days=121)).as_dict() == {
        "events": 0, "enrolled": 0, "queued": 0, "passed": 0, "waiting_window": 0, "completed": 0, "exited": {}}


def test_every_way_a_subscription_becomes_confirmed_triggers_and_so_does_a_registration(app):
    """A confirmed import, an addition by the team (and the double opt-in, in test_sequences_surface), each
    recorded with the change; a registration for the cycle enrols in a "registered" sequence."""
    import io

    from app.services.audience import add_person, import_csv

    mailing_list = MailingList(slug="formations", name="Formations CRPVE")
    db.session.add(mailing_list)
    db.session.commit()
    cycle = make_cycle()
    load_sequence(_example("bienvenue"))
    load_sequence({"name": "Inscrits", "trigger": {"registered": cycle.slug},
                   "steps": [{"after": "0", "subject": "Merci de votre inscription", "markdown": "À bientôt."}]})
    csv = "email;prenom\nimp1@example.org;Iris\nimp2@example.org;Igor\n".encode("utf-8")
    import_csv(io.BytesIO(csv), mailing_list, file_name="contacts.csv", actor="tester")
    import_csv(io.BytesIO(b"email\npending@example.org\n"), mailing_list, file_name="p.csv", actor="t", pending=True)
    add_person("team@example.org", {"first_name": "Tom"}, [mailing_list], actor="chargee@crpve91.fr")
    _register(cycle, ["reg@example.org"], cycle.journees[0])
    report = tick()
    assert report.events == 4 and report.enrolled == 4 and report.queued == 4
    enrolled = {(seq, email) for seq, email in db.session.execute(
        select(SequenceEnrolment.sequence_id, Subscriber.email).join(Subscriber, Subscriber.id == SequenceEnrolment.subscriber_id))}
    welcome, registered = sequence_by_name("Bienvenue").id, sequence_by_name("Inscrits").id
    assert enrolled == {(welcome, "imp1@example.org"), (welcome, "imp2@example.org"), (welcome, "team@example.org"),
                        (registered, "reg@example.org")}


def test_a_survey_not_answered_days_after_it_was_sent_reaches_only_those_still_silent(app):
    from app.services.events import SURVEY_QUESTION_KEYS as QUESTION_KEYS, save_answer, send_survey

    db.session.add(MailingList(slug="formations", name="Formations CRPVE"))
    cycle = make_cycle()
    journee = cycle.journees[0]
    _register(cycle, ["ana@example.org", "bob@example.org", "cleo@example.org"], journee)
    registrations = {r.subscriber.email: r for r in db.session.scalars(select(Registration))}
    for registration in registrations.values():
        check_in(registration, journee, Half.AM, actor="accueil", now=journee.starts_at + timedelta(hours=1))
    load_sequence({"name": "Relance du questionnaire", "trigger": {"survey_not_answered": [cycle.slug, 1, 3]},
                   "steps": [{"after": "0", "subject": "Votre avis compte", "markdown": "Deux minutes ?"}]})
    tick()  # the check-ins' events: nothing to enrol yet
    send_survey(cycle, journee, now=journee.ends_at + timedelta(hours=1))
    sent = utcnow()
    report = tick()
    assert report.enrolled == 3 and report.queued == 0  # enrolled with the invitation, due three days on
    save_answer(registrations["ana@example.org"], journee, dict.fromkeys(QUESTION_KEYS, 4))
    assert tick(now=sent + timedelta(days=2, hours=23)).queued == 0
    due = tick(now=sent + timedelta(days=3, minutes=1))
    assert due.queued == 2 and dict(due.exited) == {"answered": 1}
    reached = set(db.session.scalars(select(Subscriber.email).join(Delivery, Delivery.subscriber_id == Subscriber.id)))
    assert reached == {"bob@example.org", "cleo@example.org"}
