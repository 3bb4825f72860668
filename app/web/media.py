"""Serving the media library: public (messages load these images), cached for a year.

File names carry a hash of the uploaded content, so a name never changes meaning:
``Cache-Control: public, max-age=31536000, immutable`` is safe.
"""
from __future__ import annotations

import re

from flask import Blueprint, abort, send_from_directory

from app.services.media import media_dir

bp = Blueprint("media", __name__)
NAME = re.compile(r"^[0-9a-f]{32}-(600|1200)\.(png|jpg|webp)$")


@bp.get("/media/<name>")
def media_file(name: str):
    if not NAME.match(name):
        abort(404)
    response = send_from_directory(media_dir(), name, max_age=31536000)
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
