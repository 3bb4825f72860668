"""``flask campaigns …``: the group (list, create, test, duplicate); other modules attach send/render/etc. to it."""
from __future__ import annotations

import json

import click
from flask.cli import AppGroup
from sqlalchemy import select

from app.cli import fail
from app.cli.subscribers import cli_actor
from app.digits import is_digits
from app.extensions import db
from app.models import Campaign
from app.services.audience import describe_audience
from app.services.campaigns import (
    CampaignFields,
    CompositionError,
    TestSendError,
    create_campaign,
    duplicate_campaign,
    registrants_audience,
    send_test,
)
from app.services.events import find_cycle

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


def registrants_of(spec: str) -> dict:
    """``registered:CYCLE[:N]`` (a cycle's id or slug, and a journée's number) → the registrants criterion."""
    kind, _sep, rest = spec.partition(":")
    cycle_ref, _sep, number = rest.partition(":")
    if kind != "registered" or not cycle_ref or (number and not is_digits(number)):
        fail(f"Public invalide / invalid audience: {spec!r} (registered:CYCLE ou registered:CYCLE:N)")
    cycle = find_cycle(cycle_ref)
    if cycle is None:
        fail(f"Cycle introuvable / no such cycle: {cycle_ref}")
    try:
        return registrants_audience(cycle, int(number) if number else None)
    except CompositionError as exc:
        fail(exc.fr)


@cli.command("create")
@click.option("--subject", required=True, help="Objet du message / subject.")
@click.option("--markdown", "markdown", required=True, type=click.File("r", encoding="utf-8"),
              help="Le texte en Markdown (« # Titre » en tête : le titre de la lettre), ou - pour l'entrée standard.")
@click.option("--list", "lists", multiple=True, metavar="SLUG", help="Liste destinataire (répétable).")
@click.option("--audience", default=None, metavar="registered:CYCLE[:N]",
              help="Les inscrits d'un cycle (ou de sa journée N), sans liste.")
@click.option("--name", default="", help="Nom interne (défaut : l'objet).")
@click.option("--preheader", default=None, help="Texte d'aperçu, affiché après l'objet.")
@click.option("--from-name", default=None, help="Nom de l'expéditeur.")
@click.option("--reply-to", default=None, help="Adresse de réponse.")
def create(subject: str, markdown, lists: tuple[str, ...], audience: str | None, name: str, preheader: str | None,
           from_name: str | None, reply_to: str | None) -> None:
    """Créer une lettre en brouillon / create a draft newsletter (then: campaigns send)."""
    if bool(lists) == bool(audience):
        fail("Indiquez --list SLUG ou --audience registered:CYCLE[:N] (l'un ou l'autre) / give --list or --audience")
    try:
        text = markdown.read()
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"Fichier Markdown illisible / unreadable Markdown file: {exc}")
    fields = CampaignFields(name=name or None, subject=subject, preheader=preheader, from_name=from_name,
                            reply_to=reply_to, markdown=text, lists=list(lists) if lists else [],
                            audience=registrants_of(audience) if audience else None)
    try:
        campaign = create_campaign(fields)
    except CompositionError as exc:
        fail(exc.fr)
    who = ", ".join(m.slug for m in campaign.lists) or describe_audience((campaign.segment or {}).get("event"))
    click.echo(f"Brouillon créé : {campaign.slug} (id {campaign.id}) pour {who}. "
               f"Envoyer : flask --app wsgi campaigns send {campaign.slug}")


@cli.command("test")
@click.argument("campaign_ref", metavar="CAMPAIGN")
@click.argument("addresses", nargs=-1, required=True)
def test(campaign_ref: str, addresses: tuple[str, ...]) -> None:
    """Envoyer le vrai message, marqué [TEST], à quelques adresses (10 au plus) / test send."""
    campaign = find_campaign(campaign_ref)
    try:
        rows = send_test(campaign, list(addresses), actor=cli_actor())
    except TestSendError as exc:
        fail(exc.fr)
    for row in rows:
        click.echo(f"{row.to_address} : en file (message n° {row.id})")
    click.echo("Les workers l'envoient (flask --app wsgi worker) / the workers send it.")
