"""The admin's "Séquences" pages: created from a ready-made sequence (paused), edited through the file's
shape, counts of where everyone stands, a step previewed and test-sent to a real SMTP server, pause and
resume, and a person's page showing her sequences."""
from __future__ import annotations

import re
from datetime import time, timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import (
    Campaign, MailingList, Sequence, Subscriber, Subscription, SubscriptionStatus, TransactionalMessage, utcnow,
)
from app.services.audience import unsubscribe_all
from app.services.sequences import enrol_subscriber, set_paused, tick
from app.timeutil import local_to_utc, to_local
from tests.event_factories import future_dates, make_cycle
from tests.sending_fixtures import deliver_queued
from tests.smtp_server import smtp_server  # noqa: F401 (fixture)


def _csrf(client, path: str) -> str:
    """The page's CSRF token (the tests run with the check off, except where it is the point)."""
    page = client.get(path).get_data(as_text=True)
    found = re.search(r'name="csrf_token"[^>]*value="([^"]*)"', page)
    return found[1] if found else ""


def _bienvenue(admin_client, name: str = "Bienvenue lettre") -> Sequence:
    db.session.add(MailingList(slug="lettre", name="La lettre"))
    db.session.commit()
    response = admin_client.post("/admin/sequences/new", data={
        "csrf_token": _csrf(admin_client, "/admin/sequences"), "example": "bienvenue", "name": name,
        "list_slug": "lettre", "cycle_slug": ""})
    assert response.status_code == 302, response.get_data(as_text=True)
    return db.session.scalar(select(Sequence).where(Sequence.name == name))


def _people(n: int, list_slug: str = "lettre") -> list[Subscriber]:
    """People confirmed on the list (a welcome series lets go of whoever leaves it)."""
    mailing_list = db.session.scalar(select(MailingList).where(MailingList.slug == list_slug))
    people = [Subscriber(email=f"p{i}@example.org", first_name=f"P{i}") for i in range(n)]
    db.session.add_all(people)
    db.session.flush()
    db.session.add_all(Subscription(subscriber_id=p.id, list_id=mailing_list.id, status=SubscriptionStatus.CONFIRMED,
                                    consent_at=utcnow(), confirmed_at=utcnow()) for p in people)
    db.session.commit()
    return people


def test_created_from_the_ready_made_bienvenue_paused_on_the_chosen_list(admin_client):
    sequence = _bienvenue(admin_client)
    assert sequence.paused is True  # its texts are read before anything leaves
    assert sequence.definition["trigger"] == {"subscribed": "lettre"}
    assert [s.position for s in sequence.steps] == [1, 2] and sequence.steps[1].window == "mon-fri 09:00-18:00"
    page = admin_client.get(f"/admin/sequences/{sequence.id}").get_data(as_text=True)
    assert "Bienvenue au CRPVE" in page and "en pause" in page and "Reprendre la séquence" in page
    assert 'value="cycle_full"' not in page  # a welcome series follows no cycle: no cycle exit offered
    # A name already taken, a ready-made sequence without the list it needs: refused, in French.
    again = admin_client.post("/admin/sequences/new", follow_redirects=True, data={
        "csrf_token": _csrf(admin_client, "/admin/sequences"), "example": "bienvenue", "name": "Bienvenue lettre",
        "list_slug": "lettre"})
    assert "s&#39;appelle déjà" in again.get_data(as_text=True)
    no_list = admin_client.post("/admin/sequences/new", follow_redirects=True, data={
        "csrf_token": _csrf(admin_client, "/admin/sequences"), "example": "bienvenue", "name": "Autre"})
    assert "choisissez-la" in no_list.get_data(as_text=True)
    assert db.session.scalar(select(Sequence.id).where(Sequence.name == "Autre")) is None


def test_the_list_counts_who_waits_at_each_step_who_finished_and_who_left_why(admin_client):
    sequence = _bienvenue(admin_client)
    set_paused(sequence, False)
    start = utcnow() - timedelta(days=10)
    people = _people(3)
    for person in people:
        enrol_subscriber(sequence, person.id, anchor=start)
    db.session.commit()
    tick(start + timedelta(minutes=1))
    page = admin_client.get("/admin/sequences").get_data(as_text=True)
    assert 'data-count="enrolled">3<' in page and 'data-count="waiting-2">3<' in page
    unsubscribe_all(people[0], actor="test")
    day = to_local(start).date() + timedelta(days=4)
    while day.weekday() >= 5:  # the second step's window: weekdays 09:00-18:00, Paris
        day += timedelta(days=1)
    tick(local_to_utc(day, time(10)))
    page = admin_client.get("/admin/sequences").get_data(as_text=True)
    assert 'data-count="completed">2<' in page and 'data-count="exited">1<' in page
    assert "désabonnement (1)" in page
    # Her page says where she stands in it.
    person = admin_client.get(f"/admin/subscribers/{people[1].id}").get_data(as_text=True)
    assert "Bienvenue lettre" in person and "terminée le" in person


def test_the_editor_saves_the_steps_as_the_file_would(admin_client):
    sequence = _bienvenue(admin_client)
    url = f"/admin/sequences/{sequence.id}"
    form = {"csrf_token": _csrf(admin_client, url), "exits": [],
            "steps-0-after": "0", "steps-0-window": "", "steps-0-condition": "", "steps-0-subject": "Bienvenue !",
            "steps-0-markdown": "Bonjour **{{ first_name }}**.",
            "steps-1-after": "2d12h", "steps-1-window": "lun-ven 10:00-17:00", "steps-1-condition": "",
            "steps-1-subject": "Nos cycles", "steps-1-markdown": "Voici nos cycles.",
            "steps-2-after": "7d", "steps-2-window": "", "steps-2-condition": "", "steps-2-subject": "Une semaine",
            "steps-2-markdown": "Déjà une semaine."}
    saved = admin_client.post(url, data=form)
    assert saved.status_code == 302
    db.session.expire_all()
    steps = db.session.get(Sequence, sequence.id).steps
    assert [(s.subject, s.after_seconds, s.window) for s in steps] == [
        ("Bienvenue !", 0, ""), ("Nos cycles", 2 * 86400 + 12 * 3600, "lun-ven 10:00-17:00"), ("Une semaine", 7 * 86400, "")]
    # The step's campaign carries the new text (what the preview and the send path read).
    preview = admin_client.get(f"{url}/steps/2/preview").get_data(as_text=True)
    assert "Voici nos cycles." in preview
    # A delay the engine cannot read: nothing saved, the page says why, the input kept.
    bad = admin_client.post(url, data={**form, "steps-1-after": "trois jours", "steps-2-remove": "y"})
    assert bad.status_code == 400
    body = bad.get_data(as_text=True)
    assert "délai illisible" in body and 'value="trois jours"' in body
    db.session.expire_all()
    assert len(db.session.get(Sequence, sequence.id).steps) == 3
    # Removing a step.
    admin_client.post(url, data={**form, "steps-2-remove": "y"})
    db.session.expire_all()
    assert [s.subject for s in db.session.get(Sequence, sequence.id).steps] == ["Bienvenue !", "Nos cycles"]


def test_pause_and_resume_need_the_form_token(app, admin_client):
    sequence = _bienvenue(admin_client)
    app.config["WTF_CSRF_ENABLED"] = True
    url = f"/admin/sequences/{sequence.id}"
    assert admin_client.post(f"{url}/pause", data={"paused": "0"}).status_code == 400  # no CSRF token
    admin_client.post(f"{url}/pause", data={"paused": "0", "csrf_token": _csrf(admin_client, url)})
    db.session.expire_all()
    assert db.session.get(Sequence, sequence.id).paused is False
    admin_client.post(f"{url}/pause", data={"paused": "1", "csrf_token": _csrf(admin_client, url)})
    db.session.expire_all()
    assert db.session.get(Sequence, sequence.id).paused is True


def test_a_step_is_test_sent_to_a_real_smtp_server(app, admin_client, smtp_server):  # noqa: F811
    app.config.update(SMTP_URL=smtp_server.url)
    sequence = _bienvenue(admin_client)
    url = f"/admin/sequences/{sequence.id}/steps/1"
    preview = admin_client.get(f"{url}/preview")
    assert preview.status_code == 200 and "Merci de votre inscription" in preview.get_data(as_text=True)
    sent = admin_client.post(f"{url}/test", data={"csrf_token": _csrf(admin_client, f"{url}/preview"),
                                                   "addresses": "relecture@crpve91.fr"})
    assert sent.status_code == 302
    assert db.session.scalar(select(TransactionalMessage.kind)) == "test"
    deliver_queued(app)
    [message] = smtp_server.messages
    assert list(message.rcpt_tos) == ["relecture@crpve91.fr"]
    assert b"[TEST]" in message.data and b"Bienvenue au CRPVE" in message.data
    refused = admin_client.post(f"{url}/test", follow_redirects=True,
                                data={"csrf_token": _csrf(admin_client, f"{url}/preview"), "addresses": "pas une adresse"})
    assert "invalide" in refused.get_data(as_text=True)


def test_the_pages_need_a_login(client):
    response = client.get("/admin/sequences")
    assert response.status_code == 302 and "/admin/login" in response.headers["Location"]


def test_the_relance_and_after_the_cycle_point_at_the_chosen_cycle(admin_client):
    db.session.add(MailingList(slug="formations", name="Formations"))
    db.session.commit()
    cycle = make_cycle(slug="fondamentaux", dates=future_dates())  # four journées
    form = {"csrf_token": "", "list_slug": "formations", "cycle_slug": "fondamentaux"}
    admin_client.post("/admin/sequences/new", data={**form, "example": "relance-avant-le-cycle", "name": "Relance"})
    admin_client.post("/admin/sequences/new", data={**form, "example": "apres-le-cycle", "name": "Après"})
    relance = db.session.scalar(select(Sequence).where(Sequence.name == "Relance"))
    assert relance.definition["trigger"] == {"before_journee": ["fondamentaux", 1, 21], "audience": {
        "list": "formations", "not_registered": "fondamentaux"}}
    assert relance.paused and relance.cycle_id == cycle.id and relance.journee_id == cycle.journees[0].id
    editor = admin_client.get(f"/admin/sequences/{relance.id}").get_data(as_text=True)
    assert re.search(r'checked[^>]*value="cycle_full"|value="cycle_full"[^>]*checked', editor)
    after = db.session.scalar(select(Sequence).where(Sequence.name == "Après"))
    assert after.definition["trigger"] == {"after_journee": ["fondamentaux", 4]}  # the cycle's last journée
    assert [s.condition for s in after.steps] == ["present", "absent"]
    no_cycle = admin_client.post("/admin/sequences/new", follow_redirects=True,
                                 data={**form, "cycle_slug": "", "example": "apres-le-cycle", "name": "Sans cycle"})
    assert "suit un cycle" in no_cycle.get_data(as_text=True)


def test_the_steps_campaigns_stay_off_the_campaigns_list_and_the_dashboard(admin_client):
    """A step's campaign stays "en cours d'envoi" for as long as the sequence lives: listed with the
    officer's campaigns it would read as a send that never ends. The Séquences page follows them."""
    sequence = _bienvenue(admin_client)
    set_paused(sequence, False)
    start = utcnow() - timedelta(days=10)
    for person in _people(2):
        enrol_subscriber(sequence, person.id, anchor=start)
    db.session.commit()
    tick(start + timedelta(minutes=1))
    step_campaign = db.session.get(Campaign, sequence.steps[0].campaign_id)
    assert step_campaign.status.value == "sending"
    for path in ("/admin/campaigns", "/admin/campaigns?status=sending", "/admin/"):
        page = admin_client.get(path).get_data(as_text=True)
        assert step_campaign.name not in page and f"/admin/campaigns/{step_campaign.id}/" not in page, path
    assert "Bienvenue lettre" in admin_client.get("/admin/sequences").get_data(as_text=True)
