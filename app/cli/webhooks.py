"""``flask webhooks create URL --events subscriber.unsubscribed[,…] [--secret S]``, ``webhooks list``,
``webhooks deliver`` (post what is due once, as the workers do)."""
from __future__ import annotations

import os
import socket

import click
from flask.cli import AppGroup
from sqlalchemy import select

from app.extensions import db
from app.models import WebhookEndpoint
from app.sending.webhooks import deliver_due
from app.services.integrations import SIGNAL_EVENTS, create_endpoint

cli = AppGroup("webhooks", help="Webhooks sortants / outgoing webhooks.")


@cli.command("create")
@click.argument("url")
@click.option("--events", required=True, help="Événements séparés par des virgules, ou « all » : " + ", ".join(SIGNAL_EVENTS))
@click.option("--secret", default="", help="Secret partagé (sinon un secret whsec_… est créé et affiché).")
@click.option("--description", default="")
def create(url: str, events: str, secret: str, description: str) -> None:
    """Register an endpoint; prints its id and secret."""
    endpoint = create_endpoint(url, events, secret, description)
    click.echo(f"Webhook n° {endpoint.id} : {endpoint.url} ({', '.join(endpoint.events)})")
    if not secret:
        click.echo(f"Secret : {endpoint.secret}")


@cli.command("list")
def list_() -> None:
    """List endpoints (state, events)."""
    for e in db.session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id)):
        state = "actif" if e.enabled else f"désactivé ({e.disabled_reason or 'par un administrateur'})"
        click.echo(f"{e.id}\t{e.url}\t{state}\t{','.join(e.events)}")


@cli.command("deliver")
@click.option("--limit", default=50, show_default=True)
def deliver(limit: int) -> None:
    """Post the due deliveries once (the workers do this continuously)."""
    count = deliver_due(f"cli:{socket.gethostname()}:{os.getpid()}", limit)
    click.echo(f"{count} envoi(s) tenté(s)")
