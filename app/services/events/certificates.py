"""Certificates of attendance ("attestations de présence") and attendance sheets ("feuilles d'émargement").

A certificate is issued to everyone with at least one half-day present; it lists
each journée attended with its date and the hours counted (see
:mod:`app.services.events.attendance`), their total, and is signed by the signatory
set in :class:`CertificateSettings`. Closing a cycle emails each participant a
signed link to their own certificate (:func:`close_cycle`), once its last journée has
ended (:mod:`app.services.events.calendar_rules`). Every certificate is dated on the day the
cycle was closed (:func:`issue_date`), whenever it is downloaded, and carries the scanned
signature and the centre's stamp uploaded once in the settings.
"""
from __future__ import annotations

import base64
import io
import logging
import zipfile
from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app
from PIL import Image, UnidentifiedImageError
from sqlalchemy import select
from flask_babel import force_locale

from app import links
from app.errors import LettrineError
from app.extensions import db
from app.models import CertificateSettings, Cycle, CycleClosure, Half, Registration, utcnow
from app.services.events import attendance as att
from app.services.events.calendar_rules import close_refusal, last_journee, local_day, moment_label
from app.services.support import excel_csv, render_pdf, slugify
from app.services.events.followup_mail import send_each
from app.timeutil import format_when
from app.tokens import InvalidToken, Purpose, sign, verify


log = logging.getLogger(__name__)

SIGNATURE_TYPES = {"image/png", "image/jpeg"}
MAX_SIGNATURE_BYTES = 500_000  # a scan at 300 dpi of a signature or a stamp is far smaller
MAX_IMAGE_PIXELS = 25_000_000


class CertificateError(LettrineError, ValueError):
    """The certificate or its settings cannot be produced as asked; the message is French."""

    status = 409
    code = "certificate"
    en = "The certificate cannot be produced as asked."


class CycleNotOver(CertificateError):
    """The cycle's last journée has not ended: closing it now needs that journée's date named."""

    def __init__(self, message: str, last_day: date | None, ends_at: datetime | None) -> None:
        super().__init__(message)
        self.last_day, self.ends_at = last_day, ends_at

    @property
    def ends_label(self) -> str:
        return moment_label(self.ends_at) if self.ends_at is not None else ""


# --- settings ----------------------------------------------------------------------------

def certificate_settings() -> CertificateSettings:
    """The signatory settings (a blank, unsaved row when none were set)."""
    return db.session.get(CertificateSettings, 1) or CertificateSettings(
        id=1, signatory_name="", signatory_title="", place="", signature_mime="", stamp_mime="")


def image_type(data: bytes) -> str:
    """``image/png`` or ``image/jpeg`` once Pillow has decoded the whole file (never from its name or its
    first bytes alone: a truncated or disguised file is refused); "" otherwise."""
    # WeasyPrint sets Pillow's LOAD_TRUNCATED_IMAGES for the whole process when it is imported, so load()
    # alone would accept a truncated file: verify() reads a PNG's chunks and their CRCs to the end, and a
    # JPEG must end with its end-of-image marker.
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind = probe.format
            if probe.width * probe.height > MAX_IMAGE_PIXELS:
                return ""
            probe.verify()
        with Image.open(io.BytesIO(data)) as probe:
            probe.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError, ValueError):
        return ""
    if kind == "JPEG" and not data.rstrip(b"\0").endswith(b"\xff\xd9"):
        return ""
    return {"PNG": "image/png", "JPEG": "image/jpeg"}.get(kind or "", "")


def checked_image(data: bytes, what: str) -> str:
    """The MIME type of an uploaded signature or stamp; CertificateError (French) when it is not one."""
    if len(data) > MAX_SIGNATURE_BYTES:
        raise CertificateError(f"l'image {what} dépasse {MAX_SIGNATURE_BYTES // 1000} ko")
    mime = image_type(data)
    if mime not in SIGNATURE_TYPES:
        raise CertificateError(f"l'image {what} doit être un PNG ou un JPEG lisible")
    return mime


def save_settings(name: str, title: str, place: str, image: bytes | None = None,
                  remove_image: bool = False, *, stamp: bytes | None = None,
                  remove_stamp: bool = False) -> CertificateSettings:
    """Who signs, where, with which scanned signature and stamp; both images checked before anything is kept."""
    signature_mime = checked_image(image, "de signature") if image else ""
    stamp_mime = checked_image(stamp, "du tampon") if stamp else ""
    row = db.session.get(CertificateSettings, 1) or CertificateSettings(id=1)
    row.signatory_name, row.signatory_title, row.place = name.strip()[:200], title.strip()[:200], place.strip()[:200]
    if image:
        row.signature_image, row.signature_mime = image, signature_mime
    elif remove_image:
        row.signature_image, row.signature_mime = None, ""
    if stamp:
        row.stamp_image, row.stamp_mime = stamp, stamp_mime
    elif remove_stamp:
        row.stamp_image, row.stamp_mime = None, ""
    db.session.add(row)
    db.session.commit()
    return row


def settings_image(which: str) -> bytes | None:
    """The stored signature or stamp as a PNG (re-encoded whatever it was kept as), for the settings page's
    preview; None when there is none."""
    settings = certificate_settings()
    data = settings.signature_image if which == "signature" else settings.stamp_image if which == "stamp" else None
    if not data:
        return None
    out = io.BytesIO()
    with Image.open(io.BytesIO(data)) as image:
        image.save(out, format="PNG")
    return out.getvalue()


# --- data --------------------------------------------------------------------------------

def long_date(value: datetime) -> str:
    """``10 mars 2016`` (``1er avril 2016``: French ordinal for the first of the month)."""
    return format_when(value, "day", "fr")


def place_of(cycle: Cycle, settings: CertificateSettings) -> str:
    if settings.place:
        return settings.place
    lines = [line.strip() for line in cycle.venue_address.splitlines() if line.strip()]
    if lines:
        last = lines[-1]
        town = last.split(" ", 1)[1] if last[:5].isdigit() and " " in last else last
        return town.title()
    return cycle.venue_name


def _data_url(data: bytes | None, mime: str) -> str:
    if not data:
        return ""
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def issue_date(cycle: Cycle, now: datetime | None = None) -> datetime:
    """The certificate's date: the day the cycle was closed. Before it is closed (a preview), never
    earlier than its last journée: a certificate cannot be dated before the training it attests."""
    closed = closure(cycle)
    if closed is not None:
        return closed.closed_at
    now = now or utcnow()
    last = last_journee(cycle)
    return max(now, last.ends_at) if last is not None else now


def certificate_context(registration: Registration, issued: datetime | None = None) -> dict:
    cycle = registration.cycle
    settings = certificate_settings()
    person = att.person_attendance(registration)
    by_number = {j.number: j for j in cycle.journees}
    attended = []
    for item in person["journees"]:
        if not item["present"]:
            continue
        journee = by_number[item["number"]]
        halves = item["present"]
        attended.append({
            "number": journee.number, "title": journee.title, "date": long_date(journee.starts_at),
            "halves": "journée entière" if len(halves) == 2 else str(att.HALF_LABELS[Half(halves[0])]),
            "hours": att.hours_label(item["minutes"]),
        })
    return {
        "org": current_app.config["ORGANISATION"], "cycle": cycle, "person": registration.subscriber,
        "attended": attended, "total": att.hours_label(person["total_minutes"]),
        "total_minutes": person["total_minutes"], "place": place_of(cycle, settings),
        "issued": long_date(issued or issue_date(cycle)), "settings": settings,
        "signature_src": _data_url(settings.signature_image, settings.signature_mime),
        "stamp_src": _data_url(settings.stamp_image, settings.stamp_mime),
    }


def certificate_pdf(registration: Registration, issued: datetime | None = None) -> bytes:
    with force_locale("fr"):  # a French document, whatever language the page that asked for it
        context = certificate_context(registration, issued)
    if not context["attended"]:
        raise CertificateError("aucune demi-journée de présence : pas d'attestation")
    return render_pdf("certificate.html", **context)


def certified(cycle: Cycle) -> list[Registration]:
    """Participants with at least one half-day present: those who get a certificate."""
    present = {a.registration_id for a in att.cycle_attendance(cycle) if a.status.value == "present"}
    return [r for r in att.participants(cycle) if r.id in present]


def certificate_filenames(registrations: list[Registration]) -> dict[int, str]:
    """``attestation-curie-marie.pdf``, named after the person; a namesake gets ``-2``."""
    names: dict[int, str] = {}
    used: set[str] = set()
    for registration in registrations:
        person = registration.subscriber
        base = "attestation-" + slugify(f"{person.last_name} {person.first_name}".strip() or person.email or "participant")
        name, n = base, 1
        while name in used:
            n += 1
            name = f"{base}-{n}"
        used.add(name)
        names[registration.id] = name + ".pdf"
    return names


def certificates_zip(cycle: Cycle) -> bytes:
    people = certified(cycle)
    names = certificate_filenames(people)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for registration in people:
            archive.writestr(names[registration.id], certificate_pdf(registration))
    return out.getvalue()


# --- signed download links and closing ---------------------------------------------------

def certificate_url(registration: Registration) -> str:
    return links.absolute(f"/attestation/{sign(Purpose.CERTIFICATE, {'r': registration.uid})}")


def registration_for_certificate(token: str) -> Registration | None:
    try:
        payload = verify(Purpose.CERTIFICATE, token)
    except InvalidToken:
        return None
    return db.session.scalar(select(Registration).where(Registration.uid == str(payload.get("r"))))


def closure(cycle: Cycle) -> CycleClosure | None:
    return db.session.get(CycleClosure, cycle.id)


@dataclass
class CloseReport:
    already: bool
    sent: int
    failed: int
    early_until: datetime | None = None  # closed before the last journée ended (the officer's override): its end


def close_cycle(cycle: Cycle, actor: str, notify: bool = True, *, before_end: date | None = None,
                now: datetime | None = None) -> CloseReport:
    """Close the cycle (surveys stop accepting changes) and email each participant their certificate link.

    Refused (:class:`CycleNotOver`, with the last journée's end in French) before the last
    journée has ended, unless ``before_end`` names that journée's date: the officer's explicit
    override, which no longer matches if the journée moved meanwhile. A second close changes nothing.
    """
    if closure(cycle) is not None:
        return CloseReport(True, 0, 0)
    now = now or utcnow()
    refusal = close_refusal(cycle, now, before_end)
    last = last_journee(cycle)
    if refusal is not None:
        raise CycleNotOver(refusal, local_day(last) if last else None, last.ends_at if last else None)
    early_until = last.ends_at if last is not None and now < last.ends_at else None
    row = CycleClosure(cycle_id=cycle.id, closed_by=actor[:320], closed_at=now)
    db.session.add(row)
    if early_until is not None:
        log.warning("cycle %s closed by %s before its last journée ended (%s)", cycle.slug, actor, early_until)
    db.session.commit()
    if not notify:
        return CloseReport(False, 0, 0, early_until)
    subject = f"Votre attestation de présence : {cycle.title}"[:200]
    report = send_each("certificate", certified(cycle), lambda registration: {
        "subject": subject, "cycle": cycle, "certificate_url": certificate_url(registration),
        "total": att.hours_label(att.person_attendance(registration)["total_minutes"])})
    row = closure(cycle) or row  # the same row, reloaded after the commits of the sending
    row.certificates_sent = report.sent
    db.session.commit()
    return CloseReport(False, report.sent, report.failed, early_until)


# --- attendance sheets -------------------------------------------------------------------

def sheet_rows(cycle: Cycle, journee_number: int | None = None) -> list[dict]:
    """One table per journée and half-day: everyone confirmed or checked in, with status and time."""
    rows = att.cycle_attendance(cycle)
    people = att.participants(cycle)
    confirmed = {(d.registration_id, d.journee_id) for r in people for d in r.days if d.status.value == "confirmed"}
    tables = []
    for journee in cycle.journees:
        if journee_number is not None and journee.number != journee_number:
            continue
        bounds = att.half_bounds(journee)
        for half in (Half.AM, Half.PM):
            marks = {a.registration_id: a for a in rows if a.journee_id == journee.id and a.half == half}
            lines = []
            for registration in people:
                mark = marks.get(registration.id)
                if mark is None and (registration.id, journee.id) not in confirmed:
                    continue
                lines.append({
                    "registration_id": registration.id,
                    "person": registration.subscriber,
                    "status": att.STATUS_LABELS[mark.status] if mark else "",
                    "walk_in": bool(mark and mark.walk_in and mark.status.value == "present"),
                    "checked_in": format_when(mark.checked_in_at, "HH:mm") if mark and mark.checked_in_at and
                    mark.status.value == "present" else "",
                    "signature": mark.signature_svg if mark and mark.signature_svg else "",
                })
            start, end = bounds[half]
            tables.append({"journee": journee, "half": half, "half_label": att.HALF_LABELS[half],
                           "date": format_when(journee.starts_at, "day"), "from": format_when(start, "HH:mm"),
                           "to": format_when(end, "HH:mm"),
                           "lines": lines, "walk_ins": sum(1 for line in lines if line["walk_in"])})
    return tables


def attendance_sheet_pdf(cycle: Cycle, journee_number: int | None = None) -> bytes:
    """The sign-in sheets, a French document (its words and dates), whatever the officer's interface."""
    with force_locale("fr"):
        return render_pdf("attendance_sheet.html", org=current_app.config["ORGANISATION"], cycle=cycle,
                      tables=sheet_rows(cycle, journee_number))


def attendance_sheet_csv(cycle: Cycle, journee_number: int | None = None) -> bytes:
    """The same tables as CSV: one line per person per half-day, Excel-ready; French like its headings."""
    with force_locale("fr"):
        return _sheet_csv(cycle, journee_number)


def _sheet_csv(cycle: Cycle, journee_number: int | None) -> bytes:
    return excel_csv(
        ["Journée", "Date", "Demi-journée", "Nom", "Prénom", "E-mail", "Structure", "Présence", "Arrivée", "Signé",
         "Sur place"],
        ([t["journee"].number, format_when(t["journee"].starts_at, "numeric_day"), str(t["half_label"]),
          line["person"].last_name, line["person"].first_name, line["person"].email or "",
          line["person"].organisation, str(line["status"]), line["checked_in"], "oui" if line["signature"] else "",
          "oui" if line["walk_in"] else ""]
         for t in sheet_rows(cycle, journee_number) for line in t["lines"]))
