"""``flask campaigns send|pause|resume|cancel|retry-failed|progress``."""
from __future__ import annotations

import json

import click

from app.cli import fail
from app.cli.campaigns import cli as campaigns, find_campaign
from app.services.campaigns import (
    CampaignFigures,
    CampaignStateError,
    GuardNotAcknowledged,
    campaign_figures,
    cancel_campaign,
    follow_progress,
    pause_campaign,
    resume_campaign,
    retry_failed as retry_failed_deliveries,
    schedule_campaign,
    start_campaign,
)
from app.timeutil import format_local, parse_local


def _guard(action, *args):
    try:
        return action(*args)
    except (CampaignStateError, ValueError) as exc:
        fail(str(exc))


@campaigns.command("send")
@click.argument("campaign")
@click.option("--at", "at", default=None, metavar='"AAAA-MM-JJ HH:MM"',
              help="Programmer à cette heure (Europe/Paris) au lieu d'envoyer maintenant.")
def send(campaign: str, at: str | None) -> None:
    """Envoyer maintenant, ou programmer / send now, or schedule."""
    row = find_campaign(campaign)
    if at:
        try:
            when = parse_local(at)
        except ValueError as exc:
            fail(str(exc))
        _guard(schedule_campaign, row, when)
        click.echo(f"Campagne {row.slug} programmée pour le {format_local(row.scheduled_at)}.")
        return
    queued = start_campaign(row)
    if queued is None:
        fail(f"La campagne {row.slug} n'est ni en brouillon ni programmée (statut : {row.status.value}).")
    click.echo(f"Campagne {row.slug} en cours d'envoi : {queued} destinataires en file.")


@campaigns.command("pause")
@click.argument("campaign")
def pause(campaign: str) -> None:
    """Mettre en pause / pause."""
    row = find_campaign(campaign)
    _guard(pause_campaign, row, "mise en pause manuelle")
    click.echo(f"Campagne {row.slug} en pause.")


@campaigns.command("resume")
@click.argument("campaign")
@click.option("--acknowledge", is_flag=True,
              help="Après une pause automatique : j'ai pris connaissance de la raison / after a guard's pause.")
def resume(campaign: str, acknowledge: bool) -> None:
    """Reprendre / resume."""
    row = find_campaign(campaign)
    try:
        resume_campaign(row, acknowledged=acknowledge, by="cli")
    except GuardNotAcknowledged as exc:
        fail(f"{exc} (relancez avec --acknowledge)")
    except (CampaignStateError, ValueError) as exc:
        fail(str(exc))
    click.echo(f"Campagne {row.slug} : {row.status.value}.")


@campaigns.command("cancel")
@click.argument("campaign")
def cancel(campaign: str) -> None:
    """Annuler / cancel (les envois restants sont abandonnés)."""
    row = find_campaign(campaign)
    abandoned = _guard(cancel_campaign, row)
    click.echo(f"Campagne {row.slug} annulée ; {abandoned} envois abandonnés.")
    held = campaign_figures(row).in_flight
    if held:
        click.echo(f"{held} envois encore entre les mains d'un worker : envoyés ou abandonnés dans un instant.")


@campaigns.command("retry-failed")
@click.argument("campaign")
def retry_failed(campaign: str) -> None:
    """Relancer les envois en échec / retry failed deliveries."""
    row = find_campaign(campaign)
    count = _guard(retry_failed_deliveries, row)
    click.echo(f"Campagne {row.slug} : {count} envois relancés.")


def _line(f: CampaignFigures) -> str:
    """One line of figures; the pace (msg/s, what is left) only while sending."""
    text = (f"{f.status} · envoyés {f.sent}/{f.audience} · refusés {f.refused} · ignorés {f.skipped}"
            + (f" · abandonnés {f.abandoned}" if f.abandoned or f.status == "cancelled" else "")
            + (f" · {f.percent} %" if f.percent is not None else ""))
    if f.rate is not None:
        text += f" · {f.rate:.1f} msg/s · reste {f'{f.eta:.0f} s' if f.eta is not None else '—'}"
    return text + (f"\n{f.status_reason}" if f.status_reason else "")


@campaigns.command("progress")
@click.argument("campaign")
@click.option("--json", "as_json", is_flag=True,
              help="Les chiffres en JSON, clé pour clé ceux de GET /api/v1/campaigns/<id>/progress.")
@click.option("--follow", "-f", is_flag=True, help="Suivre avec une barre de progression jusqu'à la fin.")
@click.option("--interval", default=1.0, show_default=True, type=click.FloatRange(0.1))
def progress(campaign: str, as_json: bool, follow: bool, interval: float) -> None:
    """Chiffres et avancement / figures and progress (sent, refused, skipped, rate and ETA while sending)."""
    row = find_campaign(campaign)
    state = campaign_figures(row)
    if as_json:
        click.echo(json.dumps(state.as_dict(), ensure_ascii=False, indent=2))
        return
    if not follow:
        click.echo(_line(state))
        return
    with click.progressbar(length=max(state.audience, 1), label=row.slug, show_pos=True,
                           item_show_func=lambda f: f and f"{f.rate or 0:.0f} msg/s, {f.refused} refusés") as bar:
        done = 0
        for state in follow_progress(row, interval):
            bar.length = max(state.audience, 1)
            bar.update(state.done - done, state)
            done = state.done
    click.echo(_line(state))
