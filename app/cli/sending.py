"""``flask campaigns send|pause|resume|cancel|retry-failed|progress``."""
from __future__ import annotations

import time

import click

from app.cli import fail
from app.cli.campaigns import cli as campaigns, find_campaign
from app.extensions import db
from app.services.campaigns import (
    CampaignProgress,
    CampaignStateError,
    GuardNotAcknowledged,
    campaign_progress,
    cancel_campaign,
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
    skipped = _guard(cancel_campaign, row)
    click.echo(f"Campagne {row.slug} annulée ; {skipped} envois abandonnés.")


@campaigns.command("retry-failed")
@click.argument("campaign")
def retry_failed(campaign: str) -> None:
    """Relancer les envois en échec / retry failed deliveries."""
    row = find_campaign(campaign)
    count = _guard(retry_failed_deliveries, row)
    click.echo(f"Campagne {row.slug} : {count} envois relancés.")


def _line(p: CampaignProgress) -> str:
    eta = f"{p.eta:.0f} s" if p.eta is not None else "—"
    text = (f"{p.status} · envoyés {p.sent}/{p.total} · échecs {p.failed} · ignorés {p.skipped} · "
            f"{p.rate:.1f} msg/s · reste {eta}")
    return text + (f"\n{p.status_reason}" if p.status_reason else "")


@campaigns.command("progress")
@click.argument("campaign")
@click.option("--follow", "-f", is_flag=True, help="Suivre avec une barre de progression jusqu'à la fin.")
@click.option("--interval", default=1.0, show_default=True, type=click.FloatRange(0.1))
def progress(campaign: str, follow: bool, interval: float) -> None:
    """Avancement / progress (sent, total, rate, ETA, errors)."""
    row = find_campaign(campaign)
    state = campaign_progress(row)
    if not follow:
        click.echo(_line(state))
        return
    with click.progressbar(length=max(state.total, 1), label=row.slug, show_pos=True,
                           item_show_func=lambda p: p and f"{p.rate:.0f} msg/s, {p.failed} échecs") as bar:
        done = 0
        while True:
            db.session.expire_all()
            state = campaign_progress(row)
            bar.length = max(state.total, 1)
            bar.update(state.done - done, state)
            done = state.done
            if state.status not in ("sending", "scheduled") or (state.queued + state.in_flight == 0 and state.total):
                break
            db.session.commit()
            time.sleep(interval)
    click.echo(_line(state))
