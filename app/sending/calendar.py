"""iCalendar (RFC 5545) for journées: one VEVENT per journée, stable UID, SEQUENCE on change.

Times are written in UTC (``DTSTART:…Z``), which every calendar converts to the
reader's zone; no VTIMEZONE needed. METHOD:PUBLISH as email-standards.md asks.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timezone
from typing import Iterable
from urllib.parse import urlencode

from flask import current_app
from icalendar import Calendar, Event, vCalAddress, vText

from app.message.venue import venue_line
from app.models import Journee, utcnow
from app.sending.sender import sender_domain


def _calendar(name: str, method: str = "PUBLISH") -> Calendar:
    cal = Calendar()
    cal.add("prodid", "-//Lettrine//CRPVE//FR")
    cal.add("version", "2.0")
    cal.add("method", method)
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    return cal


def _domain() -> str:
    return sender_domain()


def _summary(journee: Journee) -> str:
    return f"{journee.cycle.title} — Journée {journee.number}" + (f" : {journee.title}" if journee.title else "")


def _location(journee: Journee) -> str:
    cycle = journee.cycle
    return venue_line(cycle.venue_name, cycle.venue_room, cycle.venue_address)


def _description(journee: Journee) -> str:
    cycle = journee.cycle
    description = [journee.title, f"Contact : {cycle.contact_name} {cycle.contact_email} {cycle.contact_phone}".strip()]
    return "\n".join(d for d in description if d)


def journee_event(journee: Journee) -> Event:
    cycle = journee.cycle
    event = Event()
    event.add("uid", f"journee-{journee.uid}@{_domain()}")
    event.add("sequence", journee.sequence)
    event.add("dtstamp", utcnow())
    event.add("dtstart", journee.starts_at)
    event.add("dtend", journee.ends_at)
    event.add("summary", _summary(journee))
    location = _location(journee)
    if location:
        event.add("location", location)
    event.add("description", _description(journee))
    if cycle.contact_email:
        organizer = vCalAddress(f"mailto:{cycle.contact_email}")
        organizer.params["cn"] = vText(cycle.contact_name or current_app.config["ORGANISATION"].name)
        event.add("organizer", organizer)
    event.add("status", "CONFIRMED")
    return event


def journees_ics(journees: Iterable[Journee], name: str = "") -> bytes:
    """A calendar holding these journées (one file per journée: pass a single one)."""
    journees = list(journees)
    cal = _calendar(name or (journees[0].cycle.title if journees else "Agenda"))
    for journee in journees:
        cal.add_component(journee_event(journee))
    return cal.to_ical()


def journee_ics(journee: Journee) -> bytes:
    return journees_ics([journee])


def journee_cancel_ics(journee: Journee) -> bytes:
    """METHOD:CANCEL for one person who cancelled: the same UID, a higher SEQUENCE, STATUS:CANCELLED.

    Calendar apps then remove the journée they imported from the confirmation.
    """
    cal = _calendar(journee.cycle.title, method="CANCEL")
    event = journee_event(journee)
    event.pop("sequence")
    event.add("sequence", journee.sequence + 1)
    event.pop("status")
    event.add("status", "CANCELLED")
    cal.add_component(event)
    return cal.to_ical()


@dataclass(frozen=True)
class CalendarLinks:
    """"Ajouter à Google Agenda / Outlook" for people whose calendar does not open an .ics by itself."""

    google: str
    outlook: str


def calendar_links(journee: Journee) -> CalendarLinks:
    """The two web calendars' documented "new event" URLs, times in UTC (each shows them in the
    reader's zone). Plain links: nothing is sent to Google or Microsoft unless the person clicks,
    and then only what the .ics holds too (never the personal manage link: it is a credential)."""
    start = journee.starts_at.astimezone(timezone.utc)
    end = (journee.ends_at or journee.starts_at).astimezone(timezone.utc)
    summary, location, details = _summary(journee), _location(journee), _description(journee)
    google = "https://calendar.google.com/calendar/render?" + urlencode({
        "action": "TEMPLATE", "text": summary,
        "dates": f"{start:%Y%m%dT%H%M%SZ}/{end:%Y%m%dT%H%M%SZ}", "details": details, "location": location,
    })
    outlook = "https://outlook.live.com/calendar/0/deeplink/compose?" + urlencode({
        "path": "/calendar/action/compose", "rru": "addevent", "subject": summary,
        "startdt": f"{start:%Y-%m-%dT%H:%M:%SZ}", "enddt": f"{end:%Y-%m-%dT%H:%M:%SZ}",
        "body": details, "location": location,
    })
    return CalendarLinks(google, outlook)
