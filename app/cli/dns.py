"""``flask dns records``: the SPF, DKIM and DMARC TXT records to publish; ``flask dns check``: what is published."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from app.cli import any_schema, fail
from app.services.deliverability import DMARC_POLICIES, DnsUnavailable, check_domain, records_to_publish


@click.group("dns")
def cli() -> None:
    """Enregistrements DNS d'envoi / sending DNS records."""


@cli.command("records")
@click.option("--ip", "ips", multiple=True, help="Adresse IP autorisée à envoyer (SPF ip4/ip6), répétable.")
@click.option("--include", "includes", multiple=True, help="Domaine SPF d'un relais (include:), répétable.")
@click.option("--dmarc-policy", type=click.Choice(DMARC_POLICIES), default="none", show_default=True)
@click.option("--dmarc-report", default="", help="Adresse des rapports DMARC (par défaut dmarc@<domaine>).")
@click.option("--strict-spf", is_flag=True, help="Terminer le SPF par -all au lieu de ~all.")
@with_appcontext
@any_schema  # reads the settings and the key only: works before the database exists
def records_command(
    ips: tuple[str, ...], includes: tuple[str, ...], dmarc_policy: str, dmarc_report: str, strict_spf: bool
) -> None:
    """Afficher les enregistrements TXT (SPF, DKIM, DMARC) / print the TXT records, zone-file style."""
    try:
        found = records_to_publish(
            current_app.config,
            ips=list(ips),
            includes=list(includes),
            policy=dmarc_policy,
            report_to=dmarc_report,
            strict_spf=strict_spf,
        )
    except (ValueError, OSError) as exc:  # a DKIMError (an unreadable key) is a ValueError
        fail(f"Enregistrements DNS impossibles / cannot build the DNS records: {exc}")
    if not current_app.config.get("DKIM_DOMAIN"):
        click.echo(
            "; DKIM non configuré (DKIM_DOMAIN, DKIM_SELECTOR, DKIM_PRIVATE_KEY_FILE) : "
            "pas d'enregistrement DKIM / DKIM not configured: no DKIM record"
        )
    for record in found:
        click.echo(f"; {record.why}")
        click.echo(record.zone_line())


@cli.command("check")
@with_appcontext
@any_schema  # reads the settings, the key and the DNS only
def check_command() -> None:
    """Vérifier MX, SPF, DKIM et DMARC publiés / check the published records (one line each).

    Asks DNS_NAMESERVERS (or the system's resolvers). Exits 1 when a record is missing or wrong.
    """
    try:
        findings = check_domain(current_app.config)
    except DnsUnavailable as exc:
        fail(f"Vérification DNS impossible / DNS check failed: {exc}")
    for finding in findings:
        click.echo(finding.line())
    if any(f.level == "error" for f in findings):
        raise SystemExit(1)
