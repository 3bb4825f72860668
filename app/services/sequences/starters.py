"""The ready-made sequences offered by the admin ("Créer à partir d'une séquence toute faite"): the
example files, under a new name, pointed at the officer's own list and cycle, created paused so that
their texts are read before anything leaves.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from app.extensions import db
from app.models import Cycle, MailingList, Sequence
from app.services.sequences.definitions import SequenceError, _free_slug as free_slug, load

EXAMPLES = Path(__file__).resolve().parent / "examples"


def example_files() -> list[Path]:
    """The ready-made sequences (Bienvenue, Relance avant le cycle, Après le cycle), loadable as they are."""
    return sorted(EXAMPLES.glob("*.json"))


# Triggers naming a cycle first ([CYCLE, N…]), a cycle alone, or a list alone.
_CYCLE_FIRST = ("attended", "absent", "after_journee", "before_journee", "survey_not_answered")


@dataclass(frozen=True)
class ReadyMade:
    key: str  # the file's stem: "bienvenue"
    name: str
    trigger_kind: str
    description: str
    definition: dict[str, Any]


def ready_made() -> list[ReadyMade]:
    """The example files, read (their ``description`` is optional)."""
    found = []
    for path in example_files():
        data = json.loads(path.read_text(encoding="utf-8"))
        kind = next(iter(data["trigger"]))
        found.append(ReadyMade(path.stem, data["name"], kind, _describe(data), data))
    return found


def _describe(data: dict[str, Any]) -> str:
    steps = data.get("steps") or []
    return f"{len(steps)} message(s) : " + " ; ".join(str(step.get("subject", "")) for step in steps)


def create_from_example(key: str, *, name: str, list_slug: str | None, cycle_slug: str | None) -> Sequence:
    """A new sequence from a ready-made one, paused; SequenceError (French) for an unknown example, a name
    already taken, or a list or cycle the trigger needs and was not given. Commits."""
    example = next((e for e in ready_made() if e.key == key), None)
    if example is None:
        raise SequenceError(f"séquence toute faite inconnue : {key!r}")
    name = name.strip()
    if db.session.scalar(select(Sequence.id).where(Sequence.name == name)) is not None:
        raise SequenceError(f"une séquence s'appelle déjà « {name} » : choisissez un autre nom")
    data = json.loads(json.dumps(example.definition))  # a copy to point at the officer's list and cycle
    data["name"] = name
    trigger = data["trigger"]
    kind = example.trigger_kind
    mailing_list = db.session.scalar(select(MailingList).where(MailingList.slug == list_slug)) if list_slug else None
    cycle = db.session.scalar(select(Cycle).where(Cycle.slug == cycle_slug)) if cycle_slug else None
    audience = trigger.get("audience") if isinstance(trigger.get("audience"), dict) else data.get("audience")
    if kind == "subscribed" or isinstance(audience, dict):
        if mailing_list is None:
            raise SequenceError(f"« {example.name} » s'adresse à une liste : choisissez-la")
    if kind == "registered" or kind in _CYCLE_FIRST:
        if cycle is None:
            raise SequenceError(f"« {example.name} » suit un cycle : choisissez-le")
        if not cycle.journees and kind != "registered":
            raise SequenceError(f"le cycle « {cycle.title} » n'a pas encore de journée")
    if kind == "subscribed":
        trigger[kind] = mailing_list.slug  # type: ignore[union-attr]
    elif kind == "registered":
        trigger[kind] = cycle.slug  # type: ignore[union-attr]
    elif kind in _CYCLE_FIRST:
        values = list(trigger[kind])
        values[0] = cycle.slug  # type: ignore[union-attr]
        numbers = [j.number for j in cycle.journees]  # type: ignore[union-attr]
        if kind in ("attended", "absent", "after_journee"):
            values[1] = numbers[-1]  # "after the cycle": its last journée
        elif values[1] is not None and values[1] not in numbers:
            values[1] = numbers[0]  # "before the cycle": its first journée
        trigger[kind] = values
    if isinstance(audience, dict):
        audience["list"] = mailing_list.slug  # type: ignore[union-attr]
        if "not_registered" in audience and cycle is not None:
            audience["not_registered"] = cycle.slug
    # Paused from its first commit: ``load`` updates this row (found by name) rather than creating one.
    db.session.add(Sequence(name=name, slug=free_slug(name), trigger_kind=kind, exits=[], paused=True))
    db.session.flush()
    sequence, _created = load(data)
    return sequence
