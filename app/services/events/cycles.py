"""Cycles and journées: saving a cycle keeps its reminders in step; moving a journée tells its registrants.

Every writer of a cycle (CLI, admin, demo loader, the later cycle editor) goes
through :func:`save_cycle`, so reminders can never drift from the dates.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Mapping

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.digits import is_digits
from app.errors import LettrineError
from app.extensions import db
from app.models import Campaign, CampaignStatus, Cycle, Journee, RegistrationDay, RegistrationStatus, utcnow
from app.services.events import registrations
from app.services.events.reminders import InvalidReminderRules, SyncReport, french_date, parse_rules, sync_reminders
from app.timeutil import format_when, to_local

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


def publish_cycle(cycle: Cycle, published: bool = True) -> None:
    """Open (or close) the cycle's agenda entry and registration form; a duplicated cycle starts
    unpublished, a draft the officer reads again first. Commits."""
    cycle.published = published
    save_cycle(cycle)


# The cycle's words an announcement is made of: editable from the announcement's campaign too.
ANNOUNCEMENT_TEXT_FIELDS = ("kicker", "title", "subtitle", "period", "introduction", "stakes", "objectives",
                            "audience", "format", "speakers", "sponsor_note")


def save_cycle_texts(cycle: Cycle, texts: Mapping[str, str]) -> SyncReport:
    """Change the cycle's announcement texts (from its campaign: they are the cycle's, so every
    message and page showing the cycle changes too). Commits; CycleError when refused."""
    for name in ANNOUNCEMENT_TEXT_FIELDS:
        if name not in texts:
            continue
        value = (texts[name] or "").strip()
        limit = getattr(Cycle.__table__.columns[name].type, "length", None)
        if limit is not None and len(value) > limit:
            raise CycleError(f"« {name} » dépasse {limit} caractères")
        setattr(cycle, name, value)
    if not cycle.title:
        raise CycleError("le titre est obligatoire")
    return save_cycle(cycle)


YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
TEXT_LABELS = {
    "kicker": _l("Surtitre (ex. « Cycle de qualification »)"), "title": _l("Titre"), "subtitle": _l("Sous-titre"),
    "period": _l("Période (ex. « Mars 2016 – Juin 2016 »)"), "introduction": _l("Introduction"),
    "stakes": _l("Enjeux"), "objectives": _l("Objectifs"), "audience": _l("Public"), "format": _l("Format"),
    "speakers": _l("Intervenants"), "sponsor_note": _l("Mention des financeurs"), "work_axes": _l("Axes de travail"),
}


def stray_years(cycle: Cycle) -> list[tuple[str, str]]:
    """``(where, year)`` for every year written in the cycle's texts (or its journées') that is not
    the year of one of its journées: last year's funder sentence left in a duplicated cycle."""
    years = {str(to_local(j.starts_at).year) for j in cycle.journees}
    if not years:
        return []
    found: list[tuple[str, str]] = []
    places = [(str(TEXT_LABELS[name]), getattr(cycle, name) or "") for name in ANNOUNCEMENT_TEXT_FIELDS]
    for journee in cycle.journees:
        places += [(f"{_('Journée %(n)s', n=journee.number)} : {TEXT_LABELS.get(name, _l('Titre de la journée'))}",
                    getattr(journee, name) or "") for name in JOURNEE_TEXT_FIELDS]
    for where, text in places:
        for year in dict.fromkeys(YEAR.findall(text)):
            if year not in years:
                found.append((where, year))
    return found


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


JOURNEE_TEXT_FIELDS = ("title", "introduction", "objectives", "work_axes")


def add_journee(cycle: Cycle, *, number: int, starts_at: datetime, ends_at: datetime, texts: dict[str, str],
                now: datetime | None = None) -> Journee:
    """A new journée for the cycle, its reminders scheduled; commits. CycleError (nothing saved) for a day
    already past (a wrong year, usually) or a cycle that would not be valid."""
    _refuse_past(starts_at, now)
    journee = Journee(number=number, starts_at=starts_at, ends_at=ends_at,
                      **{name: (texts.get(name) or "").strip() for name in JOURNEE_TEXT_FIELDS})
    cycle.journees.append(journee)
    try:
        save_cycle(cycle)
    except CycleError:
        db.session.rollback()
        raise
    return journee


def save_journee(journee: Journee, *, number: int, starts_at: datetime, ends_at: datetime, texts: dict[str, str],
                 now: datetime | None = None) -> MoveReport | None:
    """Save a journée's number and texts; new times move it (``move_journee``: its registrants get the
    new .ics; the report says how many). Commits. CycleError (nothing saved) for a move into the past
    or a cycle that would not be valid."""
    if starts_at != journee.starts_at:
        _refuse_past(starts_at, now)
    journee.number = number
    for name in JOURNEE_TEXT_FIELDS:
        setattr(journee, name, (texts.get(name) or "").strip())
    try:
        with db.session.no_autoflush:
            validate_cycle(journee.cycle)
        if (starts_at, ends_at) != (journee.starts_at, journee.ends_at):
            return move_journee(journee, starts_at, ends_at)
        save_cycle(journee.cycle)
    except CycleError:
        db.session.rollback()
        raise
    return None


def _refuse_past(starts_at: datetime, now: datetime | None) -> None:
    if starts_at <= (now or utcnow()):
        raise CycleError(_("le %(day)s est passé ; vérifiez l'année.", day=format_when(starts_at, "numeric_day")))


def delete_journee(journee: Journee) -> int:
    """Delete a journée nobody registered for and whose reminders never left, with those reminders; the
    cycle is saved again (its other reminders stay in step). Commits. Returns the journée's number;
    CycleError, in the reader's language, when people registered or a reminder already went out."""
    number = journee.number
    if db.session.scalar(select(RegistrationDay.id).where(RegistrationDay.journee_id == journee.id).limit(1)):
        raise CycleError(_("Des personnes sont inscrites à la journée %(n)s : annulez leurs inscriptions ou "
                           "déplacez-la plutôt que de la supprimer.", n=number))
    reminders = db.session.scalars(select(Campaign).where(Campaign.journee_id == journee.id)).all()
    if any(c.status not in (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED, CampaignStatus.CANCELLED)
           for c in reminders):
        raise CycleError(_("Un rappel de la journée %(n)s est déjà parti : elle ne peut plus être supprimée.",
                           n=number))
    cycle = journee.cycle
    for campaign in reminders:
        db.session.delete(campaign)
    cycle.journees.remove(journee)
    save_cycle(cycle)
    return number


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


class UnknownJournee(CycleError):
    """Numbers that name no journée of the cycle; ``missing`` holds them, in the order given."""

    def __init__(self, cycle: Cycle, missing: list[int | str]) -> None:
        known = ", ".join(map(str, sorted(j.number for j in cycle.journees)))
        super().__init__(f"journée inconnue : {missing[0]!r} (journées : {known})")
        self.missing = missing


def journees_by_number(cycle: Cycle, numbers: list[int]) -> list[Journee]:
    """Those journées of the cycle, in the order given, each once; UnknownJournee names the wrong numbers."""
    by_number = {j.number: j for j in cycle.journees}
    missing: list[int | str] = [n for n in numbers if n not in by_number]
    if missing:
        raise UnknownJournee(cycle, missing)
    return [by_number[n] for n in dict.fromkeys(numbers)]


def parse_journee_numbers(cycle: Cycle, text: str | None) -> list[Journee] | None:
    """``"1,3"`` → those journées of the cycle (None for "all"); CycleError names a wrong number."""
    if text is None or not text.strip():
        return None
    parts = [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]
    wrong: list[int | str] = [part for part in parts if not is_digits(part)]
    if wrong:
        raise UnknownJournee(cycle, wrong)
    return journees_by_number(cycle, [int(part) for part in parts])
