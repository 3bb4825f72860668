"""``flask users create EMAIL --role admin|editor``: the password comes from stdin or a prompt."""
from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from app.cli import fail
from app.models import Role
from app.services.accounts import AccountError, save_user

cli = AppGroup("users", help="Comptes d'administration / admin accounts.")


def read_password() -> str:
    """Prompt on a terminal; read one line from standard input otherwise (scripts, CI)."""
    if sys.stdin.isatty():
        return click.prompt("Mot de passe / password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\r\n")


@cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.EDITOR.value, show_default=True)
@click.option("--name", default="")
def create(email: str, role: str, name: str) -> None:
    """Create an admin user (or reset the password and role of an existing one)."""
    try:
        user, created = save_user(email, read_password(), role=Role(role), name=name, replace=True)
    except AccountError as exc:
        fail(exc.fr)
    click.echo(f"{'Créé' if created else 'Mis à jour'} : {user.email} ({role})")
