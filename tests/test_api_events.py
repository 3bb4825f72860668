"""/api/v1/cycles and registrations: the agenda, registering someone for a journée, the waiting list."""
from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import TransactionalMessage
from tests.api_helpers import token_header
from tests.event_factories import future_dates, make_cycle


def test_register_someone_for_a_journee_then_cancel_and_the_waiting_list_moves(client):
    make_cycle(dates=future_dates(), capacity=1)
    headers = token_header("events:read,registrations:write")
    agenda = client.get("/api/v1/cycles/contrat-de-ville-2016", headers=headers).get_json()
    assert [j["seats_left"] for j in agenda["journees"]][:2] == [1, 1]

    first = client.post("/api/v1/cycles/contrat-de-ville-2016/registrations", headers=headers, json={
        "email": "laura.kossi@example.org", "first_name": "Laura", "journees": [2]})
    assert first.status_code == 201, first.get_json()
    assert first.get_json()["days"] == [{"journee": 2, "status": "confirmed"}]
    second = client.post("/api/v1/cycles/contrat-de-ville-2016/registrations", headers=headers, json={
        "email": "b@example.org", "journees": [2]})
    assert second.get_json()["days"] == [{"journee": 2, "status": "waiting"}]
    kinds = [m.kind for m in db.session.scalars(select(TransactionalMessage))]
    assert kinds == ["registration_confirmation", "registration_confirmation"]

    cancelled = client.post(f"/api/v1/registrations/{first.get_json()['id']}/cancel", headers=headers, json={})
    assert cancelled.get_json()["days"] == [{"journee": 2, "status": "cancelled"}]
    listing = client.get("/api/v1/cycles/contrat-de-ville-2016/registrations",
                         headers=token_header("registrations:read")).get_json()
    assert {r["email"]: r["days"][0]["status"] for r in listing["items"]} == {
        "laura.kossi@example.org": "cancelled", "b@example.org": "confirmed"}


def test_registration_errors_are_problems(client):
    make_cycle(dates=future_dates())
    headers = token_header("registrations:write")
    url = "/api/v1/cycles/contrat-de-ville-2016/registrations"
    assert client.post(url, headers=headers, json={"email": "a@example.org", "journees": [99]}).status_code == 422
    assert client.post(url, headers=headers, json={"email": "nope", "journees": [1]}).status_code == 422
    assert client.post("/api/v1/cycles/nope/registrations", headers=headers, json={"email": "a@example.org"}).status_code == 404
    assert client.post(url, headers=token_header("events:read"), json={"email": "a@example.org"}).status_code == 403
    # Publishing the agenda is not registering people, nor reading who registered.
    assert client.post(url, headers=token_header("events:write"), json={"email": "a@example.org"}).status_code == 403
    assert client.get(url, headers=token_header("events:write")).status_code == 403


def test_past_journees_cannot_be_booked(client):
    make_cycle()  # the seed's 2016 dates
    response = client.post("/api/v1/cycles/contrat-de-ville-2016/registrations", headers=token_header("registrations:write"),
                           json={"email": "a@example.org", "journees": [1]})
    assert response.status_code == 409 and "passée" in response.get_json()["detail"]
