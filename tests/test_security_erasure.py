"""Erasure is complete: the person's seats are freed (the waiting list promoted), their /r/ links die,
and their address leaves the import job reports."""
from __future__ import annotations

import re

from sqlalchemy import select

from app.extensions import db
from app.models import ImportJob, MailingList, OutboxMessage, Registration, RegistrationStatus, Subscriber
from app.services.privacy.rights import erase_subscriber
from tests.event_factories import day_status, future_dates, make_cycle
from tests.test_registration_web import form_data, manage_path, parsed
from tests.sending_fixtures import deliver_queued


def test_erasure_frees_seats_promotes_the_waiting_list_and_kills_the_links(app, client):
    cycle = make_cycle(dates=future_dates(), capacity=1, hold_seats=False)
    j1 = cycle.journees[0]
    client.post(f"/inscription/{cycle.slug}", data=form_data(cycle, email="ana@example.org", journees=[j1]))
    client.post(f"/inscription/{cycle.slug}", data=form_data(cycle, email="ben@example.org", journees=[j1]))
    deliver_queued()
    rows = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    ana_link = manage_path(rows[0])
    assert client.get(ana_link).status_code == 200
    ana = db.session.scalar(select(Subscriber).where(Subscriber.email == "ana@example.org"))
    ben_reg = db.session.scalar(select(Registration).join(Subscriber).where(Subscriber.email == "ben@example.org"))
    assert day_status(ben_reg, j1) == RegistrationStatus.WAITING

    erase_subscriber(ana, actor="admin@example.org", source="test")

    db.session.expire_all()
    ana_reg = db.session.scalar(select(Registration).where(Registration.subscriber_id == ana.id))
    assert day_status(ana_reg, j1) == RegistrationStatus.CANCELLED
    assert day_status(ben_reg, j1) == RegistrationStatus.CONFIRMED  # promoted
    deliver_queued()
    to_ben = db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipients == "ben@example.org")).all()
    assert any("place s'est libérée" in parsed(r).get_body(("plain",)).get_content() for r in to_ben)
    assert not db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipients == "ana@example.org")).all()
    # The link views, cancels and re-registers nothing any more.
    assert client.get(ana_link).status_code == 404
    assert client.post(ana_link, data={"action": "save", "journees": [str(j1.id)]}).status_code == 404
    assert day_status(ana_reg, j1) == RegistrationStatus.CANCELLED


def test_erasure_scrubs_the_address_from_import_reports(app):
    lst = MailingList(slug="formations", name="Formations")
    ana = Subscriber(email="ana@example.org", first_name="Ana")
    db.session.add_all([lst, ana])
    db.session.flush()
    job = ImportJob(list_id=lst.id, file_name="f.csv", stored_path="/nonexistent", actor="admin@example.org",
                    report=[{"line": 2, "email": " Ana@Example.org", "reason": "adresse supprimée (ana@example.org)"},
                            {"line": 3, "email": "zoe@example.org", "reason": "doublon"}])
    db.session.add(job)
    db.session.commit()
    erase_subscriber(ana, actor="admin@example.org")
    db.session.expire_all()
    report = db.session.get(ImportJob, job.id).report
    assert not re.search("ana@example.org", str(report), re.IGNORECASE)
    assert report[0] == {"line": 2, "email": "[effacé]", "reason": "adresse supprimée ([effacé])"}
    assert report[1] == {"line": 3, "email": "zoe@example.org", "reason": "doublon"}
