"""Registrations to a cycle's journées: capacity, waiting list, cancellation, confirmation emails.

One person (a ``Subscriber``, found by normalised address) has at most one
``Registration`` per cycle, and one ``RegistrationDay`` per journée with a status:
confirmed, waiting (the journée was full) or cancelled. Freeing a seat promotes
the first person waiting for that journée.

Registering never subscribes anyone to a list: the newsletter is a separate,
unticked consent, and even then only a *pending* subscription with double opt-in.

Seats asked for on the public form of a cycle that holds them (``Cycle.hold_seats``, with a
capacity) are only *requested* (``Registration.requested_journees``) until the person
confirms from the emailed link (:func:`confirm_requests`): fake sign-ups cannot fill a
journée. A public submission that changes nothing still queues its one message ("vous êtes
déjà inscrit·e", :func:`send_repeat`), so neither the page nor its timing tells who is
registered; messages greet by name only people whose address is verified (see ``app.services.audience.names``).

Capacity is checked under a write lock on the journée rows (an UPDATE that
changes nothing: a row lock on PostgreSQL, the database write lock on SQLite), so
two people racing for the last seat cannot both get it.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Iterable

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select, update

from app import links
from app.errors import LettrineError
from app.extensions import db
from app.sending.transactional import Attachment, send_transactional
from app.models import (
    EventKind,
    record_event,
    Cycle,
    Half,
    Journee,
    MailingList,
    Registration,
    RegistrationDay,
    RegistrationStatus,
    Subscriber,
    Subscription,
    SubscriptionStatus,
    utcnow,
)
from app.services.events import attendance as checkin
from app.services.events.registration_sources import from_public_form
from app.services.integrations import emit_signal, registration_data, subscriber_data
from app.services.audience import (
    Consent,
    audit,
    clean_name,
    confirm_subscription,
    delivery_address,
    find_subscriber,
    normalise_email,
    set_subscription,
)
from app.sending.calendar import journee_cancel_ics, journee_ics
from app.services.events.reminders import french_date
from app.timeutil import format_hours, format_when

log = logging.getLogger(__name__)

ACTIVE = (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITING)
# Recorded with the consent: word for word the box ticked on the public form (app/web/public/registration.py).
NEWSLETTER_CONSENT_TEXT = (
    "J'accepte de recevoir la lettre d'information du CRPVE (annonces de formations et actualités). "
    "Je pourrai me désabonner à tout moment."
)


class RegistrationError(LettrineError, ValueError):
    """The registration cannot be made as asked; the message is French, for the person."""

    status = 409
    code = "registration"
    en = "The registration cannot be made as asked (past or foreign journée, none chosen)."


@dataclass
class RegistrationOutcome:
    registration: Registration
    confirmed: list[Journee] = field(default_factory=list)  # newly confirmed by this call
    waiting: list[Journee] = field(default_factory=list)  # newly on a waiting list
    unchanged: list[Journee] = field(default_factory=list)  # already registered or waiting
    requested: list[Journee] = field(default_factory=list)  # newly asked for, held until the address is confirmed
    created: bool = False
    email_sent: bool = False
    newsletter_requested: bool = False
    newsletter_confirmed: bool = False  # the newsletter asked for on the form, confirmed with the registration


# --- reading -----------------------------------------------------------------------------

def upcoming_journees(cycle: Cycle, now: datetime | None = None) -> list[Journee]:
    now = now or utcnow()
    return [j for j in cycle.journees if j.starts_at > now]


def confirmed_count(journee: Journee) -> int:
    return db.session.scalar(
        select(func.count()).select_from(RegistrationDay).where(
            RegistrationDay.journee_id == journee.id, RegistrationDay.status == RegistrationStatus.CONFIRMED
        )
    ) or 0


def seats_left(journee: Journee) -> int | None:
    """Free seats, or None when the cycle has no capacity limit."""
    capacity = journee.cycle.capacity
    if capacity is None:
        return None
    return max(capacity - confirmed_count(journee), 0)


def holds_seats(cycle: Cycle) -> bool:
    """Seats asked for on the public form wait for the address to be confirmed."""
    return bool(cycle.hold_seats) and cycle.capacity is not None


def address_verified(registration: Registration) -> bool:
    """The person proved they own the address (or the officer entered them).

    Anything the public form made is unverified until the address's owner clicks, whether it
    came through an announcement's link (``campaign:<id>``, a statistic) or not."""
    return registration.address_confirmed_at is not None or not from_public_form(registration.source or "")


def requested_journees(registration: Registration, now: datetime | None = None) -> list[Journee]:
    """The upcoming journées asked for and held until the address is confirmed."""
    now = now or utcnow()
    wanted = set(registration.requested_journees or [])
    return [j for j in registration.cycle.journees if j.id in wanted and j.starts_at > now]


def days_by_status(registration: Registration, status: RegistrationStatus) -> list[Journee]:
    return sorted((d.journee for d in registration.days if d.status == status), key=lambda j: j.number)


def find_registration(cycle: Cycle, email: str) -> Registration | None:
    subscriber = find_subscriber(normalise_email(email))
    if subscriber is None:
        return None
    return db.session.scalar(
        select(Registration).where(Registration.cycle_id == cycle.id, Registration.subscriber_id == subscriber.id)
    )


def registrants(journee: Journee, statuses: Iterable[RegistrationStatus] = ACTIVE) -> list[RegistrationDay]:
    """A journée's registrations (confirmed first, then the waiting list in order of arrival)."""
    order = {RegistrationStatus.CONFIRMED: 0, RegistrationStatus.WAITING: 1, RegistrationStatus.CANCELLED: 2}
    rows = db.session.scalars(
        select(RegistrationDay)
        .where(RegistrationDay.journee_id == journee.id, RegistrationDay.status.in_(list(statuses)))
        .order_by(RegistrationDay.created_at, RegistrationDay.id)
    ).all()
    return sorted(rows, key=lambda d: order[d.status])


# --- writing -----------------------------------------------------------------------------

def _lock_journees(journees: Iterable[Journee]) -> None:
    ids = [j.id for j in journees]
    if ids:
        db.session.execute(
            update(Journee).where(Journee.id.in_(ids)).values(sequence=Journee.sequence)
            .execution_options(synchronize_session=False)
        )


def _subscriber_for(email: str, first_name: str, last_name: str, organisation: str, function: str) -> Subscriber:
    """Find (by the address's key) or create the person; fill only blank fields (a public form must not rename someone).

    Names are cleaned (no URL, letters, spaces and hyphens): they may appear in messages."""
    subscriber = find_subscriber(email)
    created = subscriber is None
    if subscriber is None:
        subscriber = Subscriber(email=email)
        db.session.add(subscriber)
    for attr, value in (("first_name", clean_name(first_name)), ("last_name", clean_name(last_name)),
                        ("organisation", organisation), ("function", function)):
        value = (value or "").strip()[:300]
        if value and not getattr(subscriber, attr):
            setattr(subscriber, attr, value)
    db.session.flush()
    if created:
        emit_signal("subscriber.created", subscriber=subscriber_data(subscriber), source="inscription")
    return subscriber


def _add_days(registration: Registration, journees: list[Journee], outcome: RegistrationOutcome) -> None:
    existing = {d.journee_id: d for d in registration.days}
    _lock_journees(journees)
    for journee in sorted(journees, key=lambda j: j.number):
        day = existing.get(journee.id)
        if day is not None and day.status in ACTIVE:
            outcome.unchanged.append(journee)
            continue
        left = seats_left(journee)
        status = RegistrationStatus.CONFIRMED if left is None or left > 0 else RegistrationStatus.WAITING
        if day is None:
            day = RegistrationDay(journee=journee, status=status)
            registration.days.append(day)
        else:
            day.status = status
            day.created_at = utcnow()  # back of the queue when coming back after a cancellation
        db.session.flush()
        (outcome.confirmed if status == RegistrationStatus.CONFIRMED else outcome.waiting).append(journee)
    if outcome.confirmed or outcome.waiting:  # recorded with the seats: sequences triggered by it start
        record_event(EventKind.REGISTERED, registration.subscriber_id, cycle_id=registration.cycle_id)


def register(
    cycle: Cycle,
    email: str,
    *,
    first_name: str = "",
    last_name: str = "",
    organisation: str = "",
    function: str = "",
    journees: list[Journee] | None = None,
    newsletter: bool = False,
    source: str = "form",
    actor: str = "public",
    ip: str | None = None,
    now: datetime | None = None,
    allow_past: bool = False,
    notify: bool = True,
    unverified: bool = False,
) -> RegistrationOutcome:
    """Register someone for some journées of ``cycle`` (all upcoming ones by default).

    Adds days, never removes them (removing is :func:`cancel` / :func:`change_days`,
    reached only through the signed link or the admin). Commits, then sends the
    confirmation, only if something changed; a mail failure is logged and reported,
    the registration kept. ``unverified`` (the public form): on a cycle that holds
    seats, the journées are only requested until the address is confirmed.
    Raises ``InvalidAddress`` or :class:`RegistrationError`.
    """
    now = now or utcnow()
    address = delivery_address(email)  # stored as first typed; found by its key whatever the spelling
    chosen = list(journees) if journees is not None else upcoming_journees(cycle, now)
    if any(j.cycle_id != cycle.id for j in chosen):
        raise RegistrationError("Cette journée n'appartient pas à ce cycle.")
    if not allow_past and any(j.starts_at <= now for j in chosen):
        raise RegistrationError("On ne peut plus s'inscrire à une journée déjà commencée ou passée.")
    if not chosen:
        raise RegistrationError("Choisissez au moins une journée.")
    subscriber = _subscriber_for(address, first_name, last_name, organisation, function)
    registration = db.session.scalar(
        select(Registration).where(Registration.cycle_id == cycle.id, Registration.subscriber_id == subscriber.id)
    )
    created = registration is None
    if registration is None:
        registration = Registration(cycle=cycle, subscriber=subscriber, source=source[:200], ip=ip)
        db.session.add(registration)
        db.session.flush()
    outcome = RegistrationOutcome(registration, created=created)
    if unverified and holds_seats(cycle):
        _request_days(registration, chosen, outcome)
    else:
        _add_days(registration, chosen, outcome)
    if newsletter:
        registration.newsletter_consent = True
    audit("event_register", subscriber, actor=actor, source=f"{source}:{cycle.slug}", ip=ip,
          detail={"cycle": cycle.slug, "confirmed": [j.number for j in outcome.confirmed],
                  "waiting": [j.number for j in outcome.waiting], "requested": [j.number for j in outcome.requested]})
    lists = _request_newsletter(subscriber, ip, source=f"inscription:{cycle.slug}", again=unverified) \
        if newsletter else []
    if created:
        emit_signal("registration.created", registration=registration_data(registration),
             confirmed=[j.number for j in outcome.confirmed], waiting=[j.number for j in outcome.waiting])
    db.session.commit()
    # One message per form (issue #24): the newsletter ticked with the journées is asked for in the
    # registration's own message, confirmed by its one "Confirmer".
    if notify and outcome.requested:
        outcome.email_sent = send_address_check(registration, newsletter=lists)
    elif notify and (outcome.confirmed or outcome.waiting):
        outcome.email_sent = send_confirmation(registration, newsletter=lists)
    elif notify and unverified:  # the public form: the same one message whatever the address's state
        outcome.email_sent = send_repeat(registration, newsletter=lists)
    elif lists:
        outcome.newsletter_requested = _send_subscription_confirmation(subscriber, lists)
        return outcome
    outcome.newsletter_requested = bool(lists) and outcome.email_sent
    return outcome


WALK_IN_SOURCE = "sur place"


def record_walk_in(cycle: Cycle, journee: Journee, half: Half, email: str, *, first_name: str = "", last_name: str = "",
                   organisation: str = "", actor: str, now: datetime | None = None) -> checkin.CheckIn:
    """Someone at the door without a seat at ``journee``: present, recorded as a walk-in. Commits.

    A person new to the cycle gets a registration to it (source "sur place") but no seat at the
    journée: the seats counted stay those asked for ahead, and the walk-in is counted apart.
    Someone registered for other journées keeps their registration. Raises ``InvalidAddress``,
    or ``AttendanceError`` (the journée has not come yet: nothing is written).
    """
    now = now or utcnow()
    checkin.require_open(journee, now)
    if journee.cycle_id != cycle.id:
        raise RegistrationError("Cette journée n'appartient pas à ce cycle.")
    subscriber = _subscriber_for(delivery_address(email), first_name, last_name, organisation, "")
    registration = db.session.scalar(
        select(Registration).where(Registration.cycle_id == cycle.id, Registration.subscriber_id == subscriber.id))
    if registration is None:
        registration = Registration(cycle=cycle, subscriber=subscriber, source=WALK_IN_SOURCE)
        db.session.add(registration)
        db.session.flush()
        audit("event_register", subscriber, actor=actor, source=f"{WALK_IN_SOURCE}:{cycle.slug}",
              detail={"cycle": cycle.slug, "confirmed": [], "waiting": [], "walk_in": journee.number})
        emit_signal("registration.created", registration=registration_data(registration), confirmed=[], waiting=[])
    return checkin.check_in(registration, journee, half, actor=actor, now=now, walk_in=True)


def _request_days(registration: Registration, journees: list[Journee], outcome: RegistrationOutcome) -> None:
    """Record journées as requested, without a seat, until the address is confirmed."""
    active = {d.journee_id for d in registration.days if d.status in ACTIVE}
    requested = set(registration.requested_journees or [])
    for journee in sorted(journees, key=lambda j: j.number):
        if journee.id in active or journee.id in requested:
            outcome.unchanged.append(journee)
        else:
            outcome.requested.append(journee)
    if outcome.requested:
        registration.requested_journees = sorted(requested | {j.id for j in outcome.requested})


def confirm_requests(registration: Registration, *, ip: str | None = None,
                     now: datetime | None = None) -> RegistrationOutcome:
    """The person confirmed their address from the emailed link: the requested journées
    get their seats (or a place on the waiting list). Commits and sends the confirmation."""
    now = now or utcnow()
    mark_address_confirmed(registration, now)
    outcome = RegistrationOutcome(registration)
    lists = pending_newsletter(registration)
    _add_days(registration, requested_journees(registration, now), outcome)
    registration.requested_journees = []
    if outcome.confirmed or outcome.waiting:
        audit("event_register", registration.subscriber, actor="public", ip=ip,
              source=f"inscription:{registration.cycle.slug}",
              detail={"confirmed": [j.number for j in outcome.confirmed],
                      "waiting": [j.number for j in outcome.waiting], "address_confirmed": True})
    db.session.commit()
    if lists:  # the newsletter asked for on the same form: the same click confirms it (it commits)
        confirm_subscription({"s": registration.subscriber.uid, "l": [m.id for m in lists]}, ip=ip)
        outcome.newsletter_confirmed = True
    if outcome.confirmed or outcome.waiting:
        outcome.email_sent = send_confirmation(registration)
    return outcome


def mark_address_confirmed(registration: Registration, now: datetime | None = None) -> None:
    """A POST from the emailed link proves the address (the caller commits)."""
    if registration.address_confirmed_at is None:
        registration.address_confirmed_at = now or utcnow()


def _newsletter_lists() -> list[MailingList]:
    """The lists the registration form's newsletter box stands for.

    ``REGISTRATION_NEWSLETTER_LISTS`` (slugs, default ``formations``); if none of them exists,
    every public list.
    """
    slugs = current_app.config["REGISTRATION_NEWSLETTER_LISTS"]
    found = db.session.scalars(select(MailingList).where(MailingList.slug.in_(slugs))).all()
    return list(found) or list(db.session.scalars(select(MailingList).where(MailingList.public.is_(True))))


def _request_newsletter(subscriber: Subscriber, ip: str | None, source: str, again: bool = False) -> list[MailingList]:
    """Pending subscriptions (double opt-in) to the newsletter lists the person is not yet on.

    ``again`` (the public form): the lists asked for are returned even when nothing changes, so
    the confirmation goes out whatever the address's state (the page and its timing tell nothing;
    the per-address limit keeps it from mail-bombing)."""
    pending = []
    for mailing_list in _newsletter_lists():
        current = db.session.scalar(select(Subscription.status).where(
            Subscription.subscriber_id == subscriber.id, Subscription.list_id == mailing_list.id))
        if current in (SubscriptionStatus.CONFIRMED, SubscriptionStatus.PENDING):
            if again:
                pending.append(mailing_list)
            continue
        set_subscription(subscriber, mailing_list, SubscriptionStatus.PENDING,
                         Consent(source=source, text=NEWSLETTER_CONSENT_TEXT, ip=ip), actor="public")
        pending.append(mailing_list)
    return pending


def pending_newsletter(registration: Registration) -> list[MailingList]:
    """The newsletter lists ticked on the registration form and still waiting for the address's click."""
    if not registration.newsletter_consent:
        return []
    pending = set(db.session.scalars(select(Subscription.list_id).where(
        Subscription.subscriber_id == registration.subscriber_id, Subscription.status == SubscriptionStatus.PENDING)))
    return [m for m in _newsletter_lists() if m.id in pending]


def _send_subscription_confirmation(subscriber: Subscriber, lists: list[MailingList]) -> bool:
    context = {
        "subject": "Confirmez votre abonnement à la lettre d'information",
        "first_name": "",  # asked for on a public form: the address is not verified
        "lists": lists,
        "confirm_url": links.confirm_url(subscriber.uid, [l.id for l in lists]),
    }
    return _send("subscription_confirmation", subscriber.email, context, subscriber_id=subscriber.id)


def fill_from_waiting(journee: Journee, notify: bool = True) -> list[RegistrationDay]:
    """Promote the first waiting registrants while the journée has free seats. Commits."""
    _lock_journees([journee])
    promoted: list[RegistrationDay] = []
    while True:
        left = seats_left(journee)
        if left is not None and left <= 0:
            break
        first = db.session.scalar(
            select(RegistrationDay)
            .where(RegistrationDay.journee_id == journee.id, RegistrationDay.status == RegistrationStatus.WAITING)
            .order_by(RegistrationDay.created_at, RegistrationDay.id)
            .limit(1)
        )
        if first is None:
            break
        first.status = RegistrationStatus.CONFIRMED
        db.session.flush()
        audit("event_promote", first.registration.subscriber, actor="system",
              source=f"liste d'attente:{journee.cycle.slug}", detail={"journee": journee.number})
        emit_signal("registration.promoted", registration=registration_data(first.registration), journee=journee.number)
        promoted.append(first)
    db.session.commit()
    if notify:
        for day in promoted:
            send_update(day.registration, (
                f"Une place s'est libérée : votre inscription à la Journée {day.journee.number} "
                f"du {french_date(day.journee.starts_at)} est confirmée."
            ), attach=[day.journee])
    return promoted


def cancel(
    registration: Registration,
    journees: Iterable[Journee] | None = None,
    *,
    actor: str = "public",
    ip: str | None = None,
    now: datetime | None = None,
    notify: bool = True,
    tell_registrant: bool = True,
) -> list[Journee]:
    """Cancel some (default: all upcoming) journées of a registration; free seats go to the waiting list.

    Past journées are left as they were (they are attendance history). Returns
    the journées actually cancelled. ``notify`` covers every email (the person and
    whoever is promoted); ``tell_registrant=False`` lets a caller send one combined
    message instead.
    """
    now = now or utcnow()
    targets = {j.id for j in journees} if journees is not None else None
    if targets is None:
        registration.requested_journees = []  # cancelling everything withdraws what was only asked for
    cancelled: list[Journee] = []
    freed: list[Journee] = []
    for day in registration.days:
        if targets is not None and day.journee_id not in targets:
            continue
        if day.status not in ACTIVE or day.journee.starts_at <= now:
            continue
        if day.status == RegistrationStatus.CONFIRMED:
            freed.append(day.journee)
        day.status = RegistrationStatus.CANCELLED
        cancelled.append(day.journee)
    if not cancelled:
        return []
    audit("event_cancel", registration.subscriber, actor=actor, ip=ip,
          source=f"inscription:{registration.cycle.slug}",
          detail={"cycle": registration.cycle.slug, "journees": sorted(j.number for j in cancelled)})
    emit_signal("registration.cancelled", registration=registration_data(registration),
         journees=sorted(j.number for j in cancelled))
    db.session.commit()
    if notify and tell_registrant:
        numbers = ", ".join(str(j.number) for j in sorted(cancelled, key=lambda j: j.number))
        send_update(registration, f"Votre participation est annulée pour la journée (ou les journées) {numbers}.",
                    cancelled=cancelled)
    for journee in freed:
        fill_from_waiting(journee, notify=notify)
    return sorted(cancelled, key=lambda j: j.number)


def change_days(
    registration: Registration,
    wanted: Iterable[Journee],
    *,
    actor: str = "public",
    ip: str | None = None,
    now: datetime | None = None,
) -> tuple[RegistrationOutcome, list[Journee]]:
    """Make the upcoming journées of a registration exactly ``wanted`` (the signed-link page)."""
    now = now or utcnow()
    wanted = [j for j in wanted if j.cycle_id == registration.cycle_id and j.starts_at > now]
    wanted_ids = {j.id for j in wanted}
    registration.requested_journees = []  # the person chose from the signed page: nothing left waiting
    to_cancel = [d.journee for d in registration.days
                 if d.status in ACTIVE and d.journee.starts_at > now and d.journee_id not in wanted_ids]
    cancelled = (cancel(registration, to_cancel, actor=actor, ip=ip, now=now, tell_registrant=False)
                 if to_cancel else [])
    outcome = RegistrationOutcome(registration)
    _add_days(registration, wanted, outcome)
    if outcome.confirmed or outcome.waiting:
        audit("event_register", registration.subscriber, actor=actor, ip=ip,
              source=f"inscription:{registration.cycle.slug}",
              detail={"confirmed": [j.number for j in outcome.confirmed], "waiting": [j.number for j in outcome.waiting]})
    db.session.commit()
    parts = []
    for label, days in (("inscription confirmée pour la journée", outcome.confirmed),
                        ("liste d'attente pour la journée", outcome.waiting),
                        ("participation annulée pour la journée", cancelled)):
        if days:
            parts.append(f"{label} " + ", ".join(str(j.number) for j in days))
    if parts:
        send_update(registration, "Modification enregistrée : " + " ; ".join(parts) + ".",
                    attach=outcome.confirmed, cancelled=cancelled)
    return outcome, cancelled


# --- emails ------------------------------------------------------------------------------

def journee_label(journee: Journee) -> str:
    """``Journée 1 — jeudi 10 mars 2016, 10 h 00–17 h 00`` in French (pages, CLI, messages), ``Day 1 — Thursday,
    March 10, 2016, 10:00 AM–5:00 PM`` on an English page: one label wherever a journée is named."""
    return _("%(journee)s — %(day)s, %(hours)s", journee=_("Journée %(n)s", n=journee.number),
             day=format_when(journee.starts_at, "weekday"), hours=format_hours(journee.starts_at, journee.ends_at))


def ics_attachments(journees: Iterable[Journee]) -> list[Attachment]:
    return [
        Attachment(filename=f"journee-{j.number}.ics", content=journee_ics(j), maintype="text",
                   subtype="calendar", params={"method": "PUBLISH"})
        for j in sorted(journees, key=lambda j: j.number)
    ]


def cancel_attachments(journees: Iterable[Journee]) -> list[Attachment]:
    return [
        Attachment(filename=f"journee-{j.number}-annulation.ics", content=journee_cancel_ics(j),
                   maintype="text", subtype="calendar", params={"method": "CANCEL"})
        for j in sorted(journees, key=lambda j: j.number)
    ]


def registration_context(registration: Registration) -> dict:
    cycle = registration.cycle
    confirmed = days_by_status(registration, RegistrationStatus.CONFIRMED)
    waiting = days_by_status(registration, RegistrationStatus.WAITING)
    subscriber = registration.subscriber
    return {
        "subject": f"Inscription : {cycle.title}"[:200],
        "first_name": subscriber.first_name if address_verified(registration) else "",
        "cycle": cycle,
        "journees": confirmed,
        "waiting": waiting,
        "manage_url": links.registration_manage_url(registration.uid),
        # The personal check-in code, once there is a seat: QR image (inline PNG) and the short code to type.
        "checkin_code": checkin.short_code(registration) if confirmed else "",
        "checkin_qr_png": checkin.qr_png(registration) if confirmed else b"",
    }


def _send(kind: str, to: str | None, context: dict, attachments: tuple[Attachment, ...] | list[Attachment] = (),
          subscriber_id: int | None = None) -> bool:
    """Queue a registration message (the workers send it); False if it could not even be built."""
    if not to:
        return False
    try:
        send_transactional(kind, to, context, attachments=attachments, subscriber_id=subscriber_id)
        db.session.commit()
        return True
    except Exception:  # noqa: BLE001 - the registration is saved; the officer sees the log
        db.session.rollback()
        log.exception("could not send %s to subscriber", kind)
        return False


def send_confirmation(registration: Registration, newsletter: list[MailingList] | None = None) -> bool:
    """The confirmation: one .ics per confirmed journée, the waiting list named, the manage link;
    and the newsletter asked for on the same form, with its own "Confirmer" (one message per form)."""
    context = registration_context(registration)
    if newsletter:
        context["newsletter_lists"] = newsletter
        context["newsletter_url"] = links.confirm_url(registration.subscriber.uid, [m.id for m in newsletter])
    return _send("registration_confirmation", registration.subscriber.email, context,
                 ics_attachments(context["journees"]), subscriber_id=registration.subscriber_id)


def send_repeat(registration: Registration, newsletter: list[MailingList] | None = None) -> bool:
    """A public submission that changed nothing still gets its one message, saying what applies:
    the request to confirm the journées still waiting for it, or "vous êtes déjà inscrit·e" with
    the state of the registration (issue #22: a repeat that queued nothing answered 3x faster);
    the newsletter ticked on the form rides in it (issue #24: one message per form)."""
    if requested_journees(registration):
        return send_address_check(registration, newsletter=newsletter)
    context = registration_context(registration)
    context["already"] = True
    if newsletter:
        context["newsletter_lists"] = newsletter
        context["newsletter_url"] = links.confirm_url(registration.subscriber.uid, [m.id for m in newsletter])
    return _send("registration_confirmation", registration.subscriber.email, context,
                 ics_attachments(context["journees"]), subscriber_id=registration.subscriber_id)


def resend_confirmation(subscriber: Subscriber, registration_uid: str) -> bool:
    """Send one's confirmation again (its manage link inside) to the address it belongs to.

    For the unsubscribe page, which may be opened from a forwarded message: it never shows the
    manage link itself, it mails it to the owner. False when the registration is not theirs."""
    registration = db.session.scalar(select(Registration).where(
        Registration.uid == registration_uid, Registration.subscriber_id == subscriber.id))
    if registration is None or subscriber.email is None:
        return False
    return send_confirmation(registration)


def send_address_check(registration: Registration, newsletter: list[MailingList] | None = None) -> bool:
    """Ask the person to confirm what the form asked for: the journées (no seat is held until then)
    and the newsletter if ticked, in one message whose one "Confirmer" opens the page that confirms
    both with one more tap (a POST: link scanners open URLs, they do not submit forms)."""
    context = registration_context(registration)
    context["requested"] = requested_journees(registration)
    context["newsletter_lists"] = newsletter if newsletter is not None else pending_newsletter(registration)
    context["subject"] = f"Confirmez votre inscription : {registration.cycle.title}"[:200]
    return _send("registration_check", registration.subscriber.email, context,
                 subscriber_id=registration.subscriber_id)


def send_update(
    registration: Registration,
    changes: str,
    attach: Iterable[Journee] = (),
    cancelled: Iterable[Journee] = (),
) -> bool:
    """A change to someone's registration or to a journée, with updated (or cancelling) .ics files."""
    context = registration_context(registration)
    context["subject"] = f"Mise à jour de votre inscription : {registration.cycle.title}"[:200]
    context["changes"] = changes
    attachments = ics_attachments(attach) + cancel_attachments(cancelled)
    return _send("registration_update", registration.subscriber.email, context, attachments,
                 subscriber_id=registration.subscriber_id)
