"""One certificate as an HTTP response, for the admin and for the participant's signed link alike."""
from __future__ import annotations

from flask import Response, abort

from app.models import Registration
from app.services.events import CertificateError, certificate_filenames, certificate_pdf


def certificate_response(registration: Registration) -> Response:
    """The PDF, shown inline and named after the person; 404 when they have no half-day present."""
    try:
        data = certificate_pdf(registration)
    except CertificateError:
        abort(404)
    name = certificate_filenames([registration])[registration.id]
    return Response(data, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{name}"', "Cache-Control": "private, no-store"})
