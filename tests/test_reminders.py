"""Reminders for the seed cycle, with the clock passed in as 2016: 09:00 Paris across the DST change."""
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Campaign, CampaignStatus, CampaignTemplate
from app.services.events.cycles import CycleError, save_cycle
from app.services.events.reminders import InvalidReminderRules, parse_rules, reminder_subject, shorten
from tests.event_factories import make_cycle

UTC = timezone.utc
FEB_2016 = datetime(2016, 2, 1, 12, 0, tzinfo=UTC)

# (journée, days before) → the UTC instant of 09:00 Europe/Paris that day.
EXPECTED = {
    (1, 7): datetime(2016, 3, 3, 8, 0, tzinfo=UTC),   # winter time: UTC+1
    (1, 1): datetime(2016, 3, 9, 8, 0, tzinfo=UTC),
    (2, 7): datetime(2016, 3, 31, 7, 0, tzinfo=UTC),  # after 27 March 2016: UTC+2
    (2, 1): datetime(2016, 4, 6, 7, 0, tzinfo=UTC),
    (3, 7): datetime(2016, 5, 19, 7, 0, tzinfo=UTC),
    (3, 1): datetime(2016, 5, 25, 7, 0, tzinfo=UTC),
    (4, 7): datetime(2016, 6, 16, 7, 0, tzinfo=UTC),
    (4, 1): datetime(2016, 6, 22, 7, 0, tzinfo=UTC),
}


def reminders(cycle):
    rows = db.session.scalars(select(Campaign).where(Campaign.cycle_id == cycle.id,
                                                     Campaign.template == CampaignTemplate.REMINDER)).all()
    number = {j.id: j.number for j in cycle.journees}
    return {(number[c.journee_id], c.reminder_days_before): c for c in rows}


def test_reminders_fall_at_nine_paris_time_across_dst(app):
    cycle = make_cycle()
    report = save_cycle(cycle, now=FEB_2016)
    assert len(report.created) == 8
    found = reminders(cycle)
    assert {k: c.scheduled_at for k, c in found.items()} == EXPECTED
    first = found[(1, 7)]
    assert first.status == CampaignStatus.SCHEDULED
    assert first.subject == "Rappel : journée 1 le jeudi 10 mars 2016 — Comment faire vivre un contrat…"  # never after "de" (issue #24)
    assert len(first.subject) <= 78
    assert found[(2, 1)].subject.startswith("Rappel : journée 2 le jeudi 7 avril 2016")
    assert first.preheader.startswith("10 h 00–17 h 00 · CRPVE")
    assert first.slug == "contrat-de-ville-2016-rappel-journee-1-j7"


def test_saving_twice_changes_nothing(app):
    cycle = make_cycle()
    save_cycle(cycle, now=FEB_2016)
    before = {k: (c.id, c.scheduled_at) for k, c in reminders(cycle).items()}
    report = save_cycle(cycle, now=FEB_2016)
    assert (report.created, report.updated, report.cancelled) == ([], [], [])
    assert {k: (c.id, c.scheduled_at) for k, c in reminders(cycle).items()} == before


def test_no_reminder_for_a_moment_already_past(app):
    cycle = make_cycle()
    report = save_cycle(cycle, now=datetime(2016, 3, 5, 12, 0, tzinfo=UTC))
    assert report.skipped_past == 1
    assert (1, 7) not in reminders(cycle) and (1, 1) in reminders(cycle)
    # In real time (2026) every 2016 reminder is past: none is created.
    other = make_cycle(slug="seed-now")
    assert save_cycle(other).skipped_past == 8 and reminders(other) == {}


def test_changed_rules_move_add_and_cancel_but_leave_sent_ones(app):
    cycle = make_cycle()
    save_cycle(cycle, now=FEB_2016)
    sent = reminders(cycle)[(1, 1)]
    sent.status = CampaignStatus.SENT
    db.session.commit()
    cycle.reminder_rules = [{"days_before": 2, "time": "18:30"}, {"days_before": 7, "time": "08:15"}]
    report = save_cycle(cycle, now=FEB_2016)
    found = reminders(cycle)
    assert found[(1, 7)].scheduled_at == datetime(2016, 3, 3, 7, 15, tzinfo=UTC)
    assert found[(2, 2)].scheduled_at == datetime(2016, 4, 5, 16, 30, tzinfo=UTC)
    assert found[(1, 1)].status == CampaignStatus.SENT  # history is left alone
    assert {k for k, c in found.items() if c.status == CampaignStatus.CANCELLED} == {(2, 1), (3, 1), (4, 1)}
    assert len(report.created) == 4 and len(report.cancelled) == 3
    # The rule comes back: its cancelled reminders are scheduled again.
    cycle.reminder_rules = [{"days_before": 1, "time": "09:00"}]
    save_cycle(cycle, now=FEB_2016)
    found = reminders(cycle)
    assert found[(2, 1)].status == CampaignStatus.SCHEDULED
    assert found[(2, 1)].scheduled_at == EXPECTED[(2, 1)]


def test_removed_journee_cancels_its_unsent_reminders(app):
    cycle = make_cycle()
    save_cycle(cycle, now=FEB_2016)
    ids = [c.id for k, c in reminders(cycle).items() if k[0] == 4]
    journee = cycle.journees[3]
    cycle.journees.remove(journee)
    db.session.flush()
    save_cycle(cycle, now=FEB_2016)
    # The reminders went with the journée (FK cascade) or are cancelled; none is still scheduled.
    left = db.session.scalars(select(Campaign).where(Campaign.id.in_(ids))).all()
    assert all(c.status == CampaignStatus.CANCELLED for c in left)


def test_rules_are_validated_in_french(app):
    with pytest.raises(InvalidReminderRules, match="heure"):
        parse_rules([{"days_before": 1, "time": "25:00"}])
    with pytest.raises(InvalidReminderRules, match="même nombre de jours"):
        parse_rules([{"days_before": 1}, {"days_before": 1, "time": "10:00"}])
    cycle = make_cycle(reminder_rules=[{"days_before": -3, "time": "09:00"}])
    with pytest.raises(CycleError, match="entre 0 et"):
        save_cycle(cycle, now=FEB_2016)


def test_each_rule_has_its_own_introduction_above_the_generated_details(app):
    """Issue #24: the reminders' text was not editable; each rule now carries an introduction, and the
    journée's details (date, place, programme, check-in code) are still generated below it."""
    from app.message.builder import Recipient
    from app.sending.compose import builder_for

    cycle = make_cycle(reminder_rules=[{"days_before": 7, "time": "09:00", "intro": "Plus qu'une **semaine** !"},
                                       {"days_before": 1, "time": "09:00"}])
    save_cycle(cycle, now=FEB_2016)
    found = reminders(cycle)
    assert found[(1, 7)].content == {"intro": "Plus qu'une **semaine** !"} and found[(1, 1)].content == {}
    raw = builder_for(found[(1, 7)]).build(Recipient(1, "u1", "lea@example.org", "Léa")).raw
    html = raw.decode("utf-8", "replace")
    assert "<strong>semaine</strong>" in html.replace("=\r\n", "")
    text = email_text(raw)
    assert text.index("Bonjour") < text.index("Plus qu'une semaine") < text.index("91000 EVRY")  # details follow
    assert "Nous vous rappelons la prochaine journée" not in text  # her words replace the stock sentence
    # Changing the introduction changes the unsent reminders, never the sent ones.
    sent = found[(2, 7)]
    sent.status = CampaignStatus.SENT
    db.session.commit()
    cycle.reminder_rules = [{"days_before": 7, "time": "09:00", "intro": "Dans une semaine."},
                            {"days_before": 1, "time": "09:00"}]
    report = save_cycle(cycle, now=FEB_2016)
    found = reminders(cycle)
    assert found[(1, 7)].content == {"intro": "Dans une semaine."} and found[(1, 7)] in report.updated
    assert found[(2, 7)].content == {"intro": "Plus qu'une **semaine** !"}
    with pytest.raises(InvalidReminderRules, match="introduction"):
        parse_rules([{"days_before": 1, "intro": "x" * 5001}])


def email_text(raw: bytes) -> str:
    import email
    from email import policy

    return email.message_from_bytes(raw, policy=policy.default).get_body(("plain",)).get_content()


def test_subjects_are_shortened_at_a_word_and_never_after_a_little_word(app):
    """Finding of issue #24: "… contrat de…"."""
    cycle = make_cycle()
    subject = reminder_subject(cycle.journees[0])
    assert subject == "Rappel : journée 1 le jeudi 10 mars 2016 — Comment faire vivre un contrat…"
    assert len(subject) <= 78
    title = cycle.title
    assert shorten(title, 40) == "Comment faire vivre un contrat de ville…"  # a whole word fits: kept
    assert shorten(title, 35) == "Comment faire vivre un contrat…"  # the cut fell right after "de"
    assert shorten(title, 200) == title
    assert shorten("x" * 100, 10) == "x" * 9 + "…"
