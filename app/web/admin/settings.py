"""Settings (admin only): what the service is configured with. Secrets stay in the
environment and are never shown — only whether they are set."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, render_template
from flask_babel import lazy_gettext as _l

from app.models import utcnow
from app.services.deliverability import DnsUnavailable, check_domain
from app.services.integrations import all_tokens
from app.services.events import certificate_settings
from app.web.admin import add_nav, admin_required, bp

add_nav("admin.settings", _l("Paramètres"), 85, admin_only=True)


def smtp_servers(smtp_url: str) -> list[dict[str, str]]:
    """SMTP servers without their credentials: host, port, scheme, and the limits in the query."""
    servers = []
    for raw in filter(None, (part.strip() for part in smtp_url.split(","))):
        parts = urlsplit(raw)
        servers.append({
            "scheme": parts.scheme,
            "host": parts.hostname or "",
            "port": str(parts.port or ""),
            "auth": "oui" if parts.username else "non",
            "limits": parts.query.replace("&", ", "),
        })
    return servers


@bp.route("/settings")
@admin_required
def settings():
    config = current_app.config
    dkim = {
        "enabled": bool(config.get("DKIM_DOMAIN")),
        "domain": config["DKIM_DOMAIN"],
        "selector": config["DKIM_SELECTOR"],
    }
    return render_template(
        "admin/settings.html",
        org=config["ORGANISATION"],
        servers=smtp_servers(config["SMTP_URL"]),
        dkim=dkim,
        base_url=config["BASE_URL"],
        mail_from=config["MAIL_FROM"],
        reply_to=config["REPLY_TO"],
        timezone=config["TIMEZONE"],
        keys=len(config["SECRET_KEYS"]),
        grace=config.get("SCHEDULE_GRACE_HOURS"),
        database=config["SQLALCHEMY_DATABASE_URI"].split(":", 1)[0],
        api_tokens=sum(token.usable(utcnow()) for token in all_tokens()),
        signatory=certificate_settings(),
    )


@bp.route("/settings/dns")
@admin_required
def settings_dns():
    """The sending domain's MX, SPF, DKIM and DMARC as published now, each with a verdict in French."""
    try:
        findings, unavailable = check_domain(current_app.config), ""
    except DnsUnavailable as exc:
        findings, unavailable = [], str(exc)
    return render_template("admin/settings_dns.html", findings=findings, unavailable=unavailable,
                           nameservers=", ".join(current_app.config.get("DNS_NAMESERVERS") or ()))
