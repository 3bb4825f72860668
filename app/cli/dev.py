"""``flask dev``: web, worker and scheduler in one process, for ``make run``."""
from __future__ import annotations

import click

from app import background
from app.services.campaigns import dev_worker
from app.services.demo import DEMO_ADMIN, demo_password


@click.command("dev")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def cli(host: str, port: int) -> None:
    """Run the development server with the background services as threads."""

    app = background.real_app()
    background.register("worker", dev_worker)  # the send worker, given its policy (bounces, audit, webhooks…)
    background.start_all(app)
    transport = "SMTP " + app.config["SMTP_URL"].split("@")[-1] if app.config["SMTP_URL"] else "outbox (aucun e-mail ne part)"
    click.echo("")
    click.echo(f"  Lettrine : http://{host}:{port}/admin/")
    click.echo(f"  Connexion / login : {DEMO_ADMIN} / {demo_password()}")
    click.echo(f"  Services : web, {', '.join(background.names()) or '—'} · transport : {transport}")
    click.echo("")
    # No reloader: it would start the background services twice. (Flask's CLI
    # refuses app.run() inside a command, so call Werkzeug directly.)
    from werkzeug.serving import run_simple

    run_simple(host, port, app, use_reloader=False, use_debugger=False, threaded=True)
