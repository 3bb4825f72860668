"""Campaign controls from the CLI, the admin (CSRF) and the JSON API."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.models import Campaign, CampaignStatus, Delivery, DeliveryStatus, utcnow
from app.services.campaigns import campaign_figures
from app.services.campaigns import lifecycle as service
from tests.conftest import make_app
from tests.sending_fixtures import make_campaign


def test_cli_send_now_and_schedule(cli_runner):
    make_campaign(4, start=False)
    later = make_campaign(2, slug="plus-tard", start=False, prefix="q")
    result = cli_runner.invoke(args=["campaigns", "send", "annonce"])
    assert result.exit_code == 0, result.output
    assert "4 destinataires" in result.output
    result = cli_runner.invoke(args=["campaigns", "send", "annonce"])
    assert result.exit_code != 0 and "ni en brouillon ni programmée" in result.output
    result = cli_runner.invoke(args=["campaigns", "send", "plus-tard", "--at", "2099-03-03 09:00"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    fresh = db.session.get(Campaign, later.id)
    assert fresh.status == CampaignStatus.SCHEDULED
    assert fresh.scheduled_at.isoformat() == "2099-03-03T08:00:00+00:00"  # Europe/Paris, winter: UTC+1
    assert "09:00 (UTC+01:00)" in result.output
    bad = cli_runner.invoke(args=["campaigns", "send", "plus-tard", "--at", "demain"])
    assert bad.exit_code != 0 and "AAAA-MM-JJ HH:MM" in bad.output
    past = cli_runner.invoke(args=["campaigns", "send", "plus-tard", "--at", "2001-01-01 10:00"])
    assert past.exit_code != 0 and "déjà passée" in past.output


def test_cli_pause_resume_cancel_retry_and_progress(cli_runner):
    campaign = make_campaign(5)
    assert cli_runner.invoke(args=["campaigns", "pause", "annonce"]).exit_code == 0
    assert db.session.get(Campaign, campaign.id).status == CampaignStatus.PAUSED
    again = cli_runner.invoke(args=["campaigns", "pause", "annonce"])
    assert again.exit_code != 0 and "mise en pause" in again.output
    assert cli_runner.invoke(args=["campaigns", "resume", "annonce"]).exit_code == 0
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).status == CampaignStatus.SENDING
    # Two already sent, one failed (as a worker would have recorded them)
    rows = db.session.scalars(select(Delivery).order_by(Delivery.id)).all()
    rows[0].status, rows[0].sent_at = DeliveryStatus.SENT, utcnow()
    rows[1].status, rows[1].sent_at = DeliveryStatus.SENT, utcnow()
    rows[2].status = DeliveryStatus.FAILED
    db.session.commit()
    out = cli_runner.invoke(args=["campaigns", "progress", "annonce"]).output
    assert "envoyés 2/5" in out and "refusés 1" in out
    assert cli_runner.invoke(args=["campaigns", "retry-failed", "annonce"]).output.count("1 envois relancés") == 1
    result = cli_runner.invoke(args=["campaigns", "cancel", "annonce"])
    assert result.exit_code == 0 and "3 envois abandonnés" in result.output
    followed = cli_runner.invoke(args=["campaigns", "progress", "annonce", "--follow", "--interval", "0.1"])
    assert followed.exit_code == 0 and "cancelled" in followed.output


def test_progress_counts_rate_and_eta(app):
    campaign = make_campaign(10)
    now = utcnow()
    rows = db.session.scalars(select(Delivery).order_by(Delivery.id)).all()
    for row in rows[:6]:
        row.status, row.sent_at = DeliveryStatus.SENT, now - timedelta(seconds=5)
    rows[6].status = DeliveryStatus.SKIPPED
    db.session.commit()
    campaign.started_at = now - timedelta(seconds=30)
    db.session.commit()
    p = campaign_figures(campaign, now=now)
    assert (p.audience, p.sent, p.skipped, p.queued, p.done, p.percent) == (10, 6, 1, 3, 7, 70)
    assert p.rate == 0.2 and p.eta == 15.0


def test_finish_when_nothing_is_left(app):
    campaign = make_campaign(2)
    assert not service.finish_if_done(campaign.id)
    db.session.execute(Delivery.__table__.update().values(status="sent"))
    db.session.commit()
    assert service.finish_if_done(campaign.id)
    db.session.expire_all()
    fresh = db.session.get(Campaign, campaign.id)
    assert fresh.status == CampaignStatus.SENT and fresh.finished_at is not None


def test_admin_buttons_and_fragment(admin_client):
    campaign = make_campaign(3, start=False)
    page = admin_client.get(f"/admin/campaigns/{campaign.id}/sending").get_data(as_text=True)
    assert "Envoyer maintenant" in page and "0 / 3" not in page
    response = admin_client.post(f"/admin/campaigns/{campaign.id}/send-now")
    assert response.status_code == 302
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "3 destinataires en file" in page and "Mettre en pause" in page and "0 / 3" in page
    admin_client.post(f"/admin/campaigns/{campaign.id}/pause")
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).status == CampaignStatus.PAUSED
    page = admin_client.post(f"/admin/campaigns/{campaign.id}/pause", follow_redirects=True).get_data(as_text=True)
    assert "Seule une campagne en cours" in page
    admin_client.post(f"/admin/campaigns/{campaign.id}/resume")
    admin_client.post(f"/admin/campaigns/{campaign.id}/cancel")
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).status == CampaignStatus.CANCELLED
    data = admin_client.get(f"/api/campaigns/{campaign.id}/progress").get_json()
    assert data["status"] == "cancelled" and data["abandoned"] == 3 and data["audience"] == 3
    assert data["percent"] is None and data["rate"] is None and data["eta"] is None
    assert admin_client.get("/api/campaigns/999/progress").status_code == 404


def test_admin_actions_need_csrf_and_login(migrated, app):
    campaign = make_campaign(1, start=False)
    anonymous = app.test_client()  # CSRF off here: only the login requirement answers
    response = anonymous.post(f"/admin/campaigns/{campaign.id}/send-now")
    assert response.status_code == 302 and "/admin/login" in response.headers["Location"]
    assert anonymous.get(f"/api/campaigns/{campaign.id}/progress").status_code == 401
    assert db.session.scalar(select(func.count()).select_from(Delivery)) == 0
    strict = make_app(migrated, {"WTF_CSRF_ENABLED": True})
    client = strict.test_client()
    from app.models import Role, User

    with strict.app_context():
        user = User(email="o@example.org", name="O", role=Role.EDITOR)
        user.set_password("correct horse battery")
        db.session.add(user)
        db.session.commit()
    login_page = client.get("/admin/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login_page).group(1)
    client.post("/admin/login", data={"email": "o@example.org", "password": "correct horse battery", "csrf_token": token})
    assert client.post(f"/admin/campaigns/{campaign.id}/send-now").status_code == 400  # no token
    with strict.app_context():
        assert db.session.scalar(select(func.count()).select_from(Delivery)) == 0
    page = client.get(f"/admin/campaigns/{campaign.id}/sending").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.post(f"/admin/campaigns/{campaign.id}/send-now", data={"csrf_token": token}).status_code == 302
    with strict.app_context():
        assert db.session.scalar(select(func.count()).select_from(Delivery)) == 1
