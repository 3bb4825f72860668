"""``flask events checkin|attendance|certificates|survey|survey-results|close|signatory``: after the journée.

The calendar's rules (check-in from the journée's day, surveys after it, closing after the
last one) are the services'; a refusal is one French line and a non-zero exit.

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
from app.services.audience import InvalidAddress
from app.services.events import (
    AttendanceError,
    CycleNotOver,
    HALF_LABELS,
    NotRegisteredForJournee,
    RegistrationError,
    attendance_summary,
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
    last_journee,
    local_day,
    moment_label,
    parse_half,
    record_walk_in,
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
@click.option("--walk-in", "walk_in", is_flag=True,
              help="Venu·e sur place sans être inscrit·e à cette journée : enregistré·e comme tel·le.")
def checkin(cycle_ref: str, number: int, email: str, half: str | None, walk_in: bool) -> None:
    """Mark EMAIL present at journée NUMBER of CYCLE (both half-days unless --half).

    Refused before the journée's day, and for someone not registered for that journée unless
    --walk-in (then recorded "sur place"; someone new to the cycle is added to it, without a seat).
    """
    cycle = _cycle(cycle_ref)
    journee = _journee(cycle, number)
    halves = parse_half(half)
    registration = None if walk_in else find_registration(cycle, email)
    if registration is None and not walk_in:
        fail(f"{email} n'est pas inscrit·e au cycle {cycle.slug} (--walk-in pour l'enregistrer venu·e sur place)")
    try:
        for h in halves:
            result = (record_walk_in(cycle, journee, h, email, actor="cli") if registration is None
                      else check_in(registration, journee, h, actor="cli"))
            state = "déjà présent·e" if result.already else "présent·e"
            where = " (sur place)" if result.attendance.walk_in else ""
            click.echo(f"{state}{where} : {journee_label(journee)}, {HALF_LABELS[h]}")
    except NotRegisteredForJournee as exc:
        fail(f"{exc} (--walk-in)")
    except (AttendanceError, InvalidAddress, RegistrationError) as exc:
        fail(str(exc))


@events.command("attendance")
@click.argument("cycle_ref", metavar="CYCLE")
@click.option("--json", "as_json", is_flag=True,
              help="Par personne : journées et demi-journées présentes (am/pm), minutes et heures comptées.")
def attendance(cycle_ref: str, as_json: bool) -> None:
    """Who was present at which half-day of CYCLE, and the hours counted (walk-ins marked "sur place")."""
    cycle = _cycle(cycle_ref)
    summary = attendance_summary(cycle)
    if as_json:
        click.echo(json.dumps(summary, ensure_ascii=False, indent=2))
        return
    for counts in summary["journees"]:
        click.echo(f"Journée {counts['number']}\tinscrit·es {counts['registered']}\tprésent·es {counts['present']}"
                   f" dont {counts['walk_in']} sur place")
    for person in summary["people"]:
        days = ", ".join(f"J{j['number']} {'+'.join(j['present']) or '-'}{' (sur place)' if j['walk_in'] else ''}"
                         for j in person["journees"])
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
@click.option("--before-end", "before_end", is_flag=True,
              help="Clore quand même avant la fin de la dernière journée (la date refusée sans cette option).")
def close(cycle_ref: str, no_email: bool, before_end: bool) -> None:
    """Close CYCLE: surveys stop accepting changes; each participant gets their certificate link.

    Refused before the last journée has ended (the refusal gives its date), unless --before-end.
    """
    cycle = _cycle(cycle_ref)
    last = last_journee(cycle)
    override = local_day(last) if before_end and last is not None else None
    try:
        report = close_cycle(cycle, actor="cli", notify=not no_email, before_end=override)
    except CycleNotOver as exc:
        fail(f"{exc} Pour le clore quand même : --before-end")
    if report.already:
        fail(f"Le cycle {cycle.slug} est déjà clos")
    early = f" avant la fin de sa dernière journée ({moment_label(report.early_until)})" if report.early_until else ""
    click.echo(f"cycle clos{early} ; attestations envoyées : {report.sent}"
               + (f", échecs : {report.failed}" if report.failed else ""))


@events.command("signatory")
@click.option("--name", required=True, help="Nom de la personne qui signe les attestations.")
@click.option("--title", "title_", default="", help="Sa fonction, ex. « Directrice ».")
@click.option("--place", default="", help="Lieu de signature (défaut : la ville du lieu du cycle).")
@click.option("--image", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Image de signature (PNG ou JPEG, 500 ko au plus).")
@click.option("--stamp", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Tampon du centre (PNG ou JPEG, 500 ko au plus).")
def signatory(name: str, title_: str, place: str, image: Path | None, stamp: Path | None) -> None:
    """Set who signs the certificates of attendance (and the scanned signature and stamp printed on them)."""
    save_settings(name, title_, place, image.read_bytes() if image else None,
                  stamp=stamp.read_bytes() if stamp else None)
    click.echo(f"signataire : {name}" + (f", {title_}" if title_ else ""))
