"""Configuration: clear failures in production, sensible defaults in development."""
import pytest

from config import ConfigError, load_settings, normalise_database_url


def test_postgresql_urls_mean_psycopg3():
    assert normalise_database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_database_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_database_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"


def test_production_names_every_missing_setting():
    with pytest.raises(ConfigError) as excinfo:
        load_settings({"LETTRINE_ENV": "production"})
    message = str(excinfo.value)
    for name in ("DATABASE_URL", "SECRET_KEYS", "BASE_URL", "MAIL_FROM"):
        assert name in message


def test_production_refuses_http_base_url_and_short_keys():
    env = {
        "LETTRINE_ENV": "production", "DATABASE_URL": "postgresql://u@h/db",
        "SECRET_KEYS": "short", "BASE_URL": "http://news.example.org", "MAIL_FROM": "A <a@example.org>",
    }
    with pytest.raises(ConfigError) as excinfo:
        load_settings(env)
    assert "https" in str(excinfo.value)
    assert "32 characters" in str(excinfo.value)


def test_malformed_values_are_named():
    with pytest.raises(ConfigError, match="SMTP_URL"):
        load_settings({"SMTP_URL": "http://relay"})
    with pytest.raises(ConfigError, match="TIMEZONE"):
        load_settings({"TIMEZONE": "Mars/Olympus"})
    with pytest.raises(ConfigError, match="DKIM"):
        load_settings({"DKIM_DOMAIN": "example.org"})


def test_secret_keys_are_newest_first():
    settings = load_settings({"SECRET_KEYS": "new-key, old-key"})
    assert settings.secret_keys == ["new-key", "old-key"]
    assert settings.flask_config()["SECRET_KEY"] == "new-key"


def test_development_defaults_to_sqlite_and_paris():
    settings = load_settings({})
    assert settings.database_url.startswith("sqlite:///")
    assert settings.timezone == "Europe/Paris"
    assert settings.secret_keys and len(settings.secret_keys[0]) >= 32


def test_trusted_proxies_is_a_count():
    base = {"LETTRINE_ENV": "development"}
    assert load_settings(base).trusted_proxies == 0
    assert load_settings({**base, "TRUSTED_PROXIES": "2"}).trusted_proxies == 2
    for wrong in ("oui", "-1", "²"):  # "²".isdigit() is True, int("²") is not
        with pytest.raises(ConfigError, match="TRUSTED_PROXIES"):
            load_settings({**base, "TRUSTED_PROXIES": wrong})


def test_smtp_transport_settings_are_checked_and_reach_the_pool(tmp_path, migrated):
    from app.sending.limits import DatabaseQuota
    from app.sending.transport import get_transport, reset_transports
    from tests.conftest import make_app

    with pytest.raises(ConfigError, match="SMTP_TLS=none"):
        load_settings({"SMTP_URL": "smtp://u:p@relay:587", "SMTP_TLS": "none"})
    with pytest.raises(ConfigError, match="SMTP_TLS must be"):
        load_settings({"SMTP_TLS": "maybe"})
    with pytest.raises(ConfigError, match="SMTP_CA_FILE"):
        load_settings({"SMTP_CA_FILE": str(tmp_path / "absent.pem")})
    with pytest.raises(ConfigError, match="SMTP_DATA_TIMEOUT"):
        load_settings({"SMTP_DATA_TIMEOUT": "dix"})
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    app = make_app(migrated, SMTP_URL="smtp://relay:25?per_hour=5", SMTP_TLS="starttls", SMTP_CA_FILE=str(ca),
                   SMTP_DATA_TIMEOUT="120")
    with app.app_context():
        pool = get_transport()
        server = pool.servers[0].config
        assert (server.tls, server.ca_file, server.data_timeout) == ("starttls", str(ca), 120.0)
        assert isinstance(pool.quota, DatabaseQuota)  # RATELIMIT_STORAGE_URI is memory://: the database counts
        reset_transports()
    broken = make_app(migrated, SMTP_URL="smtp://relay:25?tls=sometimes")
    with broken.app_context(), pytest.raises(ConfigError, match="SMTP_TLS / tls="):
        get_transport()


def test_webhooks_to_private_targets_are_off_unless_the_operator_says_so():
    assert load_settings({}).flask_config()["WEBHOOK_ALLOW_PRIVATE_TARGETS"] is False
    assert load_settings({"WEBHOOK_ALLOW_PRIVATE_TARGETS": "1"}).flask_config()["WEBHOOK_ALLOW_PRIVATE_TARGETS"] is True
    with pytest.raises(ConfigError, match="WEBHOOK_ALLOW_PRIVATE_TARGETS must be 1 or 0"):
        load_settings({"WEBHOOK_ALLOW_PRIVATE_TARGETS": "maybe"})
