"""Form values parsed the same way on every page: a bad value is a clear 400, never a 500."""
from __future__ import annotations

from flask import abort, request
from flask_babel import gettext as _

from app.digits import parse_ids


def form_ids(field: str, source=None) -> set[int]:
    """The ids posted (or given in the query) under ``field``; 400 if one is not a number."""
    values = (source if source is not None else request.form).getlist(field)
    try:
        return parse_ids(values)
    except ValueError:
        abort(400, description=_("Valeur invalide pour « %(field)s » : un numéro est attendu.", field=field))
