"""The development outbox: every message the outbox transport was given."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask import Response, abort, make_response, render_template, request

from app.extensions import db
from app.models import Campaign, OutboxMessage
from app.services.campaigns import outbox_page, read_message
from app.web.admin import add_nav, bp
from app.web.security import message_csp

add_nav("admin.outbox", _l("Boîte d'envoi"), 90)

PAGE_SIZE = 50


@bp.route("/outbox")
def outbox():
    """Every stored message, or one campaign's (``?campaign=<id>``) under that campaign's figures."""
    page = max(request.args.get("page", 1, type=int), 1)
    campaign_id = request.args.get("campaign", type=int)
    campaign = (db.session.get(Campaign, campaign_id) or abort(404)) if campaign_id else None
    return render_template("admin/outbox.html", view=outbox_page(page, PAGE_SIZE, campaign), page=page,
                           page_size=PAGE_SIZE)


@bp.route("/outbox/<int:message_id>")
def outbox_message(message_id: int):
    row = db.session.get(OutboxMessage, message_id) or abort(404)
    return render_template("admin/outbox_message.html", message=row, parts=read_message(row.raw))


@bp.route("/outbox/<int:message_id>/html")
def outbox_message_html(message_id: int):
    """The HTML part alone, for the preview iframe (sandboxed, no scripts)."""
    row = db.session.get(OutboxMessage, message_id) or abort(404)
    response = make_response(read_message(row.raw).html)
    response.headers["Content-Security-Policy"] = message_csp()
    response.headers["Content-Type"] = "text/html; charset=utf-8"
    return response


@bp.route("/outbox/<int:message_id>/raw")
def outbox_message_raw(message_id: int):
    row = db.session.get(OutboxMessage, message_id) or abort(404)
    return Response(row.raw, mimetype="message/rfc822",
                    headers={"Content-Disposition": f"attachment; filename=message-{row.id}.eml"})
