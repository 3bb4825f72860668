"""Deliverability: bounce and complaint reports turned into standing, what the officer reads of
them, and the sending domain's DNS records.

This module is the domain's public surface: the web, the CLI, the scheduler and the other
domains import from here, never from a module inside the package (``make lint`` checks it).
"""

from app.services.deliverability.bounce_reports import (
    REASONS as BOUNCE_REASONS,
    bounce_domain_missing,
    for_subscriber as bounces_for_subscriber,
    counts_by_reason,
    recent as recent_bounces,
    sender_health,
)
from app.services.deliverability.bounces import (
    HARD as HARD_BOUNCE,
    NotUndoable,
    apply_report,
    register_bounce,
    undo as undo_bounce,
)
from app.services.deliverability.guards import (
    WorkerGuard,
    acknowledge as acknowledge_guard,
    figures as guard_figures,
    pending_trip as pending_guard_trip,
    seen as guard_seen,
)
from app.services.deliverability.dns_check import DnsUnavailable, Finding as DnsFinding, check_domain
from app.services.deliverability.dns_records import DMARC_POLICIES, records as records_to_publish
from app.services.deliverability.bounce_intake import (
    MAX_EVENTS as MAX_RELAY_EVENTS,
    MAX_MESSAGE_BYTES as MAX_BOUNCE_BYTES,
    BadEvent as BadRelayEvent,
    UnreadableMessage,
    apply_bounce_message,
    apply_relay_events,
)

__all__ = [
    "BOUNCE_REASONS", "BadRelayEvent", "MAX_BOUNCE_BYTES", "MAX_RELAY_EVENTS", "UnreadableMessage", "apply_bounce_message",
    "apply_relay_events",
    "DMARC_POLICIES", "HARD_BOUNCE", "NotUndoable", "apply_report", "bounce_domain_missing",
    "bounces_for_subscriber", "counts_by_reason", "records_to_publish", "recent_bounces", "register_bounce",
    "sender_health", "undo_bounce", "DnsFinding", "DnsUnavailable", "check_domain", "WorkerGuard", "acknowledge_guard", "guard_figures", "guard_seen", "pending_guard_trip",
]
