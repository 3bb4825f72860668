"""The admin home: next sends, sends in progress, recent activity, what needs attention."""
from __future__ import annotations

from flask import render_template
from flask_babel import lazy_gettext as _l

from app.operations.health import relays
from app.services.deliverability import bounce_domain_missing, sender_health
from app.services.campaigns import (
    active_subscribers,
    activity_totals,
    in_flight,
    needs_attention,
    recent_activity,
    upcoming,
)
from app.services.integrations import disabled_endpoints
from app.web.admin import add_nav, bp

add_nav("admin.dashboard", _l("Tableau de bord"), 10)

ACTION_LABELS = {
    "subscribe": _l("inscription confirmée"), "subscribe_pending": _l("inscription en attente de confirmation"),
    "unsubscribe": _l("désinscription"), "unsubscribe_all": _l("désinscription de tout"),
    "bounce_hard": _l("rebond définitif"), "bounce_soft": _l("rebond temporaire"), "event_register": _l("inscription à un cycle"),
    "complaint": _l("plainte"), "erase": _l("effacement RGPD"), "import": _l("import"),
    "bounce_undone": _l("rebond annulé (pas un rebond)"),
}


@bp.route("/")
def dashboard():
    return render_template(
        "admin/dashboard.html",
        upcoming=upcoming(),
        in_flight=in_flight(),
        attention=needs_attention(),
        activity=recent_activity(),
        totals=activity_totals(),
        subscribers=active_subscribers(),
        action_labels=ACTION_LABELS,
        sender_alerts=sender_health(),
        bounce_domain_missing=bounce_domain_missing(),
        disabled_webhooks=disabled_endpoints(),
        relays=relays(),  # (configured, answering): a relay down is shown here and in /metrics, not /readyz
    )
