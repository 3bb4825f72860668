"""The campaign report: counts, failure reasons, unsubscribes through its links, clicks, chart."""
from datetime import datetime, timedelta, timezone

from flask_babel import refresh

from app.extensions import db
from app.sending.queue import enqueue
from app.models import AuditLog, Campaign, CampaignStatus, Delivery, DeliveryStatus, MailingList, Subscriber, SubscriptionStatus
from app.services.audience.core import Consent, audit, set_subscription
from app.services.campaigns.clicks import record_click
from app.services.campaigns.reports import build_report, chart_svg
from app.timeutil import to_local


def _sent_campaign(n=4):
    lst = MailingList(slug="formations", name="Formations")
    people = [Subscriber(email=f"p{i}@example.org") for i in range(n)]
    db.session.add_all([lst, *people])
    db.session.flush()
    for p in people:
        set_subscription(p, lst, SubscriptionStatus.CONFIRMED, Consent("test"))
    campaign = Campaign(slug="c", name="Annonce", subject="S", lists=[lst], status=CampaignStatus.SENT, track_clicks=True)
    db.session.add(campaign)
    db.session.flush()
    enqueue(campaign)
    rows = db.session.query(Delivery).order_by(Delivery.id).all()
    at = datetime(2026, 3, 1, 9, 15, tzinfo=timezone.utc)
    rows[0].status, rows[0].sent_at = DeliveryStatus.SENT, at
    rows[1].status, rows[1].sent_at = DeliveryStatus.SENT, at.replace(hour=11)
    rows[2].status, rows[2].smtp_code, rows[2].smtp_reply, rows[2].bounced = DeliveryStatus.FAILED, 550, "5.1.1 User unknown", True
    rows[3].status = DeliveryStatus.SKIPPED
    audit("unsubscribe", people[0], lst, detail={"campaign": campaign.id})
    audit("unsubscribe", people[1], lst, detail={"campaign": campaign.id + 1000})
    db.session.commit()
    record_click(campaign.id, "https://www.crpve91.fr/agenda")
    return campaign


def test_report_figures(app):
    campaign = _sent_campaign()
    report = build_report(campaign)
    f = report.figures
    assert (f.audience, f.sent, f.refused, f.skipped, f.abandoned) == (4, 2, 1, 1, 0)
    assert f.bounced == 1 and f.unsubscribed == 1 and f.clicks == 1
    assert report.failures == [(550, "5.1.1 User unknown", 1)]
    assert [(c.url, c.clicks) for c in report.clicks] == [("https://www.crpve91.fr/agenda", 1)]
    # 09:00 and 11:00 sends, 10:00 in between, and the unsubscribe hour (now) bounded to two weeks.
    assert [s for _h, s, _u in report.timeline[:3]] == [1, 0, 1]


def test_report_page(admin_client):
    campaign = _sent_campaign()
    page = admin_client.get(f"/admin/campaigns/{campaign.id}/report").get_data(as_text=True)
    assert "5.1.1 User unknown" in page and "https://www.crpve91.fr/agenda" in page
    assert "<svg" in page and 'role="img"' in page
    assert "01/03 10:00 CET" in page  # the first send, 09:15 UTC, in Paris time
    refresh()  # the test's app context outlives requests: forget the locale Flask-Babel kept
    english = admin_client.get(f"/admin/campaigns/{campaign.id}/report?lang=en").get_data(as_text=True)
    assert "Mar 1, 10:00 CET" in english and "01/03 10:00" not in english  # dd/mm reads as January 3 in English


def test_one_click_unsubscribe_counts_in_the_campaign_report(client):
    from app import links
    from tests.conftest import BASE_URL

    campaign = _sent_campaign()
    person = db.session.query(Subscriber).filter_by(email="p3@example.org").one()
    path = links.unsubscribe_url(person.uid, campaign.id)[len(BASE_URL):]
    response = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert build_report(campaign).figures.unsubscribed == 2  # p0 (audit above) and p3 through the real endpoint


def test_a_send_of_three_minutes_is_charted_per_minute(app):
    """Per hour it was one bar labelled "10:00" at both ends; now a bar per minute, 10:42 → 10:45 Paris time."""
    campaign = _sent_campaign()
    rows = db.session.query(Delivery).order_by(Delivery.id).all()
    at = datetime.now(timezone.utc).replace(hour=9, minute=42, second=10, microsecond=0) - timedelta(days=1)
    rows[0].sent_at, rows[1].sent_at = at, at + timedelta(minutes=2, seconds=30)
    db.session.query(Delivery).filter(Delivery.id.in_([rows[2].id, rows[3].id])).update({"sent_at": None})
    db.session.query(AuditLog).filter(AuditLog.action == "unsubscribe").update({"at": at + timedelta(seconds=30)})
    db.session.commit()
    report = build_report(campaign)
    assert report.step == timedelta(minutes=1)
    assert [(s, u) for _m, s, u in report.timeline] == [(1, 1), (0, 0), (1, 0)]
    svg = chart_svg(report.timeline, report.step)
    labels = [t.split(">")[1] for t in svg.split("<text")[1:]]
    assert labels == [f"{to_local(at):%H:%M}</text", f"{to_local(at + timedelta(minutes=3)):%H:%M}</text"]
    assert labels[0] != labels[1] and "Envois par minute" in svg
