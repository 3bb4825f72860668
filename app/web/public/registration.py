"""``/inscription/<slug>``: register for a cycle's journées; ``/r/<token>``: change or cancel, no login.

The form is CSRF-protected, rate-limited per IP and per address, and carries a
honeypot field that people never see; a filled honeypot gets the same thank-you
page and nothing is stored. The thank-you page is the same for every address (it
depends on the cycle only): what was confirmed, put on a waiting list or already
there is told only in the message sent to that address, with the link to manage it.
On a cycle that holds seats, that link is also where the person confirms.
"""
from __future__ import annotations

import hashlib
from urllib.parse import urlsplit

from flask import Response, abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.csrf import validate_csrf
from sqlalchemy import select
from wtforms import BooleanField, EmailField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from app.digits import to_int
from app.extensions import csrf, db, limiter
from app.models import Cycle, Registration, RegistrationStatus, Subscriber, utcnow
from app.services.audience import InvalidAddress, address_key, normalise_email
from app.services.events import (
    ACTIVE_REGISTRATION_STATUSES,
    RegistrationError,
    act_on_registration,
    add_to_calendar_links,
    held_journee_ics,
    holds_seats,
    pending_newsletter,
    register,
    requested_journees,
    seats_left,
    source_for,
    upcoming_journees,
)
from app.tokens import InvalidToken, Purpose, verify
from app.web.inputs import form_ids
from app.web.public import bp

FORM_LIMIT = "10 per minute;60 per hour"
ADDRESS_LIMIT = "3 per hour;5 per day"  # as on /subscribe: nobody is mail-bombed through the form


def _address_key() -> str:
    """Rate-limit key per target address, whatever the IPs posting it."""
    key = address_key(request.form.get("email") or "")  # one mailbox, however it is spelt
    return "register-addr:" + hashlib.sha256(key.encode()).hexdigest()


class RegistrationForm(FlaskForm):
    first_name = StringField(_l("Prénom"), validators=[DataRequired(_l("Indiquez votre prénom.")), Length(max=200)])
    last_name = StringField(_l("Nom"), validators=[DataRequired(_l("Indiquez votre nom.")), Length(max=200)])
    email = EmailField(_l("Adresse e-mail"), validators=[DataRequired(_l("Indiquez votre adresse e-mail.")),
                                                        Length(max=320)])
    organisation = StringField(_l("Structure"), validators=[Length(max=300)])
    function = StringField(_l("Fonction"), validators=[Length(max=300)])
    newsletter = BooleanField(_l("J'accepte de recevoir la lettre d'information du CRPVE (annonces de formations "
                                 "et actualités). Je pourrai me désabonner à tout moment."), default=False)
    website = StringField(_l("Ne pas remplir ce champ"))  # honeypot


def _published_cycle(slug: str) -> Cycle:
    cycle = db.session.scalar(select(Cycle).where(Cycle.slug == slug, Cycle.published.is_(True)))
    if cycle is None:
        abort(404)
    return cycle


def _journee_choices(cycle: Cycle) -> list[dict]:
    return [{"journee": j, "seats_left": seats_left(j)} for j in upcoming_journees(cycle)]


def _thanks(cycle: Cycle, email: str):
    """The one answer to a valid submission, whoever the address belongs to."""
    return render_template("public/registration_thanks.html", cycle=cycle, email=email,
                           held=holds_seats(cycle))


@bp.route("/inscription/<slug>", methods=["GET", "POST"])
@csrf.exempt  # the form's own CSRF field is checked below, so an expired page keeps what she typed
@limiter.limit(FORM_LIMIT, methods=["POST"])
@limiter.limit(ADDRESS_LIMIT, methods=["POST"], key_func=_address_key)
def registration_form(slug: str):
    cycle = _published_cycle(slug)
    if cycle.registration_url and urlsplit(cycle.registration_url).path != request.path:
        return redirect(cycle.registration_url)  # an outside form set by the officer, not by the visitor
    form = RegistrationForm() if request.method == "POST" else RegistrationForm(data=_prefill(request.args.get("p")))
    choices = _journee_choices(cycle)
    # Nothing is ticked for the visitor (issue #14): she chooses. A link may name one journée (?j=2).
    wanted = to_int(request.args.get("j", ""))
    selected = {c["journee"].id for c in choices if c["journee"].number == wanted}
    errors: list[str] = []
    fresh = True
    if request.method == "POST":
        selected = form_ids("journees")
        if form.website.data:
            return _thanks(cycle, form.email.data)
        chosen = [c["journee"] for c in choices if c["journee"].id in selected]
        valid = form.validate_on_submit()
        fresh = _fresh_page()
        valid = valid and fresh
        # Every problem at once: the address's syntax and the journées are checked even when a name is missing.
        if form.email.data and not form.email.errors:
            try:
                normalise_email(form.email.data)
            except InvalidAddress as exc:
                form.email.errors = [_("Adresse e-mail invalide : %(detail)s.", detail=exc.reason)]
                valid = False
        if not chosen:
            errors.append(_("Choisissez au moins une journée."))
            valid = False
        if valid:
            try:
                outcome = register(
                    cycle, form.email.data, first_name=form.first_name.data, last_name=form.last_name.data,
                    organisation=form.organisation.data or "", function=form.function.data or "",
                    journees=chosen, newsletter=form.newsletter.data, ip=request.remote_addr,
                    source=source_for(cycle, request.args.get("c", "")),
                    unverified=True,
                )
            except InvalidAddress as exc:
                form.email.errors = [_("Adresse e-mail invalide : %(detail)s.", detail=exc.reason)]
            except RegistrationError as exc:
                errors.append(str(exc))
            else:
                return _thanks(cycle, outcome.registration.subscriber.email or "")
        status = 400
    else:
        status = 200
    response = make_response(render_template("public/registration_form.html", cycle=cycle, form=form,
                                             choices=choices, selected=selected, errors=errors,
                                             summary=_summary(form, errors, not fresh)), status)
    if request.args.get("p"):  # her own token is in the address: never sent on, never cached
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cache-Control"] = "no-store"
    return response


def _prefill(token: str | None) -> dict[str, str]:
    """The form's fields for the person whose own token the announcement's link carries (``?p=``).

    The token has its own purpose (PREFILL): it fills this form in and opens nothing else, since the
    "Inscrivez-vous" link is the one people pass on to a colleague. Anything wrong with it (forged,
    another purpose, an erased person) gives the empty form, silently."""
    if not token:
        return {}
    try:
        uid = verify(Purpose.PREFILL, token)["s"]
    except (InvalidToken, KeyError, TypeError):
        return {}
    person = db.session.scalar(select(Subscriber).where(Subscriber.uid == uid))
    if person is None or person.email is None:
        return {}
    return {"first_name": person.first_name or "", "last_name": person.last_name or "", "email": person.email,
            "organisation": person.organisation or "", "function": person.function or ""}


def _fresh_page() -> bool:
    """The form's CSRF token is valid (the view is exempt from the global hook only to say it here)."""
    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return True
    try:
        validate_csrf(request.form.get("csrf_token"))
    except ValidationError:
        return False
    return True


def _summary(form: RegistrationForm, errors: list[str], expired: bool) -> list[tuple[str, str]]:
    """(anchor, message) for the summary at the top of the form, in the order of the fields."""
    items = [(field.id, str(error)) for field in (form.first_name, form.last_name, form.email, form.organisation,
                                                  form.function) for error in field.errors]
    if expired:  # an expired page: say it, never show Flask-WTF's English
        items.insert(0, ("", _("La page est restée ouverte trop longtemps : vérifiez vos informations et "
                               "envoyez à nouveau le formulaire.")))
    return items + [("journees", message) for message in errors]


def _registration_from(token: str) -> Registration:
    try:
        payload = verify(Purpose.REGISTRATION, token)
        uid = payload["r"]
    except (InvalidToken, KeyError, TypeError):
        abort(404)
    registration = db.session.scalar(select(Registration).where(Registration.uid == uid))
    if registration is None or registration.subscriber.email is None:  # erased: the link is dead
        abort(404)
    return registration


@bp.route("/r/<token>", methods=["GET", "POST"])
@limiter.limit(FORM_LIMIT, methods=["POST"])
def registration_manage(token: str):
    registration = _registration_from(token)
    cycle = registration.cycle
    now = utcnow()
    if request.method == "POST":
        form = FlaskForm()
        if not form.validate_on_submit():
            abort(400)
        done = act_on_registration(registration, request.form.get("action", "save"), journee_ids=form_ids("journees"),
                                   ip=request.remote_addr, now=now)
        flash({
            "confirmed": _("Merci, votre inscription est confirmée."),
            "confirmed_both": _("Merci, votre inscription et votre abonnement à la lettre d'information sont confirmés."),
            "newsletter_confirmed": _("Merci, votre abonnement à la lettre d'information est confirmé."),
            "nothing_to_confirm": _("Rien à confirmer."),
            "cancelled": _("Votre inscription est annulée."),
            "journee_cancelled": _("Votre participation à la journée %(n)s est annulée.", n=done.number),
            "nothing_to_cancel": _("Rien à annuler."),
            "saved": _("Vos choix sont enregistrés."),
        }[done.what], "success")
        return redirect(url_for("public.registration_manage", token=token))
    status_by_journee = {d.journee_id: d.status for d in registration.days}
    requested = {j.id for j in requested_journees(registration, now)}
    rows = [
        {"journee": j, "status": status_by_journee.get(j.id), "past": j.starts_at <= now,
         "seats_left": seats_left(j), "requested": j.id in requested,
         "calendar": add_to_calendar_links(j) if status_by_journee.get(j.id) == RegistrationStatus.CONFIRMED and j.starts_at > now else None}
        for j in cycle.journees
    ]
    return render_template("public/registration_manage.html", registration=registration, cycle=cycle, rows=rows,
                           form=FlaskForm(), Status=RegistrationStatus, active=ACTIVE_REGISTRATION_STATUSES, requested=bool(requested),
                           newsletter=[m.name for m in pending_newsletter(registration)],
                           any_active=any(r["status"] in ACTIVE_REGISTRATION_STATUSES and not r["past"] for r in rows))


@bp.get("/r/<token>/journee-<int:number>.ics")
def registration_ics(token: str, number: int):
    """The .ics of one journée the person holds a seat for (the same event as the confirmation's)."""
    body = held_journee_ics(_registration_from(token), number)
    if body is None:
        abort(404)
    return Response(body, headers={
        "Content-Type": "text/calendar; charset=utf-8", "Cache-Control": "no-store",
        "Content-Disposition": f'attachment; filename="journee-{number}.ics"', "Referrer-Policy": "no-referrer"})
