"""/api/v1: a website publishes its agenda from Lettrine (cycles and journées created and edited with
``events:write``) and registers people (``registrations:write``), through the admin's own service functions:
reminders follow the dates, a moved journée sends its registrants the new .ics, past days are refused."""
from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import select

from app.extensions import db
from app.models import Campaign, Cycle, TransactionalMessage, utcnow
from app.timeutil import local_to_utc, to_local
from tests.api_helpers import token_header


def _day(days_ahead: int, hour: int = 10) -> str:
    day = (to_local(utcnow()).date()).toordinal() + days_ahead
    return local_to_utc(datetime.fromordinal(day).date(), time(hour)).isoformat()


def _reminders(cycle_slug: str) -> list[Campaign]:
    cycle = db.session.scalar(select(Cycle).where(Cycle.slug == cycle_slug))
    return list(db.session.scalars(select(Campaign).where(Campaign.cycle_id == cycle.id,
                                                          Campaign.journee_id.is_not(None))))


def test_a_website_publishes_a_cycle_then_people_register(client):
    agenda = token_header("events:write", name="site")
    created = client.post("/api/v1/cycles", headers=agenda, json={
        "title": "Politique de la ville : les fondamentaux", "kicker": "Cycle de qualification",
        "capacity": 1, "reminder_rules": [{"days_before": 7, "time": "09:00"}], "venue_name": "CRPVE"})
    assert created.status_code == 201, created.get_json()
    cycle = created.get_json()
    assert cycle["slug"] == "politique-de-la-ville-les-fondamentaux"
    assert cycle["published"] is False and cycle["journees"] == []

    first = client.post(f"/api/v1/cycles/{cycle['slug']}/journees", headers=agenda, json={
        "number": 1, "starts_at": _day(30), "ends_at": _day(30, 17), "title": "Les acteurs"})
    assert first.status_code == 201, first.get_json()
    assert first.get_json()["seats_left"] == 1
    # The reminder rule gave the new journée its reminder, as the admin's editor does.
    assert len(_reminders(cycle["slug"])) == 1

    published = client.patch(f"/api/v1/cycles/{cycle['slug']}", headers=agenda, json={"published": True})
    assert published.get_json()["published"] is True
    assert published.get_json()["title"] == "Politique de la ville : les fondamentaux"  # untouched

    # The agenda token cannot register anyone; a registrations token can.
    url = f"/api/v1/cycles/{cycle['slug']}/registrations"
    assert client.post(url, headers=agenda, json={"email": "a@example.org"}).status_code == 403
    people = token_header("registrations:write", name="formulaire")
    registered = client.post(url, headers=people, json={"email": "laura.kossi@example.org", "journees": [1]})
    assert registered.status_code == 201
    assert registered.get_json()["days"] == [{"journee": 1, "status": "confirmed"}]

    # Moving the journée tells its registrant, with the new date.
    before = db.session.scalar(select(TransactionalMessage.id).order_by(TransactionalMessage.id.desc()))
    moved = client.patch(f"/api/v1/cycles/{cycle['slug']}/journees/1", headers=agenda,
                         json={"starts_at": _day(31), "ends_at": _day(31, 17)})
    assert moved.status_code == 200, moved.get_json()
    assert moved.get_json()["starts_at"].startswith(_day(31)[:10])
    told = db.session.scalars(select(TransactionalMessage).where(TransactionalMessage.id > before)).all()
    assert [m.kind for m in told] == ["registration_update"]
    assert told[0].to_address == "laura.kossi@example.org"

    # Someone registered: the journée cannot be deleted (the admin's rule), with a problem in French.
    refused = client.delete(f"/api/v1/cycles/{cycle['slug']}/journees/1", headers=agenda)
    assert refused.status_code == 422
    assert refused.mimetype == "application/problem+json" and "inscrites" in refused.get_json()["detail"]


def test_changing_a_registrations_days_and_reading_it(client):
    agenda = token_header("events:write")
    slug = client.post("/api/v1/cycles", headers=agenda, json={"title": "Cycle", "capacity": 5}).get_json()["slug"]
    for number in (1, 2):
        client.post(f"/api/v1/cycles/{slug}/journees", headers=agenda,
                    json={"number": number, "starts_at": _day(20 + number), "ends_at": _day(20 + number, 17)})
    people = token_header("registrations:write")
    reg = client.post(f"/api/v1/cycles/{slug}/registrations", headers=people,
                      json={"email": "b@example.org", "journees": [1]}).get_json()
    changed = client.patch(f"/api/v1/registrations/{reg['id']}", headers=people, json={"journees": [2]})
    assert changed.status_code == 200
    assert sorted((d["journee"], d["status"]) for d in changed.get_json()["days"]) == [
        (1, "cancelled"), (2, "confirmed")]
    # Reading a registrant needs registrations:read (or :write); the agenda's scope is not enough.
    assert client.get(f"/api/v1/registrations/{reg['id']}", headers=agenda).status_code == 403
    read = client.get(f"/api/v1/registrations/{reg['id']}", headers=token_header("registrations:read"))
    assert read.status_code == 200 and read.get_json()["email"] == "b@example.org"
    assert client.patch(f"/api/v1/registrations/{reg['id']}", headers=people,
                        json={"journees": [9]}).status_code == 422


def test_agenda_writes_refuse_what_the_editor_refuses(client):
    agenda = token_header("events:write")
    slug = client.post("/api/v1/cycles", headers=agenda, json={"title": "Cycle", "slug": "cycle-a"}).get_json()["slug"]
    assert slug == "cycle-a"
    again = client.post("/api/v1/cycles", headers=agenda, json={"title": "Autre", "slug": "cycle-a"})
    assert again.status_code == 409
    past = client.post(f"/api/v1/cycles/{slug}/journees", headers=agenda,
                       json={"number": 1, "starts_at": _day(-3), "ends_at": _day(-3, 17)})
    assert past.status_code == 422 and "passé" in past.get_json()["detail"]
    backwards = client.post(f"/api/v1/cycles/{slug}/journees", headers=agenda,
                            json={"number": 1, "starts_at": _day(5, 17), "ends_at": _day(5, 10)})
    assert backwards.status_code == 422
    naive = client.post(f"/api/v1/cycles/{slug}/journees", headers=agenda,
                        json={"number": 1, "starts_at": "2040-01-01T10:00:00", "ends_at": "2040-01-01T17:00:00"})
    assert naive.status_code == 422  # a time without its offset is ambiguous
    rules = client.patch(f"/api/v1/cycles/{slug}", headers=agenda,
                         json={"reminder_rules": [{"days_before": 7}, {"days_before": 7, "time": "10:00"}]})
    assert rules.status_code == 422 and rules.get_json()["code"] == "cycle"
    assert client.post("/api/v1/cycles", headers=token_header("events:read"), json={"title": "X"}).status_code == 403
    # PostgreSQL cannot store a NUL character: refused before the database (it answered 500 there).
    nul = client.patch(f"/api/v1/cycles/{slug}", headers=agenda, json={"venue_name": "CRPVE\x00"})
    assert nul.status_code == 422 and "venue_name" in str(nul.get_json()["errors"])
    ok = client.post(f"/api/v1/cycles/{slug}/journees", headers=agenda,
                     json={"number": 1, "starts_at": _day(5), "ends_at": _day(5, 17)})
    assert ok.status_code == 201
    assert client.post(f"/api/v1/cycles/{slug}/journees", headers=agenda,
                       json={"number": 1, "starts_at": _day(6), "ends_at": _day(6, 17)}).status_code == 409
    assert client.delete(f"/api/v1/cycles/{slug}/journees/1", headers=agenda).status_code == 204
    assert client.get(f"/api/v1/cycles/{slug}", headers=agenda).get_json()["journees"] == []


def test_patching_the_reminder_rules_keeps_the_officers_introductions(client):
    """The cycle editor gives each reminder rule an introduction (issue #24); the API's rules had no such
    field, so a website that moved a reminder to 10:00 wiped the officer's words from every reminder."""
    from app.models import Cycle

    agenda = token_header("events:write", name="site")
    slug = client.post("/api/v1/cycles", headers=agenda, json={
        "title": "Cycle aux rappels écrits", "reminder_rules": [{"days_before": 7}, {"days_before": 1}]}).get_json()["slug"]
    cycle = db.session.scalar(select(Cycle).where(Cycle.slug == slug))
    cycle.reminder_rules = [{"days_before": 7, "time": "09:00", "intro": "Pensez au **covoiturage**."},
                            {"days_before": 1, "time": "09:00", "intro": "À demain !"}]
    db.session.commit()
    patched = client.patch(f"/api/v1/cycles/{slug}", headers=agenda, json={
        "reminder_rules": [{"days_before": 7, "time": "10:00"}, {"days_before": 1, "intro": ""},
                           {"days_before": 2, "intro": "Dans deux jours."}]})
    assert patched.status_code == 200, patched.get_json()
    db.session.expire_all()
    assert db.session.scalar(select(Cycle.reminder_rules).where(Cycle.slug == slug)) == [
        {"days_before": 7, "time": "10:00", "intro": "Pensez au **covoiturage**."},
        {"days_before": 1, "time": "09:00"},
        {"days_before": 2, "time": "09:00", "intro": "Dans deux jours."}]
