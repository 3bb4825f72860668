"""Sequences through their surfaces: the CLI (and docs/sequences.md's commands), the API, the webhooks,
the welcome series started by a real double opt-in, and the tick's query plan."""
from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    Delivery,
    MailingList,
    SequenceEnrolment,
    Subscriber,
    SubscriberStatus,
    WebhookDelivery,
    utcnow,
)
from app.services.audience import confirm_subscription as confirm, request_subscription
from app.services.sequences import example_files, load_sequence, sequence_by_name, sequence_counts, tick
from tests.api_helpers import token_header
from tests.doc_commands import ROOT, commands_in, run_flask
from tests.test_webhooks import endpoint_row

SEQUENCES_DOC = ROOT / "docs" / "sequences.md"


def _list(slug: str = "formations") -> MailingList:
    mailing_list = MailingList(slug=slug, name="Formations CRPVE")
    db.session.add(mailing_list)
    db.session.commit()
    return mailing_list


# doc-commands: docs/sequences.md flask --app wsgi
def test_the_commands_of_the_guide_run_and_status_gives_the_counts(app, monkeypatch):
    _list()
    monkeypatch.chdir(ROOT)  # the guide's paths are the checkout's
    outputs = {" ".join(c.words[3:5]): run_flask(app, c).output for c in commands_in(SEQUENCES_DOC)
               if c.lang != "console" and c.words[:3] == ["flask", "--app", "wsgi"]}
    assert set(outputs) == {"sequences examples", "sequences load", "sequences status", "sequences list"}
    assert {p.rsplit("/", 1)[-1] for p in outputs["sequences examples"].split()} == {
        "apres-le-cycle.json", "bienvenue.json", "relance-avant-le-cycle.json"}
    assert "Bienvenue" in outputs["sequences load"] and "2 étape(s)" in outputs["sequences load"]
    status = json.loads(outputs["sequences status"])
    assert status == {"name": "Bienvenue", "paused": False, "enrolled": 0, "active": 0,
                      "waiting": {"1": 0, "2": 0}, "completed": 0, "exited": {}, "queued": {"1": 0, "2": 0},
                      "passed": {"1": 0, "2": 0}}


def test_loading_again_updates_in_place_and_pause_holds_every_enrolment(app, cli_runner, tmp_path):
    _list()
    data = json.loads(next(p for p in example_files() if p.stem == "bienvenue").read_text(encoding="utf-8"))
    data["steps"][1]["subject"] = "Autre sujet"
    path = tmp_path / "bienvenue.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert cli_runner.invoke(args=["sequences", "load", str(path)]).exit_code == 0
    assert cli_runner.invoke(args=["sequences", "load", str(path)]).output.count("mise à jour") == 1
    sequence = sequence_by_name("Bienvenue")
    assert [s.subject for s in sequence.steps] == ["Bienvenue au CRPVE", "Autre sujet"]
    assert sequence.steps[1].campaign_id is not None
    bad = tmp_path / "bad.json"
    bad.write_text('{"name": "X", "trigger": {"subscribed": "inconnue"}, "steps": []}', encoding="utf-8")
    refused = cli_runner.invoke(args=["sequences", "load", str(bad)])
    assert refused.exit_code == 1 and "liste inconnue" in refused.output

    request_subscription("ana@example.org", "Ana", [db.session.get(MailingList, sequence.list_id)], ip=None,
                         shown_text="consentement", source="test")
    assert cli_runner.invoke(args=["sequences", "pause", "Bienvenue"]).exit_code == 0
    subscriber = db.session.scalar(select(Subscriber).where(Subscriber.email == "ana@example.org"))
    confirm({"s": subscriber.uid, "l": [sequence.list_id]}, ip=None)
    assert tick().queued == 0  # enrolled, but held by the pause
    assert db.session.scalar(select(func.count()).select_from(SequenceEnrolment)) == 1
    assert cli_runner.invoke(args=["sequences", "resume", "Bienvenue"]).exit_code == 0
    assert tick().queued == 1


def test_a_double_opt_in_enrols_and_step_one_is_queued_at_the_next_tick(app):
    mailing_list = _list()
    load_sequence(json.loads(next(p for p in example_files() if p.stem == "bienvenue").read_text(encoding="utf-8")))
    request_subscription("bea@example.org", "Béa", [mailing_list], ip=None, shown_text="consentement", source="test")
    assert tick().enrolled == 0  # pending: not yet
    subscriber = db.session.scalar(select(Subscriber).where(Subscriber.email == "bea@example.org"))
    confirm({"s": subscriber.uid, "l": [mailing_list.id]}, ip=None)
    report = tick()
    assert (report.events, report.enrolled, report.queued) == (1, 1, 1)
    delivery = db.session.scalar(select(Delivery))
    step = sequence_by_name("Bienvenue").steps[0]
    assert (delivery.campaign_id, delivery.subscriber_id) == (step.campaign_id, subscriber.id)
    assert tick().events == 0  # handled once


def test_api_lists_saves_and_enrols_with_its_scopes(app, client):
    _list()
    db.session.add(Subscriber(email="carla@example.org"))
    db.session.commit()
    reader, writer = token_header("sequences:read", "lecture"), token_header("sequences:write", "écriture")
    definition = {"name": "Depuis le CRM", "trigger": {"api": True},
                  "steps": [{"after": "0", "subject": "Bonjour", "markdown": "Un message."}]}
    assert client.post("/api/v1/sequences", json=definition, headers=reader).status_code == 403
    saved = client.post("/api/v1/sequences", json=definition, headers=writer)
    assert saved.status_code == 200 and saved.json["trigger"] == "api"
    listed = client.get("/api/v1/sequences", headers=reader)
    assert [s["name"] for s in listed.json] == ["Depuis le CRM"]
    enrolled = client.post("/api/v1/sequences/Depuis le CRM/enrol", json={"email": "Carla@Example.org"}, headers=writer)
    assert enrolled.status_code == 200 and enrolled.json["enrolled"] is True
    again = client.post("/api/v1/sequences/depuis-le-crm/enrol", json={"email": "carla@example.org"}, headers=writer)
    assert again.json["enrolled"] is False
    unknown = client.post("/api/v1/sequences/depuis-le-crm/enrol", json={"email": "nobody@example.org"}, headers=writer)
    assert unknown.status_code == 404 and "ajoutez-la" in unknown.json["detail"]
    missing = client.get("/api/v1/sequences/inexistante", headers=reader)
    assert missing.status_code == 404
    bad = client.post("/api/v1/sequences", json={**definition, "steps": [{"subject": "x"}]}, headers=writer)
    assert bad.status_code == 422 and "markdown" in bad.json["detail"]
    assert tick().queued == 1
    assert client.get("/api/v1/sequences/depuis-le-crm", headers=reader).json["counts"]["completed"] == 1


def test_webhooks_announce_completed_and_exited_with_the_reason(app):
    db.session.add(endpoint_row("https://crm.example.org/hook", ["sequence.completed", "sequence.exited"]))
    _list()
    for address in ("dan@example.org", "eve@example.org"):
        db.session.add(Subscriber(email=address))
    db.session.commit()
    load_sequence({"name": "API", "trigger": {"api": True},
                   "steps": [{"after": "1h", "subject": "Bonjour", "markdown": "Un message."}]})
    from app.services.sequences import enrol_address

    enrol_address("API", "dan@example.org")
    enrol_address("API", "eve@example.org")
    eve = db.session.scalar(select(Subscriber).where(Subscriber.email == "eve@example.org"))
    eve.status = SubscriberStatus.UNSUBSCRIBED
    db.session.commit()
    report = tick(now=utcnow() + timedelta(hours=2))
    assert report.completed == 1 and dict(report.exited) == {"unsubscribed": 1}
    payloads = {d.event: d.payload["data"] for d in db.session.scalars(select(WebhookDelivery))}
    assert payloads["sequence.completed"]["subscriber"]["email"] == "dan@example.org"
    assert payloads["sequence.exited"]["reason"] == "unsubscribed"
    assert payloads["sequence.exited"]["sequence"]["name"] == "API"
    assert sequence_counts(sequence_by_name("API"))["exited"] == {"unsubscribed": 1}


def test_a_step_whose_campaign_was_cancelled_gets_a_new_one_and_still_goes(app):
    from app.models import Campaign, CampaignStatus
    from app.sending import campaign_state
    from app.services.sequences import enrol_address

    db.session.add(Subscriber(email="gus@example.org"))
    db.session.commit()
    load_sequence({"name": "API", "trigger": {"api": True},
                   "steps": [{"after": "0", "subject": "Bonjour", "markdown": "Un message."}]})
    old = sequence_by_name("API").steps[0].campaign_id
    campaign_state.cancel(old, utcnow(), "annulée depuis la page des campagnes")
    db.session.commit()
    enrol_address("API", "gus@example.org")
    assert tick().queued == 1
    step = sequence_by_name("API").steps[0]
    assert step.campaign_id != old and db.session.get(Campaign, step.campaign_id).status == CampaignStatus.SENDING
    assert db.session.scalar(select(Delivery.campaign_id)) == step.campaign_id


def test_the_tick_finds_due_steps_through_the_partial_index_without_statistics(app):
    """The one query of the tick reads ix_sequence_enrolments_due in order (no sort of every due row), on a
    never-analysed table that holds many due rows, on both databases."""
    from sqlalchemy import insert

    from app.models import EnrolmentStatus, SequenceEnrolment
    from app.services.sequences import find_due

    db.session.add(Subscriber(email="one@example.org"))
    load_sequence({"name": "API", "trigger": {"api": True}, "steps": [{"subject": "a", "markdown": "b"}]})
    sequence, now = sequence_by_name("API"), utcnow()
    people = db.session.execute(insert(Subscriber).returning(Subscriber.id), [
        {"uid": f"u{i:07d}", "email": f"x{i}@example.org", "attributes": {}, "created_at": now, "updated_at": now}
        for i in range(20_000)]).scalars().all()
    db.session.execute(insert(SequenceEnrolment), [
        {"sequence_id": sequence.id, "subscriber_id": sid, "status": EnrolmentStatus.ACTIVE, "anchor_at": now,
         "next_position": 1, "next_due_at": now - timedelta(minutes=1), "exit_reason": "", "source": "test",
         "enrolled_at": now} for sid in people])
    db.session.commit()
    plan = "\n".join(find_due(now, 1000, [sequence.id + 1], explain=True))
    db.session.rollback()
    if db.engine.dialect.name == "postgresql":
        assert "Index Scan using ix_sequence_enrolments_due" in plan and "Sort" not in plan, plan
    else:
        assert "USING INDEX ix_sequence_enrolments_due" in plan and "TEMP B-TREE" not in plan, plan
    assert len(find_due(now, 1000, [])) == 1000
    db.session.rollback()
