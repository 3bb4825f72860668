"""``flask scheduler``: the production clock (one active, others wait); ``--once`` for one pass."""
from __future__ import annotations

import json
import signal
import threading

import click

from app import background
from app.cli import NOT_INITIALISED, fail
from app.scheduling import run_once, run_scheduler
from app.services.audience import wait_for_import


@click.command("scheduler")
@click.option("--once", is_flag=True,
              help="Une seule passe à l'heure actuelle, puis quitter / one dispatch pass, then exit.")
@click.option("--interval", type=float, default=None,
              help="Secondes entre deux passes (SCHEDULER_INTERVAL_SECONDS, 30 par défaut) / seconds between passes.")
def cli(once: bool, interval: float | None) -> None:
    """Dispatch scheduled campaigns and reminders when they fall due.

    Without --once: waits for the scheduler lock (one active scheduler at a time),
    catches up at start-up, then runs a pass every --interval seconds until
    SIGTERM/SIGINT. With --once: no lock (dispatch is a compare-and-set, so it is
    safe beside a running scheduler); prints what it did as JSON.
    """
    app = background.real_app()
    if once:
        report = run_once(app)
        for job_id in report.imports_resumed:  # resumed imports run in threads: finish them before exiting
            wait_for_import(job_id)
        click.echo(json.dumps({"started": report.started, "missed": report.missed,
                               "already_taken": report.already_taken, "held": report.held,
                               "imports_resumed": report.imports_resumed, "sequences": report.sequences}))
        return
    stop = threading.Event()

    def _stop(_signum, _frame) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    click.echo("Planificateur en attente du verrou… / scheduler waiting for the lock…")
    if not run_scheduler(app, stop, interval=interval,
                         on_active=lambda: click.echo("Planificateur actif / scheduler active", err=False)):
        fail(NOT_INITIALISED)
