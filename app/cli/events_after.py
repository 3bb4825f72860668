"""``flask events checkin|attendance|certificates|survey|survey-results|close|signatory``: after the journée.

Attached to the ``events`` group (app/cli/events.py) so the commands sit with the
other event commands without growing that module.
"""
from __future__ import annotations

import json
from pathlib import Path

import click

from app.cli import fail
from app.cli.events import _cycle
from app.cli.events import cli as events
from app.models import Cycle, Journee
from app.services.events import (
    HALF_LABELS,
    attendance_report,
    attendance_sheet_csv,
    attendance_sheet_pdf,
    certificate_filenames,
    certificate_pdf,
    certified,
    check_in,
    close_cycle,
    cycle_results,
    find_registration,
    hours_label,
    journee_label,
    parse_half,
    save_settings,
    send_survey,
)


def _journee(cycle: Cycle, number: int) -> Journee:
    journee = next((j for j in cycle.journees if j.number == number), None)
    if journee is None:
        fail(f"Journée {number} introuvable dans {cycle.slug} (journées : "
             f"{', '.join(str(j.number) for j in cycle.journees)})")
    return journee


@events.command("checkin")
@click.argument("cycle_ref", metavar="CYCLE")
@click.argument("number", type=int)
@click.argument("email")
@click.option("--half", type=click.Choice(["am", "pm"]), default=None,
              help="am = matin, pm = après-midi ; sans --half : la journée entière (les deux demi-journées).")
def checkin(cycle_ref: str, number: int, email: str, half: str | None) -> None:
    """Mark EMAIL present at journée NUMBER of CYCLE (both half-days unless --half)."""
    cycle = _cycle(cycle_ref)
    journee = _journee(cycle, number)
    registration = find_registration(cycle, email)
    if registration is None:
        fail(f"{email} n'est pas inscrit·e au cycle {cycle.slug}")
    for h in parse_half(half):
        result = check_in(registration, journee, h, actor="cli")
        state = "déjà présent·e" if result.already else "présent·e"
        click.echo(f"{state} : {journee_label(journee)}, {HALF_LABELS[h]}")


@events.command("attendance")
@click.argument("cycle_ref", metavar="CYCLE")
@click.option("--json", "as_json", is_flag=True,
              help="Par personne : journées et demi-journées présentes (am/pm), minutes et heures comptées.")
def attendance(cycle_ref: str, as_json: bool) -> None:
    """Who was present at which half-day of CYCLE, and the hours counted."""
    cycle = _cycle(cycle_ref)
    report = attendance_report(cycle)
    if as_json:
        click.echo(json.dumps({"cycle": cycle.slug, "people": report}, ensure_ascii=False, indent=2))
        return
    for person in report:
        days = ", ".join(f"J{j['number']} {'+'.join(j['present']) or '-'}" for j in person["journees"])
        click.echo(f"{person['name']}\t{person['email']}\t{days}\t{hours_label(person['total_minutes'])}")


@events.command("certificates")
@click.argument("cycle_ref", metavar="CYCLE")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Dossier où écrire un PDF par personne présente au moins une demi-journée.")
def certificates_(cycle_ref: str, out_dir: Path) -> None:
    """Write the certificates of attendance of CYCLE (one PDF per person, named after them)."""
    cycle = _cycle(cycle_ref)
    out_dir.mkdir(parents=True, exist_ok=True)
    people = certified(cycle)
    names = certificate_filenames(people)
    for registration in people:
        path = out_dir / names[registration.id]
        path.write_bytes(certificate_pdf(registration))
        click.echo(str(path))
    if not people:
        click.echo("Aucune présence enregistrée : aucune attestation.")


@events.command("attendance-sheet")
@click.argument("cycle_ref", metavar="CYCLE")
@click.option("--journee", "number", type=int, default=None, help="Une seule journée (défaut : toutes).")
@click.option("--out", "out_file", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Fichier .pdf ou .csv (le format suit l'extension).")
def attendance_sheet(cycle_ref: str, number: int | None, out_file: Path) -> None:
    """Write the attendance sheet (one table per half-day) as PDF or CSV."""
    cycle = _cycle(cycle_ref)
    if number is not None:
        _journee(cycle, number)
    if out_file.suffix.lower() == ".csv":
        out_file.write_bytes(attendance_sheet_csv(cycle, number))
    elif out_file.suffix.lower() == ".pdf":
        out_file.write_bytes(attendance_sheet_pdf(cycle, number))
    else:
        fail("--out doit finir par .pdf ou .csv")
    click.echo(str(out_file))


@events.command("survey")
@click.argument("cycle_ref", metavar="CYCLE")
@click.argument("number", required=False, type=int)
def survey(cycle_ref: str, number: int | None) -> None:
    """Email the satisfaction survey of journée NUMBER (or of the whole cycle) to those present."""
    cycle = _cycle(cycle_ref)
    journee = _journee(cycle, number) if number is not None else None
    report = send_survey(cycle, journee)
    click.echo(f"questionnaire en file pour {report.sent} personne(s) présente(s)"
               + (f", {report.failed} échec(s)" if report.failed else ""))


@events.command("survey-results")
@click.argument("cycle_ref", metavar="CYCLE")
@click.option("--json", "as_json", is_flag=True, help="Par journée et pour le cycle : taux de réponse, moyennes, "
              "distribution des notes 1–5, commentaires.")
def survey_results(cycle_ref: str, as_json: bool) -> None:
    """Satisfaction survey results of CYCLE."""
    cycle = _cycle(cycle_ref)
    results = cycle_results(cycle)
    if as_json:
        click.echo(json.dumps(results, ensure_ascii=False, indent=2))
        return
    for item in results["surveys"]:
        averages = ", ".join(f"{q}={v:.2f}" for q, v in item["averages"].items() if v is not None)
        click.echo(f"{item['label']}\t{item['answers']}/{item['invited']}\t{averages}")


@events.command("close")
@click.argument("cycle_ref", metavar="CYCLE")
@click.option("--no-email", is_flag=True, help="Clore sans envoyer les attestations.")
def close(cycle_ref: str, no_email: bool) -> None:
    """Close CYCLE: surveys stop accepting changes; each participant gets their certificate link."""
    cycle = _cycle(cycle_ref)
    report = close_cycle(cycle, actor="cli", notify=not no_email)
    if report.already:
        fail(f"Le cycle {cycle.slug} est déjà clos")
    click.echo(f"cycle clos ; attestations envoyées : {report.sent}" + (f", échecs : {report.failed}" if report.failed else ""))


@events.command("signatory")
@click.option("--name", required=True, help="Nom de la personne qui signe les attestations.")
@click.option("--title", "title_", default="", help="Sa fonction, ex. « Directrice ».")
@click.option("--place", default="", help="Lieu de signature (défaut : la ville du lieu du cycle).")
@click.option("--image", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Image de signature (PNG ou JPEG, 500 ko au plus).")
def signatory(name: str, title_: str, place: str, image: Path | None) -> None:
    """Set who signs the certificates of attendance."""
    save_settings(name, title_, place, image.read_bytes() if image else None)
    click.echo(f"signataire : {name}" + (f", {title_}" if title_ else ""))
