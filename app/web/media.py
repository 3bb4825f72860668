"""Serving the media library: public (messages load these images), cached for a year.

File names carry a hash of the uploaded content, so a name never changes meaning:
``Cache-Control: public, max-age=31536000, immutable`` is safe. The URL is always this
app's ``/media/<name>``: with a bucket configured the bytes are streamed from it (one URL,
our cache headers, an ETag), rather than redirecting to a presigned URL that would expire
in newsletters already sent.
"""
from __future__ import annotations

import logging
import re

from flask import Blueprint, Response, abort, request, send_from_directory
from flask_babel import gettext as _

from app.services.support import (
    CACHE_CONTROL,
    LocalStorage,
    NotModified,
    NotStored,
    S3Storage,
    StorageError,
    media_dir,
    current_media_storage,
)

bp = Blueprint("media", __name__)
NAME = re.compile(r"^[0-9a-f]{32}-(600|1200)\.(png|jpg|webp)$")
log = logging.getLogger(__name__)


@bp.get("/media/<name>")
def media_file(name: str):
    if not NAME.match(name):
        abort(404)
    storage = current_media_storage()
    if isinstance(storage, LocalStorage):
        response = send_from_directory(media_dir(), name, max_age=31536000)
    else:
        response = _from_bucket(storage, name)
    response.headers["Cache-Control"] = CACHE_CONTROL
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _from_bucket(storage: S3Storage, name: str) -> Response:
    """Stream one object; 404 when absent, 503 (not cached, retry later) when the bucket is unreachable."""
    try:
        stored = storage.open(name, if_none_match=request.headers.get("If-None-Match", ""))
    except NotModified:
        return Response(status=304, headers={"ETag": request.headers.get("If-None-Match", "")})
    except NotStored:
        abort(404)
    except StorageError as exc:
        log.warning("media %s unavailable from the bucket: %s", name, exc)
        unavailable = Response(_("Image momentanément indisponible.") + "\n", status=503, mimetype="text/plain")
        unavailable.headers["Retry-After"] = "60"
        abort(unavailable)
    response = Response(stored.chunks, mimetype=stored.content_type, direct_passthrough=True)
    if stored.length is not None:
        response.content_length = stored.length
    if stored.etag:
        response.headers["ETag"] = stored.etag
    response.call_on_close(stored.close)
    return response
