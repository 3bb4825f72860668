"""``flask lists create SLUG --name NAME`` and ``flask lists list``."""
from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from app.cli import fail
from app.extensions import db
from app.models import MailingList
from app.web.admin.lists import SLUG_RE

cli = AppGroup("lists", help="Listes de diffusion / mailing lists.")


@cli.command("create")
@click.argument("slug")
@click.option("--name", required=True)
@click.option("--description", default="")
@click.option("--private", is_flag=True, help="Not offered on the public subscribe form.")
def create(slug: str, name: str, description: str, private: bool) -> None:
    """Create a list."""
    if not SLUG_RE.match(slug):
        fail(f"Identifiant invalide : {slug!r} (lettres minuscules, chiffres, tirets)")
    if db.session.scalar(select(MailingList).where(MailingList.slug == slug)):
        fail(f"La liste {slug} existe déjà / list {slug} already exists")
    db.session.add(MailingList(slug=slug, name=name, description=description, public=not private))
    db.session.commit()
    click.echo(f"Liste créée : {slug}")


@cli.command("list")
def list_() -> None:
    """Show every list."""
    for row in db.session.scalars(select(MailingList).order_by(MailingList.slug)):
        click.echo(f"{row.slug}\t{row.name}")
