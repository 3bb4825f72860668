"""``flask campaigns …``: the group; other modules attach send/render/etc. to it."""
from __future__ import annotations

import json

import click
from flask.cli import AppGroup
from sqlalchemy import select

from app.cli import fail
from app.digits import is_digits
from app.extensions import db
from app.models import Campaign
from app.services.campaigns import duplicate_campaign

cli = AppGroup("campaigns", help="Campagnes / campaigns.")


def find_campaign(ref: str) -> Campaign:
    """A campaign by id or slug, or a one-line error."""
    campaign = None
    if is_digits(ref):
        campaign = db.session.get(Campaign, int(ref))
    if campaign is None:
        campaign = db.session.scalar(select(Campaign).where(Campaign.slug == ref))
    if campaign is None:
        fail(f"Campagne introuvable / no such campaign: {ref}")
    return campaign


@cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="A JSON array (id, slug, name, subject, status…).")
def list_(as_json: bool) -> None:
    """List campaigns."""
    rows = db.session.scalars(select(Campaign).order_by(Campaign.id)).all()
    if as_json:
        click.echo(json.dumps([
            {
                "id": c.id, "slug": c.slug, "name": c.name, "subject": c.subject,
                "status": c.status.value, "template": c.template.value,
                "scheduled_at": c.scheduled_at.isoformat() if c.scheduled_at else None,
                "lists": [l.slug for l in c.lists],
            }
            for c in rows
        ], ensure_ascii=False, indent=2))
        return
    for c in rows:
        click.echo(f"{c.id}\t{c.slug}\t{c.status.value}\t{c.subject}")


@cli.command("duplicate")
@click.argument("campaign_ref")
def duplicate(campaign_ref: str) -> None:
    """Copy a campaign as a new draft (content, audience, sender; no date)."""
    copy = duplicate_campaign(find_campaign(campaign_ref))
    click.echo(f"Copie créée : {copy.slug} (id {copy.id}, brouillon)")
