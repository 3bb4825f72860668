"""The calendar is a rule: closing a cycle waits for its last journée, check-in opens on the journée's day,
surveys go after the journée, and a journée's check-in list holds its own registrants (anyone else is a
walk-in, asked for and recorded as such). Services with fixed times; the CLI and the admin on a future
cycle, since they read the clock.
"""
from __future__ import annotations

import html
import json
import re
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Attendance, AttendanceStatus, CycleClosure, Half, OutboxMessage, TransactionalMessage
from app.services.events import (
    CheckInNotOpen,
    CycleNotOver,
    NotRegisteredForJournee,
    SurveyError,
    attendance_summary,
    check_in,
    close_cycle,
    journee_participants,
    moment_label,
    record_walk_in,
    register,
    send_survey,
    set_status,
    sheet_rows,
)
from tests.emailcheck import plain_spaces
from tests.event_factories import future_dates, make_cycle

UTC = timezone.utc
# The seed's first two journées: jeudi 10 mars and jeudi 7 avril 2016, 10:00–17:00 Paris.
TWO_DAYS = [date(2016, 3, 10), date(2016, 4, 7)]


def _people(cycle, journees_of: dict[str, list[int]]):
    """Register each address for the journées numbered, by hand (no message)."""
    found = {}
    for address, numbers in journees_of.items():
        first = address.split("@")[0].capitalize()
        outcome = register(cycle, address, first_name=first, last_name="Test",
                           journees=[j for j in cycle.journees if j.number in numbers], allow_past=True,
                           source="admin", actor="test", notify=False)
        found[address] = outcome.registration
    return found


def text(response) -> str:
    """What the page says: entities decoded, no-break spaces plain."""
    return plain_spaces(html.unescape(response.get_data(as_text=True)))


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


# --- closing the cycle --------------------------------------------------------------------

def test_closing_waits_for_the_end_of_the_last_journee_unless_its_date_is_named(app):
    cycle = make_cycle(dates=TWO_DAYS)
    marie = _people(cycle, {"marie@example.org": [1, 2]})["marie@example.org"]
    check_in(marie, cycle.journees[0], Half.AM, actor="test", now=datetime(2016, 3, 10, 9, tzinfo=UTC))
    during = datetime(2016, 4, 7, 12, 0, tzinfo=UTC)  # 14:00 in Paris, the last journée still going
    with pytest.raises(CycleNotOver) as refused:
        close_cycle(cycle, actor="test", now=during)
    assert str(refused.value).startswith("La dernière journée se termine le jeudi 7 avril 2016 à 17 h 00 : ")
    assert refused.value.last_day == date(2016, 4, 7)
    with pytest.raises(CycleNotOver, match="n'est pas celle de la dernière journée"):
        close_cycle(cycle, actor="test", now=during, before_end=date(2016, 3, 10))  # names another day
    assert count(CycleClosure) == 0 and count(TransactionalMessage) == 0  # nothing closed, nothing sent

    early = close_cycle(cycle, actor="test", now=during, before_end=date(2016, 4, 7))
    assert not early.already and early.sent == 1 and early.early_until == cycle.journees[1].ends_at
    assert count(CycleClosure) == 1


def test_closing_after_the_last_journee_needs_no_override(app):
    cycle = make_cycle(dates=TWO_DAYS)
    after = datetime(2016, 4, 7, 15, 0, tzinfo=UTC)  # 17:00 in Paris (summer time): the journée's end
    report = close_cycle(cycle, actor="test", now=after)
    assert not report.already and report.early_until is None
    assert close_cycle(cycle, actor="test", now=after).already


def test_cli_close_refuses_with_the_date_then_before_end_overrides(cli_runner, app):
    cycle = make_cycle(slug="cycle-a-venir", dates=future_dates())
    last = cycle.journees[-1]
    when = moment_label(last.ends_at)  # "… 23 juin <next year> à 17 h 00" (its format: the test above)
    assert when.endswith(f"23 juin {last.starts_at.year} à 17 h 00")
    refused = cli_runner.invoke(args=["events", "close", cycle.slug])
    assert refused.exit_code == 1 and len(refused.output.strip().splitlines()) == 1
    assert f"La dernière journée se termine le {when} : " in refused.output
    assert "--before-end" in refused.output and count(CycleClosure) == 0
    forced = cli_runner.invoke(args=["events", "close", cycle.slug, "--before-end", "--no-email"])
    assert forced.exit_code == 0, forced.output
    assert f"avant la fin de sa dernière journée ({when})" in forced.output
    assert count(CycleClosure) == 1


def test_admin_close_asks_again_with_the_date_and_a_moved_journee_voids_the_answer(admin_client, app):
    cycle = make_cycle(slug="cycle-a-venir", dates=future_dates())
    year = cycle.journees[-1].starts_at.year
    when = moment_label(cycle.journees[-1].ends_at)
    first = admin_client.post(f"/admin/events/{cycle.id}/close")
    page = text(first)
    assert first.status_code == 409 and count(CycleClosure) == 0
    assert f"La dernière journée se termine le {when} : " in page
    assert f'name="before_end" value="{year}-06-23"' in page
    assert f"Oui, clore avant la dernière journée du {when}" in page
    # The journée moved to the 24th meanwhile: the date confirmed is no longer the last one.
    from app.services.events import move_journee

    last = cycle.journees[-1]
    move_journee(last, last.starts_at.replace(day=24), last.ends_at.replace(day=24))
    stale = admin_client.post(f"/admin/events/{cycle.id}/close", data={"before_end": f"{year}-06-23"})
    assert stale.status_code == 409 and "n'est pas celle de la dernière journée" in text(stale)
    done = admin_client.post(f"/admin/events/{cycle.id}/close", data={"before_end": f"{year}-06-24"},
                             follow_redirects=True)
    assert done.status_code == 200 and "Cycle clos" in text(done)
    assert count(CycleClosure) == 1


# --- check-in opens on the journée's day -------------------------------------------------

def test_check_in_opens_at_midnight_paris_on_the_journees_day(app):
    cycle = make_cycle(dates=TWO_DAYS)
    marie = _people(cycle, {"marie@example.org": [2]})["marie@example.org"]
    journee = cycle.journees[1]  # jeudi 7 avril 2016: summer time, midnight in Paris is 22:00 UTC the day before
    with pytest.raises(CheckInNotOpen, match=r"La journée 2 a lieu le jeudi 7 avril 2016 : l'émargement ouvre ce jour-là"):
        check_in(marie, journee, Half.AM, actor="test", now=datetime(2016, 4, 6, 21, 59, tzinfo=UTC))
    with pytest.raises(CheckInNotOpen):
        set_status(marie, journee, Half.AM, AttendanceStatus.PRESENT, actor="test",
                   now=datetime(2016, 4, 1, tzinfo=UTC))
    assert count(Attendance) == 0
    excused = set_status(marie, journee, Half.PM, AttendanceStatus.EXCUSED, actor="test",
                         now=datetime(2016, 4, 1, tzinfo=UTC))  # said ahead: allowed
    assert excused.status == AttendanceStatus.EXCUSED
    done = check_in(marie, journee, Half.AM, actor="test", now=datetime(2016, 4, 6, 22, 0, tzinfo=UTC))
    assert not done.already and not done.attendance.walk_in
    later = check_in(marie, journee, Half.PM, actor="test", now=datetime(2016, 5, 2, tzinfo=UTC))  # catching up
    assert not later.already


def test_cli_check_in_before_the_day_fails_in_one_line(cli_runner, app):
    cycle = make_cycle(slug="cycle-a-venir", dates=future_dates())
    _people(cycle, {"marie@example.org": [1]})
    result = cli_runner.invoke(args=["events", "checkin", cycle.slug, "1", "marie@example.org"])
    assert result.exit_code == 1 and "l'émargement ouvre ce jour-là" in result.output
    assert count(Attendance) == 0


# --- a journée's list, walk-ins ----------------------------------------------------------

def test_a_journees_list_holds_its_registrants_and_anyone_else_is_a_walk_in(app):
    cycle = make_cycle()
    people = _people(cycle, {"marie@example.org": [1, 2], "paul@example.org": [2], "irene@example.org": [3]})
    marie, paul, irene = people.values()
    j1 = cycle.journees[0]
    assert [r.id for r in journee_participants(j1)] == [marie.id]  # not the whole cycle
    with pytest.raises(NotRegisteredForJournee, match="Paul Test n'est pas inscrit·e à la journée 1"):
        check_in(paul, j1, Half.AM, actor="test")
    assert count(Attendance) == 0  # asked, nothing written
    walk_in = check_in(paul, j1, Half.AM, actor="test", walk_in=True)
    assert walk_in.attendance.walk_in and [r.id for r in journee_participants(j1)] == [marie.id, paul.id]
    assert check_in(paul, j1, Half.PM, actor="test", walk_in=True).attendance.walk_in
    check_in(marie, j1, Half.AM, actor="test", walk_in=True)  # registered: the confirmation changes nothing
    stranger = record_walk_in(cycle, j1, Half.AM, "zoe@example.org", first_name="Zoé", actor="test")
    assert stranger.attendance.walk_in and stranger.attendance.registration.days == []

    summary = attendance_summary(cycle)
    assert summary["journees"][0] == {"number": 1, "registered": 1, "present": 3, "walk_in": 2}
    people_json = {p["email"]: p for p in summary["people"]}
    assert people_json["paul@example.org"]["journees"][0]["walk_in"] is True
    assert people_json["marie@example.org"]["journees"][0]["walk_in"] is False
    [morning] = [t for t in sheet_rows(cycle, 1) if t["half"] == Half.AM]
    assert morning["walk_ins"] == 2
    assert {line["person"].email: line["walk_in"] for line in morning["lines"]} == {
        "marie@example.org": False, "paul@example.org": True, "zoe@example.org": True}
    assert irene.id not in {line["registration_id"] for line in morning["lines"]}


def test_cli_check_in_of_someone_not_registered_for_the_journee_needs_walk_in(cli_runner, app):
    cycle = make_cycle()
    _people(cycle, {"marie@example.org": [1, 2], "paul@example.org": [2]})
    refused = cli_runner.invoke(args=["events", "checkin", cycle.slug, "1", "paul@example.org"])
    assert refused.exit_code == 1 and len(refused.output.strip().splitlines()) == 1
    assert "n'est pas inscrit·e à la journée 1" in refused.output and "--walk-in" in refused.output
    assert count(Attendance) == 0
    accepted = cli_runner.invoke(args=["events", "checkin", cycle.slug, "1", "paul@example.org", "--walk-in"])
    assert accepted.exit_code == 0, accepted.output
    assert accepted.output.count("présent·e (sur place)") == 2
    newcomer = cli_runner.invoke(args=["events", "checkin", cycle.slug, "1", "new@example.org", "--walk-in",
                                       "--half", "pm"])
    assert newcomer.exit_code == 0 and "présent·e (sur place)" in newcomer.output
    report = json.loads(cli_runner.invoke(args=["events", "attendance", cycle.slug, "--json"]).output)
    assert report["journees"][0] == {"number": 1, "registered": 1, "present": 2, "walk_in": 2}
    csv_file = cli_runner.invoke(args=["events", "attendance", cycle.slug]).output
    assert "présent·es 2 dont 2 sur place" in csv_file


def test_presence_page_lists_the_journee_and_asks_before_a_walk_in(admin_client, app):
    cycle = make_cycle()
    people = _people(cycle, {"marie@example.org": [1], "paul@example.org": [2]})
    paul = people["paul@example.org"]
    admin_client.post(f"/admin/events/{cycle.id}/presence", data={"journee": cycle.journees[0].id, "half": "am"})
    listing = text(admin_client.get(f"/admin/events/{cycle.id}/presence"))
    assert "Marie Test" in listing and "Paul Test" not in listing
    search = text(admin_client.get(f"/admin/events/{cycle.id}/presence?q=paul"))
    assert "Inscrit·es au cycle, pas à cette journée" in search and "Paul Test" in search
    asked = admin_client.post(f"/admin/events/{cycle.id}/presence/mark", data={"registration": paul.id})
    question = text(asked)
    assert asked.status_code == 200 and "l'enregistrer comme venu·e sur place ?" in question
    assert count(Attendance) == 0
    confirmed = admin_client.post(f"/admin/events/{cycle.id}/presence/mark",
                                  data={"registration": paul.id, "walk_in": "1"}, follow_redirects=True)
    page = text(confirmed)
    assert "Paul Test : présent·e, venu·e sur place." in page and "1 présent·e dont 1 sur place" in page
    assert db.session.scalar(select(Attendance.walk_in)) is True
    sheet = admin_client.get(f"/admin/events/{cycle.id}/emargement.csv?journee=1").data.decode("utf-8-sig")
    assert re.search(r"Test;Paul;paul@example\.org;[^;]*;présent·e;\d\d:\d\d;;oui", sheet)


def test_presence_page_of_a_journee_to_come_says_when_check_in_opens(admin_client, app):
    cycle = make_cycle(slug="cycle-a-venir", dates=future_dates())
    marie = _people(cycle, {"marie@example.org": [1]})["marie@example.org"]
    admin_client.post(f"/admin/events/{cycle.id}/presence", data={"journee": cycle.journees[0].id, "half": "am"})
    page = text(admin_client.get(f"/admin/events/{cycle.id}/presence"))
    assert "l'émargement ouvre ce jour-là" in page and "Marquer présent·e" not in page
    refused = admin_client.post(f"/admin/events/{cycle.id}/presence/mark", data={"registration": marie.id},
                                follow_redirects=True)
    assert "l'émargement ouvre ce jour-là" in text(refused)
    assert count(Attendance) == 0


# --- surveys go after the journée --------------------------------------------------------

def test_a_survey_goes_out_only_after_its_journee_and_the_cycles_after_the_last(app):
    cycle = make_cycle(dates=TWO_DAYS)
    marie = _people(cycle, {"marie@example.org": [1, 2]})["marie@example.org"]
    j1, j2 = cycle.journees
    check_in(marie, j1, Half.AM, actor="test", now=datetime(2016, 3, 10, 9, tzinfo=UTC))
    with pytest.raises(SurveyError, match=r"de la journée 1 part après sa fin, le jeudi 10 mars 2016 à 17 h 00"):
        send_survey(cycle, j1, now=datetime(2016, 3, 10, 15, 59, tzinfo=UTC))  # 16:59 in Paris (winter)
    assert send_survey(cycle, j1, now=datetime(2016, 3, 10, 16, 0, tzinfo=UTC)).sent == 1
    with pytest.raises(SurveyError, match=r"du cycle part après la fin de sa dernière journée, le jeudi 7 avril 2016"):
        send_survey(cycle, None, now=datetime(2016, 4, 7, 14, tzinfo=UTC))
    assert send_survey(cycle, None, now=datetime(2016, 4, 8, tzinfo=UTC)).sent == 1


def test_survey_of_a_journee_to_come_is_refused_by_the_cli_and_the_admin(cli_runner, admin_client, app):
    cycle = make_cycle(slug="cycle-a-venir", dates=future_dates())
    cli = cli_runner.invoke(args=["events", "survey", cycle.slug, "1"])
    assert cli.exit_code == 1 and "part après sa fin" in cli.output and "il n'a pas été envoyé" in cli.output
    page = text(admin_client.get(f"/admin/events/{cycle.id}/survey"))
    assert re.search(r'<option value="1" disabled>Journée 1 — après le \w+ 10 mars \d{4} à 17 h 00', page)
    sent = admin_client.post(f"/admin/events/{cycle.id}/survey/send", data={"journee": "1"}, follow_redirects=True)
    assert "il n'a pas été envoyé" in text(sent)
    assert count(OutboxMessage) == 0 and count(TransactionalMessage) == 0
