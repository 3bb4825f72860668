"""``flask suppressions add|remove|list``: the suppression list (addresses and @domains)."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from app.cli import fail
from app.cli.subscribers import cli_actor
from app.services.audience import (
    SUPPRESSION_REASON_LABELS,
    add_suppression,
    remove_suppression,
    suppression_entries,
)

cli = AppGroup("suppressions", help="Liste d'exclusion : adresses et domaines / suppression list.")


@cli.command("add")
@click.argument("values", nargs=-1, required=True)
@click.option("--reason", default="", help="Motif, gardé avec l'entrée.")
def add(values: tuple[str, ...], reason: str) -> None:
    """Suppress addresses or domains (write a domain as @example.org)."""
    for value in values:
        kind = add_suppression(value, reason, actor=cli_actor())
        click.echo(f"Exclu{'' if kind == 'address' else ' (domaine)'} : {value}")


@cli.command("remove")
@click.argument("values", nargs=-1, required=True)
def remove(values: tuple[str, ...]) -> None:
    """Lift the suppression of addresses or domains."""
    for value in values:
        done = remove_suppression(value, actor=cli_actor())
        click.echo(f"{'Retiré' if done else 'Absent de la liste'} : {value}")


@cli.command("list")
@click.option("--reason", default="", help="unsubscribed, bounced, complained, erased, manual ou domain.")
@click.option("--limit", default=1000, show_default=True)
def list_(reason: str, limit: int) -> None:
    """Show the entries, newest first (address when a subscriber still carries it)."""
    if reason and reason not in {r.value for r in SUPPRESSION_REASON_LABELS} | {"domain"}:
        fail(f"Motif inconnu : {reason}")
    for entry in suppression_entries(reason=reason, limit=limit):
        click.echo(f"{entry.at:%Y-%m-%d}\t{entry.shown}\t{entry.reason}\t{entry.note}")
