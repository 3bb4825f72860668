"""``flask campaigns render CAMPAIGN --to EMAIL --out FILE.eml``: the exact bytes SMTP would get.

Uses the same builder and the same DKIM signing as the sending worker
(``builder_for(campaign).build``, then ``wire_bytes``), for
a subscriber found by address (or, for an address not in the database, a sample
recipient so a draft can be checked before anyone is subscribed).
"""
from __future__ import annotations

import click
from flask import current_app
from sqlalchemy import select

from app.cli import fail
from app.cli.campaigns import cli as campaigns, find_campaign
from app.extensions import db
from app.message.builder import HeaderInjection, Recipient
from app.message.dkim import signer_from_config
from app.sending.compose import builder_for, wire_bytes
from app.message.render import RenderError
from app.models import Subscriber
from app.services.audience import InvalidAddress, normalise_email


def recipient_for(address: str) -> Recipient:
    try:
        email = normalise_email(address)
    except InvalidAddress as exc:
        fail(f"Adresse invalide / invalid address: {address} ({exc})")
    sub = db.session.scalar(select(Subscriber).where(Subscriber.email == email))
    if sub is None:
        fail(f"Abonné introuvable / no such subscriber: {email}")
    return Recipient(subscriber_id=sub.id, uid=sub.uid, email=sub.email, first_name=sub.first_name or "",
                     last_name=sub.last_name or "", attributes=sub.attributes or {})


@campaigns.command("render")
@click.argument("campaign")
@click.option("--to", "to", required=True, help="Adresse de l'abonné / subscriber's address.")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, writable=True),
              help="Fichier .eml à écrire / .eml file to write.")
def render_command(campaign: str, to: str, out: str) -> None:
    """Écrire le message exact d'un abonné / write one subscriber's exact message (.eml)."""
    found = find_campaign(campaign)
    recipient = recipient_for(to)
    try:
        outgoing = builder_for(found).build(recipient)
    except (RenderError, HeaderInjection) as exc:
        fail(f"Rendu impossible / cannot render: {exc}")
    with open(out, "wb") as fh:
        fh.write(wire_bytes(outgoing, signer_from_config(current_app.config)))
    click.echo(f"{out} : {len(outgoing.raw)} octets, {outgoing.message_id}")
