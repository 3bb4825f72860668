"""Audiences from registrations: the cycle, journée N, the waiting list, "none of this cycle",
combined with lists; "Écrire aux inscrits"; saved segments with a live count."""
from __future__ import annotations

import re

from sqlalchemy import select

from app.extensions import db
from app.models import (
    Campaign,
    Delivery,
    MailingList,
    Registration,
    RegistrationDay,
    RegistrationStatus,
    SavedSegment,
    SubscriberStatus,
)
from app.sending.queue import audience_query, enqueue, recipients
from app.services.audience import event_audiences
from app.services.audience import people
from tests.event_factories import future_dates, make_cycle

OFFICER = "admin@example.org"


def _setup():
    ml = MailingList(slug="formations", name="Formations")
    db.session.add(ml)
    db.session.commit()
    cycle = make_cycle(dates=future_dates())
    j1, j2 = cycle.journees[0], cycle.journees[1]
    who = {name: people.add_person(f"{name}@exemple.fr", {"first_name": name}, [ml], actor=OFFICER)
           for name in ("ana", "ben", "chloe", "dan", "eve")}
    for name, days in {"ana": [(j1, RegistrationStatus.CONFIRMED)], "ben": [(j2, RegistrationStatus.CONFIRMED)],
                       "chloe": [(j2, RegistrationStatus.WAITING)],
                       "eve": [(j1, RegistrationStatus.CONFIRMED), (j2, RegistrationStatus.CONFIRMED)]}.items():
        registration = Registration(cycle=cycle, subscriber=who[name])
        for journee, status in days:
            registration.days.append(RegistrationDay(journee=journee, status=status))
        db.session.add(registration)
    db.session.commit()
    return ml, cycle, who


def _audience(campaign) -> set[str]:
    ids = set(db.session.scalars(audience_query(campaign)))
    re_checked = set(recipients(campaign, [p.id for p in _everyone()]))
    assert ids == re_checked, "the audience query and the send-time re-check disagree"
    return {row[2].split("@")[0] for row in recipients(campaign, ids).values()}


def _everyone():
    from app.models import Subscriber

    return db.session.scalars(select(Subscriber)).all()


def _campaign(lists, kind, cycle, journee=None) -> Campaign:
    criterion = event_audiences.normalise({"kind": kind, "cycle_id": cycle.id,
                                           "journee_id": journee.id if journee else None})
    campaign = Campaign(slug=f"c-{kind}-{journee.number if journee else 0}-{len(lists)}", name="C", subject="S", lists=lists, segment={"event": criterion})
    db.session.add(campaign)
    db.session.commit()
    return campaign


def test_each_registration_criterion_combined_with_a_list(app):
    ml, cycle, _who = _setup()
    j1, j2 = cycle.journees[0], cycle.journees[1]
    assert _audience(_campaign([ml], "cycle", cycle)) == {"ana", "ben", "eve"}
    assert _audience(_campaign([ml], "journee", cycle, j2)) == {"ben", "eve"}
    assert _audience(_campaign([ml], "waiting", cycle)) == {"chloe"}
    assert _audience(_campaign([ml], "none", cycle)) == {"dan"}
    assert _audience(_campaign([ml], "journee", cycle, j1)) == {"ana", "eve"}


def test_writing_to_journee_2_is_editorial_leaving_everything_stops_it_leaving_a_list_does_not(admin_client):
    """"Écrire aux inscrits" is a message the officer writes (app.sending.eligibility: editorial):
    someone who asked for no more messages is not written to, registered or not; someone who only
    left a list still is; the send-time re-check follows cancellations."""
    ml, cycle, who = _setup()
    j2 = cycle.journees[1]
    people.unsubscribe_all(who["ben"], actor=OFFICER)  # "plus aucun message": still registered for journée 2
    people.set_lists(who["eve"], set(), actor=OFFICER)  # left the newsletter only
    response = admin_client.post(f"/admin/events/{cycle.id}/write", data={"journee_id": str(j2.id)})
    assert response.status_code == 303
    campaign = db.session.scalar(select(Campaign).order_by(Campaign.id.desc()))
    assert campaign.lists == [] and campaign.segment["event"]["kind"] == "journee"
    assert "/admin/campaigns/%d/edit" % campaign.id in response.headers["Location"]
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert re.search(r'value="journee:\d+:%d" selected>[^<]* · Journée 2 — [^<]* : inscrits<' % j2.id, page)
    assert who["ben"].status == SubscriberStatus.UNSUBSCRIBED
    assert _audience(campaign) == {"eve"}
    assert enqueue(campaign) == 1
    assert db.session.scalar(select(Delivery.subscriber_id)) == who["eve"].id
    day = db.session.scalar(select(RegistrationDay).join(Registration).where(
        Registration.subscriber_id == who["eve"].id, RegistrationDay.journee_id == j2.id))
    day.status = RegistrationStatus.CANCELLED
    db.session.commit()
    assert recipients(campaign, [who["eve"].id]) == {}


def test_composer_event_select_saved_segment_and_live_count(admin_client):
    ml, cycle, _who = _setup()
    campaign = Campaign(slug="lettre", name="Lettre", subject="Lettre", lists=[ml])
    db.session.add(campaign)
    db.session.commit()
    response = admin_client.post(f"/admin/campaigns/{campaign.id}/edit", data={
        "name": "Lettre", "subject": "Lettre", "lists": [str(ml.id)], "event": f"none:{cycle.id}:", "action": "save"})
    assert response.status_code in (302, 303)
    db.session.expire_all()
    assert campaign.segment["event"] == {"kind": "none", "cycle_id": cycle.id, "journee_id": None}
    count = admin_client.get(f"/admin/campaigns/{campaign.id}/audience-count?lists={ml.id}&event=none:{cycle.id}:")
    assert count.get_json() == {"count": 1}
    bad = admin_client.post(f"/admin/campaigns/{campaign.id}/edit", data={
        "name": "Lettre", "subject": "Lettre", "lists": [str(ml.id)], "event": "journee:999:", "action": "save"},
        follow_redirects=True)
    assert "Critère d&#39;inscription refusé" in bad.get_data(as_text=True)
    admin_client.post(f"/admin/campaigns/{campaign.id}/edit", data={
        "name": "Lettre", "subject": "Lettre", "lists": [str(ml.id)], "event": f"none:{cycle.id}:", "action": "save"})
    admin_client.post(f"/admin/campaigns/{campaign.id}/segment/save", data={"name": "Pas encore inscrits"})
    segment = db.session.scalar(select(SavedSegment))
    assert segment.list_ids == [ml.id] and segment.segment["event"]["kind"] == "none"
    page = admin_client.get("/admin/segments").get_data(as_text=True)
    assert "Pas encore inscrits" in page and "inscrits à aucune journée" in page
    assert '<td class="num">1</td>' in page
    other = Campaign(slug="autre", name="Autre", subject="Autre")
    db.session.add(other)
    db.session.commit()
    admin_client.post(f"/admin/campaigns/{other.id}/segment/apply", data={"segment_id": str(segment.id)})
    db.session.expire_all()
    assert [m.id for m in other.lists] == [ml.id] and _audience(other) == {"dan"}


def test_follow_up_audiences_reach_the_queue(app):
    """"Présents" and "absents à la journée 1" as a campaign audience, with no list
    (registrants, editorial rules) and the send-time re-check driven by the batch's ids."""
    from app.services.events import attendance as att
    from app.services.events.registrations import register

    cycle = make_cycle()
    j1 = cycle.journees[0]
    regs = {name: register(cycle, f"{name}@example.org", journees=[j1], allow_past=True, notify=False,
                           source="admin", actor="test").registration for name in ("ana", "bob")}
    att.check_in(regs["ana"], j1, att.Half.AM, actor="t")
    present = _campaign([], "present", cycle, j1)
    absent = _campaign([], "absent", cycle, j1)
    assert _audience(present) == {"ana"} and _audience(absent) == {"bob"}
    assert "présents (la journée 1)" in event_audiences.describe(present.segment["event"])
