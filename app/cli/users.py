"""``flask users create EMAIL --role admin|editor``: the password comes from stdin or a prompt."""
from __future__ import annotations

import sys

import click
from flask.cli import AppGroup
from sqlalchemy import select

from app.cli import fail
from app.extensions import db
from app.models import Role, User

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
    email = email.strip().lower()
    if "@" not in email:
        fail(f"Adresse invalide : {email}")
    password = read_password()
    if len(password) < 8:
        fail("Le mot de passe doit faire au moins 8 caractères / password must be at least 8 characters")
    user = db.session.scalar(select(User).where(User.email == email))
    created = user is None
    if user is None:
        user = User(email=email)
        db.session.add(user)
    user.name = name or user.name or ""
    user.role = Role(role)
    user.set_password(password)
    db.session.commit()
    click.echo(f"{'Créé' if created else 'Mis à jour'} : {email} ({role})")
