"""The follow-up audiences' SELECTs (present, absent, answered, not answered) on real rows."""
import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Subscriber
from app.services.events import attendance as att
from app.services.events import surveys
from app.sending.audiences import followup_ids
from app.services.events.registrations import register
from tests.event_factories import make_cycle

SCORES = dict.fromkeys(surveys.QUESTION_KEYS, 4)


def emails(query) -> set[str]:
    return set(db.session.scalars(select(Subscriber.email).where(Subscriber.id.in_(query))))


def test_present_absent_answered_not_answered(app):
    cycle = make_cycle()
    j1, j2 = cycle.journees[0], cycle.journees[1]
    regs = {}
    for name in ("ana", "bob", "cleo"):
        regs[name] = register(cycle, f"{name}@example.org", journees=[j1, j2], allow_past=True, notify=False,
                              source="admin", actor="test").registration
    att.check_in(regs["ana"], j1, att.Half.AM, actor="t")
    att.check_in(regs["bob"], j1, att.Half.PM, actor="t")
    att.set_status(regs["cleo"], j1, att.Half.AM, att.AttendanceStatus.EXCUSED, actor="t")
    att.check_in(regs["cleo"], j2, att.Half.AM, actor="t")
    surveys.save_answer(regs["ana"], j1, SCORES)

    assert emails(followup_ids("present", cycle.id, j1.id)) == {"ana@example.org", "bob@example.org"}
    assert emails(followup_ids("absent", cycle.id, j1.id)) == {"cleo@example.org"}
    assert emails(followup_ids("answered", cycle.id, j1.id)) == {"ana@example.org"}
    assert emails(followup_ids("not_answered", cycle.id, j1.id)) == {"bob@example.org"}
    assert emails(followup_ids("not_answered", cycle.id, None)) == {"ana@example.org", "bob@example.org",
                                                                     "cleo@example.org"}
    with pytest.raises(ValueError):
        followup_ids("everyone", cycle.id, j1.id)
