"""What a person does from her own registration link (``/r/<token>``, no login): confirm, cancel one
journée or all of them, or choose her journées anew; and the calendar files of the journées she holds.

Only the address's owner has this link: any of these actions also proves the address.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.digits import to_int
from app.extensions import db
from app.models import Registration, RegistrationStatus, utcnow
from app.sending.calendar import journee_ics
from app.services.events.registrations import cancel, change_days, confirm_requests, mark_address_confirmed


@dataclass(frozen=True)
class Done:
    """What the action did, for the page to say: ``confirmed``, ``confirmed_both`` (and the newsletter),
    ``newsletter_confirmed``, ``nothing_to_confirm``, ``cancelled``,
    ``journee_cancelled`` (with ``number``), ``nothing_to_cancel`` or ``saved``."""

    what: str
    number: int = 0


def act_on_registration(registration: Registration, action: str, *, journee_ids: set[int], ip: str | None,
                        now: datetime | None = None) -> Done:
    """``action``: "confirm", "cancel_all", "cancel:<journée id>", or anything else to keep exactly the
    journées ``journee_ids`` names; commits (the services it calls send the messages)."""
    now = now or utcnow()
    by_id = {j.id: j for j in registration.cycle.journees}
    mark_address_confirmed(registration, now)
    if action == "confirm":
        outcome = confirm_requests(registration, ip=ip, now=now)
        seats = bool(outcome.confirmed or outcome.waiting)
        done = Done("confirmed_both" if seats and outcome.newsletter_confirmed else
                    "confirmed" if seats else "newsletter_confirmed" if outcome.newsletter_confirmed else
                    "nothing_to_confirm")
    elif action == "cancel_all":
        done = Done("cancelled" if cancel(registration, actor="public", ip=ip, now=now) else "nothing_to_cancel")
    elif action.startswith("cancel:") and to_int(action[7:]) in by_id:
        journee = by_id[int(action[7:])]
        cancelled = cancel(registration, [journee], actor="public", ip=ip, now=now)
        done = Done("journee_cancelled", journee.number) if cancelled else Done("nothing_to_cancel")
    else:
        change_days(registration, [by_id[i] for i in sorted(journee_ids) if i in by_id], actor="public", ip=ip,
                    now=now)
        done = Done("saved")
    db.session.commit()  # the proven address, when the action itself changed nothing
    return done


def held_journee_ics(registration: Registration, number: int) -> bytes | None:
    """The .ics of journée ``number`` if the person holds a seat for it (the confirmation's own event), else None."""
    held = {d.journee_id for d in registration.days if d.status == RegistrationStatus.CONFIRMED}
    journee = next((j for j in registration.cycle.journees if j.number == number and j.id in held), None)
    return journee_ics(journee) if journee is not None else None
