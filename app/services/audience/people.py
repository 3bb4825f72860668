"""The officer acting on one person: add, edit, lists, unsubscribe / resubscribe,
suppress / unsuppress. Erasure and export are ``app.services.privacy.rights``'s.

Each action goes through the same rules as the public flows (``audience.set_subscription``,
``subscriptions.unsubscribe`` / ``resubscribe``) with the officer as the actor, so the
audit says who did it; :func:`describe` turns audit rows into plain French.
"""
from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import datetime
from typing import Any

from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import exists, select

from app.errors import LettrineError
from app.extensions import db
from app.models import (
    AuditLog,
    Cycle,
    CycleClosure,
    Journee,
    MailingList,
    Registration,
    RegistrationDay,
    RegistrationStatus,
    Subscriber,
    SubscriberStatus,
    SubscriptionStatus,
    SuppressionReason,
    utcnow,
)
from app.sending.eligibility import Basis, service_kinds
from app.services.audience import suppressions as suppression_list
from app.services.audience.core import Consent, InvalidAddress, audit, delivery_address, find_subscriber, set_subscription, suppress
from app.services.audience.sources import source_label
from app.services.audience.subscriptions import LinkTarget, memberships, resubscribe, unsubscribe

PROFILE = ("first_name", "last_name", "organisation", "function", "commune")
FIELD_LABELS = {"email": _l("adresse"), "first_name": _l("prénom"), "last_name": _l("nom"),
                "organisation": _l("organisme"), "function": _l("fonction"), "commune": _l("commune")}
TEAM_SOURCE = "ajout par l'équipe"


class PersonError(LettrineError, ValueError):
    """The officer's input cannot be applied (message in French)."""

    status = 422
    code = "person"
    en = "The change cannot be applied."


def _clean(values: dict[str, Any]) -> dict[str, str]:
    return {f: str(values.get(f) or "").strip()[:300 if f in ("organisation", "function") else 200] for f in PROFILE}


def _team_consent(actor: str) -> Consent:
    return Consent(source=TEAM_SOURCE, text=f"Ajout par l'équipe ({actor}), à la demande ou avec l'accord de la personne.")


def add_person(email: str, values: dict[str, Any], lists: list[MailingList], *, actor: str) -> Subscriber:
    """Create a person confirmed on ``lists`` (consent "ajout par l'équipe" + who); commits.

    Refused for a known address (edit that person instead) and for a suppressed address or
    domain: the officer lifts the suppression first, knowingly."""
    try:
        address = delivery_address(email)  # stored as typed (IDNA domain); compared by its key
    except InvalidAddress as exc:
        raise PersonError(f"Adresse invalide : {email}") from exc
    existing = find_subscriber(address)
    if existing is not None:
        raise PersonError(f"{address} est déjà enregistré·e : modifiez sa fiche.")
    if suppression_list.is_blocked(address):
        raise PersonError(f"{address} est sur la liste d'exclusion : retirez-la d'abord si la personne le demande.")
    person = Subscriber(email=address, **_clean(values))
    db.session.add(person)
    db.session.flush()
    audit("admin_add", person, actor=actor, source="admin")
    for mailing_list in lists:
        set_subscription(person, mailing_list, SubscriptionStatus.CONFIRMED, _team_consent(actor), actor=actor)
    db.session.commit()
    return person


def update_person(person: Subscriber, values: dict[str, Any], *, actor: str) -> list[str]:
    """Change the profile (and the address, if free and valid); returns the changed field names; commits."""
    if person.status == SubscriberStatus.ERASED:
        raise PersonError("Cette personne a été effacée : sa fiche ne peut plus être modifiée.")
    changed: list[str] = []
    new_email = str(values.get("email") or "").strip()
    if new_email and new_email != person.email:
        try:
            address = delivery_address(new_email)
        except InvalidAddress as exc:
            raise PersonError(f"Adresse invalide : {new_email}") from exc
        if address != person.email:  # a new address, or the same one spelt as the person wants it
            other = find_subscriber(address)
            if other is not None and other is not person:
                raise PersonError(f"{address} est déjà la fiche d'une autre personne.")
            person.email = address
            changed.append("email")
    for field, value in _clean(values).items():
        if field in values and getattr(person, field) != value:
            setattr(person, field, value)
            changed.append(field)
    if changed:
        audit("admin_edit", person, actor=actor, source="admin", detail={"fields": changed})
    db.session.commit()
    return changed


def set_lists(person: Subscriber, wanted: set[int], *, actor: str) -> None:
    """Keep exactly these lists: join the new ones (team consent), leave the others; commits."""
    if person.email is None:
        raise PersonError("Cette personne a été effacée.")
    current = {m.list_id: m for m in memberships(person)}
    for mailing_list in db.session.scalars(select(MailingList)):
        member = current.get(mailing_list.id)
        if mailing_list.id in wanted:
            if member is None or member.status != SubscriptionStatus.CONFIRMED:
                set_subscription(person, mailing_list, SubscriptionStatus.CONFIRMED, _team_consent(actor), actor=actor)
        elif member is not None and member.status != SubscriptionStatus.UNSUBSCRIBED:
            set_subscription(person, mailing_list, SubscriptionStatus.UNSUBSCRIBED, Consent(source="admin"), actor=actor)
    db.session.commit()


def unsubscribe_all(person: Subscriber, *, actor: str) -> None:
    """Unsubscribe from every list, as the person's own link would (address suppressed).
    Registrations and their reminders stay: they are service messages."""
    unsubscribe(LinkTarget(person, None), "all", ip=None, source="admin", actor=actor)


def resubscribe_all(person: Subscriber, *, actor: str) -> None:
    """Undo an unsubscribe at the person's request (lists they had left, suppression lifted)."""
    if person.email is None:
        raise PersonError("Cette personne a été effacée.")
    resubscribe(LinkTarget(person, None), ip=None, actor=actor)


def suppress_person(person: Subscriber, *, actor: str, note: str = "") -> None:
    if person.email is None:
        raise PersonError("Cette personne a été effacée.")
    suppress(person.email, SuppressionReason.MANUAL, source=f"{TEAM_SOURCE} ({actor})" + (f" : {note}" if note else ""))
    audit("suppress", person, actor=actor, source="admin", detail={"note": note} if note else {})
    db.session.commit()


def unsuppress_person(person: Subscriber, *, actor: str) -> None:
    suppression_list.lift_for(person, actor=actor)
    db.session.commit()


@dataclass
class KeptReminder:
    """An upcoming journée the person holds a seat (or a waiting place) for: its service messages still come."""

    cycle_title: str
    number: int
    starts_at: datetime
    registration_uid: str  # for links.registration_manage_url: "annuler mon inscription plutôt"
    waiting: bool = False  # on the waiting list, not (yet) a seat
    # What still comes about it (French, from app.sending.eligibility): "son rappel", "un message si…".
    messages: list[Any] = dataclass_field(default_factory=list)


@dataclass
class StillComing:
    """Every service message that still reaches someone after an unsubscribe, read from the table of kinds."""

    journees: list[KeptReminder]  # upcoming seats and waiting places
    certificates: list[tuple[str, list[Any]]]  # (cycle title, what comes) per open cycle she holds a seat in
    on_request: list[Any]  # what comes only if she asks (confirmations, her data)

    def __bool__(self) -> bool:
        return bool(self.journees or self.certificates)


def kept_reminders(person: Subscriber) -> list[KeptReminder]:
    """Upcoming journées with a confirmed seat: unsubscribing from newsletters keeps their reminders.

    For the officer (person page, CLI); the public unsubscribe page reads :func:`still_coming`."""
    return [kept for kept in still_coming(person).journees if not kept.waiting]


def still_coming(person: Subscriber) -> StillComing:
    """What still comes after an unsubscribe, exactly: the service kinds of ``app.sending.eligibility``
    this person is entitled to, each said about its journée or cycle ("vous restez inscrit·e à la
    journée 2 du cycle « … » : vous recevrez son rappel et un message si elle change…")."""
    seat = [k.promise for k in service_kinds(Basis.SEAT, Basis.REGISTRATION) if k.promise]
    waiting = [k.promise_waiting for k in service_kinds(Basis.REGISTRATION) if k.promise_waiting]
    rows = db.session.execute(
        select(Journee, Registration.uid, RegistrationDay.status)
        .join(RegistrationDay, RegistrationDay.journee_id == Journee.id)
        .join(Registration, Registration.id == RegistrationDay.registration_id)
        .where(Registration.subscriber_id == person.id,
               RegistrationDay.status.in_((RegistrationStatus.CONFIRMED, RegistrationStatus.WAITING)),
               Journee.starts_at > utcnow())
        .order_by(Journee.starts_at)
    ).all()
    journees = [KeptReminder(j.cycle.title, j.number, j.starts_at, uid, status == RegistrationStatus.WAITING,
                             list(waiting if status == RegistrationStatus.WAITING else seat))
                for j, uid, status in rows]
    open_cycles = db.session.scalars(
        select(Cycle.title).join(Registration, Registration.cycle_id == Cycle.id)
        .join(RegistrationDay, RegistrationDay.registration_id == Registration.id)
        .where(Registration.subscriber_id == person.id, RegistrationDay.status == RegistrationStatus.CONFIRMED,
               ~exists().where(CycleClosure.cycle_id == Cycle.id))
        .distinct().order_by(Cycle.title)
    ).all()
    certificate = [k.promise for k in service_kinds(Basis.ATTENDANCE) if k.promise]
    return StillComing(
        journees=journees,
        certificates=[(title, list(certificate)) for title in open_cycles] if certificate else [],
        on_request=[k.promise for k in service_kinds(Basis.REQUEST) if k.promise],
    )


_ACTIONS = {
    "admin_add": _l("Ajouté·e à la main"),
    "admin_edit": _l("Fiche modifiée"),
    "subscribe": _l("Abonné·e à la liste %(list)s"),
    "subscribe_pending": _l("Inscription à la liste %(list)s en attente de confirmation"),
    "unsubscribe": _l("Désabonné·e de la liste %(list)s"),
    "unsubscribe_all": _l("Désabonné·e de toutes les listes"),
    "reactivate": _l("Réactivé·e"),
    "suppress": _l("Ajouté·e à la liste d'exclusion"),
    "unsuppress": _l("Retiré·e de la liste d'exclusion"),
    "erase": _l("Données personnelles effacées"),
    "export_admin": _l("Données exportées par l'équipe"),
    "confirmation_queued": _l("Lien de confirmation mis en file"),
    "message_sent": _l("Message envoyé"),
    "message_refused": _l("Message refusé par le serveur"),
    "message_skipped": _l("Message non envoyé (règles d'envoi)"),
    "retention_flag": _l("Signalé·e pour reconfirmation (inactivité)"),
    "bounce_hard": _l("Adresse en erreur définitive"),
    "bounce_soft": _l("Erreur temporaire de distribution"),
    "bounce_undone": _l("Erreur de distribution annulée"),
    "complaint": _l("Plainte pour spam"),
    "event_register": _l("Inscription à un cycle"),
    "event_cancel": _l("Inscription annulée"),
    "event_promote": _l("Passé·e de la liste d'attente à une place"),
    "attendance_change": _l("Présence modifiée"),
    "attendance_signed": _l("Feuille d'émargement signée"),
    "export_requested": _l("Export de ses données demandé par la personne"),
    "export_downloaded": _l("Données téléchargées par la personne"),
    "import": _l("Import d'un fichier"),
    "status": _l("Statut modifié"),
}
_SOURCES = {"public": "par la personne", "admin": "", "system": "", "worker": ""}
_REACTIVATED_AFTER = {"unsubscribed": _l("après un désabonnement"), "bounced": _l("après des erreurs d'adresse"),
                      "complained": _l("après une plainte")}
_PUBLIC_WAYS = {"link": _l("par son lien de désabonnement"),
                "list-unsubscribe": _l("depuis sa messagerie (désabonnement en un clic)"),
                "preferences": _l("depuis son centre de préférences"), "form": _l("par le formulaire"),
                "confirm": _l("en confirmant son adresse"), "resubscribe": _l("par son lien de réabonnement")}


def describe(row: AuditLog, list_name: str | None) -> str:
    """One audit row in plain words, in the reader's language: "Désabonné·e de toutes les listes par
    marie@crpve91.fr" / "Unsubscribed from every list by marie@crpve91.fr"."""
    label = _ACTIONS.get(row.action)
    named = _("« %(name)s »", name=list_name) if list_name else _("(supprimée)")
    text = str(label) % {"list": named} if label is not None else row.action.replace("_", " ").capitalize()
    detail = row.detail or {}
    if row.action == "admin_edit" and detail.get("fields"):
        text += " (" + ", ".join(str(FIELD_LABELS.get(f, f)) for f in detail["fields"]) + ")"
    if row.action == "reactivate":
        text += " " + str(_REACTIVATED_AFTER.get(str(detail.get("from")), _l("après une interruption")))
    actor = row.actor or ""
    if actor == "public":
        return text + " " + str(_PUBLIC_WAYS.get(row.source or "", _l("par la personne elle-même")))
    if "@" in actor:
        return _("%(what)s par %(who)s", what=text, who=actor)
    if row.source:
        return f"{text} ({source_label(row.source)})"
    return text
