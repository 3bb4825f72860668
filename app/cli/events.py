"""``flask events …``: list cycles, register someone by hand, move a journée, resync reminders."""
from __future__ import annotations

import json

import click
from flask.cli import AppGroup
from sqlalchemy import select

from app.cli import fail
from app.extensions import db
from app.models import Cycle, Journee
from app.services.audience import InvalidAddress
from app.services.events import (
    CycleError,
    RegistrationError,
    cycle_summary,
    find_cycle,
    journee_label,
    move_journee,
    parse_journee_numbers,
    publish_cycle,
    register,
    save_cycle,
)
from app.services.campaigns import duplicate_cycle, parse_dates
from app.timeutil import format_local, parse_local

cli = AppGroup("events", help="Cycles, journées et inscriptions / cycles, days and registrations.")


def _cycle(ref: str) -> Cycle:
    cycle = find_cycle(ref)
    if cycle is None:
        fail(f"Cycle introuvable / no such cycle: {ref}")
    return cycle


@cli.command("list")
@click.option("--json", "as_json", is_flag=True,
              help="A JSON array: id, slug, title, journées (number, start, end as ISO times).")
def list_(as_json: bool) -> None:
    """List cycles and their journées."""
    cycles = db.session.scalars(select(Cycle).order_by(Cycle.id)).all()
    if as_json:
        click.echo(json.dumps([cycle_summary(c) for c in cycles], ensure_ascii=False, indent=2))
        return
    for cycle in cycles:
        click.echo(f"{cycle.id}\t{cycle.slug}\t{cycle.title}")
        for journee in cycle.journees:
            click.echo(f"\t{journee_label(journee)}")


@cli.command("register")
@click.argument("cycle_ref", metavar="CYCLE")
@click.argument("email")
@click.option("--journees", default=None, help="Numéros des journées, ex. 1,3 (défaut : toutes celles à venir).")
@click.option("--name", default="", help="Prénom Nom.")
@click.option("--organisation", default="")
@click.option("--function", "function_", default="")
@click.option("--no-email", is_flag=True, help="Ne pas envoyer la confirmation / don't send the confirmation.")
def register_(cycle_ref: str, email: str, journees: str | None, name: str, organisation: str,
              function_: str, no_email: bool) -> None:
    """Register EMAIL for journées of CYCLE (id or slug), by hand (source "admin")."""
    cycle = _cycle(cycle_ref)
    try:
        chosen = parse_journee_numbers(cycle, journees)
        first, _, last = name.strip().partition(" ")
        outcome = register(cycle, email, first_name=first, last_name=last, organisation=organisation,
                           function=function_, journees=chosen, source="admin", actor="cli",
                           allow_past=chosen is not None, notify=not no_email)
    except (InvalidAddress, RegistrationError, CycleError) as exc:
        fail(f"Inscription impossible : {exc}")
    for journee in outcome.confirmed:
        click.echo(f"inscrit·e : {journee_label(journee)}")
    for journee in outcome.waiting:
        click.echo(f"liste d'attente : {journee_label(journee)}")
    for journee in outcome.unchanged:
        click.echo(f"déjà inscrit·e : {journee_label(journee)}")


@cli.command("move")
@click.argument("cycle_ref", metavar="CYCLE")
@click.argument("number", type=int)
@click.option("--start", required=True, help='Début, heure de Paris : "AAAA-MM-JJ HH:MM".')
@click.option("--end", required=True, help='Fin, heure de Paris : "AAAA-MM-JJ HH:MM".')
def move(cycle_ref: str, number: int, start: str, end: str) -> None:
    """Move journée NUMBER of CYCLE: reminders follow, registrants get the updated .ics."""
    cycle = _cycle(cycle_ref)
    journee = db.session.scalar(select(Journee).where(Journee.cycle_id == cycle.id, Journee.number == number))
    if journee is None:
        fail(f"Journée {number} introuvable dans {cycle.slug}")
    try:
        report = move_journee(journee, parse_local(start), parse_local(end))
    except (ValueError, CycleError) as exc:
        fail(str(exc))
    click.echo(f"{journee_label(journee)} — {report.notified} personne(s) prévenue(s)")


@cli.command("sync-reminders")
@click.argument("cycle_ref", metavar="CYCLE")
def sync(cycle_ref: str) -> None:
    """Recompute CYCLE's reminder campaigns from its journées and rules."""
    cycle = _cycle(cycle_ref)
    report = save_cycle(cycle)
    click.echo(f"créés {len(report.created)}, mis à jour {len(report.updated)}, annulés {len(report.cancelled)}, "
               f"passés (non créés) {report.skipped_past}")
    from app.models import Campaign, CampaignTemplate

    for c in db.session.scalars(select(Campaign).where(Campaign.cycle_id == cycle.id,
                                                       Campaign.template == CampaignTemplate.REMINDER)
                                .order_by(Campaign.scheduled_at)):
        click.echo(f"{c.slug}\t{c.status.value}\t{format_local(c.scheduled_at)}")


@cli.command("duplicate")
@click.argument("cycle_ref")
@click.option("--dates", required=True, help='Une date par journée, dans l\'ordre : "2027-02-04,2027-03-04,…".')
def duplicate(cycle_ref: str, dates: str) -> None:
    """Copy a cycle onto new dates (same hours and texts); its reminders are scheduled."""
    copy = duplicate_cycle(_cycle(cycle_ref), parse_dates(dates))
    click.echo(f"Cycle copié en brouillon (non publié) : {copy.slug} (id {copy.id}), {copy.period}")
    for journee in copy.journees:
        click.echo(f"\t{journee_label(journee)}")


@cli.command("publish")
@click.argument("cycle_ref")
@click.option("--unpublish", is_flag=True, help="Retirer de l'agenda et fermer les inscriptions.")
def publish(cycle_ref: str, unpublish: bool) -> None:
    """Publish a cycle (agenda entry, registration form open); a duplicated cycle starts unpublished."""
    cycle = _cycle(cycle_ref)
    try:
        publish_cycle(cycle, published=not unpublish)
    except CycleError as exc:
        fail(str(exc))
    click.echo(f"{cycle.slug} : {'non publié' if unpublish else 'publié'}")
