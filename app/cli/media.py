"""``flask media push``: copy the images under instance/media/ into the configured S3 bucket."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from app.services.support import push_to_bucket

cli = AppGroup("media", help="Médiathèque / media library.")


@cli.command("push")
def push() -> None:
    """Copy instance/media/ into MEDIA_S3_BUCKET (after turning the bucket on); idempotent."""
    report = push_to_bucket()
    click.echo(f"{report.copied} fichier(s) copié(s), {report.already} déjà dans le compartiment "
               f"/ {report.copied} copied, {report.already} already there.")
    for name in report.missing:
        click.echo(f"absent de instance/media/ / missing: {name}", err=True)
    if report.missing:
        raise SystemExit(1)
