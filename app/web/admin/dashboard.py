"""The admin home: next sends, sends in progress, recent activity, what needs attention."""
from __future__ import annotations

from flask import render_template
from flask_babel import lazy_gettext as _l

from app.services.deliverability import bounce_reports
from app.services.campaigns import dashboard as board
from app.services.integrations.webhooks import disabled_endpoints
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
        upcoming=board.upcoming(),
        in_flight=board.in_flight(),
        attention=board.needs_attention(),
        activity=board.recent_activity(),
        totals=board.activity_totals(),
        subscribers=board.active_subscribers(),
        action_labels=ACTION_LABELS,
        sender_alerts=bounce_reports.sender_health(),
        bounce_domain_missing=bounce_reports.bounce_domain_missing(),
        disabled_webhooks=disabled_endpoints(),
    )
