"""The media library: images uploaded for newsletters, kept under ``instance/media/``
or in an S3-compatible bucket when ``MEDIA_S3_BUCKET`` is set (see media_storage).

An upload is decoded by Pillow (so a file that only *claims* to be an image is refused),
limited in bytes and in pixels (no decompression bomb), and stored in two widths:
600 px (the message column) and 1200 px (the same at double density, for retina
screens) — never enlarged. Files are named by a hash of their content, so a URL
always names the same bytes and can be cached for a year. Metadata is stripped
(only the pixels are re-encoded). Animated GIFs keep their first frame.
"""
from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from PIL import Image, UnidentifiedImageError

from app import links
from app.errors import LettrineError
from app.extensions import db
from app.models import MediaFile
from app.services.support import media_storage

FORMATS = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp", "GIF": "png"}  # GIF re-encoded as PNG (first frame)
ENCODERS = {"png": "PNG", "jpg": "JPEG", "webp": "WEBP"}
WIDTHS = (600, 1200)
MAX_PIXELS = 40_000_000


class MediaError(LettrineError, ValueError):
    """The upload is refused (message in French)."""

    status = 422
    code = "media"
    en = "The image is refused."


log = logging.getLogger(__name__)


def media_dir() -> Path:
    """The local folder (used when no bucket is configured)."""
    path = media_storage.local_folder()
    path.mkdir(parents=True, exist_ok=True)
    return path


def store(data: bytes, original_name: str, alt: str, *, actor: str) -> MediaFile:
    """Check, resize and keep an image; commits. The same bytes uploaded twice give one entry."""
    alt = (alt or "").strip()
    if not alt:
        raise MediaError("Décrivez l'image (texte alternatif) : c'est ce que lisent les personnes aveugles "
                         "et ce qui s'affiche quand les images sont bloquées.")
    limit = int(current_app.config["MEDIA_MAX_BYTES"])
    if not data:
        raise MediaError("Fichier vide.")
    if len(data) > limit:
        raise MediaError(f"Image trop lourde ({len(data) // 1024} Ko) : {limit // (1024 * 1024)} Mo au plus.")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind = probe.format
            if kind not in FORMATS:
                raise MediaError("Format refusé : PNG, JPEG, WebP ou GIF seulement.")
            if probe.width * probe.height > MAX_PIXELS:
                raise MediaError("Image trop grande en pixels.")
            probe.seek(0)
            image = probe.convert("RGBA" if probe.mode in ("RGBA", "LA", "P") else "RGB")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise MediaError("Ce fichier n'est pas une image lisible (PNG, JPEG, WebP ou GIF).") from exc
    key = hashlib.sha256(data).hexdigest()[:32]
    existing = db.session.scalar(db.select(MediaFile).where(MediaFile.key == key))
    if existing is not None:
        return existing
    extension = FORMATS[kind]
    if extension == "jpg" and image.mode == "RGBA":
        image = image.convert("RGB")
    storage = media_storage.current()
    for width in WIDTHS:
        copy = image
        if image.width > width:
            copy = image.resize((width, max(1, round(image.height * width / image.width))), Image.Resampling.LANCZOS)
        options = {"quality": 85, "optimize": True} if extension in ("jpg", "webp") else {"optimize": True}
        encoded = io.BytesIO()
        copy.save(encoded, format=ENCODERS[extension], **options)
        try:
            storage.put(f"{key}-{width}.{extension}", encoded.getvalue())
        except media_storage.StorageError as exc:
            log.warning("media upload refused by the bucket: %s", exc)
            raise MediaError(_("Le stockage des images (compartiment S3) est injoignable ou mal configuré : "
                               "image non enregistrée. Réessayez plus tard ou prévenez l'administrateur.")) from exc
    row = MediaFile(key=key, original_name=(original_name or "")[:300], alt=alt, width=image.width,
                    height=image.height, extension=extension, created_by=actor[:320])
    db.session.add(row)
    db.session.commit()
    return row


@dataclass
class PushReport:
    copied: int = 0
    already: int = 0
    missing: list[str] = field(default_factory=list)


def push_to_bucket() -> PushReport:
    """Copy the images kept under instance/media/ into the configured bucket (moving to S3).

    Their URLs do not change (/media/<name>), so newsletters already sent keep their images
    once the copy is done. Files already in the bucket are left alone (same name, same bytes).
    """
    storage = media_storage.current()
    if not isinstance(storage, media_storage.S3Storage):
        raise MediaError("Aucun compartiment configuré (MEDIA_S3_BUCKET) : rien à copier.")
    report = PushReport()
    local = media_storage.LocalStorage(media_storage.local_folder())
    for row in db.session.scalars(db.select(MediaFile).order_by(MediaFile.id)):
        for width in WIDTHS:
            name = file_name(row, width)
            path = local.path(name)
            try:
                if storage.exists(name):
                    report.already += 1
                elif not path.is_file():
                    report.missing.append(name)
                else:
                    storage.put(name, path.read_bytes())
                    report.copied += 1
            except media_storage.StorageError as exc:
                raise MediaError(f"Compartiment injoignable ou mal configuré : {exc}") from exc
    return report


def file_name(row: MediaFile, width: int) -> str:
    return f"{row.key}-{width}.{row.extension}"


def url(row: MediaFile, width: int = 1200) -> str:
    """Absolute URL (messages are read outside the app) of one stored width."""
    return links.absolute(f"/media/{file_name(row, width)}")


def display_width(row: MediaFile) -> int:
    """The width in the message: the column's 600 px, or less for a small image."""
    return min(600, row.width)


def image_block(row: MediaFile) -> dict:
    """An image block showing the 1200 px file at 600 px (sharp on retina screens)."""
    return {"type": "image", "src": url(row, 1200 if row.width > 600 else 600), "alt": row.alt,
            "decorative": False, "href": "", "width": str(display_width(row)), "media": row.key}


def insert_into(blocks: list[dict], row: MediaFile, at: int | None = None) -> list[dict]:
    """The blocks with an image block at index ``at`` (where the author was), or at the end."""
    position = len(blocks) if at is None else max(0, min(at, len(blocks)))
    return [*blocks[:position], image_block(row), *blocks[position:]]


def find(key: str) -> MediaFile | None:
    """A library image by its key (what an image block remembers)."""
    return db.session.scalar(db.select(MediaFile).where(MediaFile.key == key)) if key else None

