"""``flask demo load``: the CRPVE demo, idempotent (safe to run at every ``make run``)."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from app.services.demo import load_demo

cli = AppGroup("demo", help="Données de démonstration CRPVE / CRPVE demo data.")


@cli.command("load")
def load() -> None:
    """Load (or refresh) the CRPVE demo and print the admin login."""
    email, password = load_demo()
    click.echo(f"Démo CRPVE chargée. Admin : {email} / {password}")
