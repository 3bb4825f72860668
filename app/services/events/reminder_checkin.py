"""Each registrant's check-in code in the journée reminders (the J-1 one included).

The registration confirmation already carries the code; the reminder, sent through the
campaign path with one compiled message for everyone, shows it in a personal block
(``emails/reminder.*``). This provider gives the worker, per recipient, the short code
to type and the QR image of the check-in URL, embedded (``cid:``) so it shows even
with remote images blocked. Only confirmed registrants of the reminder's journée get
them: the token is signed for that person and cycle (``attendance.checkin_token``).
"""
from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.message.render import InlineImage
from app.models import Campaign, Journee, Registration, RegistrationDay, RegistrationStatus
from app.sending.personal import Personal
from app.sending.transactional import checkin_content_id
from app.services.events import attendance

QR_FILENAME = "code-presence.png"


def checkin_personal(campaign: Campaign, subscriber_ids: list[int]) -> dict[int, Personal]:
    """``{subscriber_id: Personal}`` for those with a confirmed seat at the reminder's journée."""
    if campaign.journee_id is None or not subscriber_ids:
        return {}
    journee = db.session.get(Journee, campaign.journee_id)
    if journee is None:
        return {}
    registrations = db.session.scalars(
        select(Registration).join(RegistrationDay, RegistrationDay.registration_id == Registration.id).where(
            Registration.cycle_id == journee.cycle_id, Registration.subscriber_id.in_(subscriber_ids),
            RegistrationDay.journee_id == journee.id, RegistrationDay.status == RegistrationStatus.CONFIRMED))
    found: dict[int, Personal] = {}
    for registration in registrations:
        code = attendance.short_code(registration)
        cid = checkin_content_id(code)
        found[registration.subscriber_id] = Personal(
            {"checkin_code": code, "checkin_qr_src": f"cid:{cid}"},
            (InlineImage(cid, attendance.qr_png(registration), "png", QR_FILENAME),))
    return found
