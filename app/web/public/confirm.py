"""Double opt-in: ``/confirm/<token>`` (7 days), and asking for a new link once it expired.

GET only shows a button: link scanners open every URL in a message and must not
confirm a subscription that somebody else requested with this address.
"""
from __future__ import annotations

from flask import render_template, request
from sqlalchemy import select

from app.extensions import db, limiter
from app.models import MailingList, SubscriptionStatus
from app.services.audience import (
    confirm_subscription as confirm,
    load_expired_confirmation,
    memberships,
    send_confirmation,
    subscriber_by_uid,
)
from app.tokens import InvalidToken, Purpose, verify
from app.web.public import bp
from app.web.public.unsubscribe import link_error


def _lists(payload: dict) -> list[MailingList]:
    ids = [i for i in payload.get("l", []) if isinstance(i, int)]
    return list(db.session.scalars(select(MailingList).where(MailingList.id.in_(ids)).order_by(MailingList.name)))


@bp.route("/confirm/<token>", methods=["GET", "POST"])
def confirm_subscription(token: str):
    try:
        payload = verify(Purpose.CONFIRM, token)
        if not isinstance(payload, dict) or subscriber_by_uid(payload.get("s")) is None:
            raise InvalidToken("unknown subscriber")
    except InvalidToken as exc:
        if exc.expired and load_expired_confirmation(token) is not None:
            return render_template("public/confirm_expired.html", token=token), 410
        return link_error()
    if request.method == "GET":
        return render_template("public/confirm.html", lists=_lists(payload))
    try:
        lists = confirm(payload, ip=request.remote_addr)
    except InvalidToken:
        return link_error()
    return render_template("public/confirm_done.html", lists=lists)


@bp.post("/confirm/renvoyer")
@limiter.limit("5 per hour", key_func=lambda: "confirm-resend:" + (request.remote_addr or ""))
def confirm_resend():
    """Send a fresh link for a genuine expired one (lists still pending only)."""
    payload = load_expired_confirmation(request.form.get("token", ""))
    subscriber = subscriber_by_uid(payload.get("s")) if payload else None
    if payload is None or subscriber is None or subscriber.email is None:
        return link_error()
    wanted = {i for i in payload.get("l", []) if isinstance(i, int)}
    pending = [m.list_id for m in memberships(subscriber)
               if m.list_id in wanted and m.status == SubscriptionStatus.PENDING]
    if pending:
        send_confirmation(subscriber, pending)
        db.session.commit()
    return render_template("public/subscribe_thanks.html", resent=True)
