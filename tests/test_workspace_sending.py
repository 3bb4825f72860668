"""Sending from the composer: confirmation pages, scheduling in Paris time, redirects back to the campaign."""
from __future__ import annotations

from datetime import timedelta

from flask_babel import refresh

from app.extensions import db
from app.models import Campaign, CampaignStatus, utcnow
from app.timeutil import to_local
from tests.sending_fixtures import make_campaign
from tests.emailcheck import plain_spaces


def _local(dt) -> str:
    return to_local(dt).strftime("%Y-%m-%dT%H:%M")


def test_send_now_is_confirmed_with_the_recipient_count(admin_client):
    campaign = make_campaign(3, start=False)
    page = admin_client.get(f"/admin/campaigns/{campaign.id}/edit").get_data(as_text=True)
    assert "Envoyer maintenant" in page and "Programmer l" in page and 'type="datetime-local"' in page
    confirm = admin_client.get(f"/admin/campaigns/{campaign.id}/confirm?mode=now").get_data(as_text=True)
    assert "Envoyer à 3 destinataires ?" in plain_spaces(confirm)
    response = admin_client.post(f"/admin/campaigns/{campaign.id}/send-now")
    assert response.headers["Location"].endswith(f"/admin/campaigns/{campaign.id}/edit")
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).status == CampaignStatus.SENDING
    fragment = admin_client.get(f"/admin/campaigns/{campaign.id}/sending?fragment=1").get_data(as_text=True)
    assert 'data-status="sending"' in fragment and "<html" not in fragment


def test_schedule_in_paris_time(admin_client):
    campaign = make_campaign(2, start=False)
    at = (utcnow() + timedelta(days=2)).replace(second=0, microsecond=0)
    confirm = admin_client.get(f"/admin/campaigns/{campaign.id}/confirm?mode=schedule&at={_local(at)}")
    text = confirm.get_data(as_text=True)
    assert "envoi à 2 destinataires ?" in plain_spaces(text)
    # Through Babel, in the page's language (issue #24: it read "Le 2026-12-07 03:29 (UTC+01:00)").
    local = to_local(at)
    months = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
              "novembre", "décembre"]
    assert f"Le {local.day} {months[local.month - 1]} {local.year} à {local:%H:%M}, heure de Paris." in plain_spaces(text)
    assert "UTC+0" not in text and f"Le {local:%Y-%m-%d}" not in plain_spaces(text)
    refresh()  # the test's app context outlives requests: forget the locale Flask-Babel kept from the last one
    english = admin_client.get(f"/admin/campaigns/{campaign.id}/confirm?mode=schedule&at={_local(at)}&lang=en")
    hour = local.hour % 12 or 12
    assert f"{local:%B} {local.day}, {local.year} at {hour}:{local:%M}" in english.get_data(as_text=True)
    admin_client.get(f"/admin/campaigns/{campaign.id}/confirm?mode=schedule&at={_local(at)}&lang=fr")
    refresh()
    response = admin_client.post(f"/admin/campaigns/{campaign.id}/schedule", data={"at": _local(at)})
    assert response.headers["Location"].endswith(f"/admin/campaigns/{campaign.id}/edit")
    db.session.expire_all()
    fresh = db.session.get(Campaign, campaign.id)
    assert fresh.status == CampaignStatus.SCHEDULED and fresh.scheduled_at == at


def test_schedule_in_the_past_is_refused_in_french(admin_client):
    campaign = make_campaign(2, start=False)
    past = utcnow() - timedelta(hours=1)
    page = admin_client.get(f"/admin/campaigns/{campaign.id}/confirm?mode=schedule&at={_local(past)}",
                            follow_redirects=True).get_data(as_text=True)
    assert "déjà passée" in page
    page = admin_client.post(f"/admin/campaigns/{campaign.id}/schedule", data={"at": "demain"},
                             follow_redirects=True).get_data(as_text=True)
    assert "illisibles" in page
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).status == CampaignStatus.DRAFT


def test_confirm_lists_preflight_errors_and_offers_no_send_button(admin_client):
    campaign = make_campaign(2, start=False)
    campaign.subject = ""
    db.session.commit()
    page = admin_client.get(f"/admin/campaigns/{campaign.id}/confirm?mode=now").get_data(as_text=True)
    assert "Envoi impossible" in page and "Oui, envoyer" not in page
