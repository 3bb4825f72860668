"""``flask privacy retention``, ``export`` and ``erase``: RGPD duties from the command line."""
from __future__ import annotations

import json

import click
from flask.cli import AppGroup

from app.cli import fail
from app.digits import is_digits
from app.extensions import db
from app.models import Subscriber
from app.services.audience import find_subscriber, normalise_email
from app.services.privacy import erase_flagged, erase_subscriber, export_subscriber, flag_inactive

cli = AppGroup("privacy", help="RGPD : conservation, export, effacement / retention, export, erasure.")


def _find(ref: str) -> Subscriber:
    subscriber = db.session.get(Subscriber, int(ref)) if is_digits(ref) else None
    if subscriber is None and not is_digits(ref):
        subscriber = find_subscriber(normalise_email(ref))
    if subscriber is None:
        fail(f"Contact introuvable : {ref}")
    return subscriber


@cli.command("retention")
@click.option("--years", default=3, show_default=True, type=click.IntRange(1, 50),
              help="Inactivity after which a contact is flagged for re-confirmation.")
@click.option("--dry-run", is_flag=True, help="Only count.")
@click.option("--erase-flagged-after", type=click.IntRange(1), default=None, metavar="DAYS",
              help="Also erase contacts flagged at least DAYS ago who never came back.")
def retention(years: int, dry_run: bool, erase_flagged_after: int | None) -> None:
    """Flag contacts with no activity for YEARS (attribute reconfirmation_requested_at)."""
    flagged = flag_inactive(years, dry_run=dry_run)
    verb = "à signaler" if dry_run else "signalés"
    click.echo(f"{len(flagged)} contact(s) {verb} pour reconfirmation (inactifs depuis {years} ans).")
    if erase_flagged_after and not dry_run:
        gone = erase_flagged(erase_flagged_after)
        click.echo(f"{len(gone)} contact(s) effacé(s) (signalés depuis {erase_flagged_after} jours ou plus).")


@cli.command("export")
@click.argument("ref")
def export(ref: str) -> None:
    """Print one subscriber's data as JSON (REF: id or address)."""
    click.echo(json.dumps(export_subscriber(_find(ref)), ensure_ascii=False, indent=2))


@cli.command("erase")
@click.argument("ref")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def erase(ref: str, yes: bool) -> None:
    """Erase one subscriber's personal data (the suppression hash and the audit trail stay)."""
    subscriber = _find(ref)
    if not yes:
        click.confirm(f"Effacer définitivement le contact {subscriber.id} ?", abort=True)
    erase_subscriber(subscriber, actor="cli")
    click.echo(f"Contact {subscriber.id} effacé.")
