"""``flask webhooks create URL --events subscriber.unsubscribed[,…] [--secret S]``, ``webhooks list``,
``webhooks renew-secret ID``, ``webhooks reencrypt-secrets`` (after a change of SECRET_KEYS),
``webhooks deliver`` (post what is due once, as the workers do)."""
from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from app.cli import fail
from app.extensions import db
from app.models import WebhookEndpoint
from app.services.integrations import (
    SIGNAL_EVENTS,
    create_endpoint,
    deliver_due_webhooks,
    reencrypt_webhook_secrets,
    renew_webhook_secret,
)

cli = AppGroup("webhooks", help="Webhooks sortants / outgoing webhooks.")


@cli.command("create")
@click.argument("url")
@click.option("--events", required=True, help="Événements séparés par des virgules, ou « all » : " + ", ".join(SIGNAL_EVENTS))
@click.option("--secret", default="",
              help="Secret whsec_… d'au moins 32 octets repris d'un autre système (sinon un secret est créé et "
                   "affiché une fois).")
@click.option("--description", default="")
def create(url: str, events: str, secret: str, description: str) -> None:
    """Register an endpoint; prints its id and, when generated, its secret (this once)."""
    endpoint, chosen = create_endpoint(url, events, secret, description)
    click.echo(f"Webhook n° {endpoint.id} : {endpoint.url} ({', '.join(endpoint.events)})")
    if not secret:
        click.echo(f"Secret (affiché cette fois seulement) : {chosen}")


@cli.command("renew-secret")
@click.argument("endpoint_id", type=int)
def renew_secret(endpoint_id: int) -> None:
    """Give an endpoint a new generated secret (the old one stops signing at once); prints it once."""
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None:
        fail(f"webhook n° {endpoint_id} introuvable")
    click.echo(f"Nouveau secret du webhook n° {endpoint_id} (affiché cette fois seulement) : "
               f"{renew_webhook_secret(endpoint)}")


@cli.command("reencrypt-secrets")
def reencrypt_secrets() -> None:
    """Re-encrypt every secret with the newest key of SECRET_KEYS (before dropping an old key)."""
    count = reencrypt_webhook_secrets()
    click.echo(f"{count} secret(s) rechiffré(s) avec la clé la plus récente")


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
    count = deliver_due_webhooks(limit)
    click.echo(f"{count} envoi(s) tenté(s)")
