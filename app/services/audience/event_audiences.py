"""Audiences from registrations, for the officer: checking a criterion, saying it in French, offering it.

"Registered for the cycle / for journée N / on the waiting list / registered for none of
this cycle's journées", plus the follow-up audiences (present / absent / answered the
survey). A criterion is a small dict stored in ``Campaign.segment["event"]`` (or a saved
segment): ``{"kind": "journee", "cycle_id": 3, "journee_id": 7}``. Who it names, in SQL,
is ``app.sending.audiences`` (the queue reads it for the enqueue and the send-time
re-check); :func:`clause` is re-exported for the admin's search.
"""
from __future__ import annotations

from typing import Any, Callable

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.errors import LettrineError
from app.extensions import db
from app.models import Cycle, Journee
from app.sending.audiences import FOLLOWUP_KINDS, KINDS, REGISTRANT_KINDS, clause

__all__ = ["FOLLOWUP_KINDS", "KINDS", "REGISTRANT_KINDS", "InvalidCriterion", "choices", "clause", "describe",
           "normalise", "parse_choice"]


class InvalidCriterion(LettrineError, ValueError):
    """The criterion names an unknown kind, cycle or journée (message in French)."""

    status = 422
    code = "audience_criterion"
    en = "Unknown audience criterion, cycle or journée."


def normalise(raw: dict[str, Any] | None) -> dict[str, Any] | None:
    """A checked criterion (ints, a known kind, the journée belongs to the cycle), or None."""
    if not raw or not raw.get("kind"):
        return None
    kind = str(raw["kind"])
    if kind not in KINDS:
        raise InvalidCriterion(f"critère d'inscription inconnu : {kind}")
    try:
        cycle_id = int(raw.get("cycle_id") or 0)
        journee_id = int(raw["journee_id"]) if raw.get("journee_id") not in (None, "", 0, "0") else None
    except (TypeError, ValueError) as exc:
        raise InvalidCriterion("cycle ou journée invalide") from exc
    if journee_id is not None:
        journee = db.session.get(Journee, journee_id)
        if journee is None:
            raise InvalidCriterion("journée inconnue")
        cycle_id = journee.cycle_id
    if not cycle_id or db.session.get(Cycle, cycle_id) is None:
        raise InvalidCriterion("cycle inconnu")
    if kind in ("journee", "absent") and journee_id is None:
        raise InvalidCriterion("choisissez la journée")
    if kind in ("cycle", "none"):
        journee_id = None
    return {"kind": kind, "cycle_id": cycle_id, "journee_id": journee_id}


def describe(criterion: dict[str, Any] | None) -> str:
    """The criterion in words (the reader's language; French outside a page), for the composer, the segment
    list and the report."""
    if not criterion:
        return ""
    cycle = db.session.get(Cycle, criterion["cycle_id"])
    journee = db.session.get(Journee, criterion["journee_id"]) if criterion.get("journee_id") else None
    title = cycle.title if cycle else "?"
    day = _("la journée %(n)s", n=journee.number) if journee else ""
    kind = criterion["kind"]
    if kind == "cycle":
        return _("inscrits au cycle « %(title)s »", title=title)
    if kind == "journee":
        return _("inscrits à %(day)s du cycle « %(title)s »", day=day, title=title)
    if kind == "waiting":
        return _("en liste d'attente (%(day)s) du cycle « %(title)s »", day=day or _("toute journée"), title=title)
    if kind == "none":
        return _("inscrits à aucune journée du cycle « %(title)s »", title=title)
    if kind == "present":
        return _("présents (%(day)s) du cycle « %(title)s »", day=day or _("à une journée au moins"), title=title)
    if kind == "absent":
        return _("absents à %(day)s du cycle « %(title)s »", day=day, title=title)
    if kind == "answered":
        return _("présents ayant répondu au questionnaire (%(day)s) « %(title)s »", day=day or _("du cycle"),
                 title=title)
    if kind == "not_answered":
        return _("présents n'ayant pas répondu au questionnaire (%(day)s) « %(title)s »", day=day or _("du cycle"),
                 title=title)
    return kind


def choices(label: Callable[[Cycle | Journee], str]) -> list[tuple[str, str]]:
    """Options for a select: ``(value, label)`` with value "kind:cycle_id:journee_id", in the reader's language.

    ``label`` names a cycle or a journée (the events domain's ``choice_label``: the cycle with its
    period, the journée with its date), so cycles of the same title read apart."""
    options: list[tuple[str, str]] = []
    for cycle in db.session.scalars(select(Cycle).options(selectinload(Cycle.journees)).order_by(Cycle.id.desc()).limit(30)):
        name = label(cycle)

        def add(value: str, text: str, name: str = name) -> None:
            options.append((value, f"{name} — {text}"))

        def add_day(value: str, journee: Journee, text: str, name: str = name) -> None:
            options.append((value, f"{name} · {label(journee)} : {text}"))

        add(f"cycle:{cycle.id}:", _("inscrits au cycle"))
        for journee in cycle.journees:
            add_day(f"journee:{cycle.id}:{journee.id}", journee, _("inscrits"))
        add(f"waiting:{cycle.id}:", _("liste d'attente"))
        add(f"none:{cycle.id}:", _("inscrits à aucune journée"))
        # After the journées: who came, who did not, who answered the satisfaction survey.
        add(f"present:{cycle.id}:", _("présents à une journée au moins"))
        for journee in cycle.journees:
            add_day(f"present:{cycle.id}:{journee.id}", journee, _("présents"))
            add_day(f"absent:{cycle.id}:{journee.id}", journee, _("inscrits mais absents"))
            add_day(f"answered:{cycle.id}:{journee.id}", journee, _("présents ayant répondu au questionnaire"))
            add_day(f"not_answered:{cycle.id}:{journee.id}", journee,
                    _("présents n'ayant pas répondu au questionnaire"))
        add(f"answered:{cycle.id}:", _("ayant répondu au questionnaire du cycle"))
        add(f"not_answered:{cycle.id}:", _("n'ayant pas répondu au questionnaire du cycle"))
    return options


def parse_choice(value: str) -> dict[str, Any] | None:
    """"kind:cycle:journee" (from :func:`choices`) → a checked criterion, or None if empty."""
    if not value:
        return None
    parts = (value.split(":") + ["", ""])[:3]
    return normalise({"kind": parts[0], "cycle_id": parts[1], "journee_id": parts[2] or None})
