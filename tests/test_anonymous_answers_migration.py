"""Issue #22: migration 0021 makes the answers of people erased *before* it anonymous too (scores kept, no
registration, no name, no comment) and drops their drawn signatures; everyone else's stay as they were."""
from __future__ import annotations

from sqlalchemy import select

from app.models import Attendance, SubscriberStatus, SurveyAnswer
from app.services.events import attendance as att
from app.services.events import surveys
from app.services.events.registrations import register
from tests.conftest import make_app
from tests.event_factories import make_cycle
from tests.test_migrations import empty_database  # noqa: F401 (fixture)

SCORES = dict.fromkeys(surveys.QUESTION_KEYS, 3)


def test_upgrade_anonymises_the_answers_of_people_erased_before(empty_database):  # noqa: F811
    from flask_migrate import downgrade, upgrade

    app = make_app(empty_database)
    with app.app_context():
        from app.extensions import db

        upgrade()
        cycle = make_cycle()
        day = cycle.journees[0]
        regs = {name: register(cycle, f"{name}@example.org", first_name=name.title(), journees=[day], allow_past=True,
                               notify=False, source="admin", actor="t").registration for name in ("prudence", "zoe")}
        for name, reg in regs.items():
            att.check_in(reg, day, att.Half.AM, actor="t", signature_svg="M 1 2 L 3 4")
            surveys.save_answer(reg, day, SCORES, comment=f"{name.title()} était là", name=name.title())
        # Erased by a release before this one: the row cleared, the answer and the signature left behind.
        gone = regs["prudence"].subscriber
        gone.email, gone.first_name, gone.status = None, "", SubscriberStatus.ERASED
        db.session.commit()
        downgrade(revision="0014")
        upgrade()
        db.session.expire_all()
        answers = {a.registration_id: (a.name, a.comment, a.scores) for a in db.session.scalars(select(SurveyAnswer))}
        assert answers == {None: ("", "", SCORES), regs["zoe"].id: ("Zoe", "Zoe était là", SCORES)}
        signatures = {a.registration_id: a.signature_svg for a in db.session.scalars(select(Attendance))}
        assert signatures == {regs["prudence"].id: None, regs["zoe"].id: "M 1 2 L 3 4"}
        db.session.remove()
        db.engine.dispose()
