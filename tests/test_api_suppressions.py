"""/api/v1/suppressions and /api/v1/bounces."""
from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import AuditLog, BounceRecord, Subscriber, Suppression, email_hash
from tests.api_helpers import token_header


def test_suppress_then_look_up_by_address(client):
    headers = token_header("suppressions:write")
    added = client.post("/api/v1/suppressions", headers=headers, json={"email": "Spam.Trap@Example.org"})
    assert added.status_code == 201 and added.get_json()["reason"] == "manual"
    assert db.session.get(Suppression, email_hash("spam.trap@example.org")) is not None
    found = client.get("/api/v1/suppressions/lookup?email=spam.trap@example.org", headers=headers).get_json()
    assert found["email_hash"] == email_hash("spam.trap@example.org")
    assert client.get("/api/v1/suppressions/lookup?email=ok@example.org", headers=headers).status_code == 404
    assert client.post("/api/v1/suppressions", headers=token_header("suppressions:read"),
                       json={"email": "x@example.org"}).status_code == 403


def test_the_api_suppresses_as_the_team_does_with_the_decision_on_the_persons_history(client):
    person = Subscriber(email="connue@example.org")
    db.session.add(person)
    db.session.commit()
    headers = token_header("suppressions:write", "crm")
    added = client.post("/api/v1/suppressions", headers=headers, json={"email": "Connue@example.org"})
    assert added.status_code == 201 and added.get_json()["source"] == "api:crm"
    line = db.session.scalar(select(AuditLog).where(AuditLog.subscriber_id == person.id, AuditLog.action == "suppress"))
    assert (line.actor, line.source) == ("api:crm", "api")
    bad = client.post("/api/v1/suppressions", headers=headers, json={"email": "pas-une-adresse"})
    assert bad.status_code == 422 and bad.get_json()["detail"].startswith("Adresse invalide")


def test_bounce_reports_are_listed_and_filtered(client):
    db.session.add_all([BounceRecord(kind="hard", reason="mailbox_unknown", recipient="a@example.org", status="5.1.1"),
                        BounceRecord(kind="complaint", reason="feedback", recipient="b@example.org")])
    db.session.commit()
    headers = token_header("bounces:read")
    assert len(client.get("/api/v1/bounces", headers=headers).get_json()["items"]) == 2
    hard = client.get("/api/v1/bounces?kind=hard", headers=headers).get_json()["items"]
    assert [(b["recipient"], b["status"]) for b in hard] == [("a@example.org", "5.1.1")]
