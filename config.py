"""Configuration read from the environment (and an optional ``.env`` file).

Every setting has one name, one parser and one place where it is checked, so a
missing or malformed value fails at start-up with a message that names it,
rather than at 3 a.m. in the middle of a send.
"""
from __future__ import annotations

import ipaddress
import os
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("LETTRINE_INSTANCE_DIR", BASE_DIR / "instance"))


class ConfigError(RuntimeError):
    """A setting is missing or malformed; the message names it."""


def normalise_database_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` as meaning psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _dev_secret() -> str:
    """A random development key kept under instance/, so links survive restarts."""
    path = INSTANCE_DIR / "dev-secret-key"
    if path.exists():
        return path.read_text().strip()
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


@dataclass
class Organisation:
    """Who sends: shown in every footer, as French law and good practice require."""

    name: str = "CRPVE"
    long_name: str = "Centre de Ressources Politique de la Ville en Essonne"
    legal_note: str = "Association Loi 1901"
    address: str = "1 bd de l'Ecoute-S'il-Pleut, 91000 EVRY"
    phone: str = "01 64 97 00 32"
    website: str = "https://www.crpve91.fr"
    logo_url: str = ""


@dataclass(frozen=True)
class MediaS3:
    """An S3-compatible bucket (AWS, MinIO, Scaleway, OVH, Garage…) holding the media library."""

    bucket: str
    endpoint_url: str = ""  # empty: AWS's own endpoint for the region
    region: str = "us-east-1"
    access_key_id: str = field(default="", repr=False)
    secret_access_key: str = field(default="", repr=False)
    prefix: str = ""  # e.g. "lettrine/media/": keys are prefix + file name
    ca_file: str = ""  # PEM of a private authority; empty: the system's (TLS is always verified)


LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1"}


def _media_s3(env: dict, problems: list[str]) -> MediaS3 | None:
    """``MEDIA_S3_*``: a bucket turns S3 storage on; the rest is checked so a typo fails at start-up."""
    bucket = env.get("MEDIA_S3_BUCKET", "").strip()
    names = ("MEDIA_S3_ENDPOINT_URL", "MEDIA_S3_REGION", "MEDIA_S3_ACCESS_KEY_ID", "MEDIA_S3_SECRET_ACCESS_KEY",
             "MEDIA_S3_PREFIX", "MEDIA_S3_CA_FILE")  # MEDIA_S3_ALLOW_HTTP=0 alone is harmless
    if not bucket:
        stray = [name for name in names if env.get(name, "").strip()]
        if stray:
            problems.append(f"{', '.join(stray)} set without MEDIA_S3_BUCKET")
        return None
    endpoint = env.get("MEDIA_S3_ENDPOINT_URL", "").strip().rstrip("/")
    allow_http = env.get("MEDIA_S3_ALLOW_HTTP", "").strip().lower() in {"1", "true", "yes", "on"}
    if endpoint:
        parts = urlsplit(endpoint)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            problems.append(f"MEDIA_S3_ENDPOINT_URL must be an https:// URL, not {endpoint!r}")
        elif parts.scheme == "http" and parts.hostname not in LOOPBACK_HOSTS and not allow_http:
            problems.append("MEDIA_S3_ENDPOINT_URL must use https (keys and images would travel in clear); "
                            "http is accepted for a loopback endpoint or with MEDIA_S3_ALLOW_HTTP=1")
    key_id = env.get("MEDIA_S3_ACCESS_KEY_ID", "").strip()
    secret = env.get("MEDIA_S3_SECRET_ACCESS_KEY", "").strip()
    if not key_id or not secret:
        problems.append("MEDIA_S3_BUCKET needs MEDIA_S3_ACCESS_KEY_ID and MEDIA_S3_SECRET_ACCESS_KEY")
    ca_file = env.get("MEDIA_S3_CA_FILE", "").strip()
    if ca_file and not Path(ca_file).is_file():
        problems.append(f"MEDIA_S3_CA_FILE {ca_file!r} does not exist")
    prefix = env.get("MEDIA_S3_PREFIX", "").strip().strip("/")
    return MediaS3(bucket=bucket, endpoint_url=endpoint, region=env.get("MEDIA_S3_REGION", "").strip() or "us-east-1",
                   access_key_id=key_id, secret_access_key=secret, prefix=f"{prefix}/" if prefix else "",
                   ca_file=ca_file)


@dataclass(frozen=True)
class Guards:
    """When a campaign pauses itself, and when one provider's share slows down (docs/deliverability.md).

    Gmail's and Yahoo's bulk-sender rules ask for a complaint rate under 0.3 %; a hard-bounce
    rate over a few per cent is the mark of a stale list. Rates are fractions (0.003 = 0.3 %).
    """

    complaint_rate: float = 0.003  # GUARD_COMPLAINT_PERCENT=0.3
    complaint_min_delivered: int = 1000  # GUARD_COMPLAINT_MIN_DELIVERED
    hard_bounce_rate: float = 0.05  # GUARD_HARD_BOUNCE_PERCENT=5
    hard_bounce_min_sent: int = 500  # GUARD_HARD_BOUNCE_MIN_SENT
    provider_refusals: int = 5  # PROVIDER_THROTTLE_REFUSALS: 5.7.x refusals from one provider…
    provider_window_seconds: float = 300.0  # PROVIDER_THROTTLE_WINDOW: …within this many seconds
    provider_pause_seconds: float = 300.0  # PROVIDER_THROTTLE_PAUSE: first deferral, doubled each time (≤ 1 h)


def _guards(env: dict, problems: list[str]) -> Guards:
    """``GUARD_*`` and ``PROVIDER_THROTTLE_*``: each a positive number; percentages between 0 and 100."""
    default = Guards()

    def number(name: str, fallback: float, *, percent: bool = False, whole: bool = False) -> float:
        raw = env.get(name, "").strip().replace(",", ".")
        if not raw:
            return fallback
        try:
            value = float(raw)
        except ValueError:
            value = -1.0
        if value <= 0 or (percent and value > 100) or (whole and not value.is_integer()):
            kind = "a percentage between 0 and 100" if percent else "a positive whole number" if whole \
                else "a positive number"
            problems.append(f"{name} must be {kind}, not {raw!r}")
            return fallback
        return value / 100 if percent else value

    return Guards(
        complaint_rate=number("GUARD_COMPLAINT_PERCENT", default.complaint_rate, percent=True),
        complaint_min_delivered=int(number("GUARD_COMPLAINT_MIN_DELIVERED", default.complaint_min_delivered,
                                           whole=True)),
        hard_bounce_rate=number("GUARD_HARD_BOUNCE_PERCENT", default.hard_bounce_rate, percent=True),
        hard_bounce_min_sent=int(number("GUARD_HARD_BOUNCE_MIN_SENT", default.hard_bounce_min_sent, whole=True)),
        provider_refusals=int(number("PROVIDER_THROTTLE_REFUSALS", default.provider_refusals, whole=True)),
        provider_window_seconds=number("PROVIDER_THROTTLE_WINDOW", default.provider_window_seconds),
        provider_pause_seconds=number("PROVIDER_THROTTLE_PAUSE", default.provider_pause_seconds),
    )


def _nameservers(env: dict, problems: list[str]) -> tuple[str, ...]:
    """``DNS_NAMESERVERS``: ``host[:port]`` entries, comma-separated (IPv6 as ``[::1]:53``); empty: the system's."""
    servers = []
    for raw in filter(None, (part.strip() for part in env.get("DNS_NAMESERVERS", "").split(","))):
        try:
            host, port = str(ipaddress.ip_address(raw)), 53  # a bare address, IPv6 included
        except ValueError:
            parts = urlsplit(f"//{raw}")
            try:
                host, port = str(ipaddress.ip_address(parts.hostname or "")), parts.port or 53
            except ValueError:
                problems.append(f"DNS_NAMESERVERS entries must be IP[:port], like 127.0.0.1:5353, not {raw!r}")
                continue
        servers.append(f"[{host}]:{port}" if ":" in host else f"{host}:{port}")
    return tuple(servers)


@dataclass
class Settings:
    """The application's settings, already parsed and checked."""

    env: str = "development"
    database_url: str = ""
    secret_keys: list[str] = field(default_factory=list)
    base_url: str = "http://127.0.0.1:5000"
    smtp_url: str = ""
    smtp_tls: str = "auto"
    smtp_ca_file: str = ""
    smtp_data_timeout: float = 600.0
    mail_from: str = "CRPVE <formations@crpve91.fr>"
    reply_to: str = ""
    unsubscribe_mailto: str = ""
    bounce_domain: str = ""
    timezone: str = "Europe/Paris"
    organisation: Organisation = field(default_factory=Organisation)
    dkim_domain: str = ""
    dkim_selector: str = ""
    dkim_private_key_file: str = ""
    schedule_grace_hours: float = 6.0
    ratelimit_storage_uri: str = "memory://"
    api_token: str = ""
    api_rate_limit: str = "300 per minute"
    bounce_webhook_token: str = ""
    bounce_imap_url: str = ""
    bounce_soft_limit: int = 3
    bounce_soft_window_days: int = 30
    trusted_proxies: int = 0
    import_max_mb: int = 200
    metrics_token: str = ""  # /metrics wants "Authorization: Bearer <it>"; empty: loopback clients only
    log_format: str = "text"  # "json" (production default) or "text"
    log_level: str = "INFO"
    media_s3: MediaS3 | None = None  # the media library's bucket; None keeps images under instance/media/
    guards: Guards = field(default_factory=Guards)
    dns_nameservers: tuple[str, ...] = ()  # where ``dns check`` asks; empty: the system's resolvers

    def flask_config(self) -> dict:
        """The mapping handed to ``app.config``."""
        return {
            "LETTRINE_ENV": self.env,
            "SECRET_KEY": self.secret_keys[0],
            "SECRET_KEYS": self.secret_keys,
            "SQLALCHEMY_DATABASE_URI": self.database_url,
            "SQLALCHEMY_ENGINE_OPTIONS": engine_options(self.database_url),
            "BASE_URL": self.base_url.rstrip("/"),
            "SMTP_URL": self.smtp_url,
            "SMTP_TLS": self.smtp_tls,
            "SMTP_CA_FILE": self.smtp_ca_file,
            "SMTP_DATA_TIMEOUT": self.smtp_data_timeout,
            "MAIL_FROM": self.mail_from,
            "REPLY_TO": self.reply_to,
            "UNSUBSCRIBE_MAILTO": self.unsubscribe_mailto,
            "BOUNCE_DOMAIN": self.bounce_domain,
            "TIMEZONE": self.timezone,
            "ORGANISATION": self.organisation,
            "DKIM_DOMAIN": self.dkim_domain,
            "DKIM_SELECTOR": self.dkim_selector,
            "DKIM_PRIVATE_KEY_FILE": self.dkim_private_key_file,
            "SCHEDULE_GRACE_HOURS": self.schedule_grace_hours,
            "RATELIMIT_STORAGE_URI": self.ratelimit_storage_uri,
            "API_TOKEN": self.api_token,
            "API_RATE_LIMIT": self.api_rate_limit,
            "BOUNCE_WEBHOOK_TOKEN": self.bounce_webhook_token,
            "BOUNCE_IMAP_URL": self.bounce_imap_url,
            "BOUNCE_SOFT_LIMIT": self.bounce_soft_limit,
            "BOUNCE_SOFT_WINDOW_DAYS": self.bounce_soft_window_days,
            "TRUSTED_PROXIES": self.trusted_proxies,
            "METRICS_TOKEN": self.metrics_token,
            "LOG_FORMAT": self.log_format,
            "LOG_LEVEL": self.log_level,
            "BABEL_DEFAULT_LOCALE": "fr",
            "BABEL_DEFAULT_TIMEZONE": self.timezone,
            "SESSION_COOKIE_HTTPONLY": True,
            "SESSION_COOKIE_SAMESITE": "Lax",
            "SESSION_COOKIE_SECURE": self.base_url.startswith("https://"),
            "REMEMBER_COOKIE_SECURE": self.base_url.startswith("https://"),
            "REMEMBER_COOKIE_HTTPONLY": True,
            "REMEMBER_COOKIE_SAMESITE": "Lax",
            "REMEMBER_COOKIE_DURATION": timedelta(days=30),
            "MAX_CONTENT_LENGTH": 1024 * 1024,  # every body; the CSV import has its own limit below
            "IMPORT_MAX_CONTENT_LENGTH": self.import_max_mb * 1024 * 1024,
            "MEDIA_S3": self.media_s3,
            "GUARDS": self.guards,
            "DNS_NAMESERVERS": self.dns_nameservers,
        }


def engine_options(url: str) -> dict:
    """SQLite needs a generous busy timeout so concurrent writers wait, not fail."""
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": 30, "check_same_thread": False}}
    return {"pool_pre_ping": True, "pool_size": 10, "max_overflow": 10}


def load_settings(environ: os._Environ | dict | None = None) -> Settings:
    """Parse the environment into :class:`Settings`, failing loudly in production."""
    env = dict(os.environ if environ is None else environ)
    mode = env.get("LETTRINE_ENV", "development").strip().lower()
    if mode not in {"development", "production", "testing"}:
        raise ConfigError(f"LETTRINE_ENV must be development, production or testing, not {mode!r}")
    production = mode == "production"
    problems: list[str] = []

    def required(name: str, default: str = "") -> str:
        value = env.get(name, "").strip()
        if not value and production:
            problems.append(f"{name} is required in production")
        return value or default

    database_url = required("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'lettrine.db'}")
    database_url = normalise_database_url(database_url)
    if not database_url.startswith(("sqlite", "postgresql+psycopg://")):
        problems.append("DATABASE_URL must be a sqlite:/// or postgresql:// URL")

    raw_keys = env.get("SECRET_KEYS", "") or env.get("SECRET_KEY", "")
    keys = [k.strip() for k in raw_keys.split(",") if k.strip()]
    if not keys:
        if production:
            problems.append("SECRET_KEYS is required in production (comma-separated, newest first)")
        else:
            keys = [_dev_secret()]
    if production and any(len(k) < 32 for k in keys):
        problems.append("every key in SECRET_KEYS must be at least 32 characters long")

    base_url = required("BASE_URL", "http://127.0.0.1:5000")
    parts = urlsplit(base_url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        problems.append(f"BASE_URL must be an absolute URL, not {base_url!r}")
    elif production and parts.scheme != "https":
        problems.append("BASE_URL must use https in production (unsubscribe links must be https)")

    smtp_url = env.get("SMTP_URL", "").strip()
    if smtp_url:
        for one in smtp_url.split(","):
            if urlsplit(one.strip()).scheme not in {"smtp", "smtps"}:
                problems.append(f"SMTP_URL entries must start with smtp:// or smtps://, not {one!r}")
    smtp_tls = env.get("SMTP_TLS", "auto").strip().lower() or "auto"
    if smtp_tls not in {"auto", "starttls", "none"}:
        problems.append(f"SMTP_TLS must be auto, starttls or none, not {smtp_tls!r}")
    elif smtp_tls == "none" and any(urlsplit(one.strip()).username for one in smtp_url.split(",") if one.strip()):
        problems.append("SMTP_TLS=none cannot go with a user name in SMTP_URL (the password would travel in clear)")
    smtp_ca_file = env.get("SMTP_CA_FILE", "").strip()
    if smtp_ca_file and not Path(smtp_ca_file).is_file():
        problems.append(f"SMTP_CA_FILE {smtp_ca_file!r} does not exist")
    try:
        smtp_data_timeout = float(env.get("SMTP_DATA_TIMEOUT", "600"))
    except ValueError:
        smtp_data_timeout = 0.0
    if smtp_data_timeout <= 0:
        problems.append("SMTP_DATA_TIMEOUT must be a positive number of seconds")

    mail_from = required("MAIL_FROM", "CRPVE <formations@crpve91.fr>")
    if "@" not in mail_from:
        problems.append(f"MAIL_FROM must contain an address, not {mail_from!r}")

    try:
        grace = float(env.get("SCHEDULE_GRACE_HOURS", "6"))
    except ValueError:
        problems.append("SCHEDULE_GRACE_HOURS must be a number of hours")
        grace = 6.0

    def positive_int(name: str, default: int) -> int:
        try:
            value = int(env.get(name, str(default)))
        except ValueError:
            value = 0
        if value < 1:
            problems.append(f"{name} must be a positive whole number")
            return default
        return value

    soft_limit = positive_int("BOUNCE_SOFT_LIMIT", 3)
    soft_window = positive_int("BOUNCE_SOFT_WINDOW_DAYS", 30)
    import_max_mb = positive_int("IMPORT_MAX_MB", 200)
    proxies_text = env.get("TRUSTED_PROXIES", "0").strip() or "0"
    proxies = int(proxies_text) if proxies_text.isascii() and proxies_text.isdigit() else -1
    if proxies < 0:
        problems.append(f"TRUSTED_PROXIES must be the number of reverse proxies in front (0, 1…), not {proxies_text!r}")
        proxies = 0

    timezone = env.get("TIMEZONE", "Europe/Paris").strip()
    try:
        from zoneinfo import ZoneInfo

        ZoneInfo(timezone)
    except Exception:  # noqa: BLE001 - any failure means an unknown zone
        problems.append(f"TIMEZONE {timezone!r} is not a known time zone")

    dkim = [env.get(n, "").strip() for n in ("DKIM_DOMAIN", "DKIM_SELECTOR", "DKIM_PRIVATE_KEY_FILE")]
    if any(dkim) and not all(dkim):
        problems.append("DKIM_DOMAIN, DKIM_SELECTOR and DKIM_PRIVATE_KEY_FILE go together")
    if dkim[2] and not Path(dkim[2]).is_file():
        problems.append(f"DKIM_PRIVATE_KEY_FILE {dkim[2]!r} does not exist")

    log_format = env.get("LOG_FORMAT", "json" if production else "text").strip().lower()
    if log_format not in {"json", "text"}:
        problems.append(f"LOG_FORMAT must be json or text, not {log_format!r}")
    log_level = env.get("LOG_LEVEL", "INFO").strip().upper()
    if log_level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        problems.append(f"LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, not {log_level!r}")

    media_s3 = _media_s3(env, problems)
    guards = _guards(env, problems)
    nameservers = _nameservers(env, problems)

    if problems:
        raise ConfigError("Configuration invalide / invalid configuration: " + "; ".join(problems))

    default_org = Organisation()
    org = Organisation(
        name=env.get("ORG_NAME", default_org.name),
        long_name=env.get("ORG_LONG_NAME", default_org.long_name),
        legal_note=env.get("ORG_LEGAL_NOTE", default_org.legal_note),
        address=env.get("ORG_ADDRESS", default_org.address),
        phone=env.get("ORG_PHONE", default_org.phone),
        website=env.get("ORG_WEBSITE", default_org.website),
        logo_url=env.get("ORG_LOGO_URL", default_org.logo_url),
    )
    return Settings(
        env=mode,
        database_url=database_url,
        secret_keys=keys,
        base_url=base_url,
        smtp_url=smtp_url,
        smtp_tls=smtp_tls,
        smtp_ca_file=smtp_ca_file,
        smtp_data_timeout=smtp_data_timeout,
        mail_from=mail_from,
        reply_to=env.get("REPLY_TO", "").strip(),
        unsubscribe_mailto=env.get("UNSUBSCRIBE_MAILTO", "").strip(),
        bounce_domain=env.get("BOUNCE_DOMAIN", "").strip(),
        timezone=timezone,
        organisation=org,
        dkim_domain=dkim[0],
        dkim_selector=dkim[1],
        dkim_private_key_file=dkim[2],
        schedule_grace_hours=grace,
        ratelimit_storage_uri=env.get("RATELIMIT_STORAGE_URI", "memory://"),
        api_token=env.get("API_TOKEN", "").strip(),
        api_rate_limit=env.get("API_RATE_LIMIT", "").strip() or "300 per minute",
        bounce_webhook_token=env.get("BOUNCE_WEBHOOK_TOKEN", "").strip(),
        bounce_imap_url=env.get("BOUNCE_IMAP_URL", "").strip(),
        bounce_soft_limit=soft_limit,
        bounce_soft_window_days=soft_window,
        trusted_proxies=proxies,
        import_max_mb=import_max_mb,
        metrics_token=env.get("METRICS_TOKEN", "").strip(),
        log_format=log_format,
        log_level=log_level,
        media_s3=media_s3,
        guards=guards,
        dns_nameservers=nameservers,
    )
