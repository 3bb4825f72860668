"""The calendar is a rule: what may happen before, during and after a journée.

- **Check-in** opens on the journée's day (its date in Europe/Paris) and stays open after it,
  for catching up; never before, so nobody is marked present at a journée to come.
- **A journée's survey** goes out once the journée has ended; **the cycle's survey** once its
  last journée has ended.
- **Closing the cycle** (certificates, "le cycle est terminé") waits for the end of its last
  journée, unless the officer names that journée's date to close before it.

Each service (attendance, surveys, certificates) raises its own error with the French
sentence built here, so the admin, the CLI and the API say the same thing.
"""
from __future__ import annotations

from datetime import date, datetime, time

from app.models import Cycle, Journee
from app.services.events.reminders import french_date
from app.timeutil import format_when, local_to_utc, to_local


def moment_label(value: datetime) -> str:
    """``jeudi 7 avril 2016 à 17 h 00``: an instant as the officer reads it, in the organisation's zone and
    the page's language (French outside a page)."""
    return format_when(value, "weekday_moment")


def local_day(journee: Journee) -> date:
    """The journée's date, in the organisation's zone."""
    return to_local(journee.starts_at).date()


def last_journee(cycle: Cycle) -> Journee | None:
    """The journée that ends last (not always the highest number, if one was moved)."""
    return max(cycle.journees, key=lambda j: j.ends_at, default=None)


# --- check-in ----------------------------------------------------------------------------

def checkin_opens_at(journee: Journee) -> datetime:
    """Midnight (Paris) of the journée's day, as an aware UTC instant."""
    return local_to_utc(local_day(journee), time(0, 0))


def checkin_closed_reason(journee: Journee, now: datetime) -> str | None:
    """Why check-in is not open yet for ``journee`` at ``now`` (French), or None when it is."""
    if now >= checkin_opens_at(journee):
        return None
    return (f"La journée {journee.number} a lieu le {french_date(journee.starts_at)} : "
            "l'émargement ouvre ce jour-là, pas avant.")


# --- surveys -----------------------------------------------------------------------------

def survey_opens_at(cycle: Cycle, journee: Journee | None) -> datetime | None:
    """When a survey may go out: the journée's end, or the last journée's end for the cycle's survey."""
    target = journee if journee is not None else last_journee(cycle)
    return target.ends_at if target is not None else None


def survey_closed_reason(cycle: Cycle, journee: Journee | None, now: datetime) -> str | None:
    """Why the survey may not be sent yet (French), or None when it may."""
    opens = survey_opens_at(cycle, journee)
    if opens is None:
        return "Ce cycle n'a aucune journée : pas de questionnaire à envoyer."
    if now >= opens:
        return None
    what = f"de la journée {journee.number}" if journee is not None else "du cycle"
    after = "sa fin" if journee is not None else "la fin de sa dernière journée"
    return (f"Le questionnaire {what} part après {after}, le {format_when(opens, 'weekday_moment', 'fr')} : "
            "il n'a pas été envoyé. Revenez l'envoyer à ce moment-là.")


# --- closing the cycle -------------------------------------------------------------------

def close_refusal(cycle: Cycle, now: datetime, before_end: date | None) -> str | None:
    """Why the cycle may not be closed now (French), or None when it may.

    Before the end of its last journée it may only be closed when ``before_end`` names that
    journée's date (the officer's second confirmation, ``--before-end`` on the command line):
    if the journée moved since the officer read the date, the override no longer matches.
    """
    last = last_journee(cycle)
    if last is None:
        return "Ce cycle n'a aucune journée : il n'y a rien à clore."
    if now >= last.ends_at:
        return None
    if before_end is not None and before_end == local_day(last):
        return None
    text = (f"La dernière journée se termine le {format_when(last.ends_at, 'weekday_moment', 'fr')} : le cycle ne peut pas être clos "
            "avant (les attestations et le message « le cycle est terminé » partiraient trop tôt).")
    if before_end is not None:
        text += f" La date confirmée ({format_when(before_end, 'numeric_day', 'fr')}) n'est pas celle de la dernière journée."
    return text
