"""``flask subscribers import FILE --list SLUG [--pending]``, ``export``, ``add EMAIL --list SLUG``,
``unsubscribe EMAIL [--list SLUG]``."""
from __future__ import annotations

import getpass
import os
import sys

import click
from flask.cli import AppGroup

from app.cli import fail
from app.models import MailingList
from app.services.audience import (
    ImportReport,
    InvalidAddress,
    add_person,
    UnknownList,
    export_csv,
    find_subscriber,
    import_csv,
    kept_reminders,
    lists_by_slug,
    memberships,
    normalise_email,
    set_lists,
    unsubscribe_all,
)

cli = AppGroup("subscribers", help="Abonnés : import et export CSV / subscribers: CSV import and export.")

SHOWN_REJECTIONS = 200


def cli_actor() -> str:
    """Who ran the import, for the consent source: the login name ($LOGNAME, $USER…), or "cli"."""
    try:
        return getpass.getuser() or "cli"
    except Exception:  # noqa: BLE001 - no passwd entry in a container
        return "cli"


def mailing_list(slug: str) -> MailingList:
    """The list this slug names, or a one-line error that says where to find the slugs."""
    try:
        return lists_by_slug([slug])[0]
    except UnknownList as exc:
        fail(f"{exc} (voir « flask lists list »)")


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
    target = mailing_list(slug)
    size = os.path.getsize(file)
    state: dict = {"bar": None, "done": 0}

    def progress(_report: ImportReport, bytes_read: int) -> None:
        # Opened at the first batch, so a file refused at its header prints one line only.
        if state["bar"] is None:
            bar = click.progressbar(length=size, label="Import", file=sys.stderr, show_pos=False)
            bar.__enter__()
            state["bar"] = bar
        state["bar"].update(bytes_read - state["done"])
        state["done"] = bytes_read

    try:
        with open(file, "rb") as stream:
            report = import_csv(stream, target, file_name=os.path.basename(file),
                                actor=cli_actor(), pending=pending, on_progress=progress)
    finally:  # a refused file (ImportFileError) is one line at the CLI's edge
        if state["bar"] is not None:
            state["bar"].__exit__(None, None, None)
    print_report(report)


@cli.command("export")
@click.option("--list", "slug", default=None, help="Les membres confirmés de cette liste (sinon tout le monde).")
@click.option("--out", "out", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Fichier de sortie (sinon la sortie standard).")
def export(slug: str | None, out: str | None) -> None:
    """Export subscribers as CSV for Excel (UTF-8 with BOM, `;`)."""
    members_of = mailing_list(slug) if slug else None
    try:
        target = open(out, "wb") if out else sys.stdout.buffer
    except OSError as exc:
        fail(f"Impossible d'écrire {out} : {exc.strerror}")
    try:
        for chunk in export_csv(members_of):
            target.write(chunk)
    finally:
        if out:
            target.close()
        else:
            target.flush()


@cli.command("add")
@click.argument("email")
@click.option("--list", "slugs", multiple=True, required=True, help="Identifiant de liste (répétable).")
@click.option("--first-name", default="")
@click.option("--last-name", default="")
@click.option("--organisation", default="")
@click.option("--commune", default="")
def add(email: str, slugs: tuple[str, ...], first_name: str, last_name: str, organisation: str, commune: str) -> None:
    """Add one person, confirmed on these lists (consent: "ajout par l'équipe" by $USER)."""
    lists = [mailing_list(slug) for slug in slugs]
    values = {"first_name": first_name, "last_name": last_name, "organisation": organisation, "commune": commune}
    person = add_person(email, values, lists, actor=cli_actor())
    click.echo(f"Ajouté·e : {person.email} ({', '.join(slugs)})")


@cli.command("unsubscribe")
@click.argument("email")
@click.option("--list", "slug", default=None, help="Seulement cette liste (sinon toutes, adresse exclue).")
def unsubscribe_cmd(email: str, slug: str | None) -> None:
    """Unsubscribe one person from a list, or from everything (reminders of registrations stay)."""
    try:
        person = find_subscriber(normalise_email(email))
    except InvalidAddress:
        person = None
    if person is None:
        fail(f"Personne inconnue : {email}")
    actor = cli_actor()
    if slug:
        leaving = mailing_list(slug)
        set_lists(person, {m.list_id for m in memberships(person)
                           if m.status.value == "confirmed" and m.list_id != leaving.id}, actor=actor)
        click.echo(f"Désabonné·e de {slug} : {person.email}")
        return
    unsubscribe_all(person, actor=actor)
    click.echo(f"Désabonné·e de toutes les listes : {person.email}")
    for kept in kept_reminders(person):
        click.echo(f"  reste inscrit·e à la journée {kept.number} de « {kept.cycle_title} » : son rappel sera envoyé")
