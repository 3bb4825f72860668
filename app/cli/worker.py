"""``flask worker``: send queued deliveries (one or more processes)."""
from __future__ import annotations

import json
import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from app.sending.worker import SchemaError, WorkerOptions, run_process, run_processes
from app.services.campaigns import sending_policy


@click.command("worker")
@click.option("--processes", "-p", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Processus d'envoi / worker processes.")
@click.option("--until-idle", is_flag=True, help="S'arrêter quand il n'y a plus rien à envoyer / exit when idle.")
@click.option("--batch", default=500, show_default=True, type=click.IntRange(1, 5000))
@click.option("--lease", "lease_seconds", default=60.0, show_default=True, type=click.FloatRange(1),
              help="Secondes avant qu'une livraison détenue par un worker disparu revienne à la file "
                   "(un worker vivant renouvelle les siennes).")
@click.option("--max-attempts", default=6, show_default=True, type=click.IntRange(1, 50))
@click.option("--retry-base", "retry_base_seconds", default=60.0, show_default=True, type=click.FloatRange(0),
              help="Délai du premier nouvel essai après un 4xx (doublé ensuite).")
@click.option("--idle", "idle_seconds", default=1.0, show_default=True, type=click.FloatRange(0.01))
@click.option("--stats-json", is_flag=True, help="Print counts and per-stage seconds as JSON (bench/send.py).")
@with_appcontext
def cli(processes: int, until_idle: bool, stats_json: bool, **options) -> None:
    """Envoyer les campagnes en cours / run the sending worker(s)."""
    app = current_app._get_current_object()
    opts = WorkerOptions(**options)
    policy = sending_policy()  # bounces, audit, webhooks, check-in blocks: checked before anything is claimed
    if processes == 1:
        try:
            stats = run_process(app, opts, until_idle, policy)
        except SchemaError as exc:
            raise click.ClickException(
                f"Base de données non initialisée : lancez flask --app wsgi db upgrade / "
                f"database not initialised: run flask --app wsgi db upgrade ({exc})") from None
        if stats_json:
            data = {k: v for k, v in vars(stats).items() if k != "timings"}
            click.echo(json.dumps({**data, "timings": dict(stats.timings)}))
            return
        click.echo(f"envoyés {stats.sent} · échecs {stats.failed} · ignorés {stats.skipped} · reportés {stats.retried}")
        return
    sys.exit(run_processes(app, processes, opts, until_idle, policy))
