"""A cycle is chosen by its title and its period, a journée by its date (issue #24): the 2016, 2027
and 2028 cycles of the same title no longer read as three identical lines in the selects."""
from __future__ import annotations

import re
from datetime import date

from flask_babel import force_locale

from app.services.events import choice_label
from tests.event_factories import SEED_DATES, make_cycle


def _three_years() -> list:
    return [make_cycle(slug=f"cdv-{year}", dates=[d.replace(year=year) for d in SEED_DATES]) for year in (2016, 2027, 2028)]


def test_a_cycle_is_named_with_its_period_and_a_journee_with_its_date(app):
    with app.test_request_context():
        c2016, c2027, _ = _three_years()
        assert choice_label(c2027) == f"{c2027.title} — mars–juin 2027"
        assert choice_label(c2016.journees[1]) == "Journée 2 — 7 avril 2016"
        across = make_cycle(slug="hiver", dates=[date(2026, 11, 5), date(2027, 2, 4)])
        assert choice_label(across).endswith(" — novembre 2026–février 2027")
        one_month = make_cycle(slug="mars", dates=[date(2027, 3, 4)])
        assert choice_label(one_month).endswith(" — mars 2027")
    with app.test_request_context("/?lang=en"), force_locale("en"):  # g (babel's cache) is the app context's
        assert choice_label(c2027.journees[1]) == "Day 2 — April 7, 2027"
        assert choice_label(c2027).endswith(" — March–June 2027")


def _options(html: str, select_id: str) -> list[str]:
    block = re.search(rf'<select[^>]*id="{select_id}".*?</select>', html, re.S).group(0)
    return [re.sub(r"\s+", " ", o).strip() for o in re.findall(r"<option[^>]*>(.*?)</option>", block, re.S)]


def test_every_select_tells_the_three_cycles_apart(admin_client, app):
    _three_years()
    new = admin_client.get("/admin/campaigns/new").get_data(as_text=True)
    cycles = _options(new, "cycle_id")[1:]
    assert len(cycles) == 3 and len(set(cycles)) == 3
    assert [c.rsplit(" — ", 1)[1] for c in cycles] == ["mars–juin 2028", "mars–juin 2027", "mars–juin 2016"]
    journees = _options(new, "journee_id")[1:]
    assert len(journees) == 12 and len(set(journees)) == 12
    assert "mars–juin 2027 · Journée 2 — 7 avril 2027" in journees[5]
    people = admin_client.get("/admin/subscribers").get_data(as_text=True)
    events = _options(people, "event")[1:]
    assert len(events) == len(set(events))
    assert any(o.endswith("mars–juin 2016 · Journée 2 — 7 avril 2016 : inscrits") for o in events)
