"""The cycle editor: create a cycle, add/edit/move/delete journées in Paris time, the timeline, "Créer l'annonce"."""
from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import func, select

from app.extensions import db
from app.models import Campaign, CampaignStatus, CampaignTemplate, Cycle, Journee, OutboxMessage, Registration
from app.services.events import ANNOUNCEMENT_TEXT_FIELDS
from app.services.events.registrations import register
from tests.sending_fixtures import deliver_queued
from tests.emailcheck import plain_spaces


def _cycle_data(**extra):
    data = {"title": "Cycle politique de la ville", "kicker": "Cycle de qualification", "period": "Mars – Juin",
            "introduction": "Une **introduction**.", "venue_name": "CRPVE", "contact_email": "contact@example.org",
            "registration_required": "y", "capacity": "30", "published": "y",
            "rule-days-0": "7", "rule-time-0": "09:00", "rule-days-1": "1", "rule-time-1": "09:00"}
    data.update(extra)
    return data


def _future_day(days: int = 40) -> date:
    return (datetime.now(timezone.utc) + timedelta(days=days)).date()


def test_create_cycle_and_add_a_journee_in_paris_time(admin_client):
    response = admin_client.post("/admin/events/new", data=_cycle_data())
    assert response.status_code == 302
    cycle = db.session.scalar(select(Cycle).where(Cycle.title == "Cycle politique de la ville"))
    assert cycle.capacity == 30 and cycle.introduction == "Une **introduction**." and cycle.published
    day = date(_future_day().year + 1, 1, 15)  # winter: UTC+01:00
    response = admin_client.post(f"/admin/events/{cycle.id}/journees/new", data={
        "new-number": "1", "new-day": day.isoformat(), "new-start": "09:30", "new-end": "17:00",
        "new-title": "Ouverture"})
    assert response.status_code == 302
    db.session.expire_all()
    journee = db.session.scalar(select(Journee).where(Journee.cycle_id == cycle.id))
    assert journee.starts_at == datetime.combine(day, time(8, 30), tzinfo=timezone.utc)
    reminders = db.session.scalars(select(Campaign).where(Campaign.journee_id == journee.id)).all()
    assert {c.reminder_days_before for c in reminders} == {7, 1}
    page = admin_client.get(f"/admin/events/{cycle.id}/edit").get_data(as_text=True)
    assert "Calendrier des envois" in page and page.count("timeline-item") == 2
    from babel.dates import format_date

    assert f"{format_date(day, 'EEEE d MMMM yyyy', locale='fr')}, 9 h 30 → 17 h 00" in plain_spaces(page)
    assert "(UTC+" not in page  # French dates, no offset outside the scheduling confirmation
    assert page.index("Rappel J-7") < page.index("Rappel la veille")  # date order


def test_new_cycle_page_offers_french_pickers(admin_client):
    page = admin_client.get("/admin/events/new").get_data(as_text=True)
    assert "Nouveau cycle" in page and "Places par journée" in page
    assert 'name="rule-days-0" value="7"' in page and 'name="rule-days-1" value="1"' in page and "jours avant, à" in page


def test_bad_input_is_refused_in_french_and_kept(admin_client):
    response = admin_client.post("/admin/events/new", data=_cycle_data(title="", capacity="0", introduction="gardé"))
    text = response.get_data(as_text=True)
    assert response.status_code == 400 and "Le titre est obligatoire." in text and "gardé" in text
    response = admin_client.post("/admin/events/new", data=_cycle_data(**{"rule-days-0": "n'importe quoi"}))
    assert response.status_code == 400 and "Cycle non enregistré" in response.get_data(as_text=True)


def test_moving_a_journee_goes_through_move_journee_and_delete(admin_client):
    admin_client.post("/admin/events/new", data=_cycle_data())
    cycle = db.session.scalar(select(Cycle))
    day = _future_day()
    admin_client.post(f"/admin/events/{cycle.id}/journees/new", data={
        "new-number": "1", "new-day": day.isoformat(), "new-start": "09:00", "new-end": "17:00"})
    journee = db.session.scalar(select(Journee))
    register(cycle, "inscrite@example.org", first_name="Inès", journees=[journee], source="admin",
             actor="test", allow_past=True)
    deliver_queued()
    before = db.session.scalar(select(func.count()).select_from(OutboxMessage))
    response = admin_client.post(f"/admin/events/{cycle.id}/journees/{journee.id}/edit", data={
        f"j{journee.id}-number": "1", f"j{journee.id}-day": (day + timedelta(days=1)).isoformat(),
        f"j{journee.id}-start": "10:00", f"j{journee.id}-end": "16:00"}, follow_redirects=True)
    assert "déplacée" in response.get_data(as_text=True)
    db.session.expire_all()
    journee = db.session.get(Journee, journee.id)
    assert journee.sequence == 1
    # The registrant was told, with the updated calendar file.
    deliver_queued()
    update = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == before + 1
    assert "inscrite@example.org" in update.recipients and b"text/calendar" in bytes(update.raw)
    response = admin_client.post(f"/admin/events/{cycle.id}/journees/{journee.id}/edit", data={
        f"j{journee.id}-number": "1", f"j{journee.id}-day": day.isoformat(),
        f"j{journee.id}-start": "18:00", f"j{journee.id}-end": "10:00"})
    assert response.status_code == 400 and "finir après son début" in response.get_data(as_text=True)
    page = admin_client.post(f"/admin/events/{cycle.id}/journees/{journee.id}/delete",
                             follow_redirects=True).get_data(as_text=True)
    assert "Des personnes sont inscrites" in page  # refused while someone is registered
    registration = db.session.scalar(select(Registration))
    db.session.delete(registration)
    db.session.commit()
    admin_client.post(f"/admin/events/{cycle.id}/journees/{journee.id}/delete")
    db.session.expire_all()
    assert db.session.scalar(select(Journee)) is None
    assert db.session.scalar(select(Campaign).where(Campaign.template == CampaignTemplate.REMINDER)) is None


def test_create_announcement_from_the_cycle(admin_client):
    admin_client.post("/admin/events/new", data=_cycle_data())
    cycle = db.session.scalar(select(Cycle))
    page = admin_client.get(f"/admin/events/{cycle.id}/edit").get_data(as_text=True)
    assert "Créer l&#39;annonce" in page or "Créer l'annonce" in page
    response = admin_client.post(f"/admin/events/{cycle.id}/announcement")
    assert response.status_code == 302
    campaign = db.session.scalar(select(Campaign).where(Campaign.template == CampaignTemplate.CYCLE_ANNOUNCEMENT))
    assert campaign.cycle_id == cycle.id and campaign.status == CampaignStatus.DRAFT
    assert campaign.name == f"Annonce — {cycle.title}"
    assert response.headers["Location"].endswith(f"/admin/campaigns/{campaign.id}/edit")
    page = admin_client.get(f"/admin/events/{cycle.id}/edit").get_data(as_text=True)
    assert "pas encore programmée" in page and campaign.name in page
    # With a draft announcement, the first action is to reopen it, not to start another one.
    assert f'href="/admin/campaigns/{campaign.id}/edit">Reprendre l' in page
    assert not re.search(r'>Créer l', page)
    # A second click (a second tab, the back button) opens the same draft: no second one of the same name.
    again = admin_client.post(f"/admin/events/{cycle.id}/announcement")
    assert again.headers["Location"] == response.headers["Location"]
    assert db.session.scalar(select(func.count()).select_from(Campaign)) == 1


def test_the_announcement_texts_are_edited_from_its_campaign_and_change_the_cycle(admin_client):
    admin_client.post("/admin/events/new", data=_cycle_data())
    cycle = db.session.scalar(select(Cycle))
    admin_client.post(f"/admin/events/{cycle.id}/announcement")
    campaign = db.session.scalar(select(Campaign))
    page = admin_client.get(f"/admin/campaigns/{campaign.id}/edit").get_data(as_text=True)
    assert "Ces textes sont ceux du cycle" in page and f'href="/admin/events/{cycle.id}/edit"' in page
    assert 'name="cycle-sponsor_note"' in page
    texts = {f"cycle-{name}": getattr(cycle, name) for name in ANNOUNCEMENT_TEXT_FIELDS}
    texts["cycle-sponsor_note"] = "Avec le soutien de l'ANCT (2027)."
    response = admin_client.post(f"/admin/campaigns/{campaign.id}/cycle-texts", data=texts)
    assert response.headers["Location"].endswith(f"/admin/campaigns/{campaign.id}/edit#cycle-texts")
    db.session.expire_all()
    assert db.session.get(Cycle, cycle.id).sponsor_note == "Avec le soutien de l'ANCT (2027)."
    texts["cycle-title"] = ""
    admin_client.post(f"/admin/campaigns/{campaign.id}/cycle-texts", data=texts)
    db.session.expire_all()
    assert db.session.get(Cycle, cycle.id).title == cycle.title  # refused: the title is required


def test_reminder_rows_survive_a_validation_error_and_save_after_it(admin_client):
    """The "Rappels" card is rows of "N jours avant, à HH:MM": after any refused save it
    shows the rows as typed (never a Python list), and the next save works."""
    admin_client.post("/admin/events/new", data=_cycle_data())
    cycle = db.session.scalar(select(Cycle))
    page = admin_client.get(f"/admin/events/{cycle.id}/edit").get_data(as_text=True)
    assert 'name="rule-days-0" value="7"' in page and 'name="rule-time-1" value="09:00"' in page
    rows = {"rule-days-0": "10", "rule-time-0": "08:30", "rule-days-1": "1", "rule-time-1": "17:00"}
    data = _cycle_data(title="") | rows
    refused = admin_client.post(f"/admin/events/{cycle.id}/edit", data=data)
    text = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "days_before" not in text
    assert 'name="rule-days-0" value="10"' in text and 'name="rule-time-1" value="17:00"' in text
    data["title"] = "Cycle politique de la ville"
    assert admin_client.post(f"/admin/events/{cycle.id}/edit", data=data).status_code == 302
    db.session.expire_all()
    assert cycle.reminder_rules == [{"days_before": 10, "time": "08:30"}, {"days_before": 1, "time": "17:00"}]
    bad = admin_client.post(f"/admin/events/{cycle.id}/edit", data=data | {"rule-time-0": "25:00"})
    assert bad.status_code == 400 and "heure" in bad.get_data(as_text=True) and "days_before" not in bad.get_data(as_text=True)


def test_a_journee_in_the_past_is_refused(admin_client):
    admin_client.post("/admin/events/new", data=_cycle_data())
    cycle = db.session.scalar(select(Cycle))
    response = admin_client.post(f"/admin/events/{cycle.id}/journees/new", data={
        "new-number": "1", "new-day": "2016-03-10", "new-start": "10:00", "new-end": "17:00"})
    text = response.get_data(as_text=True)
    assert response.status_code == 400 and "est passé" in text and "programmés" not in text
    assert db.session.scalar(select(func.count()).select_from(Journee)) == 0
