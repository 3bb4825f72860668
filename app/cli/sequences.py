"""``flask sequences load FILE.json``, ``status NAME [--json]``, ``list``, ``examples``, ``pause``/``resume``, ``tick``."""
from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import AppGroup

from app.cli import fail
from app.services.sequences import (
    all_sequences,
    example_files,
    load_sequence,
    sequence_by_name,
    sequence_summary,
    set_paused,
    tick,
)

cli = AppGroup("sequences", help="Séquences automatiques (bienvenue, relances, après le cycle) / automated sequences.")


@cli.command("load")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def load(path: Path) -> None:
    """Create or update a sequence from a JSON file (the API's shape; see docs/sequences.md)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        fail(f"{path} : JSON illisible ({exc}) / unreadable JSON")
    sequence, created = load_sequence(data)
    verb = "créée / created" if created else "mise à jour / updated"
    click.echo(f"Séquence « {sequence.name} » {verb} : {len(sequence.steps)} étape(s)")


@cli.command("status")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Les chiffres en JSON / counts as JSON.")
def status(name: str, as_json: bool) -> None:
    """Counts of a sequence: enrolled, waiting at each step, completed, exited and why."""
    summary = sequence_summary(sequence_by_name(name))
    counts = summary["counts"]
    if as_json:
        click.echo(json.dumps({"name": summary["name"], "paused": summary["paused"], **counts}, ensure_ascii=False))
        return
    click.echo(f"{summary['name']}{' (en pause)' if summary['paused'] else ''} — déclencheur : {summary['trigger']}")
    click.echo(f"  inscrit·es : {counts['enrolled']}, en cours : {counts['active']}, terminé : {counts['completed']}")
    for step in summary["steps"]:
        position = str(step["position"])
        click.echo(f"  étape {position} ({step['after']}) : en attente {counts['waiting'].get(position, 0)}, "
                   f"envoyée {counts['queued'].get(position, 0)}, sautée {counts['passed'].get(position, 0)}")
    for reason, count in sorted(counts["exited"].items()):
        click.echo(f"  sortie « {reason} » : {count}")


@cli.command("list")
def list_() -> None:
    """Every sequence with its trigger and counts."""
    for sequence in all_sequences():
        counts = sequence_summary(sequence)["counts"]
        click.echo(f"{sequence.name}\t{sequence.trigger_kind}\t{'pause' if sequence.paused else 'active'}\t"
                   f"{counts['enrolled']} inscrit·es\t{counts['completed']} terminé")


@cli.command("examples")
def examples() -> None:
    """The paths of the ready-made sequence files (load one with ``sequences load``)."""
    for path in example_files():
        click.echo(str(path))


@cli.command("pause")
@click.argument("name")
def pause(name: str) -> None:
    """Hold every enrolment where it stands until ``resume``."""
    set_paused(sequence_by_name(name), True)
    click.echo(f"Séquence « {name} » en pause / paused")


@cli.command("resume")
@click.argument("name")
def resume(name: str) -> None:
    """Let the sequence's enrolments move on again."""
    set_paused(sequence_by_name(name), False)
    click.echo(f"Séquence « {name} » reprise / resumed")


@cli.command("tick")
def tick_() -> None:
    """One pass of the engine now (the scheduler runs it every interval); prints what it did as JSON."""
    click.echo(json.dumps(tick().as_dict(), ensure_ascii=False))
