"""/l/<token>: count a click on a campaign link and redirect to where the campaign linked."""
from __future__ import annotations

from flask import abort, redirect
from sqlalchemy.exc import IntegrityError

from app.extensions import db, limiter
from app.services.campaigns import record_click, resolve_click
from app.tokens import InvalidToken
from app.web.public import bp


@bp.route("/l/<token>")
@limiter.limit("120 per minute")
def click(token: str):
    try:
        campaign_id, url = resolve_click(token)
    except InvalidToken:
        abort(404)
    try:
        record_click(campaign_id, url)
    except IntegrityError:  # the campaign was deleted: still take the reader where they wanted to go
        db.session.rollback()
    return redirect(url, code=302)
