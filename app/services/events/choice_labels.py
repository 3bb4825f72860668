"""How a cycle or a journée is named wherever the officer chooses one (campaign, segment, subscriber
selects): the title alone made the 2016, 2027 and 2028 cycles three identical lines, so a cycle is
named with its period and a journée with its date ("Journée 2 — 14 avril 2027").

One function, :func:`choice_label`, so every select says the same thing.
"""
from __future__ import annotations

from babel.dates import format_date
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.i18n import select_locale
from app.models import Cycle, Journee
from app.timeutil import to_local


def cycle_period(cycle: Cycle) -> str:
    """``mars–juin 2027`` from the journées' dates (``novembre 2026–février 2027`` across a year,
    ``mars 2027`` for one month); the typed period when the cycle has no journée yet."""
    days = sorted(to_local(j.starts_at).date() for j in cycle.journees)
    if not days:
        return cycle.period or ""
    locale = select_locale()
    first, last = days[0], days[-1]
    if (first.year, first.month) == (last.year, last.month):
        return format_date(first, "LLLL yyyy", locale=locale)
    if first.year == last.year:
        return f"{format_date(first, 'LLLL', locale=locale)}–{format_date(last, 'LLLL yyyy', locale=locale)}"
    return f"{format_date(first, 'LLLL yyyy', locale=locale)}–{format_date(last, 'LLLL yyyy', locale=locale)}"


def choice_label(item: Cycle | Journee) -> str:
    """``Titre — mars–juin 2027`` for a cycle, ``Journée 2 — 14 avril 2027`` for a journée."""
    if isinstance(item, Journee):
        day = format_date(to_local(item.starts_at).date(), "long", locale=select_locale())
        return _("Journée %(n)s — %(day)s", n=item.number, day=day)
    period = cycle_period(item)
    return f"{item.title} — {period}" if period else item.title


def _cycles() -> list[Cycle]:
    return list(db.session.scalars(select(Cycle).options(selectinload(Cycle.journees)).order_by(Cycle.id.desc())))


def cycle_choices() -> list[tuple[int, str]]:
    """``(id, label)`` of every cycle, newest first, for a select."""
    return [(c.id, choice_label(c)) for c in _cycles()]


def journee_choices() -> list[tuple[int, str]]:
    """``(id, "Cycle — période · Journée 2 — 14 avril 2027")`` of every journée, newest cycle first."""
    return [(j.id, f"{choice_label(c)} · {choice_label(j)}") for c in _cycles() for j in c.journees]
