"""The admin home: a short overview of the audience and the campaigns."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask import render_template
from sqlalchemy import func, select

from app.extensions import db
from app.models import Campaign, MailingList, Subscriber, SubscriberStatus
from app.web.admin import add_nav, bp

add_nav("admin.dashboard", _l("Tableau de bord"), 10)


@bp.route("/")
def dashboard():
    counts = {
        "subscribers": db.session.scalar(
            select(func.count()).select_from(Subscriber).where(Subscriber.status == SubscriberStatus.ACTIVE)
        ),
        "lists": db.session.scalar(select(func.count()).select_from(MailingList)),
        "campaigns": db.session.scalar(select(func.count()).select_from(Campaign)),
    }
    recent = db.session.scalars(select(Campaign).order_by(Campaign.updated_at.desc()).limit(10)).all()
    return render_template("admin/dashboard.html", counts=counts, recent=recent)
