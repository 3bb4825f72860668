"""docs/message-kinds.md shows the table of app/sending/eligibility.py, not a copy that drifts."""
from __future__ import annotations

from app.sending import eligibility
from tools import message_kinds


def test_the_page_holds_the_table_generated_from_the_module():
    _head, body, _tail = message_kinds.split(message_kinds.PAGE.read_text(encoding="utf-8"))
    assert body == eligibility.kinds_markdown(), "docs/message-kinds.md is out of date: python -m tools.message_kinds"


def test_every_kind_has_a_row_with_its_family_and_rule():
    _head, body, _tail = message_kinds.split(message_kinds.PAGE.read_text(encoding="utf-8"))
    rows = {line.split("|")[-2].strip(" `"): line for line in body.splitlines() if line.endswith("` |")}
    for key, kind in eligibility.KINDS.items():
        assert f"| {eligibility.FAMILY_NAMES[kind.family]} |" in rows[key] and f"`{kind.rule.name}`" in rows[key]
    assert {k for k, kind in eligibility.KINDS.items() if kind.family is eligibility.Family.SERVICE} == {
        "reminder", "registration_update", "certificate", "subscription_confirmation", "registration_confirmation",
        "registration_check", "data_export", "test", "campaign_paused"}
