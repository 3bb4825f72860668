"""`flask events list --json`, `events register`, `events move` and `events sync-reminders`."""
import json
from datetime import datetime, timezone

from sqlalchemy import func, select

from app.extensions import db
from app.models import OutboxMessage, Registration, RegistrationStatus, Subscriber, Subscription
from tests.event_factories import future_dates, make_cycle
from tests.sending_fixtures import deliver_queued
from app.sending.compose import builder_for
from tests.emailcheck import plain_spaces


def test_events_list_json(cli_runner, app):
    make_cycle()
    result = cli_runner.invoke(args=["events", "list", "--json"])
    assert result.exit_code == 0, result.output
    [cycle] = json.loads(result.output)
    assert cycle["slug"] == "contrat-de-ville-2016" and cycle["title"].startswith("Comment faire vivre")
    assert [j["number"] for j in cycle["journees"]] == [1, 2, 3, 4]
    first = cycle["journees"][0]
    assert first["start"] == "2016-03-10T10:00:00+01:00" and first["end"] == "2016-03-10T17:00:00+01:00"
    assert datetime.fromisoformat(cycle["journees"][1]["start"]) == datetime(2016, 4, 7, 8, 0, tzinfo=timezone.utc)


def test_events_register_by_hand(cli_runner, app):
    cycle = make_cycle(dates=future_dates())
    result = cli_runner.invoke(args=["events", "register", "contrat-de-ville-2016", "Marie.Curie@Example.org",
                                     "--journees", "1,3", "--name", "Marie Curie"])
    assert result.exit_code == 0, result.output
    assert "Journée 1" in result.output and "Journée 3" in result.output
    reg = db.session.scalar(select(Registration))
    assert reg.source == "admin" and reg.subscriber.email == "Marie.Curie@example.org"  # as typed, domain canonical
    assert reg.subscriber.first_name == "Marie" and reg.subscriber.last_name == "Curie"
    assert sorted(d.journee.number for d in reg.days if d.status == RegistrationStatus.CONFIRMED) == [1, 3]
    assert db.session.scalar(select(func.count()).select_from(Subscription)) == 0  # no list subscription
    deliver_queued()
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 1  # the confirmation
    # By id, all upcoming journées by default; re-registering keeps what was there.
    again = cli_runner.invoke(args=["events", "register", str(cycle.id), "marie.curie@example.org", "--no-email"])
    assert again.exit_code == 0 and "déjà inscrit" in again.output
    db.session.refresh(reg)
    assert len([d for d in reg.days if d.status == RegistrationStatus.CONFIRMED]) == 4
    assert db.session.scalar(select(func.count()).select_from(Subscriber)) == 1


def test_events_register_errors(cli_runner, app):
    make_cycle(dates=future_dates())
    unknown = cli_runner.invoke(args=["events", "register", "nope", "a@example.org"])
    assert unknown.exit_code == 1 and "introuvable" in unknown.output
    bad_day = cli_runner.invoke(args=["events", "register", "contrat-de-ville-2016", "a@example.org", "--journees", "9"])
    assert bad_day.exit_code == 1 and "journée inconnue" in bad_day.output
    bad_mail = cli_runner.invoke(args=["events", "register", "contrat-de-ville-2016", "pas-une-adresse"])
    assert bad_mail.exit_code == 1 and "adresse invalide" in bad_mail.output
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 0


def test_events_move_and_sync(cli_runner, app):
    cycle = make_cycle(dates=future_dates())
    year = future_dates()[0].year
    sync = cli_runner.invoke(args=["events", "sync-reminders", "contrat-de-ville-2016"])
    assert sync.exit_code == 0 and "créés 8" in sync.output, sync.output
    moved = cli_runner.invoke(args=["events", "move", "contrat-de-ville-2016", "2",
                                    "--start", f"{year}-04-14 09:30", "--end", f"{year}-04-14 16:30"])
    assert moved.exit_code == 0, moved.output
    db.session.expire_all()
    assert cycle.journees[1].sequence == 1
    bad = cli_runner.invoke(args=["events", "move", "contrat-de-ville-2016", "2",
                                  "--start", f"{year}-04-14 17:00", "--end", f"{year}-04-14 10:00"])
    assert bad.exit_code == 1 and "finir après" in bad.output


def test_demo_load_saves_the_seed_cycle_with_its_reminder_rules(cli_runner, app):
    from app.models import Campaign, CampaignTemplate, Cycle

    result = cli_runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    cycle = db.session.scalar(select(Cycle).where(Cycle.slug == "contrat-de-ville-2016"))
    assert [j.number for j in cycle.journees] == [1, 2, 3, 4]
    assert cycle.reminder_rules == [{"days_before": 7, "time": "09:00"}, {"days_before": 1, "time": "09:00"}]
    # 2016 is past: no reminder is created for a moment already gone.
    assert db.session.scalar(select(func.count()).select_from(Campaign).where(Campaign.template == CampaignTemplate.REMINDER)) == 0
    announcement = db.session.scalar(select(Campaign).where(Campaign.template == CampaignTemplate.CYCLE_ANNOUNCEMENT))
    compiled = builder_for(announcement)
    assert cli_runner.invoke(args=["demo", "load"]).exit_code == 0
    db.session.expire_all()
    assert builder_for(db.session.get(Campaign, announcement.id)) is compiled  # nothing changed: nothing to re-render


def test_moving_a_journee_changes_the_announcement_still_to_go(cli_runner, app):
    import email
    from email import policy

    from app.message.builder import Recipient
    from app.sending.compose import builder_for
    from app.models import Campaign, CampaignTemplate

    assert cli_runner.invoke(args=["demo", "load"]).exit_code == 0
    announcement = db.session.scalar(select(Campaign).where(Campaign.template == CampaignTemplate.CYCLE_ANNOUNCEMENT))

    def text_part():
        raw = builder_for(announcement).build(Recipient(1, "u1", "a@example.org", "Léa")).raw
        return plain_spaces(email.message_from_bytes(raw, policy=policy.default).get_body(("plain",)).get_content())

    assert "7 avril 2016" in text_part()
    moved = cli_runner.invoke(args=["events", "move", "contrat-de-ville-2016", "2",
                                    "--start", "2016-04-14 10:00", "--end", "2016-04-14 17:00"])
    assert moved.exit_code == 0, moved.output
    db.session.expire_all()
    after = text_part()
    assert "14 avril 2016" in after and "7 avril 2016" not in after
