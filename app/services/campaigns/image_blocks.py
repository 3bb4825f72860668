"""Image blocks filled from the media library: picked there, or uploaded in place from the block itself.

The composer never asks for an image's address: an image block names a library image (its
``media`` key) and the address, width and (when the author typed none) the text alternative
follow from it. A file uploaded from a block is kept in the library with the block's text
alternative (required: what a blind reader hears) and lands in that very block, where the
author is, not at the end of the letter.
"""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from app.models import MediaFile
from app.services.support import MediaError, find_media, image_block, store_media


def _fill(block: dict[str, Any], row: MediaFile) -> None:
    library = image_block(row)
    chosen_before = block.get("media") == row.key and block.get("src") == library["src"]
    block["src"], block["media"] = library["src"], row.key
    if not chosen_before or not str(block.get("width") or "").strip():
        block["width"] = library["width"]
    if not str(block.get("alt") or "").strip() and not block.get("decorative"):
        block["alt"] = row.alt


def place_images(blocks: list[dict[str, Any]], uploads: dict[int, tuple[bytes, str]], *,
                 actor: str) -> list[str]:
    """Give each image block its library image: the file uploaded from it (``uploads`` by block index),
    else the one picked. Returns the refusals in French (the block is left as it was); commits only
    what the library keeps."""
    problems: list[str] = []
    for index, block in enumerate(blocks):
        if block.get("type") != "image":
            continue
        upload = uploads.get(index)
        if upload is not None:
            data, name = upload
            try:
                row = store_media(data, name, str(block.get("alt") or ""), actor=actor)
            except MediaError as exc:
                problems.append(_("Bloc %(n)s — image non envoyée : %(error)s", n=index + 1, error=exc.message))
                continue
            _fill(block, row)
            continue
        picked = find_media(str(block.get("media") or ""))
        if picked is not None:
            _fill(block, picked)
    return problems
