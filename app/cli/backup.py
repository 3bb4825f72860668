"""``flask backup create --out FILE`` and ``flask backup restore FILE``."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from app.cli import any_schema, fail
from app.services.support import BackupError, create_backup, describe_backup, restore_backup


@click.group("backup")
def cli() -> None:
    """Sauvegarde et restauration / backup and restore."""


@cli.command("create")
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Fichier à écrire (.tar.gz) / archive to write.",
)
@click.option(
    "--with-secrets", is_flag=True, help="Inclure SECRET_KEYS et la clé DKIM (gardez alors l'archive en lieu sûr)."
)
@with_appcontext
def create(out: Path, with_secrets: bool) -> None:
    """Sauvegarder la base, les fichiers et les réglages / back up the database, files and settings."""
    try:
        manifest = create_backup(current_app.config, current_app.instance_path, out, with_secrets=with_secrets)
    except (BackupError, OSError) as exc:
        fail(f"Sauvegarde impossible / backup failed: {exc}")
    click.echo(
        f"Sauvegarde écrite / backup written: {out} ({describe_backup(manifest)}, "
        f"{out.stat().st_size // 1024} Kio{', avec secrets' if with_secrets else ''})"
    )


@cli.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
@any_schema
def restore(archive: Path) -> None:
    """Restaurer dans une base vide / restore into an empty database (DATABASE_URL)."""
    try:
        report = restore_backup(
            archive,
            current_app.config["SQLALCHEMY_DATABASE_URI"],
            current_app.instance_path,
            fingerprint_key=current_app.config["FINGERPRINT_KEY"],
        )
    except (BackupError, OSError) as exc:
        fail(str(exc))
    click.echo(
        f"Restauré / restored: base {report.kind} (révision {report.revision}), {report.files} fichiers, "
        f"{report.requeued} envois en cours remis en file."
    )
    for path in report.secrets:
        click.echo(f"Secret restauré (à reporter dans /etc/lettrine) / secret restored: {path}")
    click.echo("Ensuite / next: flask --app wsgi db upgrade, puis démarrer les services.")
