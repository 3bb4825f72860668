"""``flask subscribers import FILE --list SLUG [--pending]`` and ``subscribers export``."""
from __future__ import annotations

import getpass
import os
import sys

import click
from flask.cli import AppGroup

from app.cli import fail
from app.services.audience import find_list
from app.services.exporter import export_csv
from app.services.importer import ImportFileError, ImportReport, import_csv

cli = AppGroup("subscribers", help="Abonnés : import et export CSV / subscribers: CSV import and export.")

SHOWN_REJECTIONS = 200


def cli_actor() -> str:
    """Who ran the import, for the consent source: $USER, or "cli"."""
    try:
        return os.environ.get("USER") or getpass.getuser() or "cli"
    except Exception:  # noqa: BLE001 - no passwd entry in a container
        return "cli"


def print_report(report: ImportReport) -> None:
    click.echo(f"Import de {report.file_name} dans la liste {report.list_slug}"
               f" ({report.encoding}, séparateur {report.delimiter!r})")
    if report.columns:
        click.echo("Colonnes : " + ", ".join(f"{k} ← « {v} »" for k, v in report.columns.items()))
    for line in report.summary_lines():
        click.echo("  " + line)
    if report.pending:
        click.echo(f"  messages de confirmation en file : {report.confirmations_queued} (envoyés par « flask worker »)")
    if report.rejections:
        click.echo("Lignes rejetées ou ignorées :")
        for r in report.rejections[:SHOWN_REJECTIONS]:
            click.echo(f"  ligne {r.line} : {r.email or '—'} : {r.reason}")
        hidden = report.rejections_total - min(len(report.rejections), SHOWN_REJECTIONS)
        if hidden > 0:
            click.echo(f"  … et {hidden} autres")


@cli.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--list", "slug", required=True, help="Identifiant de la liste / list slug.")
@click.option("--pending", is_flag=True, help="Double opt-in : envoyer un message de confirmation.")
def import_(file: str, slug: str, pending: bool) -> None:
    """Import subscribers from a CSV file (Excel: ; , or tab, UTF-8 or Windows-1252)."""
    if not os.path.isfile(file):
        fail(f"Fichier introuvable : {file}")
    mailing_list = find_list(slug)
    if mailing_list is None:
        fail(f"Liste inconnue : {slug} (voir « flask lists list »)")
    size = os.path.getsize(file)
    state: dict = {"bar": None, "done": 0}

    def progress(_report: ImportReport, bytes_read: int) -> None:
        # Opened at the first batch, so a file refused at its header prints one line only.
        if state["bar"] is None:
            state["bar"] = click.progressbar(length=size, label="Import", file=sys.stderr, show_pos=False)
            state["bar"].__enter__()
        state["bar"].update(bytes_read - state["done"])
        state["done"] = bytes_read

    try:
        with open(file, "rb") as stream:
            report = import_csv(stream, mailing_list, file_name=os.path.basename(file),
                                actor=cli_actor(), pending=pending, on_progress=progress)
    except ImportFileError as exc:
        fail(str(exc))
    finally:
        if state["bar"] is not None:
            state["bar"].__exit__(None, None, None)
    print_report(report)


@cli.command("export")
@click.option("--list", "slug", default=None, help="Les membres confirmés de cette liste (sinon tout le monde).")
@click.option("--out", "out", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Fichier de sortie (sinon la sortie standard).")
def export(slug: str | None, out: str | None) -> None:
    """Export subscribers as CSV for Excel (UTF-8 with BOM, `;`)."""
    mailing_list = None
    if slug:
        mailing_list = find_list(slug)
        if mailing_list is None:
            fail(f"Liste inconnue : {slug}")
    try:
        target = open(out, "wb") if out else sys.stdout.buffer
    except OSError as exc:
        fail(f"Impossible d'écrire {out} : {exc.strerror}")
    try:
        for chunk in export_csv(mailing_list):
            target.write(chunk)
    finally:
        if out:
            target.close()
        else:
            target.flush()
