"""Who receives what, once: the kinds of message Lettrine sends, and who may receive each.

Two families (architecture.md, "Editorial vs service messages"):

- **editorial** — every message the officer writes: newsletters and announcements to lists,
  "Écrire aux inscrits", the follow-up messages, the survey invitation, a message another
  system asks for through the API. Unsubscribes, suppressions, bounces and erasure always
  apply.
- **service** — only what the person's own action calls for: the confirmation of what she
  did, the reminder of a journée she registered for, the notice that such a journée moved or
  was cancelled, her certificate. Leaving the newsletters does not stop them.

:data:`KINDS` states each kind as data: its lane (campaign or transactional), its family,
what entitles a person to it (:class:`Basis`) and the :class:`Rule` that stops it. A rule is
data too — which subscriber statuses may receive, which suppression reasons stop, whether a
suppressed domain stops — and is read two ways from the same fields:

- :meth:`Rule.clauses`: SQL conditions on ``Subscriber`` for the enqueue
  (``app.sending.queue.audience_query``);
- :meth:`Rule.stop`: the Python predicate for the send-time re-check
  (``app.sending.queue.recipients``) and for the transactional lane
  (``app.sending.transactional``, at enqueue and again when the worker claims it).

``tests/test_eligibility_property.py`` checks on random people that both readings agree for
every audience kind; ``docs/message-kinds.md`` is generated from :func:`kinds_markdown`.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, Iterable

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, exists, or_, select

from app.extensions import db
from app.models import (
    Campaign,
    Subscriber,
    SubscriberStatus,
    SuppressedDomain,
    Suppression,
    SuppressionReason,
    email_hash,
)
from app.sending.audiences import FOLLOWUP_KINDS, REGISTRANT_KINDS, criterion_of


class Family(str, enum.Enum):
    EDITORIAL = "editorial"
    SERVICE = "service"


class Lane(str, enum.Enum):
    CAMPAIGN = "campaign"  # one delivery per person of an audience (``deliveries``)
    TRANSACTIONAL = "transactional"  # one message for one address (``transactional_messages``)


class Basis(str, enum.Enum):
    """What entitles a person to a message of a kind (besides the rule that may stop it)."""

    LISTS = "lists"  # a confirmed member of one of the campaign's lists
    AUDIENCE = "audience"  # named by the campaign's registration criterion (``segment["event"]``)
    SEAT = "seat"  # a confirmed seat at the campaign's journée
    REQUEST = "request"  # she (or the officer, for a test) asked for it just now
    REGISTRATION = "registration"  # her registration, or one of its journées, changed
    ATTENDANCE = "attendance"  # she attended the journée or the cycle
    ADDRESS = "address"  # the address another system gave (API)
    ENROLMENT = "enrolment"  # enrolled in a sequence, and its step fell due (a ``sequence_step_sends`` row)


@dataclass(frozen=True)
class Person:
    """What a rule reads of one person: the same four facts in SQL and in the re-check."""

    status: SubscriberStatus | None  # None: nobody on record for the address
    has_address: bool  # False once erased
    suppression: SuppressionReason | None  # the address's suppression, if any
    domain_suppressed: bool


ALL_STATUSES = frozenset(SubscriberStatus)
ALL_REASONS = frozenset(SuppressionReason)

STATUS_STOPS = {
    SubscriberStatus.UNSUBSCRIBED: "désabonné·e",
    SubscriberStatus.BOUNCED: "adresse en erreur",
    SubscriberStatus.COMPLAINED: "plainte pour spam",
    SubscriberStatus.ERASED: "données effacées",
}
SUPPRESSION_STOPS = {
    SuppressionReason.UNSUBSCRIBED: "désabonné·e (liste d'exclusion)",
    SuppressionReason.BOUNCED: "adresse en erreur (liste d'exclusion)",
    SuppressionReason.COMPLAINED: "plainte pour spam (liste d'exclusion)",
    SuppressionReason.ERASED: "données effacées (liste d'exclusion)",
    SuppressionReason.MANUAL: "exclue par l'équipe (liste d'exclusion)",
}


@dataclass(frozen=True)
class Rule:
    """What stops a message of a kind, whoever it is for. Someone with no address never gets one."""

    name: str
    statuses: frozenset[SubscriberStatus]  # the statuses of someone on record that may receive it
    stopping: frozenset[SuppressionReason]  # the suppressions that stop it
    domains: bool  # whether a suppressed domain stops it
    summary: str  # French, for the table of kinds

    def stop(self, person: Person) -> str | None:
        """Why this person may not receive it (French, a few words), or None: the send-time reading."""
        if not person.has_address:
            return "données effacées"
        if person.status is not None and person.status not in self.statuses:
            return STATUS_STOPS.get(person.status, person.status.value)
        if person.suppression is not None and person.suppression in self.stopping:
            return SUPPRESSION_STOPS[person.suppression]
        if self.domains and person.domain_suppressed:
            return "domaine exclu"
        return None

    def admits(self, person: Person) -> bool:
        return self.stop(person) is None

    def clauses(self) -> list[ColumnElement[bool]]:
        """The same rule as conditions on ``Subscriber``: the enqueue's reading."""
        found: list[ColumnElement[bool]] = [Subscriber.email.is_not(None)]
        if len(self.statuses) == 1:  # the editorial rule: "status = 'active'", as the status index reads it
            found.append(Subscriber.status == next(iter(self.statuses)))
        elif self.statuses != ALL_STATUSES:
            found.append(Subscriber.status.in_(sorted(self.statuses, key=lambda s: s.value)))
        if self.stopping:
            suppressed = exists().where(Suppression.email_hash == Subscriber.email_hash)
            if self.stopping != ALL_REASONS:
                suppressed = suppressed.where(Suppression.reason.in_(sorted(self.stopping, key=lambda r: r.value)))
            found.append(~suppressed)
        if self.domains:
            found += domain_clauses()
        return found


EDITORIAL = Rule(
    "editorial", frozenset({SubscriberStatus.ACTIVE}), ALL_REASONS, True,
    "un désabonnement, une adresse en erreur, une plainte, l'effacement, la liste d'exclusion "
    "(quelle qu'en soit la raison) ou un domaine exclu",
)
SERVICE = Rule(
    "service", frozenset({SubscriberStatus.ACTIVE, SubscriberStatus.UNSUBSCRIBED}),
    ALL_REASONS - {SuppressionReason.UNSUBSCRIBED}, True,
    "une adresse en erreur, une plainte, l'effacement, l'exclusion par l'équipe ou un domaine exclu "
    "(un désabonnement ne l'arrête pas)",
)
ON_REQUEST = Rule(
    "on_request", ALL_STATUSES - {SubscriberStatus.ERASED}, frozenset(), False,
    "seulement l'effacement : c'est la réponse à une demande faite à l'instant",
)
RULES = (EDITORIAL, SERVICE, ON_REQUEST)


@dataclass(frozen=True)
class MessageKind:
    """One kind of message: who is entitled to it and what stops it."""

    key: str
    lane: Lane
    family: Family
    basis: Basis
    rule: Rule
    name: Any  # French (lazy, translated on the pages)
    who: Any  # French: who receives it
    # Service kinds: what the unsubscribe page promises will still come (French, lazy), for a
    # confirmed seat (or her request), and for a place on a waiting list.
    promise: Any = ""
    promise_waiting: Any = ""


def _kind(key: str, lane: Lane, family: Family, basis: Basis, name: Any, who: Any, promise: Any = "",
          rule: Rule | None = None, promise_waiting: Any = "") -> MessageKind:
    return MessageKind(key, lane, family, basis, rule or (EDITORIAL if family is Family.EDITORIAL else SERVICE),
                       name, who, promise, promise_waiting)


_C, _T = Lane.CAMPAIGN, Lane.TRANSACTIONAL
_E, _S = Family.EDITORIAL, Family.SERVICE

KINDS: dict[str, MessageKind] = {k.key: k for k in (
    # -- editorial: what the officer writes --------------------------------------------------
    _kind("newsletter", _C, _E, Basis.LISTS, _l("Lettre, annonce ou message à une ou plusieurs listes"),
          _l("les abonné·es confirmé·es des listes choisies, restreint·es par le segment ou le critère "
             "d'inscription s'il y en a un")),
    _kind("registrants", _C, _E, Basis.AUDIENCE, _l("« Écrire aux inscrits » (sans liste)"),
          _l("les inscrit·es d'un cycle ou d'une journée, ou sa liste d'attente")),
    _kind("followup", _C, _E, Basis.AUDIENCE, _l("Message de suivi (sans liste)"),
          _l("les présent·es, les absent·es, ceux qui ont répondu (ou pas) au questionnaire")),
    _kind("survey_invitation", _T, _E, Basis.ATTENDANCE, _l("Invitation au questionnaire de satisfaction"),
          _l("les présent·es à la journée (ou au cycle)")),
    _kind("sequence_step", _C, _E, Basis.ENROLMENT, _l("Étape d'une séquence (bienvenue, relance, après le cycle)"),
          _l("les inscrit·es à la séquence dont l'étape arrive, si sa condition tient et qu'aucune sortie ne "
             "s'applique")),
    _kind("api", _T, _E, Basis.ADDRESS, _l("Message demandé par un autre logiciel (API)"),
          _l("l'adresse donnée par l'autre logiciel")),
    # -- service: what the person's own action calls for -------------------------------------
    _kind("reminder", _C, _S, Basis.SEAT, _l("Rappel d'une journée"),
          _l("les inscrit·es confirmé·es de la journée"), _l("son rappel")),
    _kind("registration_update", _T, _S, Basis.REGISTRATION,
          _l("Changement d'une inscription ou d'une journée (date, lieu, annulation, place libérée)"),
          _l("les inscrit·es concerné·es"), _l("un message si elle change de date ou de lieu, ou si elle est annulée"),
          promise_waiting=_l("un message si une place se libère pour vous, si elle change ou si elle est annulée")),
    _kind("certificate", _T, _S, Basis.ATTENDANCE, _l("Attestation de présence"),
          _l("les participant·es, à la clôture du cycle"),
          _l("votre attestation de présence à sa clôture, si vous y avez assisté")),
    _kind("subscription_confirmation", _T, _S, Basis.REQUEST, _l("Confirmation d'abonnement (double opt-in)"),
          _l("l'adresse qui vient de demander un abonnement (ou importée en attente de confirmation)"),
          _l("la confirmation d'un abonnement"), ON_REQUEST),
    _kind("registration_confirmation", _T, _S, Basis.REQUEST, _l("Confirmation d'inscription"),
          _l("la personne qui vient de s'inscrire (ou que l'équipe inscrit)"),
          _l("la confirmation d'une inscription"), ON_REQUEST),
    _kind("registration_check", _T, _S, Basis.REQUEST, _l("Vérification de l'adresse d'une demande d'inscription"),
          _l("l'adresse qui vient de demander des places"), "", ON_REQUEST),
    _kind("data_export", _T, _S, Basis.REQUEST, _l("Export de vos données (RGPD)"),
          _l("la personne qui l'a demandé"), _l("l'export de vos données"), ON_REQUEST),
    _kind("test", _T, _S, Basis.REQUEST, _l("Envoi de test"), _l("les adresses de l'équipe qui le demande"),
          "", ON_REQUEST),
    _kind("campaign_paused", _T, _S, Basis.REQUEST, _l("Avis à l'équipe : campagne mise en pause par un garde-fou"),
          _l("les administrateur·rices actif·ves de Lettrine"), "", ON_REQUEST),
)}

CAMPAIGN_KINDS = tuple(k for k in KINDS.values() if k.lane is Lane.CAMPAIGN)
TRANSACTIONAL_KINDS = tuple(k for k in KINDS.values() if k.lane is Lane.TRANSACTIONAL)


# The segment key that marks the campaign carrying a sequence's step (``app.services.sequences``).
SEQUENCE_STEP = "sequence_step"


class UnknownKind(ValueError):
    """A transactional message of a kind the table does not state (French)."""


def campaign_kind(campaign: Campaign) -> MessageKind:
    """Which kind a campaign is: a sequence's step, a reminder, a message to lists, or to registrants without a list.

    With lists, a registration criterion only narrows the lists' audience (still a
    newsletter). With no list, a criterion naming registrants makes it "Écrire aux inscrits"
    or a follow-up message; anything else reaches nobody (a newsletter with no list).
    """
    if (campaign.segment or {}).get(SEQUENCE_STEP):
        return KINDS["sequence_step"]
    if campaign.journee_id is not None:
        return KINDS["reminder"]
    criterion = criterion_of(campaign.segment)
    if campaign.lists or criterion is None or criterion["kind"] not in REGISTRANT_KINDS:
        return KINDS["newsletter"]
    return KINDS["followup" if criterion["kind"] in FOLLOWUP_KINDS else "registrants"]


def service_kinds(*bases: Basis) -> list[MessageKind]:
    """The service kinds a person is entitled to on these grounds, in the table's order (the unsubscribe page)."""
    return [k for k in KINDS.values() if k.family is Family.SERVICE and k.basis in bases]


def transactional_kind(key: str) -> MessageKind:
    kind = KINDS.get(key)
    if kind is None or kind.lane is not Lane.TRANSACTIONAL:
        raise UnknownKind(f"type de message inconnu : {key!r} (voir app/sending/eligibility.py)")
    return kind


# --- the facts the rules read -------------------------------------------------------------

def domain_clauses() -> list[ColumnElement[bool]]:
    """Skip addresses at a suppressed domain (a handful of rows: read when the query is built)."""
    domains = db.session.scalars(select(SuppressedDomain.domain)).all()
    if not domains:
        return []
    return [~or_(*[Subscriber.email.like("%@" + domain) for domain in domains])]


def domain_of(address: str) -> str:
    return address.rsplit("@", 1)[-1].lower()


def blocked_domains(addresses: Iterable[str]) -> set[str]:
    """Which of these addresses' domains are suppressed (one key lookup)."""
    domains = {domain_of(a) for a in addresses if a}
    if not domains:
        return set()
    return set(db.session.scalars(select(SuppressedDomain.domain).where(SuppressedDomain.domain.in_(domains))))


def suppressions(hashes: Iterable[str]) -> dict[str, SuppressionReason]:
    """``{email_hash: reason}`` of these hashes on the suppression list (one key lookup)."""
    wanted = sorted({h for h in hashes if h})
    if not wanted:
        return {}
    rows = db.session.execute(
        select(Suppression.email_hash, Suppression.reason).where(Suppression.email_hash.in_(wanted)))
    return {row.email_hash: row.reason for row in rows}


def people_at(messages: Iterable[tuple[str, int | None]]) -> list[Person]:
    """The :class:`Person` behind each ``(address, subscriber_id)`` of one-off messages, in order.

    The person on record is the subscriber named, else the one holding the address; with
    neither, only the address's suppression and domain count. Three key lookups in all.
    """
    items = list(messages)
    ids = {sid for _, sid in items if sid}
    hashes = {email_hash(a) for a, _ in items if a}
    rows = db.session.execute(
        select(Subscriber.id, Subscriber.email_hash, Subscriber.email, Subscriber.status)
        .where(or_(Subscriber.id.in_(sorted(ids) or [-1]), Subscriber.email_hash.in_(sorted(hashes) or [""])))
    ).all()
    by_id = {row.id: row for row in rows}
    by_hash = {row.email_hash: row for row in rows if row.email_hash}
    reasons = suppressions(hashes)
    blocked = blocked_domains(a for a, _ in items)
    people = []
    for address, subscriber_id in items:
        key = email_hash(address) if address else ""
        row = by_id.get(subscriber_id) if subscriber_id else None
        row = row if row is not None else by_hash.get(key)
        people.append(Person(
            status=row.status if row is not None else None,
            has_address=bool(address) and (row is None or row.email is not None),
            suppression=reasons.get(key),
            domain_suppressed=bool(address) and domain_of(address) in blocked,
        ))
    return people


def stop_for(kind: str, address: str, subscriber_id: int | None = None) -> str | None:
    """Why a one-off message of ``kind`` may not go to this address now (French), or None."""
    return transactional_kind(kind).rule.stop(people_at([(address, subscriber_id)])[0])


# --- the table, for the officer and the operators -----------------------------------------

FAMILY_NAMES = {Family.EDITORIAL: "éditorial", Family.SERVICE: "service"}
LANE_NAMES = {Lane.CAMPAIGN: "campagne", Lane.TRANSACTIONAL: "message unitaire"}
STATUS_NAMES = {SubscriberStatus.ACTIVE: "actif", SubscriberStatus.UNSUBSCRIBED: "désabonné·e",
                SubscriberStatus.BOUNCED: "adresse en erreur", SubscriberStatus.COMPLAINED: "plainte",
                SubscriberStatus.ERASED: "effacé·e"}
REASON_NAMES = {SuppressionReason.UNSUBSCRIBED: "désabonnement", SuppressionReason.BOUNCED: "adresse en erreur",
                SuppressionReason.COMPLAINED: "plainte", SuppressionReason.ERASED: "effacement",
                SuppressionReason.MANUAL: "exclusion par l'équipe"}


def kinds_markdown() -> str:
    """The table of kinds and the table of rules, in French (``docs/message-kinds.md`` between its markers)."""
    lines = [
        "| Message | Famille | Envoi | Qui le reçoit | Règle | Clé |",
        "|---|---|---|---|---|---|",
    ]
    for kind in KINDS.values():
        lines.append(f"| {kind.name} | {FAMILY_NAMES[kind.family]} | {LANE_NAMES[kind.lane]} | {kind.who} "
                     f"| `{kind.rule.name}` | `{kind.key}` |")
    lines += [
        "",
        "| Règle | Ce qui l'arrête | Statuts qui le reçoivent | Exclusions qui l'arrêtent | Domaine exclu |",
        "|---|---|---|---|---|",
    ]
    for rule in RULES:
        statuses = ", ".join(STATUS_NAMES[s] for s in SubscriberStatus if s in rule.statuses)
        stopping = ", ".join(REASON_NAMES[r] for r in SuppressionReason if r in rule.stopping) or "aucune"
        lines.append(f"| `{rule.name}` | {rule.summary} | {statuses} | {stopping} "
                     f"| {'l’arrête' if rule.domains else 'ne l’arrête pas'} |")
    return "\n".join(lines) + "\n"
