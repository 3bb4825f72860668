"""``/agenda``: upcoming cycles and journées with their registration links; ``/agenda.ics``: the feed.

The feed holds every journée of every published cycle (past ones included, so a
calendar that subscribed keeps its history), with the same UIDs and SEQUENCEs
as the .ics files sent to registrants: one event, whichever way it arrived.
"""
from __future__ import annotations

from typing import Any

from flask import Response, render_template
from sqlalchemy import select

from app.extensions import db
from app.models import Cycle, Journee, utcnow
from app.services.events import agenda_ics as agenda_feed, cycle_venue, journee_label
from app.web.public import bp


@bp.app_template_filter("journee_label")
def _journee_label(journee: Journee) -> str:
    return journee_label(journee)


@bp.app_template_filter("venue")
def _venue(cycle: Cycle) -> str:
    return cycle_venue(cycle)


@bp.route("/agenda")
def agenda():
    now = utcnow()
    cycles = db.session.scalars(select(Cycle).where(Cycle.published.is_(True))).all()
    items: list[dict[str, Any]] = []
    for cycle in cycles:
        upcoming = [j for j in cycle.journees if j.ends_at > now]
        if upcoming:
            items.append({"cycle": cycle, "journees": upcoming, "first": upcoming[0].starts_at})
    items.sort(key=lambda item: item["first"])
    return render_template("public/agenda.html", items=items)


@bp.route("/agenda.ics")
def agenda_ics():
    body = agenda_feed()
    return Response(body, mimetype="text/calendar", headers={
        "Content-Type": "text/calendar; charset=utf-8",
        "Content-Disposition": 'inline; filename="agenda.ics"',
        "Cache-Control": "public, max-age=300",
    })
