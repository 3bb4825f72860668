"""Subscribers: search and browse (fast at a million rows), and one subscriber's page."""
from __future__ import annotations

from flask import abort, render_template, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.models import AuditLog, MailingList, Subscriber, SubscriberStatus, Subscription, TransactionalMessage
from app.services.deliverability import bounces_for_subscriber
from app.services.events import choice_label
from app.services.audience import (
    FOLLOWUP_KINDS,
    InvalidCriterion,
    SEARCH_LIMIT,
    audience_choices,
    describe_history_line,
    is_blocked,
    is_domain_suppressed,
    kept_reminders,
    open_lists,
    parse_audience_choice,
    search_subscribers,
    standing_of,
)
from app.web.admin import add_nav, bp

add_nav("admin.subscribers", _l("Abonnés"), 25)

# The shown status (app.services.audience.standing): "désabonné·e" follows every unsubscribe path.
STATUS_LABELS = {
    "active": _l("actif"), "unsubscribed": _l("désabonné·e"), "bounced": _l("adresse en erreur"),
    "complained": _l("plainte"), "erased": _l("effacé"),
}
SUBSCRIPTION_LABELS = {"pending": _l("en attente de confirmation"), "confirmed": _l("confirmé"),
                       "unsubscribed": _l("désabonné·e")}


@bp.route("/subscribers")
def subscribers():
    q = request.args.get("q", "").strip()[:320]
    list_id = request.args.get("list", type=int)
    status = request.args.get("status", "")
    if status not in {s.value for s in SubscriberStatus}:
        status = ""
    after = request.args.get("after", type=int)
    event_value = request.args.get("event", "")
    try:
        event = parse_audience_choice(event_value)
    except InvalidCriterion:
        event, event_value = None, ""
    result = search_subscribers(q, list_id=list_id, status=status or None, after=after, event=event)
    lists = db.session.scalars(select(MailingList).order_by(MailingList.name)).all()
    return render_template(
        "admin/subscribers.html", result=result, q=q, list_id=list_id, status=status, after=after,
        lists=lists, status_labels=STATUS_LABELS, search_limit=SEARCH_LIMIT,
        event_value=event_value, event_choices=[c for c in audience_choices(choice_label)
                       if c[0].split(":")[0] not in FOLLOWUP_KINDS],
    )


@bp.route("/subscribers/<int:subscriber_id>")
def subscriber(subscriber_id: int):
    person = db.session.get(Subscriber, subscriber_id) or abort(404)
    subscriptions = db.session.execute(
        select(Subscription, MailingList).join(MailingList, Subscription.list_id == MailingList.id)
        .where(Subscription.subscriber_id == person.id).order_by(MailingList.name)
    ).all()
    history = db.session.execute(
        select(AuditLog, MailingList.name).outerjoin(MailingList, AuditLog.list_id == MailingList.id)
        .where(AuditLog.subscriber_id == person.id).order_by(AuditLog.at.desc(), AuditLog.id.desc()).limit(200)
    ).all()
    messages = db.session.scalars(
        select(TransactionalMessage).where(TransactionalMessage.subscriber_id == person.id)
        .order_by(TransactionalMessage.id.desc()).limit(50)
    ).all()
    confirmed = {sub.list_id for sub, _ml in subscriptions if sub.status.value == "confirmed"}
    return render_template(
        "admin/subscriber.html", person=person, subscriptions=subscriptions, messages=messages,
        history=[(row, describe_history_line(row, name)) for row, name in history],
        status_labels=STATUS_LABELS, subscription_labels=SUBSCRIPTION_LABELS,
        records=bounces_for_subscriber(person.id), lists=open_lists(), confirmed=confirmed,
        suppressed=bool(person.email) and is_blocked(person.email or ""),
        domain_suppressed=bool(person.email) and is_domain_suppressed(person.email or ""),
        kept=kept_reminders(person), standing=standing_of(person),
    )

