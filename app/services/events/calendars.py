"""The journées in people's calendars: the public agenda feed and the "add to my calendar" links.

The same events (UID, SEQUENCE) as the .ics files the registration messages carry
(``app.sending.calendar``), so a journée is one event in a calendar whichever way it came.
"""
from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.message.venue import venue_line
from app.models import Cycle, Journee
from app.sending.calendar import CalendarLinks, calendar_links, journees_ics


def agenda_ics() -> bytes:
    """Every journée of every published cycle (past ones too: a subscribed calendar keeps its history)."""
    journees = db.session.scalars(
        select(Journee).join(Cycle).where(Cycle.published.is_(True)).order_by(Journee.starts_at)).all()
    return journees_ics(journees, name=f"Agenda {current_app.config['ORGANISATION'].name}")


def add_to_calendar_links(journee: Journee) -> CalendarLinks:
    """"Ajouter à Google Agenda / Outlook" for a journée (plain links: nothing leaves unless she clicks)."""
    return calendar_links(journee)


def cycle_venue(cycle: Cycle) -> str:
    """The venue on one line, as the .ics files and the messages' calendar links write it (app.message.venue)."""
    return venue_line(cycle.venue_name, cycle.venue_room, cycle.venue_address)
