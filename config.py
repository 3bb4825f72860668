"""Configuration read from the environment (and an optional ``.env`` file).

:class:`Settings` is the one declaration of every setting: each field says its environment
variable, type, default, whether it is a secret, what it is for (one line, English) and the
``app.config`` key it becomes. Everything else follows from it:

- :func:`load_settings` reads and checks each field, so a missing or malformed value fails at
  start-up with a message that names it, rather than at 3 a.m. in the middle of a send;
- :meth:`Settings.flask_config` is what ``app.config`` holds;
- ``deploy/lettrine.env`` and ``docs/configuration.md`` are written from it by
  ``tools/settings_docs.py`` (a test fails when they are out of date), and another test fails
  on any ``app.config`` key the code reads that is not declared here.

Nothing else in the application reads the environment.
"""
from __future__ import annotations

import hashlib
import ipaddress
import math
import os
import secrets
from dataclasses import MISSING, dataclass, field, fields
from datetime import timedelta
from pathlib import Path
from typing import Any, Iterator, NamedTuple, get_args, get_type_hints
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

BASE_DIR = Path(__file__).resolve().parent
# Read at import too: modules that need the folder before an application exists (tools, benches).
INSTANCE_DIR = Path(os.environ.get("LETTRINE_INSTANCE_DIR", BASE_DIR / "instance"))


class ConfigError(RuntimeError):
    """A setting is missing or malformed; the message names it."""


# --- The declaration -------------------------------------------------------------------------

REQUIRED = "Required in production"
FILES = "Where files live"
SENDING = "Sending"
BOUNCES = "Bounces"
MEDIA = "Media library"
WEB = "Web"
SCHEDULING = "Scheduling"
OPERATIONS = "Operations"
ORGANISATION = "The organisation shown in every footer"
DEMO = "Development and demonstration"
GUARDS = "Send guards (docs/deliverability.md)"


@dataclass(frozen=True)
class Setting:
    """How one setting is declared (kept in its field's metadata, or in :data:`PROCESS_SETTINGS`)."""

    env: str  # the environment variable
    description: str  # one line, English
    section: str
    secret: bool = False  # never shown, never logged (the admin's settings page says only whether it is set)
    required: bool = False  # production refuses to start without it
    key: str | None = None  # its app.config key: None = the variable's name, "" = not in app.config
    template: str | None = None  # a value written uncommented in deploy/lettrine.env (production)
    example: str = ""  # a value shown commented out there (else the default)
    default_doc: str = ""  # the default in words, when it is worked out at start-up
    notes: tuple[str, ...] = ()  # further comment lines for deploy/lettrine.env
    fallback: str = ""  # an older variable still read when this one is unset
    choices: tuple[str, ...] = ()  # the only values accepted (case-insensitive)
    positive: bool = False  # numbers: more than 0
    minimum: int | None = None  # numbers: at least this
    kind: str = ""  # the type in words (worked out from the field's annotation when empty)

    @property
    def config_key(self) -> str:
        return self.env if self.key is None else self.key


def setting(env: str, description: str, section: str, default: Any = MISSING, *,
            default_factory: Any = MISSING, **options: Any) -> Any:
    """A dataclass field declared as the setting ``env``."""
    declared = Setting(env, description, section, **options)
    metadata = {"setting": declared}
    if default_factory is not MISSING:
        return field(default_factory=default_factory, metadata=metadata, repr=not declared.secret)
    return field(default=default, metadata=metadata, repr=not declared.secret)


def group(key: str, default: Any = MISSING, *, default_factory: Any = MISSING) -> Any:
    """A field made of other settings (a dataclass of them), held in app.config under ``key``."""
    if default_factory is not MISSING:
        return field(default_factory=default_factory, metadata={"group": key})
    return field(default=default, metadata={"group": key})


@dataclass
class Organisation:
    """Who sends: shown in every footer, as French law and good practice require."""

    name: str = setting("ORG_NAME", "Short name, in footers and page titles.", ORGANISATION, "CRPVE")
    long_name: str = setting("ORG_LONG_NAME", "Full name, under the short one.", ORGANISATION,
                             "Centre de Ressources Politique de la Ville en Essonne")
    legal_note: str = setting("ORG_LEGAL_NOTE", "Legal form, in every footer.", ORGANISATION, "Association Loi 1901")
    address: str = setting("ORG_ADDRESS", "Postal address, in every footer (French law).", ORGANISATION,
                           "1 bd de l'Ecoute-S'il-Pleut, 91000 EVRY")
    phone: str = setting("ORG_PHONE", "Telephone, in every footer.", ORGANISATION, "01 64 97 00 32")
    website: str = setting("ORG_WEBSITE", "Website, linked from every footer.", ORGANISATION, "https://www.crpve91.fr")
    logo_url: str = setting("ORG_LOGO_URL", "Logo shown in the messages' header (https); empty: the name in text.",
                            ORGANISATION, "")


@dataclass(frozen=True)
class MediaS3:
    """An S3-compatible bucket (AWS, MinIO, Scaleway, OVH, Garage…) holding the media library."""

    bucket: str = setting("MEDIA_S3_BUCKET", "Bucket holding the media library; unset: files under "
                          "LETTRINE_INSTANCE_DIR/media/.", MEDIA, "", example="crpve-lettrine",
                          notes=("Set: both widths go to the bucket, still served as BASE_URL/media/<name>; back the",
                                 "bucket up separately. After turning it on for an existing library:",
                                 "flask --app wsgi media push."))
    endpoint_url: str = setting("MEDIA_S3_ENDPOINT_URL", "The S3 endpoint (https); empty: AWS's own for the region.",
                                MEDIA, "", example="https://s3.fr-par.scw.cloud")
    region: str = setting("MEDIA_S3_REGION", "The bucket's region.", MEDIA, "us-east-1", example="fr-par")
    access_key_id: str = setting("MEDIA_S3_ACCESS_KEY_ID", "Access key (required with a bucket).", MEDIA, "",
                                 secret=True)
    secret_access_key: str = setting("MEDIA_S3_SECRET_ACCESS_KEY", "Secret key (required with a bucket).", MEDIA, "",
                                     secret=True)
    prefix: str = setting("MEDIA_S3_PREFIX", "Folder inside the bucket: keys are prefix + file name.", MEDIA, "",
                          example="lettrine/media")
    ca_file: str = setting("MEDIA_S3_CA_FILE", "PEM of a private authority for the endpoint (TLS is always verified).",
                           MEDIA, "", example="/etc/lettrine/s3-ca.pem")
    allow_http: bool = setting("MEDIA_S3_ALLOW_HTTP", "Accept an http endpoint that is not on loopback "
                               "(keys and images then travel in clear).", MEDIA, False)


@dataclass(frozen=True)
class Guards:
    """When a campaign pauses itself, and when one provider's share slows down (docs/deliverability.md).

    Gmail's and Yahoo's bulk-sender rules ask for a complaint rate under 0.3 %; a hard-bounce
    rate over a few per cent is the mark of a stale list. Rates are read as percentages and
    used as fractions (:attr:`complaint_rate`, :attr:`hard_bounce_rate`).
    """

    complaint_percent: float = setting(
        "GUARD_COMPLAINT_PERCENT", "Complaints above this percentage of delivered messages pause a campaign.",
        GUARDS, 0.3, positive=True)
    complaint_min_delivered: int = setting(
        "GUARD_COMPLAINT_MIN_DELIVERED", "Delivered messages needed before the complaint rate may pause.", GUARDS,
        1000, minimum=1)
    hard_bounce_percent: float = setting(
        "GUARD_HARD_BOUNCE_PERCENT", "Hard bounces above this percentage of sent messages pause a campaign.",
        GUARDS, 5.0, positive=True)
    hard_bounce_min_sent: int = setting(
        "GUARD_HARD_BOUNCE_MIN_SENT", "Sent messages needed before the hard-bounce rate may pause.", GUARDS, 500,
        minimum=1)
    provider_refusals: int = setting(
        "PROVIDER_THROTTLE_REFUSALS", "Policy or reputation refusals (5.7.x) from one provider that slow its share…",
        GUARDS, 5, minimum=1)
    provider_window_seconds: float = setting(
        "PROVIDER_THROTTLE_WINDOW", "…within this many seconds.", GUARDS, 300.0, positive=True)
    provider_pause_seconds: float = setting(
        "PROVIDER_THROTTLE_PAUSE", "The provider's first deferral, in seconds (doubled each time, one hour at most).",
        GUARDS, 300.0, positive=True)

    @property
    def complaint_rate(self) -> float:
        return self.complaint_percent / 100

    @property
    def hard_bounce_rate(self) -> float:
        return self.hard_bounce_percent / 100


@dataclass
class Settings:
    """The application's settings, declared, parsed and checked (see the module's docstring)."""

    env: str = setting("LETTRINE_ENV", "Run mode: production checks everything and refuses what is missing.",
                       REQUIRED, "development", choices=("development", "production", "testing"),
                       template="production")
    database_url: str = setting(
        "DATABASE_URL", "The database: postgresql:// (psycopg 3; postgres:// accepted) or sqlite:///.", REQUIRED, "",
        required=True, key="SQLALCHEMY_DATABASE_URI", template="postgresql://lettrine@127.0.0.1/lettrine",
        default_doc="sqlite:///LETTRINE_INSTANCE_DIR/lettrine.db")
    secret_keys: list[str] = setting(
        "SECRET_KEYS", "Signing keys, comma-separated, newest first, each 32 characters or more.", REQUIRED,
        default_factory=list, secret=True, required=True, fallback="SECRET_KEY",
        template="change-me-to-a-long-random-string-of-48-characters",
        default_doc="a random key kept in LETTRINE_INSTANCE_DIR/dev-secret-key (outside production)",
        notes=("The first signs, all verify. Rotate by prepending a new key; drop the oldest after the",
               "longest-lived link has expired. Make one: python3 -c 'import secrets; print(secrets.token_urlsafe(48))'"))
    fingerprint_key: str = setting(
        "FINGERPRINT_KEY", "Key of the address fingerprints (HMAC-SHA256) the suppression list is kept under, "
        "32 characters or more.", REQUIRED, "", secret=True, required=True,
        template="change-me-to-another-long-random-string-of-48-chars",
        default_doc="derived from the oldest key of SECRET_KEYS (outside production)",
        notes=("Never change it: an erased, bounced or excluded address is known again only through it",
               "(a new key and the suppression list matches nobody). Keep it with SECRET_KEYS in backups.",
               "Make one: python3 -c 'import secrets; print(secrets.token_urlsafe(48))'"))
    base_url: str = setting("BASE_URL", "Public URL (https in production): every link in every message starts so.",
                            REQUIRED, "http://127.0.0.1:5000", required=True, template="https://lettres.example.org")
    mail_from: str = setting("MAIL_FROM", "Sender with display name, on a domain with SPF, DKIM and DMARC set up.",
                             REQUIRED, "CRPVE <formations@crpve91.fr>", required=True,
                             template="CRPVE <formations@crpve91.fr>")

    instance_dir: str = setting(
        "LETTRINE_INSTANCE_DIR", "Uploaded imports, local media, the SQLite scheduler lock, development keys.", FILES,
        "", key="", template="/var/lib/lettrine", default_doc="instance/ beside config.py")

    smtp_url: str = setting(
        "SMTP_URL", "Relays: smtp://user:pass@host:587 (STARTTLS) or smtps://…:465, comma-separated; unset: outbox.",
        SENDING, "", secret=True, template="smtp://127.0.0.1:25",
        notes=("Several share the load; limits go in the query (?rate=…&per_hour=…).",
               "Local Postfix relay (deploy/postfix.md): smtp://127.0.0.1:25."))
    smtp_tls: str = setting(
        "SMTP_TLS", "TLS to the relays: auto (STARTTLS when offered), starttls (required) or none.", SENDING, "auto",
        choices=("auto", "starttls", "none"),
        notes=("auto requires it as soon as SMTP_URL holds a password; none is refused with a password.",))
    smtp_ca_file: str = setting("SMTP_CA_FILE", "A private authority to trust for the relays' certificates.", SENDING,
                                "", example="/etc/lettrine/relay-ca.pem")
    smtp_data_timeout: float = setting("SMTP_DATA_TIMEOUT", "Seconds to wait for the relay's answer after a "
                                       "message's content (RFC 5321: 10 minutes).", SENDING, 600.0, positive=True)
    reply_to: str = setting("REPLY_TO", "Reply-To of every message; empty: replies go to MAIL_FROM.", SENDING, "")
    unsubscribe_mailto: str = setting("UNSUBSCRIBE_MAILTO", "A mailbox added to List-Unsubscribe, besides the "
                                      "one-click https link.", SENDING, "")
    bounce_domain: str = setting("BOUNCE_DOMAIN", "VERP return paths bounces+<token>@BOUNCE_DOMAIN; empty: the "
                                 "sender's address.", SENDING, "")
    dkim_domain: str = setting("DKIM_DOMAIN", "DKIM signing domain (DKIM_DOMAIN, _SELECTOR and _PRIVATE_KEY_FILE go "
                               "together).", SENDING, "", example="crpve91.fr",
                               notes=("`flask --app wsgi dns records` prints the DNS records to publish.",))
    dkim_selector: str = setting("DKIM_SELECTOR", "DKIM selector.", SENDING, "", example="lettrine")
    dkim_private_key_file: str = setting("DKIM_PRIVATE_KEY_FILE", "DKIM private key (PEM, readable by group "
                                         "lettrine, mode 0640).", SENDING, "", example="/etc/lettrine/dkim.pem")

    dns_nameservers: list[str] = setting(
        "DNS_NAMESERVERS", "Where `flask dns check` and the domain page ask: ip[:port], comma-separated; empty: the "
        "system's resolvers.", SENDING, default_factory=list, example="127.0.0.1:5353")
    guards: Guards = group("GUARDS", default_factory=Guards)

    bounce_imap_url: str = setting("BOUNCE_IMAP_URL", "imaps://user:pass@host/INBOX read by `flask bounces poll`.",
                                   BOUNCES, "", secret=True)
    bounce_webhook_token: str = setting("BOUNCE_WEBHOOK_TOKEN", "Bearer token accepted by /api/bounces only "
                                        "(a sending provider's webhooks).", BOUNCES, "", secret=True)
    bounce_soft_limit: int = setting("BOUNCE_SOFT_LIMIT", "Soft bounces from this many campaigns, on two days or "
                                     "more within the window, stop mail to an address.", BOUNCES, 3, minimum=1)
    bounce_soft_window_days: int = setting("BOUNCE_SOFT_WINDOW_DAYS", "The soft-bounce window, in days.", BOUNCES, 30,
                                           minimum=1)

    media_s3: MediaS3 | None = group("MEDIA_S3", None)
    media_max_bytes: int = setting("MEDIA_MAX_BYTES", "Largest image the media library accepts, in bytes.", MEDIA,
                                   5 * 1024 * 1024, minimum=1)

    import_max_mb: int = setting("IMPORT_MAX_MB", "Largest CSV import upload, in MB (images: MEDIA_MAX_BYTES; every other request: 1 MB).",
                                 WEB, 200, minimum=1, key="")
    trusted_proxies: int = setting("TRUSTED_PROXIES", "Reverse proxies in front whose X-Forwarded-For/-Proto are "
                                   "believed (nginx: 1); 0 without a proxy.", WEB, 0, minimum=0, template="1")
    ratelimit_storage_uri: str = setting(
        "RATELIMIT_STORAGE_URI", "Flask-Limiter storage: memory:// counts per process, redis://… shares.", WEB,
        "memory://", secret=True, notes=("With redis://, the relays' sending quotas are counted there too "
                                         "(otherwise in the database).",))
    api_token: str = setting("API_TOKEN", "Legacy bearer token of /api/campaigns/<id>/progress and /api/bounces.",
                             WEB, "", secret=True,
                             notes=("/api/v1 takes tokens made with `flask --app wsgi tokens create NAME --scopes …`.",))
    webhook_allow_private_targets: bool = setting(
        "WEBHOOK_ALLOW_PRIVATE_TARGETS", "Allow webhooks to plain http:// and to loopback or private addresses "
        "(a test receiver, an internal service).", WEB, False,
        notes=("Off by default: targets must be https on public addresses, checked again at each delivery.",))
    api_rate_limit: str = setting("API_RATE_LIMIT", "Requests allowed per /api/v1 token (Flask-Limiter syntax).", WEB,
                                  "300 per minute")
    registration_newsletter_lists: list[str] = setting(
        "REGISTRATION_NEWSLETTER_LISTS", "Lists (slugs, comma-separated) the registration form's newsletter box "
        "subscribes to; none found: every public list.", WEB, default_factory=lambda: ["formations"])

    timezone: str = setting("TIMEZONE", "Time zone in which dates are shown and entered.", SCHEDULING, "Europe/Paris")
    schedule_grace_hours: float = setting("SCHEDULE_GRACE_HOURS", "How late a scheduled send may still go out after "
                                          "downtime, in hours.", SCHEDULING, 6.0, minimum=0)
    scheduler_interval_seconds: float = setting("SCHEDULER_INTERVAL_SECONDS", "Seconds between two passes of the "
                                                "scheduler.", SCHEDULING, 30.0, positive=True)

    metrics_token: str = setting("METRICS_TOKEN", "/metrics wants `Authorization: Bearer <it>`; empty: loopback "
                                 "clients only.", OPERATIONS, "", secret=True)
    prometheus_multiproc_dir: str = setting(
        "PROMETHEUS_MULTIPROC_DIR", "Folder where each process writes its metrics, summed by /metrics (set by the "
        "systemd units, not here).", OPERATIONS, "", example="/run/lettrine/metrics")
    log_format: str = setting("LOG_FORMAT", "Log lines as json or text.", OPERATIONS, "", choices=("json", "text"),
                              example="json", default_doc="json in production, text elsewhere")
    log_level: str = setting("LOG_LEVEL", "Lowest level logged.", OPERATIONS, "INFO",
                             choices=("DEBUG", "INFO", "WARNING", "ERROR"))

    organisation: Organisation = group("ORGANISATION", default_factory=Organisation)

    demo_admin_password: str = setting("DEMO_ADMIN_PASSWORD", "Password of the demonstration admin made by "
                                       "`flask demo`; unset: one kept under LETTRINE_INSTANCE_DIR.", DEMO, "",
                                       secret=True)

    def flask_config(self) -> dict[str, Any]:
        """The mapping handed to ``app.config``: each declared key, then what is worked out from them."""
        config: dict[str, Any] = {}
        for item in fields(self):
            declared = item.metadata.get("setting")
            key = declared.config_key if declared else item.metadata["group"]
            if key:
                config[key] = getattr(self, item.name)
        https = self.base_url.startswith("https://")
        config.update({
            "SECRET_KEY": self.secret_keys[0],
            "SQLALCHEMY_ENGINE_OPTIONS": engine_options(self.database_url),
            "BABEL_DEFAULT_LOCALE": "fr",
            "BABEL_DEFAULT_TIMEZONE": self.timezone,
            "SESSION_COOKIE_HTTPONLY": True,
            "SESSION_COOKIE_SAMESITE": "Lax",
            "SESSION_COOKIE_SECURE": https,
            "REMEMBER_COOKIE_SECURE": https,
            "REMEMBER_COOKIE_HTTPONLY": True,
            "REMEMBER_COOKIE_SAMESITE": "Lax",
            "REMEMBER_COOKIE_DURATION": timedelta(days=30),
            "MAX_CONTENT_LENGTH": 1024 * 1024,  # every body; the CSV import has its own limit below
            "IMPORT_MAX_CONTENT_LENGTH": self.import_max_mb * 1024 * 1024,
            # A form carrying one image (the composer with a file chosen in a block, the media library).
            "MEDIA_MAX_CONTENT_LENGTH": self.media_max_bytes + 1024 * 1024,
        })
        return config


# Read by deploy/gunicorn.conf.py before any application exists, declared here for the reference.
PROCESS_SETTINGS: tuple[Setting, ...] = (
    Setting("GUNICORN_BIND", "Address gunicorn listens on (nginx in front).", WEB, example="127.0.0.1:8000",
            kind="text", default_doc="127.0.0.1:8000", key=""),
    Setting("WEB_CONCURRENCY", "gunicorn processes.", WEB, example="4", kind="whole number",
            default_doc="2 × cores + 1, at most 8", key=""),
    Setting("GUNICORN_THREADS", "Threads per gunicorn process.", WEB, example="4", kind="whole number",
            default_doc="4", key=""),
)

# Keys of Flask and its extensions that the code reads and that are not settings of Lettrine's:
# tests and Flask-WTF set them (TESTING, the CSRF switches), nobody sets them from the environment.
FRAMEWORK_KEYS = frozenset({"TESTING", "WTF_CSRF_ENABLED", "WTF_CSRF_METHODS", "WTF_CSRF_FIELD_NAME",
                            "RATELIMIT_ENABLED"})


class Declared(NamedTuple):
    """One declared setting as the reference shows it."""

    setting: Setting
    kind: str  # its type in words
    default: Any
    config_path: str  # where the application reads it: "BASE_URL", "ORGANISATION.name"; "" when it does not


def declared_settings() -> Iterator[Declared]:
    """Every declared setting, in the declaration's order."""
    yield from _declared(Settings, "")
    for process in PROCESS_SETTINGS:
        yield Declared(process, process.kind, None, "")


def _declared(cls: type, group_key: str) -> Iterator[Declared]:
    hints = get_type_hints(cls)
    for item in fields(cls):
        declared = item.metadata.get("setting")
        if declared is None:
            yield from _declared(_group_class(hints[item.name]), item.metadata["group"])
            continue
        default = item.default_factory() if item.default_factory is not MISSING else item.default
        path = f"{group_key}.{item.name}" if group_key else declared.config_key
        yield Declared(declared, declared.kind or _kind(hints[item.name]), default, path)


def _group_class(hint: Any) -> type:
    """``Organisation`` from ``Organisation``, ``MediaS3`` from ``MediaS3 | None``."""
    return next(arg for arg in (get_args(hint) or (hint,)) if arg is not type(None))


def _kind(hint: Any) -> str:
    return {str: "text", int: "whole number", float: "number", bool: "yes/no", list[str]: "comma-separated list"}[hint]


# --- Reading -----------------------------------------------------------------------------------

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _given(env: dict[str, str], declared: Setting) -> str:
    """The setting's value in the environment (or its older name's), stripped; empty when unset."""
    text = env.get(declared.env, "").strip()
    if not text and declared.fallback:
        text = env.get(declared.fallback, "").strip()
    return text


def _read(env: dict[str, str], declared: Setting, hint: Any, default: Any, problems: list[str]) -> Any:
    """One setting from the environment, parsed by its type; the default when unset or empty."""
    text = _given(env, declared)
    if not text:
        return default
    name = declared.env
    if declared.choices:
        chosen = next((choice for choice in declared.choices if choice.lower() == text.lower()), None)
        if chosen is None:
            problems.append(f"{name} must be {', '.join(declared.choices[:-1])} or {declared.choices[-1]}, "
                            f"not {text!r}")
            return default
        return chosen
    if hint is bool:
        if text.lower() not in _TRUE | _FALSE:
            problems.append(f"{name} must be 1 or 0 (yes or no), not {text!r}")
            return default
        return text.lower() in _TRUE
    if hint == list[str]:
        return [part.strip() for part in text.split(",") if part.strip()]
    if hint in (int, float):
        try:
            number = int(text) if hint is int else float(text)
        except ValueError:
            number = None
        too_small = number is None or not math.isfinite(number) \
            or (declared.positive and number <= 0) or (declared.minimum is not None and number < declared.minimum)
        if too_small:
            what = "whole number" if hint is int else "number"
            bound = " more than 0" if declared.positive else \
                f" of {declared.minimum} or more" if declared.minimum is not None else ""
            problems.append(f"{name} must be a {what}{bound}, not {text!r}")
            return default
        return number
    return text


def _read_group(cls: type, env: dict[str, str], problems: list[str]) -> dict[str, Any]:
    """The declared fields of ``cls`` read from ``env`` (groups are left to the caller)."""
    hints = get_type_hints(cls)
    values: dict[str, Any] = {}
    for item in fields(cls):
        declared = item.metadata.get("setting")
        if declared is not None:
            default = item.default_factory() if item.default_factory is not MISSING else item.default
            values[item.name] = _read(env, declared, hints[item.name], default, problems)
    return values


def normalise_database_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` as meaning psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _dev_secret(instance_dir: Path) -> str:
    """A random development key kept under instance/, so links survive restarts."""
    path = instance_dir / "dev-secret-key"
    if path.exists():
        return path.read_text().strip()
    instance_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1"}


def _nameservers(entries: list[str], problems: list[str]) -> list[str]:
    """``DNS_NAMESERVERS`` as ``host:port`` (IPv6 as ``[::1]:53``); an entry that is not IP[:port] is a problem."""
    servers = []
    for raw in entries:
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
    return servers


def _media_s3(env: dict[str, str], problems: list[str]) -> MediaS3 | None:
    """``MEDIA_S3_*``: a bucket turns S3 storage on; the rest is checked so a typo fails at start-up."""
    values = _read_group(MediaS3, env, problems)
    if not values["bucket"]:
        # MEDIA_S3_ALLOW_HTTP=0 alone is harmless; anything else without a bucket is a mistake.
        stray = [item.metadata["setting"].env for item in fields(MediaS3)
                 if item.name not in ("bucket", "allow_http") and env.get(item.metadata["setting"].env, "").strip()]
        if stray:
            problems.append(f"{', '.join(stray)} set without MEDIA_S3_BUCKET")
        return None
    endpoint = values["endpoint_url"] = values["endpoint_url"].rstrip("/")
    if endpoint:
        parts = urlsplit(endpoint)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            problems.append(f"MEDIA_S3_ENDPOINT_URL must be an https:// URL, not {endpoint!r}")
        elif parts.scheme == "http" and parts.hostname not in LOOPBACK_HOSTS and not values["allow_http"]:
            problems.append("MEDIA_S3_ENDPOINT_URL must use https (keys and images would travel in clear); "
                            "http is accepted for a loopback endpoint or with MEDIA_S3_ALLOW_HTTP=1")
    if not values["access_key_id"] or not values["secret_access_key"]:
        problems.append("MEDIA_S3_BUCKET needs MEDIA_S3_ACCESS_KEY_ID and MEDIA_S3_SECRET_ACCESS_KEY")
    if values["ca_file"] and not Path(values["ca_file"]).is_file():
        problems.append(f"MEDIA_S3_CA_FILE {values['ca_file']!r} does not exist")
    prefix = values["prefix"].strip("/")
    values["prefix"] = f"{prefix}/" if prefix else ""
    return MediaS3(**values)


def _check(settings: Settings, env: dict[str, str], problems: list[str]) -> None:
    """What one value alone cannot say: files that must exist, settings that go together, production's rules."""
    production = settings.env == "production"
    if production:
        for item in fields(settings):
            declared = item.metadata.get("setting")
            if declared is not None and declared.required and not _given(env, declared):
                problems.append(f"{declared.env} is required in production")
    instance_dir = Path(settings.instance_dir)

    if not settings.database_url:
        settings.database_url = f"sqlite:///{instance_dir / 'lettrine.db'}"
    settings.database_url = normalise_database_url(settings.database_url)
    if not settings.database_url.startswith(("sqlite", "postgresql+psycopg://")):
        problems.append("DATABASE_URL must be a sqlite:/// or postgresql:// URL")

    if not settings.secret_keys and not production:
        settings.secret_keys = [_dev_secret(instance_dir)]
    if production and any(len(key) < 32 for key in settings.secret_keys):
        problems.append("every key in SECRET_KEYS must be at least 32 characters long")
    if not settings.fingerprint_key and not production and settings.secret_keys:
        # Stable while keys rotate (a new one is prepended); production sets its own.
        settings.fingerprint_key = hashlib.sha256(b"lettrine.fingerprint:" + settings.secret_keys[-1].encode()).hexdigest()
    if production and settings.fingerprint_key and len(settings.fingerprint_key) < 32:
        problems.append("FINGERPRINT_KEY must be at least 32 characters long")

    parts = urlsplit(settings.base_url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        problems.append(f"BASE_URL must be an absolute URL, not {settings.base_url!r}")
    elif production and parts.scheme != "https":
        problems.append("BASE_URL must use https in production (unsubscribe links must be https)")
    settings.base_url = settings.base_url.rstrip("/")

    relays = [one.strip() for one in settings.smtp_url.split(",") if one.strip()]
    for one in relays:
        if urlsplit(one).scheme not in {"smtp", "smtps"}:
            problems.append(f"SMTP_URL entries must start with smtp:// or smtps://, not {one!r}")
    if settings.smtp_tls == "none" and any(urlsplit(one).username for one in relays):
        problems.append("SMTP_TLS=none cannot go with a user name in SMTP_URL (the password would travel in clear)")

    if "@" not in settings.mail_from:
        problems.append(f"MAIL_FROM must contain an address, not {settings.mail_from!r}")

    try:
        ZoneInfo(settings.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(f"TIMEZONE {settings.timezone!r} is not a known time zone")

    dkim = (settings.dkim_domain, settings.dkim_selector, settings.dkim_private_key_file)
    if any(dkim) and not all(dkim):
        problems.append("DKIM_DOMAIN, DKIM_SELECTOR and DKIM_PRIVATE_KEY_FILE go together")
    for name, path in (("SMTP_CA_FILE", settings.smtp_ca_file), ("DKIM_PRIVATE_KEY_FILE", dkim[2])):
        if path and not Path(path).is_file():
            problems.append(f"{name} {path!r} does not exist")

    settings.log_format = settings.log_format or ("json" if production else "text")

    for name, percent in (("GUARD_COMPLAINT_PERCENT", settings.guards.complaint_percent),
                          ("GUARD_HARD_BOUNCE_PERCENT", settings.guards.hard_bounce_percent)):
        if percent > 100:
            problems.append(f"{name} must be a percentage between 0 and 100, not {percent!r}")
    settings.dns_nameservers = _nameservers(settings.dns_nameservers, problems)


def load_settings(environ: os._Environ[str] | dict[str, str] | None = None) -> Settings:
    """Parse the environment into :class:`Settings`, failing loudly in production."""
    env = dict(os.environ if environ is None else environ)
    problems: list[str] = []
    values = _read_group(Settings, env, problems)
    values["instance_dir"] = values["instance_dir"] or str(INSTANCE_DIR)
    settings = Settings(**values, organisation=Organisation(**_read_group(Organisation, env, problems)),
                        media_s3=_media_s3(env, problems), guards=Guards(**_read_group(Guards, env, problems)))
    _check(settings, env, problems)
    if problems:
        raise ConfigError("Configuration invalide / invalid configuration: " + "; ".join(problems))
    return settings


def engine_options(url: str) -> dict[str, Any]:
    """SQLite needs a generous busy timeout so concurrent writers wait, not fail."""
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": 30, "check_same_thread": False}}
    return {"pool_pre_ping": True, "pool_size": 10, "max_overflow": 10}
