"""Test data for events: the seed's own cycle (10 mars, 7 avril, 26 mai, 23 juin 2016, 10:00–17:00 Paris)."""
from __future__ import annotations

from datetime import date, time

from app.extensions import db
from app.models import Cycle, Journee, RegistrationDay, RegistrationStatus
from app.timeutil import local_to_utc

SEED_DATES = [date(2016, 3, 10), date(2016, 4, 7), date(2016, 5, 26), date(2016, 6, 23)]
SEED_TITLES = [
    "Comment construire une démarche intégrée entre les équipes ?",
    "La structuration des relations avec les acteurs du droit commun",
    "L'organisation de la participation et de la co-construction avec les habitants",
    "Comment utiliser l'observation comme outil d'animation et de coordination ?",
]


def make_cycle(slug: str = "contrat-de-ville-2016", dates: list[date] | None = None, capacity: int | None = None,
               **fields) -> Cycle:
    """The seed cycle (not yet saved through the service: call save_cycle to get reminders)."""
    cycle = Cycle(
        slug=slug, kicker="Cycle de qualification",
        title="Comment faire vivre un contrat de ville : des principes à la mise en œuvre",
        period="Mars 2016 – Juin 2016", venue_name="CRPVE", venue_room="Salle de conférence",
        venue_address="Maison départementale de l'habitat\nBoulevard de l'Ecoute-S'il-Pleut\n91000 EVRY",
        contact_name="Laura KOSSI", contact_email="chmission1@crpve91.fr", contact_phone="01 64 97 27 75",
        capacity=capacity, **fields,
    )
    for number, (day, title) in enumerate(zip(dates or SEED_DATES, SEED_TITLES), start=1):
        cycle.journees.append(Journee(number=number, title=title, starts_at=local_to_utc(day, time(10)),
                                      ends_at=local_to_utc(day, time(17))))
    db.session.add(cycle)
    db.session.commit()
    return cycle


def future_dates(years_ahead: int = 1) -> list[date]:
    """The seed's days in a future year: for web pages, which read the real clock."""
    from app.models import utcnow

    year = utcnow().year + years_ahead
    return [d.replace(year=year) for d in SEED_DATES]


def day_status(registration, journee) -> RegistrationStatus | None:
    db.session.refresh(registration)
    for day in registration.days:
        if day.journee_id == journee.id:
            return day.status
    return None


def registration_days(journee, status: RegistrationStatus) -> list[RegistrationDay]:
    return [d for d in db.session.scalars(
        db.select(RegistrationDay).where(RegistrationDay.journee_id == journee.id, RegistrationDay.status == status))]
