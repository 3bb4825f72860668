"""Follow-up audiences chosen in the campaign composer and applied when sending, through a real SMTP server:
"send the slides" reaches only those present at journée 1; the last survey reminder only those present who
did not answer (and someone who answers after it was queued is skipped at send time)."""
from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import Campaign, Delivery, DeliveryStatus
from app.services.events import attendance as att
from app.services.events import surveys
from app.services.events.registrations import register
from tests.event_factories import make_cycle
from tests.sending_fixtures import deliver_queued
from tests.smtp_server import smtp_server  # noqa: F401 (fixture)

SCORES = dict.fromkeys(surveys.QUESTION_KEYS, 5)


def _people():
    cycle = make_cycle()
    j1, j2 = cycle.journees[0], cycle.journees[1]
    regs = {name: register(cycle, f"{name}@example.org", first_name=name.title(), journees=[j1, j2],
                           allow_past=True, notify=False, source="admin", actor="test").registration
            for name in ("ana", "bob", "cleo", "dan")}
    att.check_in(regs["ana"], j1, att.Half.AM, actor="t")
    att.check_in(regs["bob"], j1, att.Half.PM, actor="t")
    att.check_in(regs["dan"], j1, att.Half.AM, actor="t")
    att.check_in(regs["cleo"], j2, att.Half.AM, actor="t")  # absent at journée 1, present at 2
    surveys.save_answer(regs["ana"], j1, SCORES)
    return cycle, regs


def _compose(admin_client, name: str, event: str) -> Campaign:
    assert admin_client.post("/admin/campaigns/new", data={"template": "newsletter", "name": name, "cycle_id": 0,
                                                           "journee_id": 0}).status_code == 302
    campaign = db.session.scalar(select(Campaign).where(Campaign.name == name))
    edit = f"/admin/campaigns/{campaign.id}/edit"
    page = admin_client.get(edit).get_data(as_text=True)
    assert f'value="{event}"' in page  # offered in the composer's audience
    admin_client.post(edit, data={"name": name, "subject": name, "event": event, "action": "save",
                                  "blocks-0-type": "title", "blocks-0-text": name,
                                  "blocks-1-type": "text", "blocks-1-text": "Bonjour, voici la suite."})
    db.session.expire_all()
    campaign = db.session.get(Campaign, campaign.id)
    assert campaign.segment.get("event", {}).get("kind") == event.split(":")[0] and campaign.lists == []
    return campaign


def _send(admin_client, campaign: Campaign) -> None:
    response = admin_client.post(f"/admin/campaigns/{campaign.id}/send-now", follow_redirects=True)
    assert "Envoi lancé" in response.get_data(as_text=True)


def test_slides_to_those_present_and_last_reminder_to_those_who_did_not_answer(app, admin_client, smtp_server):
    app.config.update(SMTP_URL=smtp_server.url)
    cycle, regs = _people()
    j1 = cycle.journees[0]

    slides = _compose(admin_client, "Les diapositives de la journée 1", f"present:{cycle.id}:{j1.id}")
    _send(admin_client, slides)
    deliver_queued(app)
    assert sorted(smtp_server.recipients()) == ["ana@example.org", "bob@example.org", "dan@example.org"]
    assert all(b"diapositives" in m.data for m in smtp_server.messages)
    smtp_server.messages.clear()

    last_call = _compose(admin_client, "Votre avis sur la journée 1", f"not_answered:{cycle.id}:{j1.id}")
    _send(admin_client, last_call)  # queued for Bob and Dan (Ana answered)
    queued = db.session.scalar(select(Campaign.id).where(Campaign.id == last_call.id))
    assert {d.subscriber_id for d in db.session.scalars(select(Delivery).where(Delivery.campaign_id == queued))} == {
        regs["bob"].subscriber_id, regs["dan"].subscriber_id}
    surveys.save_answer(regs["dan"], j1, SCORES)  # Dan answers before the worker gets to him
    deliver_queued(app)
    assert smtp_server.recipients() == ["bob@example.org"]
    skipped = db.session.scalar(select(Delivery).where(Delivery.campaign_id == queued,
                                                       Delivery.subscriber_id == regs["dan"].subscriber_id))
    assert skipped.status == DeliveryStatus.SKIPPED

    smtp_server.messages.clear()
    absent = _compose(admin_client, "Vous nous avez manqué", f"absent:{cycle.id}:{j1.id}")
    _send(admin_client, absent)
    deliver_queued(app)
    assert smtp_server.recipients() == ["cleo@example.org"]


def test_cycle_survey_audiences_are_offered_too(admin_client, app):
    cycle, _regs = _people()
    assert admin_client.post("/admin/campaigns/new", data={"template": "newsletter", "name": "X", "cycle_id": 0,
                                                           "journee_id": 0}).status_code == 302
    campaign = db.session.scalar(select(Campaign))
    page = admin_client.get(f"/admin/campaigns/{campaign.id}/edit").get_data(as_text=True)
    for value in (f"answered:{cycle.id}:", f"not_answered:{cycle.id}:", f"present:{cycle.id}:"):
        assert f'value="{value}"' in page
    assert "n&#39;ayant pas répondu au questionnaire du cycle" in page
