"""``flask lists create SLUG --name NAME`` and ``flask lists list``."""
from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from app.extensions import db
from app.models import MailingList
from app.services.audience import create_list

cli = AppGroup("lists", help="Listes de diffusion / mailing lists.")


@cli.command("create")
@click.argument("slug")
@click.option("--name", required=True)
@click.option("--description", default="")
@click.option("--private", is_flag=True, help="Not offered on the public subscribe form.")
def create(slug: str, name: str, description: str, private: bool) -> None:
    """Create a list."""
    create_list(slug, name=name, description=description, public=not private)
    click.echo(f"Liste créée : {slug}")


@cli.command("list")
def list_() -> None:
    """Show every list."""
    for row in db.session.scalars(select(MailingList).order_by(MailingList.slug)):
        click.echo(f"{row.slug}\t{row.name}")
