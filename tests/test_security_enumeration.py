"""Nothing tells a stranger who is registered or subscribed: the registration form, the subscription
form and the login page answer the same for a known and an unknown address."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import MailingList, OutboxMessage
from tests.event_factories import future_dates, make_cycle
from tests.test_registration_web import form_data
from tests.sending_fixtures import deliver_queued


def _page(client, cycle, email, journees=None) -> tuple[int, str]:
    response = client.post(f"/inscription/{cycle.slug}", data=form_data(cycle, email=email, journees=journees))
    return response.status_code, response.get_data(as_text=True).replace(email, "ADDRESS")


@pytest.mark.parametrize("capacity", [None, 20])  # seats given at once / held until the address is confirmed
def test_a_registered_persons_address_gives_the_same_page_as_an_unknown_one(app, client, capacity):
    cycle = make_cycle(dates=future_dates(), capacity=capacity)
    j1, j2 = cycle.journees[:2]
    first = _page(client, cycle, "ana@example.org", [j1, j2])
    again = _page(client, cycle, "ana@example.org", [j1, j2])  # a stranger, with Ana's address
    stranger = _page(client, cycle, "nobody@example.org", [j1, j2])
    partly = _page(client, cycle, "ana@example.org", [j1, cycle.journees[2]])
    assert first == again == stranger == partly
    assert first[0] == 200
    assert "déjà inscrit" not in first[1].replace("si vous étiez déjà inscrit·e à ces journées", "")
    assert "Journée 1" not in first[1] and "attente" not in first[1]


def test_the_subscription_form_answers_the_same(app, client):
    db.session.add(MailingList(slug="formations", name="Formations", public=True))
    db.session.commit()
    known = client.post("/subscribe", data={"email": "ana@example.org", "lists": "formations"})
    again = client.post("/subscribe", data={"email": "ana@example.org", "lists": "formations"})
    unknown = client.post("/subscribe", data={"email": "zoe@example.org", "lists": "formations"})
    assert known.status_code == again.status_code == unknown.status_code == 303
    assert known.headers["Location"] == again.headers["Location"] == unknown.headers["Location"]


def test_the_login_page_answers_the_same(app, client, admin_user):
    known = client.post("/admin/login", data={"email": admin_user.email, "password": "wrong password"})
    unknown = client.post("/admin/login", data={"email": "nobody@example.org", "password": "wrong password"})
    assert known.status_code == unknown.status_code == 401
    assert known.get_data(as_text=True).replace(admin_user.email, "X") == \
        unknown.get_data(as_text=True).replace("nobody@example.org", "X")


def test_details_go_only_to_the_address(app, client):
    cycle = make_cycle(dates=future_dates())
    client.post(f"/inscription/{cycle.slug}", data=form_data(cycle, email="ana@example.org",
                                                            journees=cycle.journees[:2]))
    deliver_queued()
    [row] = db.session.scalars(select(OutboxMessage)).all()
    assert row.recipients == "ana@example.org" and b"Journ" in row.raw
