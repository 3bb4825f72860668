"""Newsletter content blocks: the one schema the composer edits and the renderer reads.

A newsletter's ``campaign.content["blocks"]`` is a list of dicts, each with a
``type`` and the fields below. Validation gives French messages for the composer.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import has_app_context

from app.links import absolute


# A text that greets by itself ("Bonjour à toutes et à tous,"): with the greeting block too, it greets twice.
OWN_GREETING = re.compile(r"(bonjour|bonsoir|chers?|chère|madame|monsieur|hello|hi|dear)\b", re.I)


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: str = "text"  # text | markdown | url | number | checkbox | cycle
    required: bool = False


BLOCK_TYPES: dict[str, tuple[str, tuple[Field, ...]]] = {
    # "Bonjour Camille," (or "Bonjour," without a verified first name): a block the author sees, moves or
    # removes, so a message that opens with her own "Bonjour," does not greet twice (issue #24).
    "greeting": ("Salutation (« Bonjour Prénom, »)", ()),
    "title": ("Titre", (Field("text", "Titre", required=True),)),
    "text": ("Texte", (Field("text", "Texte (Markdown simple : **gras**, *italique*, listes, liens)", "markdown", True),)),
    "image": ("Image", (
        Field("src", "Image (choisie dans la médiathèque ou envoyée depuis le bloc)", "url", True),
        Field("alt", "Texte alternatif (ce que l'image montre)"),
        Field("decorative", "Image décorative (pas de texte alternatif)", "checkbox"),
        Field("href", "Lien au clic (facultatif)", "url"),
        Field("width", "Largeur en pixels (600 max)", "number"),
    )),
    "button": ("Bouton", (Field("label", "Texte du bouton", required=True), Field("url", "Lien (https)", "url", True))),
    "columns": ("Deux colonnes", (
        Field("left", "Colonne de gauche (Markdown)", "markdown", True),
        Field("right", "Colonne de droite (Markdown)", "markdown", True),
    )),
    "event": ("Carte d'événement", (Field("cycle_id", "Cycle", "cycle", True), Field("journee", "Journée (numéro, facultatif)", "number"))),
}


def empty_block(kind: str) -> dict[str, Any]:
    if kind not in BLOCK_TYPES:
        raise ValueError(f"type de bloc inconnu : {kind}")
    block: dict[str, Any] = {"type": kind}
    for field in BLOCK_TYPES[kind][1]:
        block[field.name] = False if field.kind == "checkbox" else ""
    return block


def _is_link(value: str) -> bool:
    parts = urlsplit(value)
    if (parts.scheme == "https" and bool(parts.netloc)) or parts.scheme in {"mailto", "tel"}:
        return True
    return has_app_context() and value.startswith(absolute("/media/"))  # our own media library


def validate_block(block: dict[str, Any]) -> list[str]:
    """French error messages for one block (empty when it is fine)."""
    kind = block.get("type")
    if kind not in BLOCK_TYPES:
        return [f"type de bloc inconnu : {kind!r}"]
    label, fields = BLOCK_TYPES[kind]
    errors = []
    for field in fields:
        value = block.get(field.name)
        if field.required and (value is None or str(value).strip() == ""):
            errors.append(f"{label} : « {field.label} » est obligatoire.")
        elif field.kind == "url" and value and not _is_link(str(value)):
            errors.append(f"{label} : le lien « {value} » doit commencer par https:// (ou mailto:, tel:).")
        elif field.kind == "number" and value not in ("", None):
            try:
                number = int(value)
            except (TypeError, ValueError):
                errors.append(f"{label} : « {field.label} » doit être un nombre.")
                continue
            if field.name == "width" and not 1 <= number <= 600:
                errors.append(f"{label} : la largeur doit être comprise entre 1 et 600 pixels.")
    if kind == "image" and not block.get("decorative") and not str(block.get("alt") or "").strip():
        errors.append("Image : ajoutez un texte alternatif, ou cochez « Image décorative ».")
    return errors


def validate_blocks(blocks: list[dict[str, Any]]) -> list[str]:
    errors: list[str] = []
    for index, block in enumerate(blocks, start=1):
        errors.extend(f"Bloc {index} — {message}" for message in validate_block(block))
    return errors


def greets_twice(blocks: list[dict[str, Any]]) -> bool:
    """A greeting block followed by a first text that greets too ("Bonjour Camille," then "Bonjour,")."""
    kinds = [str(b.get("type")) for b in blocks]
    if "greeting" not in kinds:
        return False
    after = blocks[kinds.index("greeting") + 1:]
    first_text = next((str(b.get("text") or "") for b in after if b.get("type") == "text"), "")
    return bool(OWN_GREETING.match(first_text.strip()))
