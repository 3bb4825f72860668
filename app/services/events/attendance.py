"""Attendance per journée and half-day: check-in at the door, corrections, hours attended.

A journée's hours are split in two halves around a lunch break centred on the
journée's midpoint (``Journee.lunch_minutes``, default 60): 10:00–17:00 with one
hour of lunch is 10:00–13:00 and 14:00–17:00, three hours each. A half-day
attended counts its half of ``(end − start − lunch)``; the certificate adds
them up. Check-in at any moment before the midpoint is the morning, after it
the afternoon.

Checking in is idempotent: a second check-in of the same person for the same
half-day changes nothing and says so (``CheckIn.already``), whatever the order
or the number of retries of the requests (the unique constraint settles a race).

The calendar decides too (:mod:`app.services.events.calendar_rules`): check-in opens on
the journée's day. And a journée's list holds the people registered for *that* journée:
checking in anyone else is refused (:class:`NotRegisteredForJournee`) until the officer
confirms a walk-in ("sur place"), which the attendance row records (``walk_in``) so sheets,
the JSON report and the counts show it apart.
"""
from __future__ import annotations

import hashlib
import hmac
import io
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import segno
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app import links
from app.errors import LettrineError
from app.extensions import db
from app.models import (
    EventKind,
    record_event,
    Attendance,
    AttendanceStatus,
    Cycle,
    Half,
    Journee,
    Registration,
    RegistrationDay,
    RegistrationStatus,
    utcnow,
)
from app.services.audience import audit
from app.services.events.calendar_rules import checkin_closed_reason
from app.services.events.reminders import french_date
from app.timeutil import to_local
from app.tokens import InvalidToken, Purpose, sign, verify

log = logging.getLogger(__name__)

# Lazy: each reader gets them in their language (a page's, French in the CLI and the French documents).
HALF_LABELS = {Half.AM: _l("matin"), Half.PM: _l("après-midi")}
STATUS_LABELS = {AttendanceStatus.PRESENT: _l("présent·e"), AttendanceStatus.ABSENT: _l("absent·e"),
                 AttendanceStatus.EXCUSED: _l("excusé·e")}


class AttendanceError(LettrineError, ValueError):
    """The check-in or change cannot be made as asked; the message is French."""

    status = 409
    code = "attendance"
    en = "The check-in or change cannot be made as asked."


class CheckInNotOpen(AttendanceError):
    """The journée has not come yet: nobody may be marked present or absent at it."""


class NotRegisteredForJournee(AttendanceError):
    """The person is not registered for this journée: the officer must confirm a walk-in."""

    def __init__(self, registration: Registration, journee: Journee) -> None:
        person = registration.subscriber
        super().__init__(f"{person.full_name or person.email} n'est pas inscrit·e à la journée {journee.number} "
                         f"({french_date(journee.starts_at)}) : confirmez sa venue sur place pour l'enregistrer.")
        self.registration, self.journee = registration, journee


# --- hours -------------------------------------------------------------------------------

def half_minutes(journee: Journee) -> dict[Half, int]:
    """Minutes counted for each half-day: the journée minus its lunch break, split in two."""
    total = int((journee.ends_at - journee.starts_at).total_seconds() // 60) - (journee.lunch_minutes or 0)
    total = max(total, 0)
    return {Half.AM: total - total // 2, Half.PM: total // 2}


def half_bounds(journee: Journee) -> dict[Half, tuple[datetime, datetime]]:
    """Start and end of each half-day: the lunch break is centred on the journée's midpoint."""
    middle = journee.starts_at + (journee.ends_at - journee.starts_at) / 2
    lunch = timedelta(minutes=journee.lunch_minutes or 0) / 2
    return {Half.AM: (journee.starts_at, middle - lunch), Half.PM: (middle + lunch, journee.ends_at)}


def hours_label(minutes: int) -> str:
    """``540`` → ``9 h``, ``390`` → ``6 h 30`` (French typography, no decimal hours)."""
    hours, rest = divmod(int(minutes), 60)
    return f"{hours}\u00a0h" + (f"\u00a0{rest:02d}" if rest else "")


def current_slot(cycle: Cycle, now: datetime | None = None) -> tuple[Journee, Half] | None:
    """The journée happening today (local date) and the half-day ``now`` falls in, if any."""
    now = now or utcnow()
    today = to_local(now).date()
    for journee in cycle.journees:
        if to_local(journee.starts_at).date() == today:
            middle = journee.starts_at + (journee.ends_at - journee.starts_at) / 2
            return journee, Half.AM if now < middle else Half.PM
    return None


def parse_half(text: str | None) -> list[Half]:
    """``"am"``/``"matin"`` → [AM]; ``"pm"``/``"après-midi"`` → [PM]; nothing → both halves."""
    if text is None or not str(text).strip():
        return [Half.AM, Half.PM]
    value = str(text).strip().lower()
    if value in {"am", "matin", "morning"}:
        return [Half.AM]
    if value in {"pm", "après-midi", "apres-midi", "afternoon"}:
        return [Half.PM]
    raise AttendanceError(f"demi-journée inconnue : {text!r} (am ou pm)")


# --- codes -------------------------------------------------------------------------------

def checkin_token(registration: Registration) -> str:
    return sign(Purpose.CHECKIN, {"r": registration.uid, "c": registration.cycle.uid})


def checkin_url(registration: Registration) -> str:
    return links.absolute(f"/admin/presence/{checkin_token(registration)}")


def qr_url(registration: Registration) -> str:
    """The QR code image (PNG) of the check-in URL, for emails: only an officer can act on it."""
    return links.absolute(f"/presence/qr/{checkin_token(registration)}.png")


def qr_png(registration: Registration) -> bytes:
    """The QR code (PNG) of the person's check-in URL: what the door's camera reads."""
    out = io.BytesIO()
    segno.make(checkin_url(registration), error="m").save(out, kind="png", scale=6, border=2)
    return out.getvalue()


def registration_from_token(token: str) -> Registration:
    try:
        payload = verify(Purpose.CHECKIN, token)
    except InvalidToken as exc:
        raise AttendanceError("code de présence invalide") from exc
    registration = db.session.scalar(select(Registration).where(Registration.uid == str(payload.get("r"))))
    if registration is None or registration.cycle.uid != payload.get("c"):
        raise AttendanceError("ce code ne correspond à aucune inscription de ce cycle")
    return registration


_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud at the door


def short_code(registration: Registration, key: str | None = None) -> str:
    """An 8-character code (``K7QM-2XDP``) to type when there is no camera; keyed by the secret."""
    key = key or current_app.config["SECRET_KEYS"][0]
    digest = hmac.new(key.encode(), f"checkin|{registration.cycle.uid}|{registration.uid}".encode(),
                      hashlib.sha256).digest()
    number = int.from_bytes(digest[:8], "big")
    chars = []
    for _ in range(8):
        number, index = divmod(number, len(_ALPHABET))
        chars.append(_ALPHABET[index])
    return "".join(chars[:4]) + "-" + "".join(chars[4:])


def find_by_short_code(cycle: Cycle, code: str) -> Registration | None:
    wanted = code.strip().upper().replace(" ", "").replace("-", "")
    if len(wanted) != 8:
        return None
    for registration in db.session.scalars(select(Registration).where(Registration.cycle_id == cycle.id)):
        for key in current_app.config["SECRET_KEYS"]:
            if hmac.compare_digest(short_code(registration, key).replace("-", ""), wanted):
                return registration
    return None


# --- writing -----------------------------------------------------------------------------

@dataclass
class CheckIn:
    attendance: Attendance
    already: bool  # the person was already marked present for that half-day: nothing changed


def is_registered_for(registration: Registration, journee: Journee) -> bool:
    """A confirmed seat at ``journee`` (waiting list and cancelled seats are not)."""
    return db.session.scalar(select(RegistrationDay.id).where(
        RegistrationDay.registration_id == registration.id, RegistrationDay.journee_id == journee.id,
        RegistrationDay.status == RegistrationStatus.CONFIRMED)) is not None


def require_open(journee: Journee, now: datetime) -> None:
    """Refuse (:class:`CheckInNotOpen`) a check-in or a mark before the journée's day."""
    reason = checkin_closed_reason(journee, now)
    if reason is not None:
        raise CheckInNotOpen(reason)


def _find(registration: Registration, journee: Journee, half: Half) -> Attendance | None:
    return db.session.scalar(select(Attendance).where(
        Attendance.registration_id == registration.id, Attendance.journee_id == journee.id,
        Attendance.half == half))


def check_in(registration: Registration, journee: Journee, half: Half, *, actor: str,
             now: datetime | None = None, signature_svg: str | None = None, walk_in: bool = False) -> CheckIn:
    """Mark someone present for one half-day. Commits. A repeat changes nothing (``already``).

    Refused before the journée's day (:class:`CheckInNotOpen`), and for someone not registered
    for the journée (:class:`NotRegisteredForJournee`) unless ``walk_in``: the officer confirmed
    the person came without a seat, and the row says so.
    """
    if journee.cycle_id != registration.cycle_id:
        raise AttendanceError("cette journée n'appartient pas au cycle de l'inscription")
    now = now or utcnow()
    require_open(journee, now)
    signature = clean_signature(signature_svg) if signature_svg else None  # refused before anything is written
    row = _find(registration, journee, half)
    if row is not None and row.status == AttendanceStatus.PRESENT:
        return CheckIn(row, True)
    unregistered = not is_registered_for(registration, journee)
    if unregistered and not walk_in and not (row is not None and row.walk_in):
        raise NotRegisteredForJournee(registration, journee)
    before = row.status.value if row is not None else None
    if row is None:
        row = Attendance(registration=registration, journee=journee, half=half)
        db.session.add(row)
    row.status, row.checked_in_at, row.changed_by, row.changed_at = AttendanceStatus.PRESENT, now, actor[:320], now
    row.walk_in = unregistered
    if signature:
        row.signature_svg, row.signed_at = signature, now
    _audit(row, before, actor)
    try:
        db.session.commit()
    except IntegrityError:  # the same check-in arrived twice at once: the other one won
        db.session.rollback()
        row = _find(registration, journee, half)
        if row is None:
            raise
        return CheckIn(row, True)
    return CheckIn(row, False)


def add_signature(registration: Registration, journee: Journee, half: Half, signature_svg: str, *, actor: str,
                  now: datetime | None = None) -> Attendance:
    """The drawn signature of someone already checked in ("Faire signer" after the scan). Commits.

    Signing again replaces the drawing (the pad's "Effacer" is for a slip; a second
    signature is a correction), with an audit line each time.
    """
    now = now or utcnow()
    signature = clean_signature(signature_svg)
    row = _find(registration, journee, half)
    if row is None or row.status != AttendanceStatus.PRESENT:
        raise AttendanceError("la personne n'est pas encore marquée présente pour cette demi-journée")
    row.signature_svg, row.signed_at = signature, now
    audit("attendance_signed", registration.subscriber, actor=actor, source=f"presence:{registration.cycle.slug}",
          detail={"journee": journee.number, "half": half.value})
    db.session.commit()
    return row


def set_status(registration: Registration, journee: Journee, half: Half, status: AttendanceStatus, *,
               actor: str, now: datetime | None = None) -> Attendance:
    """The officer's correction afterwards (present / absent / excused), with an audit line. Commits.

    "Excusé·e" may be said ahead; present and absent only from the journée's day. Someone
    marked present without a seat at the journée is recorded as a walk-in.
    """
    now = now or utcnow()
    if status != AttendanceStatus.EXCUSED:
        require_open(journee, now)
    row = _find(registration, journee, half)
    before = row.status.value if row is not None else None
    if row is None:
        row = Attendance(registration=registration, journee=journee, half=half)
        db.session.add(row)
    if before == status.value:
        return row
    row.status, row.changed_by, row.changed_at = status, actor[:320], now
    if status == AttendanceStatus.PRESENT and row.checked_in_at is None:
        row.checked_in_at = now
    if status == AttendanceStatus.PRESENT:
        row.walk_in = not is_registered_for(registration, journee)
    _audit(row, before, actor)
    db.session.commit()
    return row


def _audit(row: Attendance, before: str | None, actor: str) -> None:
    registration = row.registration
    detail = {"journee": row.journee.number, "half": row.half.value, "from": before, "to": row.status.value}
    if row.walk_in:
        detail["walk_in"] = True
    audit("attendance_change", registration.subscriber, actor=actor, source=f"presence:{registration.cycle.slug}",
          detail=detail)
    # With the change: an after-the-journée sequence already under way takes a late check-in or correction.
    record_event(EventKind.ATTENDANCE, registration.subscriber_id, cycle_id=registration.cycle_id,
                 journee_id=row.journee_id)


_SVG_PATH_CHARS = set("MLHVCSQTAZmlhvcsqtaz0123456789.,- e")


def clean_signature(path_data: str) -> str:
    """SVG path data only (commands and numbers): nothing that could run or fetch when shown."""
    text = " ".join(str(path_data).split())[:60000]
    if not text or not set(text) <= _SVG_PATH_CHARS or text.lstrip()[:1] not in {"M", "m"}:
        raise AttendanceError("signature illisible")
    return text


# --- reading -----------------------------------------------------------------------------

def cycle_attendance(cycle: Cycle) -> list[Attendance]:
    journee_ids = [j.id for j in cycle.journees]
    if not journee_ids:
        return []
    return list(db.session.scalars(select(Attendance).where(Attendance.journee_id.in_(journee_ids))))


def _by_name(rows) -> list[Registration]:
    return sorted(rows, key=lambda r: (r.subscriber.last_name.lower(), r.subscriber.first_name.lower(),
                                       r.subscriber.email or ""))


def participants(cycle: Cycle) -> list[Registration]:
    """Everyone with a confirmed day or an attendance row in the cycle, by last name."""
    confirmed = set(db.session.scalars(
        select(RegistrationDay.registration_id).join(Registration).where(
            Registration.cycle_id == cycle.id, RegistrationDay.status == RegistrationStatus.CONFIRMED)))
    confirmed |= {a.registration_id for a in cycle_attendance(cycle)}
    rows = db.session.scalars(select(Registration).where(Registration.id.in_(confirmed))).all() if confirmed else []
    return _by_name(rows)


def journee_participants(journee: Journee) -> list[Registration]:
    """A journée's check-in list: those with a confirmed seat at it, and anyone already marked at it
    (a walk-in, a correction), by last name. Not the whole cycle."""
    seated = select(RegistrationDay.registration_id).where(
        RegistrationDay.journee_id == journee.id, RegistrationDay.status == RegistrationStatus.CONFIRMED)
    marked = select(Attendance.registration_id).where(Attendance.journee_id == journee.id)
    return _by_name(db.session.scalars(select(Registration).where(
        Registration.id.in_(seated) | Registration.id.in_(marked))).all())


def not_on_list(journee: Journee) -> list[Registration]:
    """The cycle's other registrants: not on ``journee``'s list (their check-in there is a walk-in)."""
    listed = {r.id for r in journee_participants(journee)}
    return _by_name(r for r in db.session.scalars(select(Registration).where(Registration.cycle_id == journee.cycle_id))
                    if r.id not in listed)


def journee_counts(cycle: Cycle) -> list[dict]:
    """Per journée: people registered, present (at least one half-day) and, among them, walk-ins."""
    rows = cycle_attendance(cycle)
    seated = dict(db.session.execute(
        select(RegistrationDay.journee_id, func.count()).join(Registration).where(
            Registration.cycle_id == cycle.id, RegistrationDay.status == RegistrationStatus.CONFIRMED)
        .group_by(RegistrationDay.journee_id)).all())
    counts = []
    for journee in cycle.journees:
        present = [a for a in rows if a.journee_id == journee.id and a.status == AttendanceStatus.PRESENT]
        counts.append({"number": journee.number, "registered": int(seated.get(journee.id, 0)),
                       "present": len({a.registration_id for a in present}),
                       "walk_in": len({a.registration_id for a in present if a.walk_in})})
    return counts


def person_attendance(registration: Registration, rows: list[Attendance] | None = None) -> dict:
    """One person's presence: journées with the half-days present, minutes per journée and in total."""
    rows = rows if rows is not None else [a for a in cycle_attendance(registration.cycle)
                                          if a.registration_id == registration.id]
    person = registration.subscriber
    journees, total = [], 0
    for journee in registration.cycle.journees:
        mine = {a.half: a for a in rows if a.journee_id == journee.id and a.registration_id == registration.id}
        present = [h for h in (Half.AM, Half.PM) if h in mine and mine[h].status == AttendanceStatus.PRESENT]
        other = {h.value: mine[h].status.value for h in mine if mine[h].status != AttendanceStatus.PRESENT}
        if not present and not other:
            continue
        minutes = sum(half_minutes(journee)[h] for h in present)
        total += minutes
        journees.append({
            "number": journee.number, "date": to_local(journee.starts_at).date().isoformat(),
            "date_label": french_date(journee.starts_at), "present": [h.value for h in present],
            "walk_in": any(mine[h].walk_in for h in present),
            "other": other, "minutes": minutes, "hours": minutes / 60,
        })
    return {
        "email": person.email, "first_name": person.first_name, "last_name": person.last_name,
        "name": person.full_name or person.email, "organisation": person.organisation,
        "journees": journees, "total_minutes": total, "total_hours": total / 60,
    }


def attendance_report(cycle: Cycle) -> list[dict]:
    """One entry per participant (registered or checked in): journées, half-days, walk-ins, hours."""
    rows = cycle_attendance(cycle)
    return [person_attendance(r, rows) for r in participants(cycle)]


def attendance_summary(cycle: Cycle) -> dict:
    """``events attendance --json``: the counts per journée (walk-ins apart), then each participant."""
    return {"cycle": cycle.slug, "journees": journee_counts(cycle), "people": attendance_report(cycle)}
