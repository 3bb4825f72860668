"""/api/v1/subscribers and /api/v1/lists through the HTTP client, on the real database."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    AuditLog,
    MailingList,
    Subscriber,
    Subscription,
    Suppression,
    TransactionalMessage,
    email_hash,
)
from tests.api_helpers import token_header

CONSENT = {"text": "J'accepte de recevoir la lettre du CRPVE.", "source": "https://www.crpve91.fr/lettre", "ip": "203.0.113.7"}


def _lists():
    db.session.add_all([MailingList(slug="lettre", name="Lettre"), MailingList(slug="formations", name="Formations")])
    db.session.commit()


def _membership(email: str, slug: str) -> Subscription:
    return db.session.scalar(select(Subscription).join(Subscriber).join(MailingList).where(
        Subscriber.email == email, MailingList.slug == slug))


def test_website_form_adds_a_pending_subscriber_with_consent_and_a_confirmation(client, cli_runner):
    _lists()
    headers = token_header("subscribers:write")
    response = client.post("/api/v1/subscribers", headers=headers, json={
        "email": "Laura.Kossi@Example.org", "first_name": "Laura", "lists": ["lettre"], "consent": CONSENT})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["email"] == "Laura.Kossi@example.org" and body["status"] == "active"
    assert body["subscriptions"][0]["status"] == "pending"
    assert body["subscriptions"][0]["consent_text"] == CONSENT["text"]
    membership = _membership("Laura.Kossi@example.org", "lettre")
    assert (membership.consent_source, membership.consent_ip) == (CONSENT["source"], CONSENT["ip"])
    message = db.session.scalar(select(TransactionalMessage))
    assert message.kind == "subscription_confirmation" and message.to_address == "Laura.Kossi@example.org"
    export = cli_runner.invoke(args=["subscribers", "export"])
    assert "Laura.Kossi@example.org" in export.output


def test_confirmed_at_once_needs_no_message_but_a_suppressed_address_is_refused(client):
    _lists()
    headers = token_header("subscribers:write")
    response = client.post("/api/v1/subscribers", headers=headers, json={
        "email": "a@example.org", "lists": ["lettre", "formations"], "consent": CONSENT, "double_opt_in": False})
    assert response.status_code == 201
    assert {s["status"] for s in response.get_json()["subscriptions"]} == {"confirmed"}
    assert db.session.scalar(select(func.count()).select_from(TransactionalMessage)) == 0

    db.session.add(Suppression(email_hash=email_hash("gone@example.org"), reason="unsubscribed"))
    db.session.commit()
    refused = client.post("/api/v1/subscribers", headers=headers, json={
        "email": "gone@example.org", "lists": ["lettre"], "consent": CONSENT, "double_opt_in": False})
    assert refused.status_code == 409 and refused.content_type == "application/problem+json"
    assert "double" in refused.get_json()["messages"]["en"]
    assert db.session.scalar(select(Subscriber).where(Subscriber.email == "gone@example.org")) is None


def test_invalid_bodies_are_422_problems_naming_the_field(client):
    _lists()
    headers = token_header("subscribers:write")
    missing = client.post("/api/v1/subscribers", headers=headers, json={"email": "a@example.org", "lists": ["lettre"]})
    assert missing.status_code == 422 and "consent" in missing.get_json()["errors"]["json"]
    bad = client.post("/api/v1/subscribers", headers=headers, json={
        "email": "not-an-address", "lists": ["lettre"], "consent": CONSENT})
    assert bad.status_code == 422 and "email" in bad.get_json()["errors"]
    unknown = client.post("/api/v1/subscribers", headers=headers, json={
        "email": "a@example.org", "lists": ["nope"], "consent": CONSENT})
    assert unknown.status_code == 422 and unknown.get_json()["errors"] == {"lists": ["nope"]}
    assert db.session.scalar(select(func.count()).select_from(Subscriber)) == 0


def test_idempotency_key_replays_the_first_answer_and_sends_one_confirmation(client):
    _lists()
    headers = {**token_header("subscribers:write"), "Idempotency-Key": "form-42"}
    body = {"email": "b@example.org", "lists": ["lettre"], "consent": CONSENT}
    first = client.post("/api/v1/subscribers", headers=headers, json=body)
    second = client.post("/api/v1/subscribers", headers=headers, json=body)
    assert first.status_code == second.status_code == 201
    assert second.get_json() == first.get_json() and second.headers["Idempotent-Replayed"] == "true"
    assert db.session.scalar(select(func.count()).select_from(TransactionalMessage)) == 1
    other = client.post("/api/v1/subscribers", headers=headers, json={**body, "email": "c@example.org"})
    assert other.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(Subscriber)) == 1


def test_an_idempotency_key_is_freed_by_a_failure_held_while_in_flight_and_forgotten_after_a_day(client):
    from datetime import timedelta

    from app.models import ApiToken, IdempotencyRecord, utcnow
    from app.services.integrations import KeyInUse, KeyReused, Replay, claim_key, finish_key

    _lists()
    headers = {**token_header("subscribers:write"), "Idempotency-Key": "form-43"}
    body = {"email": "d@example.org", "lists": ["nope"], "consent": CONSENT}
    refused = client.post("/api/v1/subscribers", headers=headers, json=body)
    assert refused.status_code == 422 and db.session.scalar(select(IdempotencyRecord)) is None
    fixed = client.post("/api/v1/subscribers", headers=headers, json={**body, "lists": ["lettre"]})
    assert fixed.status_code == 201 and "Idempotent-Replayed" not in fixed.headers
    record = db.session.scalar(select(IdempotencyRecord))
    record.created_at = utcnow() - timedelta(hours=25)
    db.session.commit()
    later = client.post("/api/v1/subscribers", headers=headers, json={**body, "lists": ["formations"]})
    assert later.status_code == 200 and "Idempotent-Replayed" not in later.headers  # run again: a day went by
    # While a request holds its key, a repeat is told so; another request under that key is refused.
    token = db.session.scalar(select(ApiToken))
    held = claim_key(token.id, "form-44", "fingerprint")
    with pytest.raises(KeyInUse):
        claim_key(token.id, "form-44", "fingerprint")
    with pytest.raises(KeyReused):
        claim_key(token.id, "form-44", "another request")
    finish_key(held, 201, b"{}", "application/json")
    assert claim_key(token.id, "form-44", "fingerprint") == Replay(201, b"{}", "application/json")


def test_lookup_by_email_filters_and_cursor_pagination(client):
    _lists()
    write = token_header("subscribers:write")
    for n in range(5):
        client.post("/api/v1/subscribers", headers=write, json={
            "email": f"p{n}@example.org", "lists": ["lettre" if n % 2 else "formations"], "consent": CONSENT,
            "double_opt_in": False})
    read = token_header("subscribers:read")
    found = client.get("/api/v1/subscribers?email=P3@example.org", headers=read).get_json()
    assert [s["email"] for s in found["items"]] == ["p3@example.org"] and found["next_cursor"] is None
    seen, cursor = [], None
    while True:
        page = client.get("/api/v1/subscribers", headers=read,
                          query_string={"limit": 2, **({"cursor": cursor} if cursor else {})}).get_json()
        seen += [s["email"] for s in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"p{n}@example.org" for n in range(5)]
    members = client.get("/api/v1/subscribers?list=lettre", headers=read).get_json()["items"]
    assert [s["email"] for s in members] == ["p1@example.org", "p3@example.org"]
    assert client.get("/api/v1/subscribers?cursor=%%%", headers=read).status_code == 422


def test_update_unsubscribe_and_erase(client):
    _lists()
    headers = token_header("subscribers:write")
    created = client.post("/api/v1/subscribers", headers=headers, json={
        "email": "d@example.org", "lists": ["lettre", "formations"], "consent": CONSENT, "double_opt_in": False})
    sid = created.get_json()["id"]
    patched = client.patch(f"/api/v1/subscribers/{sid}", headers=headers,
                           json={"organisation": "Mairie d'Évry", "attributes": {"crm_id": "X12"}})
    assert patched.get_json()["organisation"] == "Mairie d'Évry" and patched.get_json()["attributes"] == {"crm_id": "X12"}
    assert client.patch(f"/api/v1/subscribers/{sid}", headers=headers, json={"email": "x@example.org"}).status_code == 422

    one = client.post(f"/api/v1/subscribers/{sid}/unsubscribe", headers=headers, json={"lists": ["lettre"]}).get_json()
    assert {s["list"]: s["status"] for s in one["subscriptions"]} == {"lettre": "unsubscribed", "formations": "confirmed"}
    everything = client.post(f"/api/v1/subscribers/{sid}/unsubscribe", headers=headers, json={}).get_json()
    assert everything["status"] == "unsubscribed"
    assert db.session.get(Suppression, email_hash("d@example.org")) is not None

    assert client.delete(f"/api/v1/subscribers/{sid}", headers=headers).status_code == 204
    erased = client.get(f"/api/v1/subscribers/{sid}", headers=headers).get_json()
    assert erased["status"] == "erased" and erased["email"] is None
    assert db.session.scalar(select(AuditLog.actor).where(AuditLog.action == "erase")) == "api:site web"
    assert client.get("/api/v1/subscribers/999", headers=headers).status_code == 404


def test_lists_create_read_update(client):
    headers = token_header("lists:write")
    created = client.post("/api/v1/lists", headers=headers, json={"slug": "partenaires", "name": "Partenaires"})
    assert created.status_code == 201 and created.get_json()["confirmed"] == 0
    # The admin's and the CLI's rules (create_list), in their words.
    again = client.post("/api/v1/lists", headers=headers, json={"slug": "partenaires", "name": "X"})
    assert again.status_code == 409 and again.get_json()["detail"] == "La liste « partenaires » existe déjà."
    assert client.post("/api/v1/lists", headers=headers, json={"slug": "Pas Bon", "name": "X"}).status_code == 422
    blank = client.post("/api/v1/lists", headers=headers, json={"slug": "vide", "name": "   "})
    assert blank.status_code == 422 and blank.get_json()["detail"] == "Le nom de la liste est vide."
    assert client.patch("/api/v1/lists/partenaires", headers=headers, json={"public": False}).get_json()["public"] is False
    renamed = client.patch("/api/v1/lists/partenaires", headers=headers, json={"name": "  Partenaires 91 "}).get_json()
    assert (renamed["name"], renamed["public"]) == ("Partenaires 91", False)
    assert client.patch("/api/v1/lists/partenaires", headers=headers, json={"name": " "}).status_code == 422
    assert [m["slug"] for m in client.get("/api/v1/lists", headers=headers).get_json()] == ["partenaires"]
    assert client.get("/api/v1/lists/nope", headers=headers).status_code == 404
