"""``flask campaigns render CAMPAIGN --to EMAIL --out FILE.eml``: the exact bytes SMTP would get.

The campaigns service builds them as the sending worker does (the same builder, the same DKIM
signing: ``wire_message``) for the subscriber who holds the address.
"""
from __future__ import annotations

import click

from app.cli import fail
from app.cli.campaigns import cli as campaigns, find_campaign
from app.services.audience import InvalidAddress
from app.services.campaigns import RenderFailed, UnknownSubscriber, wire_message


@campaigns.command("render")
@click.argument("campaign")
@click.option("--to", "to", required=True, help="Adresse de l'abonné / subscriber's address.")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, writable=True),
              help="Fichier .eml à écrire / .eml file to write.")
def render_command(campaign: str, to: str, out: str) -> None:
    """Écrire le message exact d'un abonné / write one subscriber's exact message (.eml)."""
    found = find_campaign(campaign)
    try:
        message = wire_message(found, to)
    except InvalidAddress as exc:
        fail(f"Adresse invalide / invalid address: {to} ({exc})")
    except UnknownSubscriber as exc:
        fail(f"Abonné introuvable / no such subscriber: {exc}")
    except RenderFailed as exc:
        fail(f"Rendu impossible / cannot render: {exc}")
    with open(out, "wb") as fh:
        fh.write(message.data)
    click.echo(f"{out} : {message.size} octets, {message.message_id}")
