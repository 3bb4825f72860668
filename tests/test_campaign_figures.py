"""One set of numbers: a campaign's figures are the same on the calendar, the report, the sending
fragment, the outbox, the API (v1 and the admin's), the CLI and /metrics.

Issue 21 saw one sent campaign read 7 on the calendar (today's count of its lists: people who
left since were gone from it), 9 in the report (every delivery row, the skipped ones too) and 8
in the outbox (what the transport was handed). The campaign below has all the cases that split
those counts: a person who unsubscribed before her turn (skipped), an address the server refuses
(refused, bounced), a message accepted then returned by a DSN (sent, bounced) and an unsubscribe
through the campaign's own link. Everything happens through the real paths: a worker, a real SMTP
server, the bounce processor, the public unsubscribe endpoint.
"""
from __future__ import annotations

import json
import re
from datetime import timedelta

from sqlalchemy import select

from app import links
from app.extensions import db
from app.models import Campaign, CampaignStatus, CampaignTemplate, Delivery, DeliveryStatus, MailingList, Subscriber
from app.models import SubscriptionStatus, utcnow
from app.sending.worker import Worker, WorkerOptions
from app.services.audience import Consent, set_subscription
from app.services.campaigns import campaign_figures, cancel_campaign, pause_campaign, start_campaign, sending_policy
from tests.api_helpers import token_header
from tests.bounce_samples import postfix
from tests.conftest import BASE_URL
from tests.emailcheck import plain_spaces
from tests.event_factories import future_dates, make_cycle
from tests.sending_fixtures import deliver_queued, make_campaign
from tests.smtp_server import smtp_server  # noqa: F401 (fixture)

# The figures a page shows, each in a data-figure element carrying its raw value.
FIGURE = re.compile(r'data-figure="(\w+)" data-value="(\d+)"')


def _announcement(people: int = 9) -> tuple[Campaign, list[Subscriber]]:
    """A cycle announcement to ``people`` confirmed subscribers of one list (p0@… p8@…)."""
    cycle = make_cycle(dates=future_dates())
    formations = MailingList(slug="formations", name="Formations")
    persons = [Subscriber(email=f"p{i}@example.org", first_name=f"P{i}") for i in range(people)]
    db.session.add_all([formations, *persons])
    db.session.flush()
    for person in persons:
        set_subscription(person, formations, SubscriptionStatus.CONFIRMED, Consent("test"))
    campaign = Campaign(slug="annonce-cycle", name="Annonce du cycle", subject="Cycle de qualification",
                        template=CampaignTemplate.CYCLE_ANNOUNCEMENT, cycle_id=cycle.id, lists=[formations])
    db.session.add(campaign)
    db.session.commit()
    return campaign, persons


def _one_click(client, person: Subscriber, campaign_id: int | None) -> None:
    path = links.unsubscribe_url(person.uid, campaign_id)[len(BASE_URL):]
    assert client.post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 200


def _sent_with_every_case(app, client, cli_runner, smtp_server) -> Campaign:  # noqa: F811
    app.config["SMTP_URL"] = smtp_server.url
    campaign, people = _announcement()
    assert start_campaign(campaign) == 9
    _one_click(client, people[8], None)  # leaves before her turn, through an older message: skipped
    smtp_server.reject["p1@example.org"] = "550 5.1.1 <p1@example.org>: Recipient address rejected: User unknown"
    Worker(app, WorkerOptions(idle_seconds=0.01, retry_base_seconds=0.01), policy=sending_policy()).run(until_idle=True)
    db.session.expire_all()
    accepted = db.session.scalar(select(Delivery).join(Delivery.subscriber).where(Subscriber.email == "p2@example.org"))
    assert accepted.status == DeliveryStatus.SENT
    dsn = postfix("p2@example.org", "5.1.1", "smtp; 550 5.1.1 <p2@example.org>: User unknown",
                  msgid=accepted.message_id, token="none")
    processed = cli_runner.invoke(args=["bounces", "process", "-"], input=dsn)
    assert processed.exit_code == 0 and "hard" in processed.output, processed.output
    _one_click(client, people[3], campaign.id)  # unsubscribes through this campaign's link
    db.session.expire_all()
    return db.session.get(Campaign, campaign.id)


EXPECTED = {"audience": 9, "sent": 7, "refused": 1, "skipped": 1, "abandoned": 0, "queued": 0, "in_flight": 0,
            "bounced": 2, "unsubscribed": 1}


def _page_figures(html: str, campaign_id: int | None = None) -> dict[str, int]:
    if campaign_id is not None:
        html = html.split(f'data-campaign="{campaign_id}"', 1)[1].split("</dl>", 1)[0]
    return {name: int(value) for name, value in FIGURE.findall(html)}


def test_one_sent_campaign_shows_the_same_numbers_everywhere(app, admin_client, cli_runner, smtp_server):  # noqa: F811
    campaign = _sent_with_every_case(app, admin_client, cli_runner, smtp_server)
    figures = campaign_figures(campaign).as_dict()
    assert campaign.status == CampaignStatus.SENT
    assert {k: figures[k] for k in EXPECTED} == EXPECTED
    assert figures["done"] == 9 and figures["percent"] == 100 and figures["rate"] is None and figures["eta"] is None
    assert figures["clicks"] is None  # click tracking is off by default: no figure, not 0

    # The calendar of the cycle: the people the announcement was addressed to, not today's 5.
    calendar = admin_client.get(f"/admin/events/{campaign.cycle_id}").get_data(as_text=True)
    item = calendar.split('class="timeline-item timeline-announcement', 1)[1].split("</li>", 1)[0]
    assert 'data-figure="audience" data-value="9"' in item and "7 envoyé(s)" in item

    # The report, the sending fragment and the outbox filtered on the campaign: one block, one function.
    shown = {k: figures[k] for k in ("audience", "sent", "refused", "bounced", "skipped", "unsubscribed")}
    for path in (f"/admin/campaigns/{campaign.id}/report", f"/admin/campaigns/{campaign.id}/sending",
                 f"/admin/outbox?campaign={campaign.id}"):
        page = admin_client.get(path)
        assert page.status_code == 200, path
        on_page = _page_figures(page.get_data(as_text=True), campaign.id)
        assert {k: on_page[k] for k in shown} == shown, path

    # The API: v1 progress, campaign and report; the admin's JSON; the CLI's --json: the same dict.
    headers = token_header("campaigns:read")
    assert admin_client.get(f"/api/v1/campaigns/{campaign.id}/progress", headers=headers).get_json() == figures
    assert admin_client.get(f"/api/v1/campaigns/{campaign.id}", headers=headers).get_json()["figures"] == figures
    assert admin_client.get(f"/api/v1/campaigns/{campaign.id}/report", headers=headers).get_json()["figures"] == figures
    assert admin_client.get(f"/api/campaigns/{campaign.id}/progress").get_json() == figures
    printed = cli_runner.invoke(args=["campaigns", "progress", campaign.slug, "--json"])
    assert printed.exit_code == 0 and json.loads(printed.output) == figures
    line = cli_runner.invoke(args=["campaigns", "progress", campaign.slug]).output
    assert "envoyés 7/9 · refusés 1 · ignorés 1 · 100 %" in line and "msg/s" not in line

    # /metrics: one series per figure for this campaign.
    metrics = admin_client.get("/metrics").get_data(as_text=True)
    for name, value in EXPECTED.items():
        assert f'lettrine_campaign_{name}{{campaign="{campaign.slug}"}} {float(value)}' in metrics, name
    assert "lettrine_campaign_clicks{" not in metrics


def test_the_outbox_lists_a_campaigns_messages_under_its_figures(app, admin_client):
    """With the outbox transport (development), the campaign's stored messages are its ``sent``."""
    campaign, people = _announcement(4)
    start_campaign(campaign)
    set_subscription(people[0], campaign.lists[0], SubscriptionStatus.UNSUBSCRIBED)  # skipped at her turn
    db.session.commit()
    deliver_queued()
    figures = campaign_figures(campaign)
    assert (figures.audience, figures.sent, figures.skipped) == (4, 3, 1)
    page = admin_client.get(f"/admin/outbox?campaign={campaign.id}").get_data(as_text=True)
    assert _page_figures(page, campaign.id)["sent"] == 3
    rows = re.findall(r"<tr><td>\d+</td>", page)
    assert len(rows) == figures.sent and "3 messages de cette campagne" in plain_spaces(page)
    everything = admin_client.get("/admin/outbox").get_data(as_text=True)
    assert everything.count(f"/admin/outbox?campaign={campaign.id}") == 3  # each message names its campaign
    assert admin_client.get("/admin/outbox?campaign=999999").status_code == 404


def test_paused_and_cancelled_campaigns_show_no_rate_no_eta_and_never_100_percent(app, admin_client, cli_runner):
    campaign = make_campaign(10)
    rows = db.session.scalars(select(Delivery).order_by(Delivery.id)).all()
    now = utcnow()
    for row in rows[:4]:
        row.status, row.sent_at = DeliveryStatus.SENT, now - timedelta(seconds=5)
    db.session.commit()
    sending = campaign_figures(campaign, now=now)
    assert sending.rate is not None and sending.eta is not None and sending.percent == 40

    pause_campaign(campaign, "mise en pause manuelle")
    paused = campaign_figures(campaign, now=now)
    assert (paused.status, paused.percent, paused.rate, paused.eta) == ("paused", 40, None, None)
    fragment = plain_spaces(admin_client.get(f"/admin/campaigns/{campaign.id}/sending?fragment=1").get_data(as_text=True))
    assert "40 %" in fragment and "msg/s" not in fragment and "Fin estimée" not in fragment
    dashboard = plain_spaces(admin_client.get("/admin/").get_data(as_text=True))
    assert "4 / 10 (40 %)" in dashboard and "en pause" in dashboard

    rows[4].status, rows[4].lease_owner, rows[4].lease_expires_at = DeliveryStatus.SENDING, "w1", now + timedelta(minutes=5)
    rows[5].status, rows[5].lease_owner, rows[5].lease_expires_at = DeliveryStatus.SENDING, "dead", now - timedelta(minutes=5)
    db.session.commit()
    result = cli_runner.invoke(args=["campaigns", "cancel", campaign.slug])
    assert result.exit_code == 0, result.output
    # 4 queued + 1 held by a dead worker abandoned now; 1 still in a live worker's hands.
    assert "5 envois abandonnés" in result.output and "1 envois encore entre les mains d'un worker" in result.output
    cancelled = campaign_figures(campaign)
    assert (cancelled.status, cancelled.sent, cancelled.abandoned, cancelled.in_flight) == ("cancelled", 4, 5, 1)
    assert (cancelled.percent, cancelled.rate, cancelled.eta) == (None, None, None)
    skipped_rows = db.session.scalar(select(db.func.count()).select_from(Delivery).where(
        Delivery.campaign_id == campaign.id, Delivery.status == DeliveryStatus.SKIPPED))
    assert skipped_rows == cancelled.abandoned == 5  # what the CLI printed is what the rows say
    fragment = plain_spaces(admin_client.get(f"/admin/campaigns/{campaign.id}/sending?fragment=1").get_data(as_text=True))
    assert "100 %" not in fragment and "Fin estimée" not in fragment and "<progress" not in fragment
    assert "4 envoyé(s) sur 10, 5 abandonné(s)" in fragment
    assert "envoyés 4/10" in cli_runner.invoke(args=["campaigns", "progress", campaign.slug]).output


def test_a_draft_shows_its_estimated_audience_and_a_cancel_of_a_draft_abandons_nothing(app, admin_client):
    campaign = make_campaign(3, start=False)
    draft = campaign_figures(campaign)
    assert (draft.audience, draft.audience_estimated, draft.percent, draft.sent) == (3, True, None, 0)
    assert cancel_campaign(campaign) == 0
    cancelled = campaign_figures(campaign)
    assert (cancelled.audience, cancelled.audience_estimated, cancelled.abandoned) == (0, False, 0)


def test_figures_of_several_campaigns_take_two_queries(app):
    from sqlalchemy import event

    from app.services.campaigns import figures_for

    campaigns = [make_campaign(3, slug=f"c{i}", prefix=f"c{i}-") for i in range(4)]
    assert all(c.id for c in campaigns)  # loaded before counting: the campaigns are the caller's
    statements: list[str] = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        figures = figures_for(campaigns)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert [figures[c.id].audience for c in campaigns] == [3, 3, 3, 3]
    assert len(statements) == 2, statements
