"""Cycles and journées: saving a cycle keeps its reminders in step; moving a journée tells its registrants.

Every writer of a cycle (CLI, admin, demo loader, the later cycle editor) goes
through :func:`save_cycle`, so reminders can never drift from the dates.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from app.digits import is_digits
from app.errors import LettrineError
from app.extensions import db
from app.models import Cycle, Journee, RegistrationStatus, utcnow
from app.services.events import registrations
from app.services.events.reminders import InvalidReminderRules, SyncReport, french_date, parse_rules, sync_reminders
from app.timeutil import to_local

log = logging.getLogger(__name__)


class CycleError(LettrineError, ValueError):
    """The cycle or journée cannot be saved as given; the message is French."""

    status = 422
    code = "cycle"
    en = "The cycle or journée cannot be saved as given."


def find_cycle(ref: str) -> Cycle | None:
    """A cycle by id or slug."""
    cycle = db.session.get(Cycle, int(ref)) if is_digits(str(ref)) else None
    return cycle or db.session.scalar(select(Cycle).where(Cycle.slug == str(ref)))


def validate_cycle(cycle: Cycle) -> None:
    try:
        parse_rules(cycle.reminder_rules)
    except InvalidReminderRules as exc:
        raise CycleError(str(exc)) from exc
    if cycle.capacity is not None and cycle.capacity < 1:
        raise CycleError("la capacité doit être d'au moins une place (ou vide pour illimitée)")
    numbers = [j.number for j in cycle.journees]
    if len(set(numbers)) != len(numbers):
        raise CycleError("deux journées portent le même numéro")
    for journee in cycle.journees:
        _check_times(journee.starts_at, journee.ends_at)


def _check_times(start: datetime, end: datetime) -> None:
    if start.tzinfo is None or end.tzinfo is None:
        raise CycleError("heure sans fuseau horaire")
    if end <= start:
        raise CycleError("une journée doit finir après son début")


def save_cycle(cycle: Cycle, now: datetime | None = None) -> SyncReport:
    """Validate and store a cycle, then create/update/cancel its reminders. Commits.

    Seats freed by a larger capacity go to the waiting lists.
    """
    validate_cycle(cycle)
    db.session.add(cycle)
    db.session.flush()
    report = sync_reminders(cycle, now)
    db.session.commit()
    if cycle.capacity is None or cycle.capacity > 0:
        for journee in cycle.journees:
            registrations.fill_from_waiting(journee)
    return report


@dataclass
class MoveReport:
    moved: bool
    notified: int
    reminders: SyncReport | None


def move_journee(
    journee: Journee, new_start: datetime, new_end: datetime, now: datetime | None = None, notify: bool = True
) -> MoveReport:
    """Move a journée: SEQUENCE+1, its reminders follow, its registrants get the updated .ics.

    Confirmed registrants receive ``registration_update`` with the new .ics; people on
    the waiting list are told the new date too (no .ics: they have no seat yet).
    """
    now = now or utcnow()
    _check_times(new_start, new_end)
    if journee.starts_at == new_start and journee.ends_at == new_end:
        return MoveReport(False, 0, None)
    old = _when(journee)
    journee.starts_at, journee.ends_at = new_start, new_end
    journee.sequence += 1
    db.session.flush()
    report = sync_reminders(journee.cycle, now)
    db.session.commit()
    changes = (
        f"La Journée {journee.number} du cycle « {journee.cycle.title} » change de date : elle aura lieu "
        f"le {_when(journee)} (au lieu du {old}). Le fichier calendrier joint remplace le précédent."
    )
    notified = 0
    if notify:
        for day in registrations.registrants(journee):
            attach = [journee] if day.status == RegistrationStatus.CONFIRMED else []
            if registrations.send_update(day.registration, changes, attach=attach):
                notified += 1
    log.info("journée %s of %s moved; %s registrants told", journee.number, journee.cycle.slug, notified)
    return MoveReport(True, notified, report)


def _when(journee: Journee) -> str:
    start, end = to_local(journee.starts_at), to_local(journee.ends_at)
    return f"{french_date(journee.starts_at)} de {start:%H:%M} à {end:%H:%M}"


def cycle_summary(cycle: Cycle) -> dict:
    """The JSON shape of ``flask events list --json`` (also handy for outside checks)."""
    return {
        "id": cycle.id,
        "slug": cycle.slug,
        "title": cycle.title,
        "published": cycle.published,
        "capacity": cycle.capacity,
        "reminder_rules": cycle.reminder_rules,
        "journees": [
            {
                "id": j.id,
                "number": j.number,
                "title": j.title,
                "start": to_local(j.starts_at).isoformat(),
                "end": to_local(j.ends_at).isoformat(),
                "start_utc": j.starts_at.isoformat(),
                "end_utc": j.ends_at.isoformat(),
                "sequence": j.sequence,
            }
            for j in cycle.journees
        ],
    }


def parse_journee_numbers(cycle: Cycle, text: str | None) -> list[Journee] | None:
    """``"1,3"`` → those journées of the cycle (None for "all"); CycleError names a wrong number."""
    if text is None or not text.strip():
        return None
    by_number = {j.number: j for j in cycle.journees}
    chosen = []
    for part in text.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        if not is_digits(part) or int(part) not in by_number:
            raise CycleError(f"journée inconnue : {part!r} (journées : {', '.join(map(str, sorted(by_number)))})")
        chosen.append(by_number[int(part)])
    return chosen
