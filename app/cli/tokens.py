"""``flask tokens create NAME --scopes S1,S2 [--expires 2027-06-30|30d]``, ``tokens list``, ``tokens revoke ID``.

A token made here belongs to the operator (no account): it lives until it expires or is revoked."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from app.cli import fail
from app.services.integrations import TOKEN_REVOKE_REASONS, SCOPES, all_tokens, create_token, parse_token_expiry, revoke_token

cli = AppGroup("tokens", help="Jetons de l'API / API tokens.")


@cli.command("create")
@click.argument("name")
@click.option("--scopes", required=True,
              help="Portées séparées par des virgules, ou « all » / comma-separated scopes: " + ", ".join(SCOPES))
@click.option("--expires", default="", help="Dernier jour de validité (AAAA-MM-JJ) ou nombre de jours (30d) / "
                                            "last valid day, or a number of days.")
def create(name: str, scopes: str, expires: str) -> None:
    """Create a token and print it once (it is stored hashed: copy it now)."""
    created = create_token(name, scopes, expires_at=parse_token_expiry(expires), created_by="cli")
    click.echo(created.plaintext)
    click.echo(f"Jeton n° {created.token.id} « {created.token.name} » : {', '.join(created.token.scopes)}"
               " — il ne sera plus affiché / it will not be shown again.", err=True)


@cli.command("list")
def list_() -> None:
    """List tokens (never their value): id, start, name, who made it (an admin's address, or "cli"),
    state (active, expiry, or revoked and why), last use, scopes."""
    for row in all_tokens():
        reason = TOKEN_REVOKE_REASONS.get(row.revoked_reason, "")
        state = (f"révoqué ({reason})" if reason else "révoqué") if row.revoked_at else (
            f"expire {row.expires_at:%Y-%m-%d %H:%M}" if row.expires_at else "actif")
        used = f"{row.last_used_at:%Y-%m-%d %H:%M}" if row.last_used_at else "jamais"
        owner = row.created_by or "—"
        click.echo(f"{row.id}\t{row.prefix}…\t{row.name}\t{owner}\t{state}\tutilisé : {used}\t{','.join(row.scopes)}")


@cli.command("revoke")
@click.argument("token_id", type=int)
def revoke_(token_id: int) -> None:
    """Revoke a token for good."""
    row = revoke_token(token_id)
    if row is None:
        fail(f"jeton inconnu : {token_id}")
    click.echo(f"Jeton n° {row.id} « {row.name} » révoqué.")
